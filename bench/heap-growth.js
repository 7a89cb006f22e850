#!/usr/bin/env node
'use strict';
/**
 * How much a long recording adds to the profiled program's V8 heap (issue 15:
 * under 1 MB a minute at 1 kHz). A steady asynchronous program
 * (bench/heap-growth-child.js) runs plain and under the nodeinstrument CLI at
 * each interval, rounds interleaved; each run reports its heap's growth
 * between two full collections, `--from` and `--to` seconds after it started.
 *
 *   node bench/heap-growth.js [--rounds 2] [--from 10] [--to 40] [--intervals 1ms,100us] [--cli other/bin/nodeinstrument.js]
 */
const { spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { summary } = require('./lib/stats');

const ROOT = path.join(__dirname, '..');
const CHILD = path.join(__dirname, 'heap-growth-child.js');

function parseArgs(argv) {
  const o = { rounds: 2, from: 10, to: 40, intervals: ['1ms', '100us'], cli: path.join(ROOT, 'bin', 'nodeinstrument.js'), other: undefined };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--rounds') o.rounds = Number(value());
    else if (flag === '--from') o.from = Number(value());
    else if (flag === '--to') o.to = Number(value());
    else if (flag === '--intervals') o.intervals = value().split(',');
    else if (flag === '--cli') o.other = path.resolve(value());
    else throw new Error(`unknown option ${argv[i]} (see the comment at the top of bench/heap-growth.js)`);
  }
  if (!(o.to > o.from && o.from > 0)) throw new Error('--to must be after --from, both in seconds');
  return o;
}

function measure(args, dir) {
  const result = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr}`);
  const line = result.stdout.split('\n').find((text) => text.startsWith('{'));
  return JSON.parse(line);
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const contenders = [{ name: 'plain', args: ['--expose-gc', CHILD] }];
  for (const interval of o.intervals) {
    const profiled = (cli) => [cli, '-i', interval, '--node-arg=--expose-gc', '-o', 'report.txt', CHILD];
    contenders.push({ name: `nodeinstrument ${interval}`, args: profiled(o.cli) });
    if (o.other) contenders.push({ name: `other build ${interval}`, args: profiled(o.other) });
  }
  const results = new Map(contenders.map((c) => [c.name, []]));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nodeinstrument-heap-growth-'));
  try {
    for (let round = 0; round < o.rounds; round++) {
      // The order rotates each round.
      for (let k = 0; k < contenders.length; k++) {
        const contender = contenders[(k + round) % contenders.length];
        results.get(contender.name).push(measure([...contender.args, String(o.from), String(o.to)], dir));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const load = os.loadavg().map((x) => x.toFixed(1)).join('/');
  console.log(`Command: \`node bench/heap-growth.js ${process.argv.slice(2).join(' ')}\`; ${new Date().toISOString()}; ${os.cpus().length} CPUs, load average ${load} at the end; Node ${process.version}.\n`);
  console.log('| run | V8 heap growth, MB per minute | heap used at the end, MB | external memory at the end, MB |');
  console.log('|---|---:|---:|---:|');
  const cell = (values) => {
    const s = summary(values);
    return `${s.median.toFixed(2)} [${s.min.toFixed(2)}-${s.max.toFixed(2)}]`;
  };
  for (const [name, runs] of results) {
    console.log(`| ${name} | ${cell(runs.map((r) => r.heapMbPerMinute))} | ${cell(runs.map((r) => r.heapMb))} | ${cell(runs.map((r) => r.externalMb))} |`);
  }
}

main();
