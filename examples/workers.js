// Two worker threads share the work while the main thread prepares the next
// batch. Profile it with `npx nodeinstrument examples/workers.js`: the report
// has a tree per thread.
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

function countPrimes(from, to) {
  let count = 0;
  for (let n = Math.max(from, 2); n < to; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

function prepareBatch(size) {
  const rows = [];
  for (let i = 0; i < size; i++) rows.push({ id: i, label: `row ${i}`, values: [i, i * 2, i * 3] });
  return JSON.parse(JSON.stringify(rows)).length;
}

if (isMainThread) {
  const halves = [
    [0, 1_500_000],
    [1_500_000, 2_400_000],
  ];
  let total = 0;
  let done = 0;
  for (const [from, to] of halves) {
    const worker = new Worker(__filename, { workerData: { from, to } });
    worker.on('message', (count) => {
      total += count;
      if (++done === halves.length) console.log(`${total} primes below ${halves[1][1]}`);
    });
  }
  for (let i = 0; i < 20; i++) prepareBatch(20_000);
} else {
  parentPort.postMessage(countPrimes(workerData.from, workerData.to));
}
