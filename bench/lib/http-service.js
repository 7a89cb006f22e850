'use strict';
/**
 * The HTTP service the benchmarks load (bench/http-server.js, scripts/soak.js):
 * node:http, each request does two units of the workload and answers JSON.
 * The caller listens and profiles; served() counts the requests answered.
 */
const http = require('node:http');
const workload = require('./workload');

function workloadServer() {
  let served = 0;
  // What each request's handling runs inside (setAround): the request middleware's tagging, in the HTTP A/B.
  let around = (fn) => fn();
  const server = http.createServer((req, res) =>
    around(() => {
      workload.unit();
      workload.unit();
      served++;
      const body = JSON.stringify({ ok: true, served, url: req.url, sink: workload.sink() });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }),
  );
  return { server, served: () => served, setAround: (fn) => (around = fn ?? ((inner) => inner())) };
}

module.exports = { workloadServer };
