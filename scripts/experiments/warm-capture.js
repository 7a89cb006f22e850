// Warms scripts/experiments/warm-service.js with autocannon for WARM seconds,
// then asks its pprof endpoint for text reports, and prints whether the hot
// inlined helper (heavyCompute) is named and the longest event-loop stall.
//   node scripts/experiments/warm-capture.js [warmSeconds] [captures] [inlinedFrames true|false]
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const autocannon = require('autocannon');

const warm = Number(process.argv[2] || 15);
const captures = Number(process.argv[3] || 3);
const inlined = process.argv[4];
const options = inlined === undefined ? {} : { inlinedFrames: inlined === 'true' };

(async () => {
  const child = spawn(process.execPath, [...(process.env.SVC_FLAGS ? process.env.SVC_FLAGS.split(' ') : []), path.join(__dirname, 'warm-service.js')], { env: { ...process.env, PPROF_OPTIONS: JSON.stringify(options) }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const { url, pprof } = JSON.parse((await lines.next()).value);
  const load = (seconds) => autocannon({ url: `${url}/work`, connections: 4, duration: seconds });
  await load(warm);
  for (let i = 0; i < captures; i++) {
    child.stdin.write('delay-start\n');
    const loading = load(4);
    const response = await fetch(`${pprof}/profile?seconds=2&format=${process.env.FORMAT || "text"}`);
    const text = await response.text();
    await loading;
    child.stdin.write('delay-stop\n');
    const { maxDelayMs } = JSON.parse((await lines.next()).value);
    const heavy = text.split('\n').filter((l) => l.includes('heavyCompute'));
    console.log(JSON.stringify({ capture: i, heavyRows: heavy.length, firstHeavy: heavy[0]?.trim(), maxDelayMs: +maxDelayMs.toFixed(1) }));
    if (i === 0 && process.env.SHOW) console.log(text);
  }
  child.stdin.end();
})();
