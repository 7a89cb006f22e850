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
const mb = (bytes) => bytes / 2 ** 20;

async function main() {
  // Warm up first so JIT and heap growth of the workload itself settle.
  await workload.runAsyncFor(2000);
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
  await workload.runAsyncReading(t0, seconds, everyS, read);
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
