'use strict';
/**
 * In-process A/B at one sampling rate. The work is cut into blocks of equal
 * work (~blockMs); each "group" runs, in a shuffled order, two unprofiled
 * blocks and one block per contender, so every contender is compared with
 * unprofiled blocks taken at the same moment (this machine's noise drifts
 * over seconds). The workload yields to the event loop between ~chunkMs
 * chunks, so timers (nodeinstrument's periodic drain) run inside the block.
 * start() and stop() are timed separately, outside the block.
 *
 * Contenders are names from lib/contenders.js, optionally "name:intervalUs"
 * to override the rate (e.g. "nodeinstrument:100000" = 10 Hz).
 *
 * Sends { groups: [{ off: [{ms, cpuMs}, {ms, cpuMs}], on: { spec: {...} } }] } over IPC.
 */
const path = require('node:path');
const { contender, ROOT } = require('./lib/contenders');
// The suite's mixed unit, or TypeScript's parser (config.unit 'tsparse': deep stacks, a real program).
const config = JSON.parse(process.argv[2]);
const workload = require(config.unit === 'tsparse' ? './lib/ts-parse-workload' : './lib/workload');
const { mulberry32, shuffled } = require('./lib/stats');

const { intervalUs, groups, blockMs, warmupMs, chunkMs, seed } = config;
const specs = config.contenders.filter((c) => c !== 'none');

// For nodeinstrument: time spent in its periodic drains (decode + symbolize
// on the JS thread) inside the timed block, by wrapping Recorder#drain in dist/.
let inBlock = false;
let drainMs = 0;
let drains = 0;
if (specs.some((s) => s.startsWith('nodeinstrument'))) {
  const { Recorder } = require(path.join(ROOT, 'dist', 'cjs', 'recording', 'recorder.js'));
  const original = Recorder.prototype.drain;
  Recorder.prototype.drain = function drain(...args) {
    if (!inBlock) return original.apply(this, args);
    const t0 = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      drainMs += performance.now() - t0;
      drains++;
    }
  };
}

const { tick } = workload;

function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const random = mulberry32(seed >>> 0);
const shuffle = (xs) => shuffled(xs, random);

async function block(chunks, unitsPerChunk) {
  const c0 = cpuMs();
  const t0 = performance.now();
  for (let i = 0; i < chunks; i++) {
    for (let j = 0; j < unitsPerChunk; j++) workload.unit();
    await tick();
  }
  return { ms: performance.now() - t0, cpuMs: cpuMs() - c0 };
}

function parseSpec(spec) {
  const [name, rate] = spec.split(':');
  return { name, intervalUs: rate ? Number(rate) : intervalUs };
}

async function main() {
  const cs = Object.fromEntries(specs.map((spec) => [spec, { ...parseSpec(spec), c: contender(parseSpec(spec).name) }]));
  // Warm up the workload's JIT tiers and each contender's own code paths.
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) {
    workload.runFor(chunkMs);
    await tick();
  }
  for (const { c, intervalUs: us } of Object.values(cs)) {
    c.start(us);
    workload.runFor(50);
    await tick();
    c.stop();
  }

  // Calibrate: units per chunk so that a chunk takes about chunkMs.
  const t0 = performance.now();
  const calUnits = workload.runFor(200);
  const unitMs = (performance.now() - t0) / calUnits;
  const unitsPerChunk = Math.max(1, Math.round(chunkMs / unitMs));
  const chunks = Math.max(1, Math.round(blockMs / (unitsPerChunk * unitMs)));

  const results = [];
  for (let g = 0; g < groups; g++) {
    const group = { off: [], on: {} };
    for (const which of shuffle(['off', 'off', ...specs])) {
      if (which === 'off') {
        group.off.push(await block(chunks, unitsPerChunk));
      } else {
        const { c, intervalUs: us } = cs[which];
        const rec = {};
        const s0 = performance.now();
        c.start(us);
        rec.startMs = performance.now() - s0;
        drainMs = 0;
        drains = 0;
        inBlock = true;
        const r = await block(chunks, unitsPerChunk);
        inBlock = false;
        rec.drainMs = drainMs;
        rec.drains = drains;
        const s1 = performance.now();
        const res = c.stop();
        rec.stopMs = performance.now() - s1;
        rec.ms = r.ms;
        rec.cpuMs = r.cpuMs;
        rec.samples = res.samples;
        rec.durationS = res.durationS;
        if (res.dropped !== undefined) rec.dropped = res.dropped;
        if (res.stats) {
          rec.signalsSent = res.stats.signalsSent;
          rec.lateTicks = res.stats.lateTicks;
          rec.busyTicks = res.stats.busyTicks;
        }
        if (res.sent !== undefined) rec.signalsSent = res.sent;
        group.on[which] = rec;
      }
      await tick();
    }
    results.push(group);
  }
  process.send({ intervalUs, unitsPerChunk, chunks, unitMs, groups: results, rssMb: process.memoryUsage().rss / 2 ** 20 }, () =>
    process.exit(0),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
