// Reports are safe to print and never lose a recording: names from the
// profiled program cannot drive the terminal, and a report that cannot be
// written leaves the session on disk with a message saying where and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, fixture, runNode } from '../helpers.mjs';

const require = createRequire(import.meta.url);
const { httpProfiling, pprofHandler } = require('../../dist/cjs/index.js');

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

// What a crafted file or argument could carry: a clear-screen, a window-title
// sequence, a C1 CSI and a right-to-left override.
const HOSTILE = '\x1b[2J\x1b]0;owned\x07\u009b31m\u202e';

function assertNoRawControl(text, what) {
  assert.doesNotMatch(text, TERMINAL_CONTROL, `raw control character in ${what}: ${JSON.stringify(text)}`);
}

test('errors about crafted files and arguments show their control characters escaped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ni-hostile-'));
  try {
    const version = join(dir, 'version.json');
    writeFileSync(version, JSON.stringify({ format: 'nodeinstrument-session', version: HOSTILE }));
    const mode = join(dir, 'mode.json');
    writeFileSync(mode, JSON.stringify({ format: 'nodeinstrument-session', version: 1, meta: { mode: HOSTILE }, frames: [], stacks: { parent: [], frame: [] }, samples: { stack: [], time: [], duration: [], cpu: [] } }));
    // JSON.parse quotes the start of what it could not parse.
    const notJson = join(dir, 'not-json.json');
    writeFileSync(notJson, `${HOSTILE} not a session`);
    const named = join(dir, `${HOSTILE}.json`);
    const cases = [
      [['--load', version], /session format version "\\u001b\[2J\\u001b\]0;owned\\u0007\\x9b31m\\u202e" is not supported/, 1],
      [['--load', mode], /meta\.mode .*\\x9b31m\\u202e.* is not a mode/, 1],
      [['--load', notJson], /is neither a nodeinstrument session nor a V8 .cpuprofile \(not JSON: .*\\x1b\[2J/, 1],
      [['diff', notJson, version], /neither a nodeinstrument session nor a V8 \.cpuprofile \(not JSON: .*\\x1b\[2J/, 1],
      [['--load', named], /cannot read .*\\x1b\[2J\\x1b\]0;owned\\x07\\x9b31m\\u202e\.json/, 1],
      [['--mode', HOSTILE, 'app.js'], /invalid --mode: mode must be one of wall, cpu, alloc, got \\x1b\[2J/, 2],
      [['-i', HOSTILE, 'app.js'], /invalid interval '\\x1b\[2J/, 2],
      [[`--${HOSTILE}`, 'app.js'], /unknown option --\\x1b\[2J/, 2],
      [['diff', '-r', HOSTILE, 'a', 'b'], /diff writes text, html, json, not '\\x1b\[2J/, 2],
      [[join(dir, `${HOSTILE}.js`)], /no such script: .*\\x1b\[2J/, 2],
    ];
    for (const [args, message, status] of cases) {
      const result = runNode([cli, ...args]);
      assert.equal(result.status, status, `${JSON.stringify(args)}: ${result.stderr}`);
      assertNoRawControl(result.stderr, JSON.stringify(args));
      assert.match(result.stderr, message);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HTTP errors of the middleware and the pprof endpoint show query parameters escaped', async () => {
  const pprof = pprofHandler();
  const profiled = httpProfiling((request, response) => response.end('ok'));
  const server = createServer((request, response) => (request.url.startsWith('/debug/pprof') ? pprof(request, response) : profiled(request, response)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${server.address().port}`;
  const hostile = encodeURIComponent(HOSTILE);
  try {
    for (const [path, shown] of [
      [`/?profile=${hostile}`, /\?profile takes no value .*; got '\\x1b\[2J\\x1b\]0;owned\\x07\\x9b31m\\u202e'/],
      [`/debug/pprof/profile?seconds=${hostile}`, /seconds must be a plain number .*; got '\\x1b\[2J\\x1b\]0;owned\\x07\\x9b31m\\u202e'/],
      [`/debug/pprof/profile?format=${hostile}`, /format must be one of .*; got '\\x1b\[2J\\x1b\]0;owned\\x07\\x9b31m\\u202e'/],
    ]) {
      const response = await fetch(base + path);
      const body = await response.text();
      assert.equal(response.status, 400, `${path}: ${body}`);
      assertNoRawControl(body, path);
      assert.match(body, shown);
    }
  } finally {
    server.close();
  }
});
