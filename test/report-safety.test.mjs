// Reports are safe to print and never lose a recording: names from the
// profiled program cannot drive the terminal, and a report that cannot be
// written leaves the session on disk with a message saying where and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, fixture, runNode } from './helpers.mjs';

// Anything that makes a terminal do something: C0 controls but newline, DEL,
// C1 controls, bidirectional overrides and isolates.
const TERMINAL_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const OUR_COLOURS = /\x1b\[(?:0|1|2|3[123])m/g;

test('escape sequences in function and file names reach the text report escaped, never raw', () => {
  // The file name carries a sequence too (legal on Linux).
  const dir = mkdtempSync(join(tmpdir(), 'ni-hostile-'));
  const script = join(dir, 'evil\x1b]0;owned\x07\x1b[2J.js');
  copyFileSync(fixture('hostile-names.js'), script);
  try {
    for (const colour of ['--no-color', '--color']) {
      const result = runNode([cli, colour, '--show-all', script]);
      assert.equal(result.status, 0, result.stderr);
      const text = colour === '--color' ? result.stdout.replace(OUR_COLOURS, '') : result.stdout;
      assert.doesNotMatch(text, TERMINAL_CONTROL, `raw control character in the ${colour} report`);
      for (const shown of ['red\\x1b[31mALERT\\x1b[0m', 'title\\x1b]0;pwned\\x07', 'clear\\x1b[2J\\x1b[H', 'c1\\x9b31m', 'bidi\\u202eevil', 'evil\\x1b]0;owned\\x07\\x1b[2J.js']) {
        assert.ok(result.stdout.includes(shown), `${JSON.stringify(shown)} is shown escaped (${colour})`);
      }
    }
    // The folded-stacks format also goes to terminals.
    const collapsed = runNode([cli, '-r', 'collapsed', script]);
    assert.equal(collapsed.status, 0, collapsed.stderr);
    assert.doesNotMatch(collapsed.stdout, TERMINAL_CONTROL);
    assert.ok(collapsed.stdout.includes('red\\x1b[31mALERT\\x1b[0m'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a report that cannot be written says where and why, and the session is kept to render later', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ni-unwritable-'));
  const notADirectory = join(dir, 'file');
  writeFileSync(notADirectory, '');
  try {
    for (const [outfile, reason] of [
      [join(dir, 'missing', 'report.html'), /ENOENT: no such file or directory/],
      [join(notADirectory, 'report.txt'), /ENOTDIR: not a directory/],
    ]) {
      const result = runNode([cli, '-o', outfile, fixture('cli-exit3.js')]);
      // The program's own exit status wins when it failed; it exits 3 here.
      assert.equal(result.status, 3, result.stderr);
      assert.ok(result.stderr.includes(`cannot write ${outfile}: `), result.stderr);
      assert.match(result.stderr, reason);
      const kept = /the profile is kept in (\S+\.json); render it with: nodeinstrument --load \1 -o <report>/.exec(result.stderr);
      assert.ok(kept, result.stderr);
      try {
        const rendered = runNode([cli, '--load', kept[1]]);
        assert.equal(rendered.status, 0, rendered.stderr);
        assert.match(rendered.stdout, /Samples: [1-9]/);
      } finally {
        rmSync(kept[1], { force: true });
      }
    }
    // A program that succeeded: the failed write makes the run fail.
    const ok = runNode([cli, '-o', join(dir, 'missing', 'r.json'), fixture('hostile-names.js')]);
    assert.equal(ok.status, 1, ok.stderr);
    const kept = /the profile is kept in (\S+\.json)/.exec(ok.stderr);
    assert.ok(kept && existsSync(kept[1]), ok.stderr);
    rmSync(kept[1], { force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
