#!/usr/bin/env node
'use strict';
/**
 * A service that keeps compiling new code, and its event loop's delay (issue
 * 15: within 2 ms of unprofiled at the 99th percentile, at 1 kHz). The child
 * turns its event loop every 5 ms (a timer), works `--busy-ms` of each turn
 * (a busy service: 2 of 5 ms by default), compiles `--rate` new functions a
 * second with `new Function` and calls each a few times (a template engine or
 * a plugin loader does as much), and measures the loop's
 * delay with perf_hooks.monitorEventLoopDelay (1 ms resolution) over
 * `--seconds` after a second of warm-up. It runs plain and under the
 * nodeinstrument CLI at each interval, rounds interleaved.
 *
 *   node bench/churn-latency.js [--rounds 3] [--seconds 10] [--rate 2000] [--busy-ms 2] [--intervals 1ms] [--cli other/bin/nodeinstrument.js]
 */
const { spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

if (process.argv[2] === '--child') child(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
else main();

function spin(ms) {
  let x = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  return x;
}

function child(seconds, rate, busyMs) {
  const { monitorEventLoopDelay } = require('node:perf_hooks');
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const started = performance.now();
  let made = 0;
  let sum = 0;
  const timer = setInterval(() => {
    sum += spin(busyMs) > 0 ? 0 : 1;
    const elapsed = (performance.now() - started) / 1000;
    // New functions at the rate asked, each different (so each is new code), each called a few times.
    for (; made < elapsed * rate; made++) {
      const fn = new Function('x', `return x * ${made} + ${made % 13};`);
      for (let k = 0; k < 3; k++) sum += fn(k);
    }
    if (elapsed >= 1 && !histogram.enabled) histogram.enable(); // after a second of warm-up
    if (elapsed >= seconds + 1) {
      clearInterval(timer);
      histogram.disable();
      const ms = (ns) => ns / 1e6;
      console.log(JSON.stringify({ p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), functions: made, ok: sum > 0 }));
    }
  }, 5);
}

function main() {
  const o = { rounds: 3, seconds: 10, rate: 2000, busyMs: 2, intervals: ['1ms'], cli: path.join(__dirname, '..', 'bin', 'nodeinstrument.js'), other: undefined };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--rounds') o.rounds = Number(value());
    else if (flag === '--seconds') o.seconds = Number(value());
    else if (flag === '--rate') o.rate = Number(value());
    else if (flag === '--busy-ms') o.busyMs = Number(value());
    else if (flag === '--intervals') o.intervals = value().split(',');
    else if (flag === '--cli') o.other = path.resolve(value());
    else throw new Error(`unknown option ${argv[i]} (see the comment at the top of bench/churn-latency.js)`);
  }
  const self = [__filename, '--child', String(o.seconds), String(o.rate), String(o.busyMs)];
  const contenders = [{ name: 'plain', args: self }];
  for (const interval of o.intervals) {
    contenders.push({ name: `nodeinstrument ${interval}`, args: [o.cli, '-i', interval, '-o', 'report.txt', ...self] });
    if (o.other) contenders.push({ name: `other build ${interval}`, args: [o.other, '-i', interval, '-o', 'report.txt', ...self] });
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nodeinstrument-churn-'));
  const results = new Map(contenders.map((c) => [c.name, []]));
  try {
    for (let round = 0; round < o.rounds; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const contender = contenders[(k + round) % contenders.length];
        const run = spawnSync(process.execPath, contender.args, { cwd: dir, encoding: 'utf8' });
        if (run.status !== 0) throw new Error(`${contender.name} failed (${run.status ?? run.signal}):\n${run.stderr}`);
        results.get(contender.name).push(JSON.parse(run.stdout.split('\n').find((line) => line.startsWith('{'))));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const load = os.loadavg().map((x) => x.toFixed(1)).join('/');
  console.log(`Command: \`node bench/churn-latency.js ${argv.join(' ')}\`; ${new Date().toISOString()}; ${os.cpus().length} CPUs, load average ${load} at the end; Node ${process.version}.\n`);
  console.log('| run | event-loop delay p50, ms | p99, ms | max, ms | functions compiled |');
  console.log('|---|---:|---:|---:|---:|');
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const cell = (values) => `${median(values).toFixed(1)} [${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)}]`;
  for (const [name, runs] of results) {
    console.log(`| ${name} | ${cell(runs.map((r) => r.p50))} | ${cell(runs.map((r) => r.p99))} | ${cell(runs.map((r) => r.max))} | ${median(runs.map((r) => r.functions))} |`);
  }
}
