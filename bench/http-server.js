'use strict';
/**
 * A node:http server on 127.0.0.1 (ephemeral port), optionally profiled.
 * Each request does a little CPU work (JSON, regex, objects) and answers JSON.
 * Tells the parent its port over IPC; on the message 'stop' it stops the
 * profiler, reports what it recorded and exits.
 */
const { contender } = require('./lib/contenders');
const { workloadServer } = require('./lib/http-service');

const config = JSON.parse(process.argv[2]);
const { name, intervalUs } = config;
const c = contender(name);

const { server, served } = workloadServer();

server.listen(0, '127.0.0.1', () => {
  c.start(intervalUs);
  process.send({ port: server.address().port });
});

process.on('message', (message) => {
  if (message !== 'stop') return;
  const res = c.stop();
  const cpu = process.cpuUsage();
  server.close();
  process.send(
    { served: served(), samples: res.samples, durationS: res.durationS, windows: res.windows, cutMs: res.cutMs, cpuS: (cpu.user + cpu.system) / 1e6, rssMb: process.memoryUsage().rss / 2 ** 20 },
    () => process.exit(0),
  );
});
