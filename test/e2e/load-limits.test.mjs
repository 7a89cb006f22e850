// What --load and diff read is bounded, and odd metadata renders honestly:
// a device that never ends (a /dev/zero twin made with mknod in a temporary
// directory) or a huge file is refused with one line; a start time that is no
// date shows as `unknown time`, never `NaN-NaN-NaN`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, runNode } from '../helpers.mjs';
import { makeSession } from '../sessions.mjs';
import { formatTimestamp } from '../internals.cjs';

const LIMIT = 'more than 256 MiB, the largest profile nodeinstrument reads';

function withDir(body) {
  const dir = mkdtempSync(join(tmpdir(), 'ni-limits-'));
  try {
    return body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('--load and diff of a device that never ends (a /dev/zero twin) stop at the cap with one line', () => {
  withDir((dir) => {
    const zero = join(dir, 'zero');
    const made = spawnSync('mknod', [zero, 'c', '1', '5'], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const load = runNode([cli, '--load', zero], { timeout: 60_000 });
    assert.equal(load.status, 1, load.stderr);
    assert.equal(load.stderr, `nodeinstrument: cannot read ${zero}: ${LIMIT}\n`);
    const session = join(dir, 'run.json');
    makeSession([]).save(session);
    const diff = runNode([cli, 'diff', session, zero], { timeout: 60_000 });
    assert.equal(diff.status, 1, diff.stderr);
    assert.equal(diff.stderr, `nodeinstrument: cannot read ${zero}: ${LIMIT}\n`);
  });
});

test('a file over the cap is refused by its size, before it is read', () => {
  withDir((dir) => {
    const huge = join(dir, 'huge.json');
    writeFileSync(huge, '');
    truncateSync(huge, 300 * 1024 * 1024); // sparse: no disk space used
    const started = Date.now();
    const load = runNode([cli, '--load', huge]);
    assert.equal(load.status, 1, load.stderr);
    assert.equal(load.stderr, `nodeinstrument: cannot read ${huge}: ${LIMIT}\n`);
    const diff = runNode([cli, 'diff', huge, huge]);
    assert.equal(diff.status, 1, diff.stderr);
    assert.equal(diff.stderr, `nodeinstrument: cannot read ${huge}: ${LIMIT}\n`);
    assert.ok(Date.now() - started < 20_000, 'refused without reading 300 MiB');
  });
});

test('a start time that is no date renders as "unknown time" in the text, summary and diff reports', () => {
  withDir((dir) => {
    const frame = { name: 'main', file: '/app/app.js', line: 1, column: 1, kind: 'js' };
    for (const startTime of [1e300, -1e20]) {
      const path = join(dir, `start-${startTime}.json`);
      makeSession([[[frame], 0.01]], { startTime }).save(path);
      const text = runNode([cli, '--load', path, '--no-color']);
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, /Recorded: unknown time/);
      const summary = runNode([cli, '--load', path, '-r', 'summary']);
      assert.equal(summary.status, 0, summary.stderr);
      assert.match(summary.stdout, /unknown time/);
      const diff = runNode([cli, 'diff', path, path, '--no-color']);
      assert.equal(diff.status, 0, diff.stderr);
      assert.match(diff.stdout, /unknown time/);
      for (const output of [text.stdout, summary.stdout, diff.stdout]) assert.doesNotMatch(output, /NaN/);
    }
    // The HTML page's header formats the start with this same function.
    assert.equal(formatTimestamp(1e300), 'unknown time');
    assert.equal(formatTimestamp(-1e20), 'unknown time');
    assert.match(formatTimestamp(Date.UTC(2026, 0, 2, 3, 4, 5)), /^2026-01-0[12] \d\d:04:05$/);
  });
});
