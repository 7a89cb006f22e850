#!/usr/bin/env node
// The accuracy harness (npm run accuracy): runs each workload under
// nodeinstrument and under V8's CpuProfiler (inspector Profiler, same
// interval), each in a fresh process, and compares self and total time per
// function as the overlap of the two distributions (the sum over functions
// of the smaller share; 1 is identical). V8 against V8 across two runs is the
// baseline: how much two runs of the same profiler differ.
//
//   node scripts/accuracy.js [--runs N] [--intervals 1000,100] [--workloads a,b] [--verbose]
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const os = require('node:os');
const { fromJSON, shares, overlap } = require('./accuracy/function-profile');

const WORKLOADS = ['inline-heavy', 'known-split', 'tsc', 'marked', 'acorn'];
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(name);
  return index === -1 ? fallback : args[index + 1];
};
const runs = Number(option('--runs', '2'));
const intervals = option('--intervals', '1000,100').split(',').map(Number);
const workloads = option('--workloads', WORKLOADS.join(',')).split(',');
const verbose = args.includes('--verbose');

function runOne(profiler, intervalUs, workload) {
  const result = spawnSync(process.execPath, [path.join(__dirname, 'accuracy', 'run-one.js'), profiler, String(intervalUs), workload], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: 600_000,
  });
  if (result.status !== 0) throw new Error(`${profiler} ${workload} at ${intervalUs} us failed:\n${result.stderr}`);
  const { profile, v8View } = JSON.parse(result.stdout);
  return { profile: fromJSON(profile), v8View: fromJSON(v8View) };
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
const pairs = (a, b) => a.flatMap((x, i) => b.map((y, j) => [x, y, i, j]));
const fmt = (x) => x.toFixed(3);
const pct = (x) => `${(x * 100).toFixed(1)}%`;

function compare(left, right, which, sameSet) {
  const values = [];
  for (const [a, b, i, j] of pairs(left, right)) if (!sameSet || i < j) values.push(overlap(shares(a, which), shares(b, which)));
  return values;
}

/** Self and total share of each of the workload's known hot helpers. */
function helperShares(profile, workload) {
  const helpers = require(path.join(__dirname, 'accuracy', 'workloads', `${workload}.js`)).hotHelpers ?? [];
  return helpers.map((helper) => {
    for (const [key, fn] of profile.functions) {
      if (key.includes(`${workload}.js:${helper.line}:`)) return { name: helper.name, self: fn.self / profile.time, total: fn.total / profile.time };
    }
    return { name: helper.name, self: 0, total: 0 };
  });
}

function biggestDifferences(v8, ours, which) {
  const a = shares(v8, which);
  const b = shares(ours, which);
  const keys = new Set([...a.keys(), ...b.keys()]);
  const name = (key) => (v8.functions.get(key) ?? ours.functions.get(key)).name;
  return [...keys]
    .map((key) => ({ key, name: name(key), v8: a.get(key) ?? 0, ours: b.get(key) ?? 0 }))
    .sort((x, y) => Math.abs(y.v8 - y.ours) - Math.abs(x.v8 - x.ours))
    .slice(0, 6);
}

const rows = [];
for (const workload of workloads) {
  for (const intervalUs of intervals) {
    const v8 = [];
    const ours = [];
    // Interleaved, so that a change in machine load hits both alike.
    const oursV8View = [];
    for (let i = 0; i < runs; i++) {
      v8.push(runOne('v8', intervalUs, workload).profile);
      const run = runOne('nodeinstrument', intervalUs, workload);
      ours.push(run.profile);
      oursV8View.push(run.v8View);
    }
    const row = {
      workload,
      intervalUs,
      functions: mean(v8.map((p) => p.functions.size)),
      selfV8Ours: mean(compare(v8, ours, 'self', false)),
      selfV8OursV8View: mean(compare(v8, oursV8View, 'self', false)),
      totalV8OursV8View: mean(compare(v8, oursV8View, 'total', false)),
      selfV8V8: mean(compare(v8, v8, 'self', true)),
      selfOursOurs: mean(compare(ours, ours, 'self', true)),
      totalV8Ours: mean(compare(v8, ours, 'total', false)),
      totalV8V8: mean(compare(v8, v8, 'total', true)),
      totalOursOurs: mean(compare(ours, ours, 'total', true)),
      helperV8: v8.map((p) => helperShares(p, workload)),
      helperOurs: ours.map((p) => helperShares(p, workload)),
      helperOursV8View: oursV8View.map((p) => helperShares(p, workload)),
    };
    rows.push(row);
    process.stderr.write(
      `${workload} @ ${intervalUs} us: self overlap v8/ours ${fmt(row.selfV8Ours)} (V8's view ${fmt(row.selfV8OursV8View)}), v8/v8 ${fmt(row.selfV8V8)}\n`,
    );
    if (verbose) {
      for (const d of biggestDifferences(v8[0], oursV8View[0], 'self')) {
        process.stderr.write(`    self  v8 ${pct(d.v8).padStart(6)}  ours ${pct(d.ours).padStart(6)}  ${d.name}  ${d.key}\n`);
      }
    }
  }
}

const lines = [];
lines.push(`Node ${process.version} (V8 ${process.versions.v8}), ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${runs} run(s) per profiler, ${new Date().toISOString()}`);
lines.push('');
lines.push('"ours (V8 view)" leaves out the inlined frames recovered at the interrupted pc, which V8\'s CpuProfiler does not show (it expands inlined frames at return addresses only); "ours" is the profile as nodeinstrument reports it.');
lines.push('');
lines.push('| workload | interval | functions (V8) | self: V8 vs ours (V8 view) | self: V8 vs ours | self: V8 vs V8 | self: ours vs ours | total: V8 vs ours (V8 view) | total: V8 vs ours | total: V8 vs V8 | total: ours vs ours |');
lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  lines.push(
    `| ${r.workload} | ${r.intervalUs} us | ${Math.round(r.functions)} | ${fmt(r.selfV8OursV8View)} | ${fmt(r.selfV8Ours)} | ${runs > 1 ? fmt(r.selfV8V8) : '-'} | ${runs > 1 ? fmt(r.selfOursOurs) : '-'} | ${fmt(r.totalV8OursV8View)} | ${fmt(r.totalV8Ours)} | ${runs > 1 ? fmt(r.totalV8V8) : '-'} | ${runs > 1 ? fmt(r.totalOursOurs) : '-'} |`,
  );
}
const helperRows = rows.filter((r) => r.helperV8[0].length > 0);
if (helperRows.length) {
  lines.push('');
  lines.push('Known hot helpers, share of the run in each run (self / total):');
  lines.push('');
  lines.push('| workload | interval | helper | V8 | ours (V8 view) | ours |');
  lines.push('| --- | --- | --- | --- | --- | --- |');
  for (const r of helperRows) {
    r.helperV8[0].forEach((helper, h) => {
      const list = (runsOf) =>
        `${runsOf.map((run) => `${pct(run[h].self)} / ${pct(run[h].total)}`).join(', ')} (mean self ${pct(mean(runsOf.map((run) => run[h].self)))})`;
      lines.push(`| ${r.workload} | ${r.intervalUs} us | ${helper.name} | ${list(r.helperV8)} | ${list(r.helperOursV8View)} | ${list(r.helperOurs)} |`);
    });
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
