'use strict';
/**
 * The HTTP service the benchmarks load (bench/http-server.js, scripts/soak.js):
 * node:http, each request does two units of the workload and answers JSON.
 * The caller listens and profiles; served() counts the requests answered.
 */
const http = require('node:http');
const workload = require('./workload');

/** A wait for the next turn of the event loop, as a query to a fast local store would take. */
function nextTurn() {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * `asyncHandler`: each request awaits between its units (a lookup, then a
 * second one from a helper), as an async route does: what `[await]` tracking
 * captures stacks for.
 */
function workloadServer({ asyncHandler = false } = {}) {
  let served = 0;
  // What each request's handling runs inside (setAround): the request middleware's tagging, in the HTTP A/B.
  let around = (fn) => fn();
  const answer = (req, res) => {
    served++;
    const body = JSON.stringify({ ok: true, served, url: req.url, sink: workload.sink() });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  async function lookup() {
    await nextTurn();
    return workload.sink();
  }
  async function handleAsync(req, res) {
    await nextTurn();
    workload.unit();
    await lookup();
    workload.unit();
    answer(req, res);
  }
  const server = http.createServer((req, res) =>
    around(() => {
      if (asyncHandler) return handleAsync(req, res);
      workload.unit();
      workload.unit();
      answer(req, res);
    }),
  );
  return { server, served: () => served, setAround: (fn) => (around = fn ?? ((inner) => inner())) };
}

module.exports = { workloadServer };
