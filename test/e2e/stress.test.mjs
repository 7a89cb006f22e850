// The sampler survives deep stacks, long high-rate runs, repeated start/stop
// and V8's own CpuProfiler starting and stopping around it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runJson } from '../helpers.mjs';
import { pacingFloor, pacingMessage } from '../tolerance.mjs';

const MB = 1024 * 1024;

test('10,000-frame recursion completes; stacks deeper than the limit are marked truncated', () => {
  const result = runJson(['--stack-size=4000', fixture('stress.js'), 'deep-recursion']);
  // Enough samples to judge the share below (a 300 ms spin at 10 kHz; a busy machine delivered 399): a
  // sampler that gave up on deep stacks has none. The pace itself is judged by the 10 kHz test below.
  assert.ok(result.bottomSamples >= 100, `samples at the bottom: ${result.bottomSamples} of ${result.samples}`);
  assert.ok(result.truncatedSamples / result.bottomSamples > 0.99, `truncated ${result.truncatedSamples} of ${result.bottomSamples}`);
});

test('10 seconds at 10 kHz of allocation-heavy work: no crash, rate kept, memory bounded', () => {
  // The young generation is pinned as in the start/stop test below: left alone, V8 grows it to its
  // maximum (67 MB on Node 24) whenever the allocation rate rises, which on a loaded machine came
  // after the first second and read as 75 MB of growth that was not ours.
  const { meta, rss, sampler } = runJson(['--max-semi-space-size=2', fixture('stress.js'), 'long-10khz']);
  // Pace kept with the time the threads got: 60% of the ticks of the thread's CPU time, less the
  // sampling thread's waits for a core. The 95% target itself is a benchmark's (docs/benchmarks.md
  // section 2), as a busy machine slows the sampling thread too.
  const floor = pacingFloor({ seconds: Math.min(meta.cpuTime, meta.duration), interval: meta.requestedInterval, fraction: 0.6, samplerWait: sampler?.wait, duration: meta.duration });
  assert.ok(meta.sampleCount >= floor, pacingMessage({ samples: meta.sampleCount, floor, meta, sampler }));
  assert.equal(meta.droppedSamples, 0);
  // After the first second the session grows by a few bytes per sample only.
  const growth = rss[rss.length - 1] - rss[1];
  assert.ok(growth < 40 * MB, `RSS grew ${(growth / MB).toFixed(1)} MB over 9 s at 10 kHz`);
});

test('100 start/stop cycles: no crash, no RSS growth beyond the fixed buffers', () => {
  // Every start re-enumerates V8's code, which allocates quickly enough for
  // V8 to grow its young generation to the maximum (34 MB on Node 20, 67 MB on
  // Node 24) once. Pinning it makes what remains our own memory.
  const { readings } = runJson(['--expose-gc', '--max-semi-space-size=2', fixture('stress.js'), 'start-stop-cycles']);
  // RSS moves by several MB either way between readings (allocator and heap
  // sizing), so judge the trend: the least-squares slope over 150 cycles.
  const n = readings.length;
  const meanX = readings.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = readings.reduce((sum, [, y]) => sum + y, 0) / n;
  const slope =
    readings.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0) /
    readings.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  const per100 = (slope * 100) / MB;
  // Under AddressSanitizer (scripts/test-asan.sh preloads libasan) freed memory waits in ASan's
  // quarantine and RSS is the allocator's, not ours (trends of -90 to +14 MB per 100 cycles were
  // seen there): the run checks the cycles only, and the bound is the normal build's.
  if ((process.env.LD_PRELOAD ?? '').includes('libasan')) return;
  assert.ok(per100 < 5, `RSS trend ${per100.toFixed(2)} MB per 100 start/stop cycles`);
});

for (const order of ['inside', 'before']) {
  test(`inspector CPU profile started ${order} ours: no crash, our profile covers the time after`, () => {
    const result = runJson([fixture('stress.js'), `inspector-${order}`]);
    assert.ok(result.v8Samples > 0, 'the inspector profile recorded samples');
    // 300 ms of spinning after the inspector profile stopped. A sampler knocked out by V8's covers
    // nothing of it; a busy machine's stall before the last sample can take 100 ms or more (0.225 s seen).
    assert.ok(result.secondsAfter > 0.12, `covered ${result.secondsAfter.toFixed(3)} s after the inspector stopped`);
    assert.ok(result.notes.some((note) => note.includes('SIGPROF')), `notes: ${JSON.stringify(result.notes)}`);
  });
}

test('a second copy of the addon refuses to start with a clear message; the first keeps sampling', () => {
  const { error, samples } = runJson([fixture('two-copies.js')]);
  assert.match(error, /signal \d+ already has a handler .*NODEINSTRUMENT_SIGNAL/);
  // The first copy still samples: a few hundred on a quiet machine, 72 seen on a busy one, none if the refusal stopped it.
  assert.ok(samples >= 25, `samples: ${samples}`);
});

test('when other code takes over the signal mid-run, sampling resumes and the session says so', () => {
  const { secondsAfter, notes } = runJson([fixture('handler-replaced.js')]);
  // 600 ms of spinning after the takeover; the handler is checked every 100 ms. Not reinstalled, the
  // last 400 ms have no sample; a busy machine's stall before the last sample takes part of them.
  assert.ok(secondsAfter > 0.15, `covered ${secondsAfter.toFixed(3)} s of the last 400 ms`);
  assert.ok(notes.some((note) => /replaced .* reinstalled/.test(note)), `notes: ${JSON.stringify(notes)}`);
});
