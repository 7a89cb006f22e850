// Issue 4: no signal while the event loop waits. The sampling thread records
// the idle samples itself, so an idle service is not interrupted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, fixture, runJson, runNode } from '../helpers.mjs';
import { parseArgs } from '../internals.cjs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('a process waiting on its event loop gets idle samples without signals; its work is still sampled', () => {
  const result = runJson([fixture('idle-wait.js')]);
  // About 1,000 ticks while the loop waits: recorded by the sampling thread, not signalled.
  assert.ok(result.idleTicks > 300, JSON.stringify(result));
  assert.ok(result.signalsSent < result.samples * 0.35, `signals ${result.signalsSent} for ${result.samples} samples`);
  // The waiting shows as (idle), the work after it as itself.
  assert.ok(result.idleSeconds > 0.8 && result.idleSeconds < result.duration, JSON.stringify(result));
  assert.ok(result.workSeconds > 0.02, JSON.stringify(result));
});

test('JavaScript in I/O callbacks, which libuv runs inside its poll phase, is sampled as itself, not as idle', () => {
  const result = runJson([fixture('io-callback.js')]);
  // Six 60 ms handlers (0.36 s; the fixture measures them, less the GC pauses in them), 40 ms waits
  // between them: the handlers' time within 60 ms, and what the samples across their edges may have
  // charged elsewhere (a sample after a stall stands for all of it: test/tolerance.mjs).
  assert.ok(result.handlerSeconds >= result.handlerTruth - 0.06 - result.handlerAllowance, JSON.stringify(result));
  assert.ok(result.idleSeconds > 0.1, JSON.stringify(result));
});

test('--awaits: the time a script waits at its awaits is [await] under the functions that awaited, not (idle)', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'nodeinstrument-awaits-')), 'run.json');
  const result = runNode([cli, '--awaits', '-o', out, fixture('awaits.mjs')]);
  assert.equal(result.status, 0, result.stderr);
  const session = JSON.parse(readFileSync(out, 'utf8'));
  const names = (stack) => {
    const out = [];
    for (let at = stack; at !== -1; at = session.stacks.parent[at]) out.unshift(session.frames[session.stacks.frame[at]].name);
    return out;
  };
  const fileOf = (stack) => session.frames[session.stacks.frame[stack]].file;
  let awaited = 0;
  let idle = 0;
  session.samples.stack.forEach((stack, i) => {
    const path = stack === -1 ? [] : names(stack);
    if (path.at(-1) === '[await]') {
      // Node's ES module loader awaits the module's files before it runs: its waits are Node's.
      if (fileOf(session.stacks.parent[stack]).startsWith('node:')) return;
      // Each of the program's waits is fetchPage's (its await of the timer), with crawl as the
      // caller: on the stack the first time, from V8's async frames after each resume.
      assert.deepEqual(path.slice(-3), ['crawl', 'fetchPage', '[await]'], path.join(' > '));
      awaited += session.samples.duration[i];
    }
    if (path[0] === '(idle)') idle += session.samples.duration[i];
  });
  // Three 60 ms waits; on a busy machine a timer fires late (more waiting), never early.
  assert.ok(awaited >= 0.12, `[await] ${awaited} s, (idle) ${idle} s`);
  assert.ok(idle < awaited / 2, `[await] ${awaited} s, (idle) ${idle} s`);
  // The file: URL of an ES module matches the sampled functions: one crawl frame in the session.
  assert.equal(session.frames.filter((frame) => frame.name === 'crawl').length, 1, JSON.stringify(session.frames.filter((frame) => frame.name === 'crawl')));

  assert.throws(() => parseArgs(['--awaits', '--mode', 'cpu', 'app.js']), /--awaits applies to recording a program in wall mode, not with --mode cpu/);
  assert.throws(() => parseArgs(['--awaits', '--load', 'run.json']), /not with --load/);
  assert.throws(() => parseArgs(['attach', '123', '--awaits']), /--awaits does not apply to attach/);
  assert.equal(parseArgs(['--awaits', 'app.js']).awaits, true);
});
