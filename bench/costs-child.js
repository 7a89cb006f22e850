'use strict';
/**
 * Fixed costs and per-sample costs, in one process with warm code:
 *  - start() and stop() time of each profiler (1 kHz, 100 ms of work between);
 *  - nodeinstrument's stop() time against the number of samples it has to
 *    drain (synchronous work, so no periodic drain runs and stop() drains all),
 *    and the same for V8's CpuProfiler and @datadog/pprof;
 *  - the periodic drains during an async run, split into native copy, decode
 *    and symbolize (by wrapping the functions in dist/, not by editing them);
 *  - rendering time of the text renderer and of every entry of `renderers`;
 *  - start() time against the size of the live heap (V8 enumerates existing
 *    code by walking the heap, for its own CpuProfiler as for our code events);
 *  - stop() plus text rendering at the end of a long (60 s) 1 kHz profile.
 * Sends the results to the parent over IPC.
 */
const path = require('node:path');
const { contender, ROOT } = require('./lib/contenders');
const workload = require('./lib/workload');

const config = JSON.parse(process.argv[2] || '{}');
const reps = config.reps ?? 10;
const sizesMs = config.sizesMs ?? [50, 100, 200, 400, 800];
const drainRunMs = config.drainRunMs ?? 2000;
const heapSizesMb = config.heapSizesMb ?? [100, 400];
const longRunS = config.longRunS ?? 60;

const dist = (file) => path.join(ROOT, 'dist', 'cjs', file);
const native = require(path.join(ROOT, 'build', 'Release', 'nodeinstrument.node'));
const drainModule = require(dist('drain/decode.js'));
const { Recorder } = require(dist('recording/recorder.js'));
const { Symbolizer } = require(dist('symbolize/symbolizer.js'));
const { SessionBuilder } = require(dist('session/session.js'));
const api = require(dist('index.js'));

const { tick } = workload;

// Timing wrappers: each accumulates into `timers[key]` while `timing` is on.
const timers = {};
let timing = false;
function wrap(object, key, label) {
  const original = object[key];
  object[key] = function wrapped(...args) {
    if (!timing) return original.apply(this, args);
    const t0 = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      const t = (timers[label] ??= { ms: 0, calls: 0, maxMs: 0 });
      const dt = performance.now() - t0;
      t.ms += dt;
      t.calls++;
      t.maxMs = Math.max(t.maxMs, dt);
    }
  };
}
wrap(native, 'drain', 'nativeDrain');
wrap(drainModule, 'decodeSamples', 'decodeSamples');
wrap(drainModule, 'decodeCodeEvents', 'decodeCodeEvents');
wrap(Symbolizer.prototype, 'process', 'symbolize');
// Inside symbolize: replaying code events vs turning samples into stacks.
// (Each wrapped call adds ~0.1 us of performance.now() to `symbolize`.)
wrap(Symbolizer.prototype, 'apply', 'applyCodeEvent');
wrap(Symbolizer.prototype, 'addSample', 'addSample');
wrap(Recorder.prototype, 'drain', 'drainTotal');
wrap(SessionBuilder.prototype, 'build', 'buildSession');

