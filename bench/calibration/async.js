// An asynchronous program for the diff calibration (scripts/diff-calibration.js):
// 240 requests, four at a time, each reading a file, waiting a timer and doing
// CPU work (JSON, rendering) with `target`, whose work the first argument
// scales. Compared in wall time: the time waiting is part of the profile.
// Prints {"targetMs", "totalMs"} (measured, for the harness's pilot runs).
'use strict';
const { readFile } = require('node:fs/promises');
const { setTimeout: sleep } = require('node:timers/promises');
const { performance } = require('node:perf_hooks');

const units = Number(process.argv[2] ?? '1');
const REQUESTS = 240;
const CONCURRENCY = 4;

function target(iterations) {
  let hash = 1;
  for (let i = 0; i < iterations; i++) hash = Math.imul(hash ^ (hash >>> 13), 0x5bd1e995) + i;
  return hash;
}

function decode(text) {
  const data = JSON.parse(text);
  return data.packages ? Object.keys(data.packages).length : 0;
}

function render(count, seed) {
  let out = '';
  for (let i = 0; i < 400; i++) out += `<li data-i="${i}">${(seed * i) % 977} of ${count}</li>`;
  return out.length;
}

let targetMs = 0;
async function handle(id) {
  const text = await readFile(require.resolve('../../package-lock.json'), 'utf8');
  const count = decode(text);
  await sleep(1);
  const before = performance.now();
  const hash = target(Math.round(units * 100_000));
  targetMs += performance.now() - before;
  return render(count, id) ^ hash;
}

async function main() {
  // Warm-up: target runs optimized from here on, so that its time is in proportion to its work.
  for (let i = 0; i < 300; i++) target(2000);
  const start = performance.now();
  let result = 0;
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS) result ^= await handle(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  console.log(JSON.stringify({ targetMs, totalMs: performance.now() - start, result }));
}
main();
