'use strict';
// One process of the labels benchmark (bench/labels.js): runs a
// promise-heavy workload in blocks under one way of carrying labels and
// prints the block times as JSON.
//   node bench/labels-child.js <variant> <blocks>
// Variants:
//   baseline      no AsyncLocalStorage, no hook
//   unused        nodeinstrument loaded, labels never used (nothing installed)
//   als           each request in its own AsyncLocalStorage.run (what any ALS-based labelling pays)
//   labels        nodeinstrument's withLabels: ALS + async_hooks before/after writing the slot
//   hookNoop      ALS + async_hooks before/after that do nothing (the price of the hook mechanism)
//   promiseHooks  ALS + v8.promiseHooks before/after writing the slot (misses timers and I/O callbacks)
const path = require('node:path');
const { AsyncLocalStorage } = require('node:async_hooks');

const variant = process.argv[2];
const blocks = Number(process.argv[3] ?? 40);
const REQUESTS = 200;
const ITERATIONS = 40;

let sink = 0;
function compute(n) {
  let x = 0;
  for (let i = 0; i < n; i++) x = (x * 31 + i) | 0;
  sink ^= x;
}
async function leaf(i) {
  await null;
  compute(100 + (i & 7));
  return i;
}
async function middle(i) {
  const a = await leaf(i);
  const b = await leaf(i + 1);
  return a + b;
}
// One request: per iteration 6 awaits (3 async calls deep) and one setImmediate every fourth.
async function request(r) {
  for (let i = 0; i < ITERATIONS; i++) {
    await middle(i + r);
    await Promise.resolve();
    if (i % 4 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}
const AWAITS_PER_BLOCK = REQUESTS * ITERATIONS * 6 + REQUESTS * (ITERATIONS / 4);

let runRequest;
const routes = Array.from({ length: 10 }, (_, i) => `/route/${i}`);
if (variant === 'baseline') {
  runRequest = (r) => request(r);
} else if (variant === 'unused') {
  require(path.join(__dirname, '..', 'dist', 'cjs', 'index.js'));
  runRequest = (r) => request(r);
} else if (variant === 'als') {
  const storage = new AsyncLocalStorage();
  runRequest = (r) => storage.run(r % 10, () => request(r));
} else if (variant === 'labels') {
  const { withLabels } = require(path.join(__dirname, '..', 'dist', 'cjs', 'index.js'));
  runRequest = (r) => withLabels({ route: routes[r % 10] }, () => request(r));
} else if (variant === 'hookNoop') {
  const { createHook } = require('node:async_hooks');
  const storage = new AsyncLocalStorage();
  createHook({ before() {}, after() {} }).enable();
  runRequest = (r) => storage.run(r % 10, () => request(r));
} else if (variant === 'promiseHooks') {
  const { promiseHooks } = require('node:v8');
  const storage = new AsyncLocalStorage();
  const slot = new Int32Array(new ArrayBuffer(4));
  const outer = [];
  promiseHooks.createHook({
    before() {
      outer.push(slot[0]);
      slot[0] = storage.getStore() ?? 0;
    },
    after() {
      slot[0] = outer.pop() ?? 0;
    },
  });
  runRequest = (r) => storage.run((r % 10) + 1, () => request(r));
} else {
  throw new Error(`unknown variant ${variant}`);
}

async function block() {
  const start = process.hrtime.bigint();
  const all = [];
  for (let r = 0; r < REQUESTS; r++) all.push(runRequest(r));
  await Promise.all(all);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

(async () => {
  for (let i = 0; i < 10; i++) await block(); // warm-up: JIT tiers settle
  const times = [];
  for (let i = 0; i < blocks; i++) times.push(await block());
  process.stdout.write(JSON.stringify({ variant, node: process.version, awaitsPerBlock: AWAITS_PER_BLOCK, times, sink }));
})();
