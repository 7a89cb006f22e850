// Signal and handler conflicts end in defined behaviour with a clear message,
// never a dead process: two installed copies of nodeinstrument both asked to
// profile, and the sampler's signal sent by other processes. (V8's
// CpuProfiler taking SIGPROF around ours, a second copy of the addon alone,
// and other code taking over our signal are in stress.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runJson } from '../helpers.mjs';

for (const mode of ['same-signal', 'other-signal']) {
  test(`two copies of the package (${mode}): the second is refused, naming the first; the first keeps its code events`, () => {
    const result = runJson([fixture('two-packages.js'), mode]);
    assert.match(result.error, /another copy of nodeinstrument \(\S*app-a\S*\) is already profiling this thread; stop it first/);
    assert.equal(result.secondStarted, false);
    // With a signal of its own the second copy used to start and take V8's
    // one code event handler: code compiled after it went unresolved.
    assert.ok(result.freshHotFound, 'code compiled after the second copy tried is named in the first copy\'s profile');
    assert.ok(result.unresolvedFrames <= result.totalFrames * 0.01, `unresolved ${result.unresolvedFrames} of ${result.totalFrames}`);
  });
}

test('the sampler\'s signal sent by other processes is ignored and counted; the process lives on', () => {
  const { samplesAfter, notes } = runJson([fixture('foreign-signal.js')]);
  assert.ok(notes.some((note) => /^10 signal\(s\) \d+ came from elsewhere and were ignored$/.test(note)), JSON.stringify(notes));
  // 300 ms of spinning after the last one: sampling went on.
  assert.ok(samplesAfter >= 20, `samples after the last foreign signal: ${samplesAfter}`);
});
