'use strict';
/**
 * The JS thread's drain work on deep stacks, two builds of lib/ in one
 * process: alternating 300 ms recordings of TypeScript's parser at 100 us
 * (bench/lib/ts-parse-workload.js), the builds' order flipped each round,
 * timing Recorder#drain inside each recording (not stop()'s).
 *
 *   node bench/drain-ab.js <dist/cjs of build A> <dist/cjs of build B>   # ROUNDS=30 by default
 *
 * Prints, per build, the median and range over recordings of drain time per
 * delivered sample, and the median stop(). Both builds share the addon in
 * build/ (the JS side is what differs).
 */
const path = require('node:path');
const workload = require('./lib/ts-parse-workload');

const dists = process.argv.slice(2);
if (dists.length < 1) {
  console.error('usage: node bench/drain-ab.js <dist/cjs> [<dist/cjs> ...]');
  process.exit(2);
}
const builds = dists.map((dist) => {
  const { Profiler } = require(path.resolve(dist, 'index.js'));
  const { Recorder } = require(path.resolve(dist, 'recording', 'recorder.js'));
  const build = { dist, Profiler, drainMs: 0, perSampleUs: [], stopMs: [] };
  const original = Recorder.prototype.drain;
  Recorder.prototype.drain = function timedDrain(...args) {
    const t0 = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      build.drainMs += performance.now() - t0;
    }
  };
  return build;
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function record(build, ms) {
  const profiler = new build.Profiler({ interval: 100e-6 });
  profiler.start();
  build.drainMs = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    workload.runFor(5);
    await workload.tick();
  }
  const inRun = build.drainMs;
  const t0 = performance.now();
  const session = profiler.stop();
  return { inRun, stopMs: performance.now() - t0, samples: session.meta.sampleCount };
}

(async () => {
  const warm = performance.now() + 2000;
  while (performance.now() < warm) {
    workload.runFor(20);
    await workload.tick();
  }
  for (const build of builds) for (let i = 0; i < 3; i++) await record(build, 50);
  const rounds = Number(process.env.ROUNDS) || 30;
  for (let round = 0; round < rounds; round++) {
    for (const build of round % 2 ? [...builds].reverse() : builds) {
      const r = await record(build, 300);
      build.perSampleUs.push((r.inRun * 1000) / r.samples);
      build.stopMs.push(r.stopMs);
    }
  }
  for (const b of builds) {
    console.log(
      `${b.dist}: drains ${median(b.perSampleUs).toFixed(2)} us a sample [${Math.min(...b.perSampleUs).toFixed(2)}-${Math.max(...b.perSampleUs).toFixed(2)}], ` +
        `stop() ${median(b.stopMs).toFixed(1)} ms (medians of ${rounds} recordings)`,
    );
  }
})();
