// Issue 4: no signal while the event loop waits. The sampling thread records
// the idle samples itself, so an idle service is not interrupted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runJson } from '../helpers.mjs';

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
