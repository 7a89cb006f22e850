// The known-split workload is attributed within 3 percentage points of the
// truth for every function, at 1 ms and 100 us, and under --stress-compaction.
// The truth is each function's wall time less the GC pauses inside it, which
// the fixture measures itself. On a busy machine a sample after a stall
// stands for all of it: the fixture says how far the samples across each
// function's edges may move its share, and that is allowed on top
// (test/tolerance.mjs); the 3 points on any machine are the benchmark's
// (npm run accuracy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runJson } from '../helpers.mjs';
import { assertShares, pacingFloor, pacingMessage } from '../tolerance.mjs';

function assertSplit(t, { expected, shares, allowance, meta }, label) {
  return assertShares(t, assert, { measured: shares, truth: expected, points: 3, allowance, label: `${label} (${meta.sampleCount} samples)` });
}

for (const interval of ['0.001', '0.0001']) {
  test(`known split is reported within 3 points at ${interval}s`, (t) => {
    const result = runJson([fixture('known-split.js'), interval]);
    // The sampler keeps pace with the time it was given. The 95% target is a benchmark's
    // (docs/benchmarks.md section 2: 99% at both rates on a quiet machine); here a floor of 60% of
    // the ticks of the thread's CPU time, less the time the sampling thread waited for a core
    // (74% and 47% of the wall-clock rate were measured while two other CPU-bound jobs ran).
    const { meta, sampler } = result;
    const floor = pacingFloor({ seconds: Math.min(meta.cpuTime, meta.duration), interval: meta.requestedInterval, fraction: 0.6, samplerWait: sampler?.wait, duration: meta.duration });
    assert.ok(meta.sampleCount >= floor, pacingMessage({ samples: meta.sampleCount, floor, meta, sampler }));
    // Without walking from the caller at frame boundaries this is about 3% on Node 24.
    assert.ok(result.detachedShare < 0.005, `${(result.detachedShare * 100).toFixed(2)}% of samples detached from their callers`);
    assertSplit(t, result, `interval ${interval}`);
  });
}

test('known split under --stress-compaction: same attribution, under 1% unresolved frames', (t) => {
  // Full GCs take about 40% of this run, so it runs longer to keep the
  // sampling noise of the JavaScript shares well under the tolerance.
  const result = runJson(['--stress-compaction', fixture('known-split.js'), '0.001', '3000']);
  const { unresolvedFrames, totalFrames } = result.meta;
  assert.ok(totalFrames > 1000, `frames symbolized: ${totalFrames}`);
  assert.ok(unresolvedFrames / totalFrames < 0.01, `unresolved ${unresolvedFrames} of ${totalFrames}`);
  assertSplit(t, result, 'stress-compaction');
});

// Every tier V8 can run a function in (and none) is the same frame: the split
// holds whichever compilers run, and no frame is left unresolved or detached.
for (const flag of ['--always-sparkplug', '--maglev', '--always-osr', '--no-opt', '--max-lazy', '--jitless', '--always-turbofan']) {
  test(`known split under ${flag}`, (t) => {
    const result = runJson([flag, fixture('known-split.js'), '0.0005', '800']);
    const { unresolvedFrames, totalFrames } = result.meta;
    // Usually 0; once in a while a handful of ~23,000 (not yet explained).
    assert.ok(unresolvedFrames <= totalFrames * 0.001, `unresolved ${unresolvedFrames} of ${totalFrames}`);
    // Node 24 with --always-turbofan leaves some samples detached: the pc
    // inside a frameless builtin (ObjectPrototypeHasOwnProperty), where V8's
    // walk gives up away from the frame set-up the sampler recovers from.
    // Measured: 0.31-0.69% in 8 runs, 1.32% once in CI (recovering them needs
    // the stack-top return address in the sample). Without the frame-boundary
    // recovery it is ~3%; every other tier leaves none.
    const bound = flag === '--always-turbofan' && Number(process.versions.node.split('.')[0]) >= 24 ? 0.015 : 0.01;
    assert.ok(result.detachedShare < bound, `${(result.detachedShare * 100).toFixed(2)}% detached`);
    assertSplit(t, result, flag);
  });
}
