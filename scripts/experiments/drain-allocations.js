// What in-run drains allocate in the profiled heap on deep stacks, by function: six 300 ms
// recordings of TypeScript's parser at 100 us (bench/lib/ts-parse-workload.js), with V8's
// sampling heap profiler counting collected objects too. Bytes a delivered sample, drains only (not stop()).
//   npm run build:ts && node scripts/experiments/drain-allocations.js [dist/cjs of another build]
'use strict';
const path = require('node:path');
const inspector = require('node:inspector');
const DIST = path.resolve(process.argv[2] ?? path.join(__dirname, '..', '..', 'dist', 'cjs'));
const workload = require('../../bench/lib/ts-parse-workload');
const { Profiler } = require(path.join(DIST, 'index.js'));

const session = new inspector.Session();
session.connect();

async function record(ms) {
  const profiler = new Profiler({ interval: 100e-6 });
  profiler.start();
  const end = performance.now() + ms;
  while (performance.now() < end) {
    workload.runFor(5);
    await workload.tick();
  }
  return profiler.stop().meta.sampleCount;
}

(async () => {
  const warm = performance.now() + 1500;
  while (performance.now() < warm) {
    workload.runFor(20);
    await workload.tick();
  }
  for (let i = 0; i < 3; i++) await record(50);
  session.post('HeapProfiler.startSampling', { samplingInterval: 2048, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  let samples = 0;
  for (let i = 0; i < 6; i++) samples += await record(300);
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (error) throw error;
    const bySite = new Map();
    let inDrains = 0;
    const walk = (node, inDrain, inStop) => {
      const name = node.callFrame.functionName;
      const drain = inDrain || name === 'drain';
      const stop = inStop || name === 'stop';
      if (drain && !stop) {
        const site = `${name || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber + 1}`;
        bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
        inDrains += node.selfSize;
      }
      for (const child of node.children) walk(child, drain, stop);
    };
    walk(result.profile.head, false, false);
    console.log(`${samples} samples; in-run drains allocated ${(inDrains / 1e6).toFixed(2)} MB, ${(inDrains / samples).toFixed(0)} bytes a sample`);
    for (const [site, size] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${(size / 1e6).toFixed(3).padStart(7)} MB  ${site}`);
  });
})();
