// CPU mode: how its samples are driven, against the truth each fixture
// measures with the thread's CPU clock. Interleaved runs, medians and ranges.
//
// 1. test/fixtures/cpu-split.js (CPU work, a blocking wait, an awaited
//    timer): --mode cpu with the kernel's CPU timer (native/cpu_timer.h), with
//    the sampling thread reading the CPU clock (NODEINSTRUMENT_CPU_TIMER=thread,
//    where perf_event_open is refused), and wall samples weighed by their CPU
//    time at render time. Largest error of a function's CPU share, the
//    blocked function's share, the signals, the thread's CPU time.
// 2. test/fixtures/cpu-bursts.js (bursts of CPU shorter than the interval
//    between 1 ms timer waits): the two CPU clocks. Error of the bursts'
//    share, what went to (idle), the samples, the thread's CPU time.
//
// Usage: node bench/cpu-mode.js [runs] [interval-seconds...]
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const runs = Number(process.argv[2] || '7');
const intervals = process.argv.length > 3 ? process.argv.slice(3) : ['0.001', '0.0001'];
const fixtures = join(__dirname, '..', 'test', 'fixtures');

function run(script, args, env = {}) {
  const result = spawnSync(process.execPath, [join(fixtures, script), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}
const maxError = (shares, truth) => Math.max(...Object.keys(truth).map((name) => Math.abs(shares[name] - truth[name])));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const summary = (values, digits = 1) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${median(values).toFixed(digits)} (${sorted[0].toFixed(digits)}-${sorted[sorted.length - 1].toFixed(digits)})`;
};
/** Each strategy once per round, in an order that rotates so drift in machine load hits all alike. */
function interleaved(strategies, once) {
  const rows = Object.fromEntries(strategies.map((name) => [name, []]));
  for (let i = 0; i < runs; i++) {
    const order = strategies.map((_, k) => strategies[(k + i) % strategies.length]);
    for (const name of order) rows[name].push(once(name));
  }
  return rows;
}
const THREAD = { NODEINSTRUMENT_CPU_TIMER: 'thread' };
const LABELS = {
  timer: "CPU mode, kernel's CPU timer (--mode cpu)",
  thread: 'CPU mode, sampling thread reads the CPU clock (NODEINSTRUMENT_CPU_TIMER=thread)',
  weighted: 'wall samples weighted by CPU',
};

console.log('cpu-split.js, 40 rounds:\n');
console.log(`| interval | strategy | max share error, points | blockedSleep share, % (truth) | signals | thread CPU, ms |`);
console.log(`| --- | --- | --- | --- | --- | --- |`);
for (const interval of intervals) {
  const rows = interleaved(['timer', 'thread', 'weighted'], (name) => {
    const r = run('cpu-split.js', [name === 'weighted' ? 'wall' : 'cpu', interval, '40'], name === 'thread' ? THREAD : {});
    const shares = name === 'weighted' ? r.weightedShares : r.shares;
    return { error: maxError(shares, r.truthCpu) * 100, sleep: shares.blockedSleep * 100, sleepTruth: r.truthCpu.blockedSleep * 100, signals: r.signalsSent, cpu: r.totalCpuMs };
  });
  for (const [name, list] of Object.entries(rows)) {
    console.log(
      `| ${interval} s | ${LABELS[name]} | ${summary(list.map((x) => x.error))} | ${summary(list.map((x) => x.sleep))} (${summary(list.map((x) => x.sleepTruth))}) | ` +
        `${summary(list.map((x) => x.signals), 0)} | ${summary(list.map((x) => x.cpu), 0)} |`,
    );
  }
}

console.log('\ncpu-bursts.js, 600 bursts of 0.5 ms of CPU between 1 ms timer waits:\n');
console.log(`| interval | strategy | bursts' share error, points | (idle) share, % | samples | thread CPU, ms |`);
console.log(`| --- | --- | --- | --- | --- | --- |`);
for (const interval of intervals) {
  const rows = interleaved(['timer', 'thread'], (name) => {
    const r = run('cpu-bursts.js', ['0.5', '600', interval], name === 'thread' ? THREAD : {});
    if (name === 'timer' && r.cpuTimer !== 1) throw new Error("the kernel's CPU timer is not available here (perf_event_open refused)");
    return { error: (r.shares.burst - r.truth.burst) * 100, idle: r.shares.idle * 100, samples: r.sampleCount, cpu: r.cpuTime * 1000 };
  });
  for (const [name, list] of Object.entries(rows)) {
    console.log(
      `| ${interval} s | ${LABELS[name]} | ${summary(list.map((x) => x.error))} | ${summary(list.map((x) => x.idle))} | ` +
        `${summary(list.map((x) => x.samples), 0)} | ${summary(list.map((x) => x.cpu), 0)} |`,
    );
  }
}
