#!/usr/bin/env node
'use strict';
/**
 * A focused, interleaved A/B of nodeinstrument's overhead on the profiled
 * thread, for finding where it goes: like section 1 of bench/run.js (same
 * workload, blocks and groups), but with variants that switch one part of
 * nodeinstrument off at a time.
 *
 *   node bench/overhead-ab.js [--variants a,b,...] [--groups N] [--processes N]
 *                             [--interval-us N] [--block-ms N]
 *
 * Each of --processes child processes runs --groups groups; a group is, in a
 * shuffled order, two unprofiled blocks and one block per variant. Reported
 * per variant: wall overhead (sampled block / mean of the group's two
 * unprofiled blocks - 1), the JS thread's own CPU time ratio, microseconds per
 * delivered sample, and the garbage collections inside the block.
 *
 * Variants (makeVariants below): floor, ni (the Profiler as a user runs it),
 * ni10hz, niCpu / niCpuThread (CPU mode with the kernel's CPU timer / with
 * the sampling thread's clock), v8, datadog, native (the native sampler alone: no drains, no memory
 * monitor), nativeMem, recNoDrain (no periodic drains: all at stop, outside the
 * block), recNoMem, recNoDrainNoMem, drainCopy / drainDecode / drainCode /
 * drainNoMemPoll (periodic drains doing only part of the work), and niOther
 * (the Profiler of another build of lib/, NI_AB_OTHER_DIST=/abs/dist/cjs: a
 * before/after in one process). --ref names the variant the paired table
 * compares against (default: the first).
 *
 * Columns: "JS-thread CPU" is the profiled thread's own CPU time (its clock),
 * which a busy machine disturbs less than wall time (no time waiting for a
 * core); "extra GC ms" is the GC time inside the block (perf_hooks 'gc'
 * entries) less the unprofiled blocks'; "in drains" the time inside
 * Recorder#drain; "extra preemptions" the JS thread's involuntary context
 * switches less the unprofiled blocks'.
 */
const path = require('node:path');
const { fork } = require('node:child_process');
const { summary, median, mulberry32, shuffled, bootstrapMedian: bootstrap } = require('./lib/stats');
const { contender, ROOT } = require('./lib/contenders');

const DEFAULT_VARIANTS = ['floor', 'ni', 'ni10hz', 'v8', 'native', 'recNoDrain', 'recNoMem'];

