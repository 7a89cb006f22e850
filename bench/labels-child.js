'use strict';
// The labels benchmark's process (bench/labels.js): an in-process interleaved
// A/B of ways to carry labels across `await` on a promise-heavy workload.
// Each group runs one block per variant in a shuffled order; the state a
// variant needs (AsyncLocalStorage, hooks, a recording) is set up before its
// block and torn down after, outside the timed part.
//   node bench/labels-child.js <groups> [--no-profiler]
// Prints { variants, groups: [{ variant: ms }], awaitsPerBlock } as JSON.
const path = require('node:path');
const { AsyncLocalStorage, createHook } = require('node:async_hooks');
const { promiseHooks } = require('node:v8');
const { shuffled } = require('./lib/stats');

const dist = path.join(__dirname, '..', 'dist', 'cjs');
const { withLabels, Profiler } = require(path.join(dist, 'index.js'));
const { countRecording, labelState } = require(path.join(dist, 'labels', 'state.js'));

const groupCount = Number(process.argv[2] ?? 30);
const withProfiler = !process.argv.includes('--no-profiler');
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

const routes = Array.from({ length: 10 }, (_, i) => `/route/${i}`);
const plain = (r) => request(r);
const labelled = (r) => withLabels({ route: routes[r % 10] }, () => request(r));
const reference = new AsyncLocalStorage();
const inReferenceAls = (r) => reference.run(r % 10, () => request(r));

/** Each variant: how one request runs, and what is set up around its block. */
const VARIANTS = {
  baseline: { run: plain },
  labelsIdle: { run: labelled },
  labelsRecording: { run: labelled, setUp: () => countRecording(1), tearDown: () => countRecording(-1) },
  alsOnly: { run: inReferenceAls, tearDown: () => reference.disable() },
  hookNoop: (() => {
    const hook = createHook({ before() {}, after() {} });
    return { run: inReferenceAls, setUp: () => hook.enable(), tearDown: () => { hook.disable(); reference.disable(); } };
  })(),
  promiseHooks: (() => {
    const slot = new Int32Array(new ArrayBuffer(4));
    const outer = [];
    let stop;
    return {
      run: inReferenceAls,
      setUp: () => {
        stop = promiseHooks.createHook({
          before() { outer.push(slot[0]); slot[0] = reference.getStore() ?? 0; },
          after() { slot[0] = outer.pop() ?? 0; },
        });
      },
      tearDown: () => { stop(); reference.disable(); },
    };
  })(),
};
if (withProfiler) {
  let profiler;
  const start = () => { profiler = new Profiler({ interval: 0.001 }); profiler.start(); };
  const stop = () => profiler.stop();
  VARIANTS.profiler = { run: plain, setUp: start, tearDown: stop };
  VARIANTS.profilerLabels = { run: labelled, setUp: start, tearDown: stop };
}
// After every block: our labels' AsyncLocalStorage off again, so the next variant starts clean.
const resetLabels = () => labelState().storage.disable();

async function block({ run, setUp, tearDown }) {
  setUp?.();
  const start = process.hrtime.bigint();
  const all = [];
  for (let r = 0; r < REQUESTS; r++) all.push(run(r));
  await Promise.all(all);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  tearDown?.();
  resetLabels();
  return ms;
}

(async () => {
  const names = Object.keys(VARIANTS);
  for (let i = 0; i < 3; i++) for (const name of names) await block(VARIANTS[name]); // warm-up
  const groups = [];
  for (let g = 0; g < groupCount; g++) {
    const times = {};
    for (const name of shuffled(names)) times[name] = await block(VARIANTS[name]);
    groups.push(times);
  }
  process.stdout.write(JSON.stringify({ node: process.version, variants: names, awaitsPerBlock: AWAITS_PER_BLOCK, groups, sink }));
})();
