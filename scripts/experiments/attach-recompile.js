// What `nodeinstrument attach` costs a warm service when it makes V8 compile
// its optimized code again (the default), against --no-recompile: an Express
// service (warm-service.js, without nodeinstrument loaded) warmed under
// autocannon, then attached to for 2 s under the same load. Prints, per run,
// requests per second in the second before the attach, in each second from it
// on, whether heavyCompute (inlined into the handler) is named, and the
// switch's time from the report's note. Variants alternate; a fresh service each run.
//   node scripts/experiments/attach-recompile.js [runs] [warmSeconds]
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const autocannon = require('autocannon');

const runs = Number(process.argv[2] || 3);
const warm = Number(process.argv[3] || 10);
const cli = path.join(__dirname, '..', '..', 'bin', 'nodeinstrument.js');

async function once(recompile) {
  const child = spawn(process.execPath, ['--inspect-port=0', path.join(__dirname, 'warm-service.js')], { env: { ...process.env, PPROF_OPTIONS: 'off' }, stdio: ['pipe', 'pipe', 'ignore'] });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const { url } = JSON.parse((await lines.next()).value);
  await autocannon({ url: `${url}/work`, connections: 4, duration: warm });
  const perSecond = [];
  const load = autocannon({ url: `${url}/work`, connections: 4, duration: 7 });
  load.on('tick', ({ counter }) => perSecond.push(counter));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const attach = await new Promise((resolve) => {
    const run = spawn(process.execPath, [cli, 'attach', String(child.pid), '--duration', '2s', '-r', 'text', ...(recompile ? [] : ['--no-recompile'])], { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    run.stdout.on('data', (data) => (text += data));
    run.on('exit', () => resolve(text));
  });
  const result = await load;
  child.stdin.end();
  const switchMs = /compile its optimized code again at the start \((\d+) ms\)/.exec(attach)?.[1];
  return {
    recompile,
    before: perSecond[1],
    fromAttach: perSecond.slice(2),
    p99: result.latency.p99,
    heavyComputeNamed: attach.includes('heavyCompute'),
    switchMs: switchMs === undefined ? undefined : Number(switchMs),
  };
}

(async () => {
  for (let i = 0; i < runs; i++) {
    for (const recompile of i % 2 === 0 ? [true, false] : [false, true]) console.log(JSON.stringify(await once(recompile)));
  }
  spawnSync('true');
})();