async function main() {
  await workload.runAsyncFor(1500);
  const names = ['nodeinstrument', 'v8', 'datadog'];
  const cs = Object.fromEntries(names.map((n) => [n, contender(n)]));
  const out = { startStop: {}, stopVsSamples: {}, periodicDrain: {}, render: {} };

  // 1. start/stop times at 1 kHz, interleaved across profilers.
  const startMs = Object.fromEntries(names.map((n) => [n, []]));
  const stopMs = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < reps; r++) {
    for (const n of names) {
      const t0 = performance.now();
      cs[n].start(1000);
      const t1 = performance.now();
      workload.runFor(100);
      const t2 = performance.now();
      cs[n].stop();
      const t3 = performance.now();
      startMs[n].push(t1 - t0);
      stopMs[n].push(t3 - t2);
      await tick();
    }
  }
  for (const n of names) out.startStop[n] = { startMs: startMs[n], stopMs: stopMs[n] };

  // 2. stop() time against samples to drain (10 kHz, synchronous work).
  for (const n of names) out.stopVsSamples[n] = [];
  for (let r = 0; r < 3; r++) {
    for (const ms of sizesMs) {
      for (const n of names) {
        cs[n].start(100);
        workload.runFor(ms);
        Object.keys(timers).forEach((k) => delete timers[k]);
        timing = n === 'nodeinstrument';
        const t0 = performance.now();
        const res = cs[n].stop();
        const dt = performance.now() - t0;
        timing = false;
        const entry = { workMs: ms, samples: res.samples, stopMs: dt };
        if (n === 'nodeinstrument') {
          entry.parts = JSON.parse(JSON.stringify(timers));
          entry.codeEvents = res.stats.codeEvents;
        }
        out.stopVsSamples[n].push(entry);
        await tick();
      }
    }
  }

  // 3. periodic drains during an async run, at 1 kHz and 10 kHz.
  for (const intervalUs of [1000, 100]) {
    Object.keys(timers).forEach((k) => delete timers[k]);
    const profiler = new api.Profiler({ interval: intervalUs / 1e6 });
    timing = true;
    profiler.start();
    await workload.runAsyncFor(drainRunMs);
    timing = false;
    const beforeStop = JSON.parse(JSON.stringify(timers));
    timing = true;
    const session = profiler.stop();
    timing = false;
    out.periodicDrain[intervalUs] = {
      samples: session.meta.sampleCount,
      durationS: session.meta.duration,
      periodic: beforeStop,
      total: JSON.parse(JSON.stringify(timers)),
      stats: native.stats(),
    };
  }

  // 4. rendering: sessions of ~2 s at 1 kHz and at 10 kHz.
  for (const intervalUs of [1000, 100]) {
    const profiler = new api.Profiler({ interval: intervalUs / 1e6 });
    profiler.start();
    await workload.runAsyncFor(drainRunMs);
    const session = profiler.stop();
    const r = { samples: session.meta.sampleCount, frames: session.frames?.length, text: [], renderers: {} };
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const s = api.renderText(session, {});
      r.text.push(performance.now() - t0);
      r.textBytes = s.length;
      for (const renderer of api.renderers) {
        const entry = (r.renderers[renderer.name] ??= { ms: [], bytes: 0 });
        if (entry.error) continue;
        try {
          const u0 = performance.now();
          const bytes = renderer.render(session, {});
          entry.ms.push(performance.now() - u0);
          entry.bytes = bytes.length;
        } catch (error) {
          entry.error = String(error.message).split('\n')[0];
        }
      }
    }
    out.render[intervalUs] = r;
  }

  // 5. stop() + renderText at the end of a long async run at 1 kHz.
  {
    const profiler = new api.Profiler({ interval: 0.001 });
    profiler.start();
    await workload.runAsyncFor(longRunS * 1000);
    const t0 = performance.now();
    const session = profiler.stop();
    const t1 = performance.now();
    const text = api.renderText(session, {});
    const t2 = performance.now();
    out.longRun = { seconds: longRunS, samples: session.meta.sampleCount, stopMs: t1 - t0, renderMs: t2 - t1, textChars: text.length };
  }

  // 6. start() against the live heap: grow it with small retained objects
  // (the heap walk visits objects), then time start()/stop() per profiler.
  out.startVsHeap = [];
  const WATCHED = 'nodeinstrument (watchCode)';
  const retained = [];
  for (const targetMb of [0, ...heapSizesMb]) {
    while (process.memoryUsage().heapUsed / 2 ** 20 < targetMb) {
      const chunk = new Array(10000);
      for (let i = 0; i < chunk.length; i++) chunk[i] = { i, s: `x${i}` };
      retained.push(chunk);
    }
    const row = { heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20, startMs: {} };
    for (let r = 0; r < Math.max(3, Math.round(reps / 2)); r++) {
      for (const n of [...names, WATCHED]) {
        // The watched variant: nodeinstrument with watchCode() armed (no heap walk at start).
        if (n === WATCHED) api.watchCode();
        const c = cs[n === WATCHED ? 'nodeinstrument' : n];
        const t0 = performance.now();
        c.start(1000);
        const t1 = performance.now();
        workload.runFor(20);
        c.stop();
        if (n === WATCHED) api.unwatchCode();
        (row.startMs[n] ??= []).push(t1 - t0);
        await tick();
      }
    }
    out.startVsHeap.push(row);
  }
  retained.length = 0;

  out.rssMb = process.memoryUsage().rss / 2 ** 20;
  process.send(out, () => process.exit(0));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
