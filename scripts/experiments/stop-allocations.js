// What a stop() allocates in the profiled heap, by function: a synchronous
// 4 s loop at 100 us (about 40,000 samples, drained all at once in stop()),
// with V8's sampling heap profiler counting collected objects too.
//   npm run build:ts && node --expose-gc scripts/experiments/stop-allocations.js [dist/cjs of another build]
'use strict';
const path = require('node:path');
const inspector = require('node:inspector');
const DIST = process.argv[2] ?? path.join(__dirname, '..', '..', 'dist', 'cjs');
const { Profiler } = require(path.join(DIST, 'index.js'));

const session = new inspector.Session();
session.connect();
const profiler = new Profiler({ interval: 0.0001 });
profiler.start();
function work(depth, n) {
  if (depth > 0) return work(depth - 1, n);
  const made = [];
  for (let i = 0; i < n; i++) made.push({ v: i, t: String(i) });
  return made.length;
}
const end = Date.now() + 4000;
while (Date.now() < end) work(20, 2000);
global.gc();
const before = process.memoryUsage().heapUsed;
session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const recorded = profiler.stop();
session.post('HeapProfiler.stopSampling', (error, result) => {
  if (error) throw error;
  global.gc();
  const bySite = new Map();
  const walk = (node) => {
    const site = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber + 1}`;
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    node.children.forEach(walk);
  };
  walk(result.profile.head);
  const total = [...bySite.values()].reduce((sum, size) => sum + size, 0);
  console.log(`${recorded.samples.stack.length} samples; allocated in stop() ${(total / 1e6).toFixed(1)} MB; kept after it ${((process.memoryUsage().heapUsed - before) / 1e6).toFixed(1)} MB`);
  for (const [site, size] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${(size / 1e6).toFixed(2).padStart(7)} MB  ${site}`);
});
