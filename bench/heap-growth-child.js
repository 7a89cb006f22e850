'use strict';
// The workload of bench/heap-growth.js: a steady asynchronous program (2 ms of
// calls eight deep per turn of the event loop, so that the recorder's drains
// run as they do in a service). After full collections at two moments it
// prints the V8 heap's growth between them, in MB per minute, as JSON.
//   node --expose-gc bench/heap-growth-child.js <first s> <second s>
const [first, second] = process.argv.slice(2).map(Number);
if (typeof gc !== 'function') throw new Error('run with --expose-gc');
const started = performance.now();
const used = [];

function level(n, x) {
  return n === 0 ? Math.sqrt(x + 1) : n % 2 ? odd(n - 1, x) : even(n - 1, x);
}
function odd(n, x) {
  return level(n, x) + 1;
}
function even(n, x) {
  return level(n, x) * 0.5;
}
function work() {
  let x = 0;
  const end = performance.now() + 2;
  while (performance.now() < end) x += level(8, x);
  return x;
}

function turn() {
  work();
  const seconds = (performance.now() - started) / 1000;
  if (seconds >= [first, second][used.length]) {
    gc();
    gc();
    used.push(process.memoryUsage().heapUsed);
    if (used.length === 2) {
      const { external, arrayBuffers } = process.memoryUsage();
      const perMinute = (bytes) => (bytes / (second - first)) * 60 / 2 ** 20;
      console.log(JSON.stringify({ heapMbPerMinute: perMinute(used[1] - used[0]), heapMb: used[1] / 2 ** 20, externalMb: external / 2 ** 20, arrayBuffersMb: arrayBuffers / 2 ** 20 }));
      return;
    }
  }
  setImmediate(turn);
}
turn();
