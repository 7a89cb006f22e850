'use strict';
/**
 * RSS over time: the async workload for `seconds`, with the profiler at
 * `intervalUs` (or none), reading process.memoryUsage() every `everyS`.
 * Sends { series: [{ t, rssMb, heapMb, externalMb }], meta } over IPC.
 */
const { contender } = require('./lib/contenders');
const workload = require('./lib/workload');

const config = JSON.parse(process.argv[2]);
const { name, intervalUs, seconds, everyS } = config;
const tick = () => new Promise((resolve) => setImmediate(resolve));
const mb = (bytes) => bytes / 2 ** 20;

async function main() {
  // Warm up first so JIT and heap growth of the workload itself settle.
  const warmEnd = performance.now() + 2000;
  while (performance.now() < warmEnd) {
    workload.runFor(5);
    await tick();
  }
  const c = contender(name);
  const series = [];
  // RSS as the program sees it; then a forced GC (the child runs with
  // --expose-gc) so heapUsed is what is retained, not garbage not yet collected.
  const read = (t) => {
    const rss = process.memoryUsage().rss;
    global.gc();
    const m = process.memoryUsage();
    series.push({ t, rssMb: mb(rss), heapMb: mb(m.heapUsed), externalMb: mb(m.external + m.arrayBuffers) });
  };
  const t0 = performance.now();
  c.start(intervalUs);
  read(0);
  let next = everyS * 1000;
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    workload.runFor(5);
    await tick();
    const t = performance.now() - t0;
    if (t >= next) {
      read(t / 1000);
      next += everyS * 1000;
    }
  }
  read((performance.now() - t0) / 1000);
  const res = c.stop();
  const afterStop = process.memoryUsage();
  process.send(
    { name, intervalUs, seconds, series, samples: res.samples, durationS: res.durationS, afterStopRssMb: mb(afterStop.rss) },
    () => process.exit(0),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