function parseArgs(argv) {
  const o = { variants: DEFAULT_VARIANTS, groups: 20, processes: 3, intervalUs: 1000, blockMs: 300, chunkMs: 5, warmupMs: 1000, json: false, unit: 'mixed' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--variants': o.variants = value().split(',').filter(Boolean); break;
      case '--groups': o.groups = Number(value()); break;
      case '--processes': o.processes = Number(value()); break;
      case '--interval-us': o.intervalUs = Number(value()); break;
      case '--block-ms': o.blockMs = Number(value()); break;
      case '--json': o.json = true; break;
      case '--ref': o.ref = value(); break;
      case '--unit': o.unit = value(); break;
      case '--help':
        console.log('usage: node bench/overhead-ab.js [--variants LIST] [--groups N] [--processes N] [--interval-us N] [--block-ms N] [--unit mixed|tsparse] [--json]');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return o;
}

// ------------------------------------------------------------------ child

// Time inside Recorder#drain during a block (whichever drain the variant runs).
let drainMs = 0;

/** A variant: start(intervalUs) and stop() -> { samples }. */
function makeVariants() {
  const native = () => require(path.join(ROOT, 'build', 'Release', 'nodeinstrument.node'));
  const recorderClass = () => require(path.join(ROOT, 'dist', 'cjs', 'recording', 'recorder.js')).Recorder;
  const labelSlot = () => require(path.join(ROOT, 'dist', 'cjs', 'labels', 'state.js')).labelState().slot.buffer;
  const fromContender = (name, fixedUs) => {
    const c = contender(name);
    return { start: (us) => c.start(fixedUs ?? us), stop: () => c.stop() };
  };
  // The Recorder as Profiler builds it, with some parts switched off.
  // periodic: how the periodic drains work ('full'; 'copy': the native copy only;
  // 'decode': copy and decode; 'code': copy, decode, and apply the code events only).
  const recorder = ({ drain = true, memory = true, periodic = 'full' } = {}) => {
    let r;
    return {
      start(us) {
        const n = native();
        const memoryStart = n.memoryStart;
        if (!memory) n.memoryStart = () => { throw new Error('off'); };
        try {
          const Recorder = recorderClass();
          r = new Recorder({ interval: us / 1e6, maxStackDepth: 255, signal: 0, mode: 'wall', inlinedFrames: true, drainInterval: drain ? 200 : 1e9 });
        } finally {
          n.memoryStart = memoryStart;
        }
        if (periodic !== 'full') {
          const { decodeSamples, decodeCodeEvents } = require(path.join(ROOT, 'dist', 'cjs', 'drain', 'decode.js'));
          const rec = r;
          rec.drain = function drain() {
            const t0 = performance.now();
            try { partialDrain(); } finally { drainMs += performance.now() - t0; }
          };
          const partialDrain = () => {
            const { samples, codeEvents } = rec.native.drain();
            if (periodic === 'copy') return;
            const s = decodeSamples(samples);
            const e = decodeCodeEvents(codeEvents);
            if (periodic === 'code') rec.thread.symbolizer.process([], e);
            else if (periodic === 'nomem') rec.thread.symbolizer.process(s, e);
          };
        }
      },
      stop() {
        r.stop();
        // Partial drains drop samples: count what the handler recorded.
        return { samples: native().stats().samplesRecorded };
      },
    };
  };
  // The native sampler alone (and optionally the memory monitor): the JS thread pays the handler only.
  const nativeOnly = ({ memory = false } = {}) => ({
    start(us) {
      const n = native();
      n.start({ intervalNs: us * 1000, maxFrames: 255, signal: 0, labelSlot: labelSlot(), cpuClock: false });
      if (memory) n.memoryStart(100e6);
    },
    stop() {
      const n = native();
      if (memory) { n.memoryStop(); n.memoryDrain(); }
      n.stop();
      const stats = n.stats();
      n.drain();
      return { samples: stats.samplesRecorded };
    },
  });
  const cpuProfiler = (threadClock) => {
    const { Profiler } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
    let p;
    return {
      start(us) {
        // Read by the native sampler when it starts (native/sampler.cc).
        if (threadClock) process.env.NODEINSTRUMENT_CPU_TIMER = 'thread';
        p = new Profiler({ interval: us / 1e6, mode: 'cpu' });
        p.start();
        delete process.env.NODEINSTRUMENT_CPU_TIMER;
      },
      stop() { return { samples: p.stop().meta.sampleCount }; },
    };
  };
  return {
    floor: () => fromContender('floor'),
    ni: () => fromContender('nodeinstrument'),
    ni10hz: () => fromContender('nodeinstrument', 100000),
    v8: () => fromContender('v8'),
    datadog: () => fromContender('datadog'),
    native: () => nativeOnly(),
    nativeMem: () => nativeOnly({ memory: true }),
    // The Profiler from another build of lib/ (NI_AB_OTHER_DIST=/path/to/dist/cjs): before/after in one process.
    niOther: () => {
      const { Profiler } = require(path.join(process.env.NI_AB_OTHER_DIST, 'index.js'));
      let p;
      return {
        start(us) { p = new Profiler({ interval: us / 1e6 }); p.start(); },
        stop() { return { samples: p.stop().meta.sampleCount }; },
      };
    },
    // The hybrid sampler (interrupts first, the signal where the thread does not serve one in time).
    niHybrid: () => {
      const { Profiler } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
      let p;
      return {
        start(us) { p = new Profiler({ interval: us / 1e6, sampler: 'hybrid' }); p.start(); },
        stop() { return { samples: p.stop().meta.sampleCount }; },
      };
    },
    // CPU mode as a user runs it: the kernel's CPU timer, or the sampling thread's CPU clock (its fallback).
    niCpu: () => cpuProfiler(false),
    niCpuThread: () => cpuProfiler(true),
    recNoDrain: () => recorder({ drain: false }),
    recNoMem: () => recorder({ memory: false }),
    recNoDrainNoMem: () => recorder({ drain: false, memory: false }),
    drainCopy: () => recorder({ periodic: 'copy' }),
    drainDecode: () => recorder({ periodic: 'decode' }),
    drainCode: () => recorder({ periodic: 'code' }),
    drainNoMemPoll: () => recorder({ periodic: 'nomem' }),
  };
}

async function child(config) {
  const { PerformanceObserver } = require('node:perf_hooks');
  // The suite's mixed unit, or TypeScript's parser (deep stacks, a real program).
  const workload = require(config.unit === 'tsparse' ? './lib/ts-parse-workload' : './lib/workload');
  {
    const { Recorder } = require(path.join(ROOT, 'dist', 'cjs', 'recording', 'recorder.js'));
    const original = Recorder.prototype.drain;
    Recorder.prototype.drain = function timedDrain(...args) {
      const t0 = performance.now();
      try { return original.apply(this, args); } finally { drainMs += performance.now() - t0; }
    };
  }
  const threadCpuNs = require(path.join(ROOT, 'build', 'Release', 'nodeinstrument.node')).threadCpuTime;
  const all = makeVariants();
  const variants = Object.fromEntries(config.variants.map((name) => {
    if (!all[name]) throw new Error(`unknown variant ${name} (known: ${Object.keys(all).join(', ')})`);
    return [name, all[name]()];
  }));
  let gcs = 0;
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) { gcs++; gcMs += e.duration; }
  }).observe({ entryTypes: ['gc'] });

  const random = mulberry32(config.seed >>> 0);
  const shuffle = (xs) => shuffled(xs, random);
  const { tick } = workload;
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  // GC entries arrive asynchronously: let them in before reading the counters.
  const settle = async () => { await tick(); await new Promise((r) => setTimeout(r, 1)); };
  const fs = require('node:fs');
  const statusPath = `/proc/self/task/${process.pid}/status`;
  // Involuntary context switches of the JS thread: how often something else took its core.
  const preempted = () => Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(fs.readFileSync(statusPath, 'utf8'))[1]);
  async function block(chunks, units) {
    await settle();
    const p0 = preempted();
    const g0 = gcs, gm0 = gcMs;
    drainMs = 0;
    const c0 = cpuMs(), j0 = threadCpuNs();
    const t0 = performance.now();
    for (let i = 0; i < chunks; i++) {
      for (let j = 0; j < units; j++) workload.unit();
      await tick();
    }
    const ms = performance.now() - t0;
    const jsCpuMs = (threadCpuNs() - j0) / 1e6;
    const cpu = cpuMs() - c0;
    const drained = drainMs;
    const switches = preempted() - p0;
    await settle();
    return { ms, cpuMs: cpu, jsCpuMs, gcs: gcs - g0, gcMs: gcMs - gm0, drainMs: drained, switches };
  }

  const warmEnd = performance.now() + config.warmupMs;
  while (performance.now() < warmEnd) { workload.runFor(config.chunkMs); await tick(); }
  for (const v of Object.values(variants)) { v.start(config.intervalUs); workload.runFor(50); await tick(); v.stop(); }
  const t0 = performance.now();
  const cal = workload.runFor(200);
  const unitMs = (performance.now() - t0) / cal;
  const units = Math.max(1, Math.round(config.chunkMs / unitMs));
  const chunks = Math.max(1, Math.round(config.blockMs / (units * unitMs)));

  const groups = [];
  for (let g = 0; g < config.groups; g++) {
    const group = { off: [], on: {} };
    for (const which of shuffle(['off', 'off', ...config.variants])) {
      if (which === 'off') { group.off.push(await block(chunks, units)); continue; }
      const v = variants[which];
      v.start(config.intervalUs);
      const r = await block(chunks, units);
      const res = v.stop();
      group.on[which] = { ...r, samples: res.samples };
      await tick();
    }
    groups.push(group);
  }
  process.send({ groups, blockMs: units * chunks * unitMs }, () => process.exit(0));
}

