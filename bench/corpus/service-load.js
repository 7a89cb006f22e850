// The load for ./express-service.js: autocannon cycling through its routes.
//   node bench/corpus/service-load.js <url> <seconds>
'use strict';
const autocannon = require('autocannon');

const [url, seconds] = process.argv.slice(2);
const config = ['server:', '  port: 8080', '  hosts: [a.example, b.example]', 'limits:', ...Array.from({ length: 40 }, (_, i) => `  rule${i}: { rate: ${i * 10}, burst: ${i}, paths: [/a/${i}, /b/${i}] }`)].join('\n');
autocannon(
  {
    url,
    connections: 4,
    duration: Number(seconds),
    requests: [
      { method: 'GET', path: '/doc' },
      { method: 'GET', path: '/users?min=40' },
      { method: 'POST', path: '/config', body: config, headers: { 'content-type': 'text/yaml' } },
    ],
  },
  (error, result) => {
    if (error) throw error;
    if (result.non2xx > 0 || result.errors > 0) {
      console.error(`service-load: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
      process.exit(1);
    }
    console.log(`${result.requests.total} requests in ${seconds} s, p99 ${result.latency.p99} ms`);
  },
);
