// CPU mode: samples driven by the thread's CPU clock (what --mode cpu does)
// against the alternative of weighing wall-clock samples by their CPU time at
// render time. Runs test/fixtures/cpu-split.js in both ways, interleaved, and
// prints per strategy the largest error of a function's CPU share against the
// truth the fixture measured, the signals sent to the thread, and the
// thread's CPU time (the interference shows there). Medians and ranges.
// Usage: node bench/cpu-mode.js [runs] [interval-seconds...]
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const runs = Number(process.argv[2] || '7');
const intervals = process.argv.length > 3 ? process.argv.slice(3) : ['0.001', '0.0001'];
const fixture = join(__dirname, '..', 'test', 'fixtures', 'cpu-split.js');

function run(mode, interval) {
  const result = spawnSync(process.execPath, [fixture, mode, interval, '40'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}
const maxError = (shares, truth) => Math.max(...Object.keys(truth).map((name) => Math.abs(shares[name] - truth[name])));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const summary = (values, digits = 1) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${median(values).toFixed(digits)} (${sorted[0].toFixed(digits)}-${sorted[sorted.length - 1].toFixed(digits)})`;
};

console.log(`| interval | strategy | max share error, points | blockedSleep share, % (truth) | signals | thread CPU, ms |`);
console.log(`| --- | --- | --- | --- | --- | --- |`);
for (const interval of intervals) {
  const rows = { clock: [], weighted: [] };
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first so drift in machine load hits both alike.
    for (const mode of i % 2 === 0 ? ['cpu', 'wall'] : ['wall', 'cpu']) {
      const r = run(mode, interval);
      const shares = mode === 'cpu' ? r.shares : r.weightedShares;
      rows[mode === 'cpu' ? 'clock' : 'weighted'].push({
        error: maxError(shares, r.truthCpu) * 100,
        sleep: shares.blockedSleep * 100,
        sleepTruth: r.truthCpu.blockedSleep * 100,
        signals: r.signalsSent,
        cpu: r.totalCpuMs,
      });
    }
  }
  for (const [name, list] of Object.entries(rows)) {
    const label = name === 'clock' ? 'CPU-clock sampling (--mode cpu)' : 'wall samples weighted by CPU';
    console.log(
      `| ${interval} s | ${label} | ${summary(list.map((x) => x.error))} | ${summary(list.map((x) => x.sleep))} (${summary(list.map((x) => x.sleepTruth))}) | ` +
        `${summary(list.map((x) => x.signals), 0)} | ${summary(list.map((x) => x.cpu), 0)} |`,
    );
  }
}
