// NODEINSTRUMENT_SIGNAL and the signal option take only the real-time signals
// the C library leaves free (SIGRTMIN..SIGRTMAX). Anything else is refused in
// one line: a standard signal has an owner (17, SIGCHLD, is libuv's: taking
// it hung child processes), glibc keeps 32 and 33 (nothing was recorded),
// and a number that is not one printed a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, fixture, root, runNode } from '../helpers.mjs';

const index = JSON.stringify(`${root}/dist/cjs/index.js`);
const native = (await import('../internals.cjs')).loadNative();
const { signalMin, signalMax } = native;
const BAD = ['17', '32', '33', 'abc', '65', '15', '-1', '34.5', String(signalMax + 1)];

test('the addon reports the real-time range of this C library', () => {
  assert.ok(signalMin >= 32 && signalMin <= signalMax && signalMax <= 128, `${signalMin}..${signalMax}`);
});

function expected(source, value) {
  return new RegExp(
    `^nodeinstrument: ${source} must be a real-time signal number from ${signalMin} to ${signalMax} \\(SIGRTMIN to SIGRTMAX here\\), got ${JSON.stringify(value).replace(/[.]/g, '\\.')}$`,
  );
}

test('API: a bad NODEINSTRUMENT_SIGNAL throws one clear line; a free real-time signal is used', () => {
  const script = `const { Profiler } = require(${index});
    try { const p = new Profiler(); p.start(); console.log('signal', p.stop().meta.signal); }
    catch (error) { console.log(error.name + ': ' + error.message); }`;
  for (const value of BAD) {
    const run = runNode(['-e', script], { env: { ...process.env, NODEINSTRUMENT_SIGNAL: value } });
    assert.equal(run.status, 0, run.stderr);
    const line = run.stdout.trim();
    assert.match(line.replace(/^RangeError: /, ''), expected('NODEINSTRUMENT_SIGNAL', value), line);
  }
  const good = runNode(['-e', script], { env: { ...process.env, NODEINSTRUMENT_SIGNAL: String(signalMin + 2) } });
  assert.equal(good.stdout.trim(), `signal ${signalMin + 2}`, good.stderr);
});

test('API: the signal option is checked the same way', () => {
  for (const value of [17, 32, 15, 65, 1.5]) {
    const script = `const { Profiler } = require(${index});
      try { new Profiler({ signal: ${value} }); console.log('accepted'); } catch (error) { console.log(error.message); }`;
    const run = runNode(['-e', script]);
    assert.match(run.stdout.trim(), new RegExp(`^nodeinstrument: the signal option must be a real-time signal number from ${signalMin} to ${signalMax} .*got ${value}$`));
  }
});

test('CLI: a bad NODEINSTRUMENT_SIGNAL exits 2 with one line, before the program runs', () => {
  for (const value of BAD) {
    const run = runNode([cli, fixture('cli-exit3.js')], { env: { ...process.env, NODEINSTRUMENT_SIGNAL: value } });
    assert.equal(run.status, 2, `${value}: ${run.stderr}`);
    assert.match(run.stderr.trimEnd(), expected('NODEINSTRUMENT_SIGNAL', value));
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    assert.equal(run.stdout, '');
  }
});

test('CLI: a free real-time signal profiles, and child processes of the program still work', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ni-signal-'));
  const program = join(dir, 'spawns.js');
  writeFileSync(program, `const { execFileSync } = require('node:child_process');
    console.log(execFileSync(process.execPath, ['-e', 'console.log(6 * 7)'], { encoding: 'utf8' }).trim());`);
  try {
    const run = runNode([cli, '-r', 'collapsed', program], { env: { ...process.env, NODEINSTRUMENT_SIGNAL: String(signalMax - 1) }, timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^42$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
