#!/usr/bin/env node
'use strict';
/**
 * Where the hybrid sampler (sampler: 'hybrid') and the signal sampler put
 * known kinds of time: a workload per kind, each run in a fresh process under
 * each sampler, rounds interleaved; reported is the share of the run whose
 * leaf is not JavaScript (C++, a builtin, regular expression code, garbage
 * collection: where the kind of time shows), and of garbage collection alone,
 * medians over rounds, and how many samples an interrupt took.
 *
 *   node bench/hybrid-splits.js [--rounds N] [--interval-us N] [--workloads a,b]
 *
 * Workloads (each about 1 s): json-parse (V8's C++, which serves no interrupt),
 * json-stringify (C++ that serves interrupts itself), regexp (a backtracking
 * regular expression), gc (allocation: garbage collection), read-file
 * (fs.readFileSync of a 64 MB file in the page cache: a system call),
 * fast-call (a JavaScript loop calling performance.now(), a fast call into C++,
 * as the known split's leaves do).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');

/** Each workload: its input, made once, and one unit of its work. */
const WORKLOADS = {
  'json-parse': {
    setup: () => JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'] }))),
    run: (text) => JSON.parse(text).length,
  },
  'json-stringify': {
    setup: () => Array.from({ length: 3000 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'] })),
    run: (data) => JSON.stringify(data).length,
  },
  regexp: {
    setup: () => `${'a'.repeat(24)}c`,
    run: (text) => (/^(a+)+b/.test(text) ? 1 : 0),
  },
  gc: {
    setup: () => null,
    run: () => {
      let keep = [];
      for (let i = 0; i < 20000; i++) keep.push({ i, s: `x${i}`, a: [i, i] });
      keep = keep.length;
      return keep;
    },
  },
  'read-file': {
    setup: () => {
      const file = path.join(os.tmpdir(), `ni-hybrid-splits-${process.pid}.bin`);
      fs.writeFileSync(file, Buffer.alloc(64 << 20, 1));
      fs.readFileSync(file); // into the page cache
      process.on('exit', () => fs.rmSync(file, { force: true }));
      return file;
    },
    run: (file) => fs.readFileSync(file).length,
  },
  'fast-call': {
    setup: () => null,
    run: () => {
      const spin = (ms) => {
        const end = performance.now() + ms;
        let x = 0;
        while (performance.now() < end) x++;
        return x;
      };
      return spin(2);
    },
  },
};

function child(name, sampler, intervalUs) {
  const { Profiler } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
  const workload = WORKLOADS[name];
  const input = workload.setup();
  for (let i = 0; i < 3; i++) workload.run(input);
  const profiler = new Profiler({ interval: intervalUs / 1e6, sampler });
  profiler.start();
  const end = performance.now() + 1000;
  let sink = 0;
  while (performance.now() < end) sink += workload.run(input);
  const session = profiler.stop();
  let total = 0;
  let outside = 0;
  let gc = 0;
  const duration = session.samples.duration;
  for (let i = 0; i < session.samples.stack.length; i++) {
    total += duration[i];
    const leaf = session.frames[session.stackFrames(session.samples.stack[i]).at(-1)];
    if (leaf.kind !== 'js') outside += duration[i];
    if (leaf.name === '(garbage collection)') gc += duration[i];
  }
  const { sampleCount, interruptSamples } = session.meta;
  console.log(JSON.stringify({ outside: outside / total, gc: gc / total, samples: sampleCount, byInterrupt: interruptSamples === undefined ? 0 : interruptSamples / sampleCount, sink: sink > 0 }));
}

function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], args[2], Number(args[3]));
  const option = (flag, fallback) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : fallback);
  const rounds = Number(option('--rounds', '3'));
  const intervalUs = Number(option('--interval-us', '1000'));
  const names = option('--workloads', Object.keys(WORKLOADS).join(',')).split(',');
  const results = {};
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const order = round % 2 === 0 ? ['signal', 'hybrid'] : ['hybrid', 'signal'];
      for (const sampler of order) {
        const run = spawnSync(process.execPath, [__filename, '--child', name, sampler, String(intervalUs)], { encoding: 'utf8' });
        if (run.status !== 0) throw new Error(`${name} under ${sampler} failed:\n${run.stderr}`);
        ((results[name] ??= {})[sampler] ??= []).push(JSON.parse(run.stdout));
      }
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const pct = (x) => `${(100 * x).toFixed(1)}%`;
  console.log(`# ${rounds} rounds, interval ${intervalUs} us, ${new Date().toISOString()}, Node ${process.version}`);
  console.log('| workload | leaf outside JavaScript: signal | hybrid | difference, points | garbage collection: signal | hybrid | hybrid: by interrupt | outside JavaScript per round (signal / hybrid) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const name of names) {
    const { signal, hybrid } = results[name];
    const of = (runs, key) => median(runs.map((r) => r[key]));
    const rows = signal.map((r, i) => `${pct(r.outside)} / ${pct(hybrid[i].outside)}`).join(', ');
    const difference = (100 * (of(hybrid, 'outside') - of(signal, 'outside'))).toFixed(1);
    console.log(`| ${name} | ${pct(of(signal, 'outside'))} | ${pct(of(hybrid, 'outside'))} | ${difference} | ${pct(of(signal, 'gc'))} | ${pct(of(hybrid, 'gc'))} | ${pct(of(hybrid, 'byInterrupt'))} | ${rows} |`);
  }
}

main();