// ------------------------------------------------------------------ parent

function runChild(config) {
  return new Promise((resolve, reject) => {
    const cp = fork(__filename, ['--child', JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result;
    cp.on('message', (m) => { result = m; });
    cp.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`child exited ${code}`))));
  });
}

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '');

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const os = require('node:os');
  const load0 = os.loadavg();
  const started = new Date();
  const groups = [];
  for (let p = 0; p < o.processes; p++) {
    const r = await runChild({ ...o, seed: 7919 * (p + 1) });
    groups.push(...r.groups);
    process.stderr.write(`[ab] process ${p + 1}/${o.processes} done (block ${r.blockMs.toFixed(0)} ms)\n`);
  }
  const load1 = os.loadavg();
  const rows = [];
  const offStats = (g) => ({ ms: (g.off[0].ms + g.off[1].ms) / 2, js: (g.off[0].jsCpuMs + g.off[1].jsCpuMs) / 2, gcs: (g.off[0].gcs + g.off[1].gcs) / 2, gcMs: (g.off[0].gcMs + g.off[1].gcMs) / 2 });
  const aa = groups.map((g) => (g.off[1].ms / g.off[0].ms - 1) * 100);
  rows.push({ variant: 'none (A/A)', s: summary(aa) });
  for (const name of o.variants) {
    const wall = [], js = [], perSample = [], samples = [], dGcs = [], dGcMs = [], drain = [], sw = [];
    for (const g of groups) {
      const off = offStats(g);
      const on = g.on[name];
      wall.push((on.ms / off.ms - 1) * 100);
      js.push((on.jsCpuMs / off.js - 1) * 100);
      samples.push(on.samples);
      perSample.push(on.samples > 0 ? ((on.ms - off.ms) * 1000) / on.samples : NaN);
      dGcs.push(on.gcs - off.gcs);
      dGcMs.push(on.gcMs - off.gcMs);
      drain.push(((on.drainMs ?? 0) / off.ms) * 100);
      sw.push(on.switches - (g.off[0].switches + g.off[1].switches) / 2);
    }
    rows.push({ variant: name, jsAll: js, s: summary(wall), jsS: summary(js), js: median(js), perSample: median(perSample), samples: median(samples), dGcs: median(dGcs), dGcMs: median(dGcMs), drain: median(drain), sw: median(sw), wall });
  }
  const gcBase = median(groups.map((g) => offStats(g).gcs));
  console.log(`# overhead A/B: ${o.processes} processes x ${o.groups} groups, interval ${o.intervalUs} us, block ${o.blockMs} ms; ${started.toISOString()}; load ${load0.map((x) => x.toFixed(2)).join('/')} -> ${load1.map((x) => x.toFixed(2)).join('/')}; unprofiled block: ${f(gcBase, 1)} GCs, ${f(median(groups.map((g) => (g.off[0].switches + g.off[1].switches) / 2)), 1)} preemptions of the JS thread (median)`);
  console.log('| variant | n | wall overhead % (median) | IQR | JS-thread CPU % (median) | IQR | us per sample | samples | extra GCs | extra GC ms | in drains, % | extra preemptions |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.variant} | ${r.s.n} | **${f(r.s.median, 2)}** | ${f(r.s.q1, 2)} … ${f(r.s.q3, 2)} | ${f(r.js, 2)} | ${r.jsS ? `${f(r.jsS.q1, 2)} … ${f(r.jsS.q3, 2)}` : ''} | ${f(r.perSample, 1)} | ${f(r.samples, 0)} | ${f(r.dGcs, 1)} | ${f(r.dGcMs, 2)} | ${f(r.drain, 2)} | ${f(r.sw, 1)} |`);
  }
  // Paired: each variant against a reference variant in the same groups
  // (drift within a group cancels), with a bootstrap 95% interval of the median.
  const ref = o.ref ?? o.variants[0];
  if (o.variants.includes(ref)) {
    console.log(`\npaired against ${ref} (median of per-group differences, points; 95% bootstrap CI):`);
    console.log('| variant | wall, points | 95% CI | JS-thread CPU, points | 95% CI |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    for (const r of rows.slice(1)) {
      if (r.variant === ref) continue;
      const base = rows.find((x) => x.variant === ref);
      const dw = r.wall.map((x, i) => x - base.wall[i]);
      const dj = r.jsAll.map((x, i) => x - base.jsAll[i]);
      const cw = bootstrap(dw), cj = bootstrap(dj);
      console.log(`| ${r.variant} | **${f(median(dw), 2)}** | ${f(cw.lo, 2)} … ${f(cw.hi, 2)} | **${f(median(dj), 2)}** | ${f(cj.lo, 2)} … ${f(cj.hi, 2)} |`);
    }
  }
  if (o.json) console.log(JSON.stringify({ options: o, groups }));
}

if (process.argv[2] === '--child') {
  child(JSON.parse(process.argv[3])).catch((error) => { console.error(error); process.exit(1); });
} else {
  main().catch((error) => { console.error(error); process.exit(1); });
}
