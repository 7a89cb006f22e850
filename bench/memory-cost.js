'use strict';
// What recording memory beside time costs (issue 9), run by hand:
//   node --expose-gc bench/memory-cost.js [--rounds N]
// 1. Per call, on the JS thread: the native point (V8 heap statistics, as the
//    GC epilogue and the drain timer read them, plus a statm read and a
//    locked push), against what JavaScript could call instead.
// 2. The RSS read alone (pread of /proc/self/statm; the monitor thread's cost).
// 3. In-process A/B on an allocation-heavy workload (a scavenge every few
//    hundred microseconds, so the GC epilogue callback runs often): blocks
//    with the monitor on and off, interleaved, medians and quartiles.
const { openSync, readSync } = require('node:fs');
const v8 = require('node:v8');
const { loadNative } = require('../dist/cjs/native/addon.js');
const { summary } = require('./lib/stats.js');

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 30;
const native = loadNative();

function nsPerCall(fn, calls) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn();
  return Number(process.hrtime.bigint() - start) / calls;
}

function perCall(name, fn, calls = 20000) {
  fn();
  const samples = [];
  for (let r = 0; r < 15; r++) samples.push(nsPerCall(fn, calls));
  const s = summary(samples);
  console.log(`| ${name} | ${(s.median / 1000).toFixed(2)} | ${(s.q1 / 1000).toFixed(2)}-${(s.q3 / 1000).toFixed(2)} |`);
}

console.log(`Node ${process.version}, ${rounds} A/B rounds, ${new Date().toISOString()}\n`);
console.log('| call (JS thread) | median us | IQR us |');
console.log('| --- | ---: | ---: |');
native.memoryStart(100e6);
perCall('native memorySample() (GetHeapStatistics + statm + push)', () => native.memorySample());
native.memoryStop();
native.memoryDrain();
const fd = openSync('/proc/self/statm', 'r');
const buffer = Buffer.alloc(128);
perCall('statm pread from JS (upper bound of the monitor thread read)', () => readSync(fd, buffer, 0, 128, 0));
perCall('v8.getHeapStatistics()', () => v8.getHeapStatistics());
perCall('process.memoryUsage()', () => process.memoryUsage());
perCall('process.memoryUsage.rss()', () => process.memoryUsage.rss());

// A/B: the same allocation-heavy block with the monitor on and off, timed
// in CPU time of this thread (the machine may be shared: wall time would
// mostly measure the scheduler). Between blocks the loop yields, so the GC
// observer can count collections.
let sink;
function churn(units) {
  for (let unit = 0; unit < units; unit++) {
    for (let i = 0; i < 1000; i++) sink = { i, text: `item ${i}`, list: [i, i] };
  }
}
const cpuOf = (fn) => {
  const start = native.threadCpuTime();
  fn();
  return native.threadCpuTime() - start;
};

async function abTest() {
  const { PerformanceObserver } = require('node:perf_hooks');
  let collections = 0;
  const observer = new PerformanceObserver((list) => (collections += list.getEntries().length));
  observer.observe({ entryTypes: ['gc'] });
  const units = 3000;
  churn(units);
  const ratios = [];
  const onCpu = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    const cpu = {};
    for (const mode of order) {
      if (mode === 'on') native.memoryStart(100e6);
      cpu[mode] = cpuOf(() => churn(units));
      if (mode === 'on') {
        native.memoryStop();
        native.memoryDrain();
      }
      await new Promise(setImmediate);
    }
    ratios.push(cpu.on / cpu.off);
    onCpu.push(cpu.on);
  }
  observer.disconnect();
  const s = summary(ratios);
  const block = summary(onCpu);
  console.log(
    `\nallocation-heavy block (${units}k objects, median ${(block.median / 1e6).toFixed(1)} ms CPU), CPU time with the monitor on / off: ` +
      `median ${s.median.toFixed(4)} (IQR ${s.q1.toFixed(4)}-${s.q3.toFixed(4)}, min ${s.min.toFixed(4)}, max ${s.max.toFixed(4)}); ` +
      `${collections} GCs over ${rounds * 2} blocks (${(collections / (rounds * 2)).toFixed(0)} per block)`,
  );
}
abTest();
