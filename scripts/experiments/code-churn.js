// A program that compiles many new functions while it is profiled (issue 15:
// stop and drains must stay linear in new code). Creates N functions with
// new Function, calls each a few times (V8 compiles and logs its bytecode),
// then stops; prints the recording's and the stop's times as JSON.
//   node scripts/experiments/code-churn.js [functions=30000] [dist=../../dist/cjs]
'use strict';
const path = require('node:path');
const count = Number(process.argv[2] || 30000);
const dist = path.resolve(__dirname, process.argv[3] || '../../dist/cjs');
const { Profiler } = require(path.join(dist, 'index.js'));

const profiler = new Profiler({ interval: 0.001 });
const started = performance.now();
profiler.start();
let sum = 0;
for (let i = 0; i < count; i++) {
  const fn = new Function('x', `return x * ${i} + ${i % 7};`);
  for (let k = 0; k < 3; k++) sum += fn(k);
}
const recorded = performance.now();
const session = profiler.stop();
const stopped = performance.now();
console.log(JSON.stringify({ functions: count, recordMs: Math.round(recorded - started), stopMs: Math.round(stopped - recorded), samples: session.samples.stack.length, sum: sum > 0 }));
