'use strict';
/**
 * RSS over a long run in continuous mode: the async workload (as rss-child.js)
 * for `seconds`, sampled at `intervalUs`, cut into windows of `windowS`
 * written as pprof into a temporary directory (retention 5 files). RSS is
 * read every `everyS` with V8's resident heap (total physical size), then
 * heapUsed after a forced GC (--expose-gc).
 * Sends { series, windows: [{ samples, frames, stacks, cutMs }], stats } over IPC.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const { ROOT } = require('./lib/contenders');
const workload = require('./lib/workload');

const config = JSON.parse(process.argv[2]);
const { intervalUs, seconds, everyS, windowS } = config;
const mb = (bytes) => bytes / 2 ** 20;

async function main() {
  await workload.runAsyncFor(2000);
  const { startContinuous } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ni-continuous-rss-'));
  const windows = [];
  const series = [];
  const read = (t) => {
    const rss = process.memoryUsage().rss;
    const v8Physical = v8.getHeapStatistics().total_physical_size;
    global.gc();
    const m = process.memoryUsage();
    series.push({ t, rssMb: mb(rss), v8Mb: mb(v8Physical), heapMb: mb(m.heapUsed), externalMb: mb(m.external + m.arrayBuffers), windows: windows.length });
  };
  const t0 = performance.now();
  const continuous = startContinuous({
    interval: intervalUs / 1e6,
    window: windowS,
    dir,
    retain: 5,
    onWindow: (session) => {
      windows.push({ samples: session.meta.sampleCount, frames: session.frames.length, stacks: session.stacks.parent.length });
    },
  });
  read(0);
  await workload.runAsyncReading(t0, seconds, everyS, read);
  read((performance.now() - t0) / 1000);
  const stats = await continuous.stop();
  const files = fs.readdirSync(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  process.send({ intervalUs, seconds, windowS, series, windows, stats, filesLeft: files.length }, () => process.exit(0));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
