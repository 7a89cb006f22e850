// A warm Express service for the capture paths (issue 14): a handler whose
// hot helper TurboFan inlines once the service is warm. Run as
//   node scripts/experiments/warm-service.js            (the service; prints {"url"})
// and driven by warm-capture.js. PPROF_OPTIONS (JSON) goes to startPprofServer;
// PPROF_OPTIONS=off leaves nodeinstrument out (attach-recompile.js attaches to it).
'use strict';
const express = require('express');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { startPprofServer } = require('../../dist/cjs/index.js');

function heavyCompute(n) {
  let h = 0;
  for (let i = 0; i < n; i++) h = (Math.imul(h ^ i, 0x9e3779b1) + (h >>> 7)) | 0;
  return h;
}

const app = express();
app.get('/work', (req, res) => {
  let total = 0;
  for (let k = 0; k < 40; k++) total += heavyCompute(20000 + k);
  res.json({ total });
});

const delay = monitorEventLoopDelay({ resolution: 1 });
(async () => {
  const off = process.env.PPROF_OPTIONS === 'off';
  const pprof = off ? { url: undefined, close: async () => {} } : await startPprofServer({ port: 0, ...JSON.parse(process.env.PPROF_OPTIONS || '{}') });
  const server = app.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, pprof: pprof.url })}\n`);
  });
  process.stdin.resume();
  process.stdin.on('data', (chunk) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) {
      if (line === 'delay-start') { delay.reset(); delay.enable(); }
      if (line === 'delay-stop') { delay.disable(); process.stdout.write(`${JSON.stringify({ maxDelayMs: delay.max / 1e6 })}\n`); }
    }
  });
  process.stdin.on('end', () => { server.close(); pprof.close().then(() => process.exit(0)); });
})();
