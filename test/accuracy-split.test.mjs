// The known-split workload is attributed within 3 percentage points of the
// truth for every function, at 1 ms and 100 us, and under --stress-compaction.
// The truth is each function's wall time less the GC pauses inside it, which
// the fixture measures itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runJson } from './helpers.mjs';

function assertSplit({ expected, shares, meta }, label) {
  for (const [name, truth] of Object.entries(expected)) {
    const measured = shares[name];
    assert.ok(
      Math.abs(measured - truth) <= 0.03,
      `${label}: ${name} measured ${(measured * 100).toFixed(1)}%, truth ${(truth * 100).toFixed(1)}% (samples ${meta.sampleCount})`,
    );
  }
}

for (const interval of ['0.001', '0.0001']) {
  test(`known split is reported within 3 points at ${interval}s`, () => {
    const result = runJson([fixture('known-split.js'), interval]);
    assertSplit(result, `interval ${interval}`);
    // The sampler keeps pace. The 95% target is a benchmark's (docs/benchmarks.md section 2: 99%
    // at both rates on a quiet machine); here a floor that a broken pacing would miss and a busy
    // machine does not (this test measured 74% and 47% while two other CPU-bound jobs ran).
    const rate = result.meta.requestedInterval / result.meta.achievedInterval;
    assert.ok(rate >= (interval === '0.001' ? 0.5 : 0.25), `achieved ${(rate * 100).toFixed(1)}% of the requested rate at ${interval}s`);
    // Without walking from the caller at frame boundaries this is about 3% on Node 24.
    assert.ok(result.detachedShare < 0.005, `${(result.detachedShare * 100).toFixed(2)}% of samples detached from their callers`);
  });
}

test('known split under --stress-compaction: same attribution, under 1% unresolved frames', () => {
  // Full GCs take about 40% of this run, so it runs longer to keep the
  // sampling noise of the JavaScript shares well under the tolerance.
  const result = runJson(['--stress-compaction', fixture('known-split.js'), '0.001', '3000']);
  assertSplit(result, 'stress-compaction');
  const { unresolvedFrames, totalFrames } = result.meta;
  assert.ok(totalFrames > 1000, `frames symbolized: ${totalFrames}`);
  assert.ok(unresolvedFrames / totalFrames < 0.01, `unresolved ${unresolvedFrames} of ${totalFrames}`);
});

// Every tier V8 can run a function in (and none) is the same frame: the split
// holds whichever compilers run, and no frame is left unresolved or detached.
for (const flag of ['--always-sparkplug', '--maglev', '--always-osr', '--no-opt', '--max-lazy', '--jitless', '--always-turbofan']) {
  test(`known split under ${flag}`, () => {
    const result = runJson([flag, fixture('known-split.js'), '0.0005', '800']);
    assertSplit(result, flag);
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
  });
}
