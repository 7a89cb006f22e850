#!/usr/bin/env node
// The corpus of real programs (bench/corpus/: TypeScript, prettier, terser,
// ESLint, markdown-it, @babel/parser, js-yaml, and an Express service warm
// under autocannon) profiled as a user runs them:
// `nodeinstrument --flat` with default options, against V8's own profiler
// (`node --cpu-prof`) on the same program. For each program: how many of V8's
// top 10 JavaScript functions by self time (builtins and C++ charged to their
// JavaScript caller; V8's runs pooled, as one run of V8 is a noisy reference)
// appear in the first 15 rows of each run's flat view, and as a yardstick in
// the first 15 of each V8 run's own list; the same with our inlined frames
// folded into their caller, as Node 20's --cpu-prof charges them (V8 11 does
// not name inlined functions; V8 13 names TurboFan's: scripts/experiments/
// v8-inline-expansion.js); V8's top 10 of runs with inlining off
// (`--no-turbo-inlining --no-maglev-inlining`: every function its own frame),
// in our first 15 and in V8's default first 15; whether a bare `[native] <library>`
// row or a repeated function is among ours; and the wall time of the run
// plain, under --cpu-prof and under nodeinstrument.
//
//   node scripts/corpus.js [--size small|large] [--programs a,b] [--runs N] [--verbose]
'use strict';
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readdirSync, readFileSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { v8TopFunctions, flatRows, sameFunction, bareNativeRows, repeatedRows, foldInlined } = require('./corpus/compare');
const { Session, renderText } = require('../dist/cjs/index.js');

const ROOT = path.join(__dirname, '..');
const PROGRAMS = ['tsc', 'prettier', 'terser', 'eslint', 'markdown-it', 'babel-parser', 'js-yaml', 'express-service'];
const TOP = 10;
const ROWS = 15;

/** Runs `node args` from the repository root; returns the wall time in seconds. */
function timed(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr}`);
  return seconds;
}

/**
 * One program once under each of the three (the plain run only when timed): the comparison and
 * the times. `withoutInlining`: also V8's profile of a run with inlining off (every function its
 * own frame, the attribution V8's default profile cannot give for inlined code), a second reference.
 */
function runProgram(program, size, { timePlain = true, withoutInlining = false } = {}) {
  const script = path.join('bench', 'corpus', `${program}.js`);
  const dir = mkdtempSync(path.join(os.tmpdir(), `nodeinstrument-corpus-${program}-`));
  try {
    const plain = timePlain ? timed([script, size]) : 0;
    // The same interval as nodeinstrument's default, 1 ms.
    const v8 = timed(['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '1000', script, size]);
    // Recorded as a session, then shown with --flat as the CLI shows it: the same report, and the
    // session also gives the view without inlined frames (foldedRows).
    const sessionPath = path.join(dir, 'session.json');
    const reportPath = path.join(dir, 'report.txt');
    const ours = timed([path.join('bin', 'nodeinstrument.js'), '-r', 'session', '-o', sessionPath, script, size]);
    timed([path.join('bin', 'nodeinstrument.js'), '--load', sessionPath, '--flat', '--no-color', '-o', reportPath]);
    const cpuprofile = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    const v8Functions = v8TopFunctions(path.join(dir, cpuprofile));
    let uninlined;
    if (withoutInlining) {
      const noInliningDir = path.join(dir, 'no-inlining');
      timed(['--no-turbo-inlining', '--no-maglev-inlining', '--cpu-prof', '--cpu-prof-dir', noInliningDir, '--cpu-prof-interval', '1000', script, size]);
      uninlined = v8TopFunctions(path.join(noInliningDir, readdirSync(noInliningDir)[0]));
    }
    const top = v8Functions.slice(0, TOP);
    const report = readFileSync(reportPath, 'utf8');
    const rows = flatRows(report).slice(0, ROWS);
    const foldedRows = flatRows(renderText(foldInlined(Session.load(sessionPath)), { view: 'flat', color: false })).slice(0, ROWS);
    const found = top.filter((fn) => rows.some((row) => sameFunction(row, fn)));
    return { program, times: { plain, v8, ours }, v8Functions, uninlined, top, rows, foldedRows, found, bare: bareNativeRows(rows), repeated: repeatedRows(rows), report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * V8's functions summed over several runs of a program, largest first. One
 * V8 run is a noisy reference: the same function took 8 ms of self time in
 * one eslint run and 280 ms in another, so its top 10 is taken from all runs.
 */
function pooledFunctions(runs) {
  const pooled = new Map();
  for (const functions of runs) {
    for (const fn of functions) {
      const key = `${fn.name}\u0000${fn.url}\u0000${fn.line}`;
      const entry = pooled.get(key) ?? { ...fn, self: 0 };
      entry.self += fn.self / runs.length;
      pooled.set(key, entry);
    }
  }
  return [...pooled.values()].sort((a, b) => b.self - a.self);
}

/** How many of `top` a V8 run's own first `ROWS` functions hold: V8 measured against itself. */
function foundByV8(top, functions) {
  const first = functions.slice(0, ROWS);
  return top.filter((fn) => first.some((other) => other.name === fn.name && other.url === fn.url && other.line === fn.line)).length;
}

function main() {
  const args = process.argv.slice(2);
  const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const size = option('--size', 'large');
  const programs = option('--programs', PROGRAMS.join(',')).split(',');
  const runs = Number(option('--runs', '1'));
  const verbose = args.includes('--verbose');
  console.log(
    `| program | V8's top ${TOP} (all runs) in our first ${ROWS} rows, per run | the same, our inlined frames in their caller | in V8's own first ${ROWS}, per run | V8's top ${TOP} without inlining: in our first ${ROWS} | in V8's default first ${ROWS} | bare native rows | repeated | plain s | --cpu-prof s | nodeinstrument s |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const program of programs) {
    const results = [];
    for (let run = 0; run < runs; run++) results.push(runProgram(program, size, { withoutInlining: true }));
    const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const top = pooledFunctions(results.map((result) => result.v8Functions)).slice(0, TOP);
    for (const result of results) {
      result.top = top;
      result.found = top.filter((fn) => result.rows.some((row) => sameFunction(row, fn)));
    }
    const found = results.map((result) => result.found.length);
    const foundFolded = results.map((result) => top.filter((fn) => result.foldedRows.some((row) => sameFunction(row, fn))).length);
    const v8Found = results.map((result) => foundByV8(top, result.v8Functions));
    // The reference without inlining: where V8's default profile charges an inlined function to its caller, it names it.
    const uninlinedTop = pooledFunctions(results.map((result) => result.uninlined)).slice(0, TOP);
    const uninlinedInOurs = results.map((result) => uninlinedTop.filter((fn) => result.rows.some((row) => sameFunction(row, fn))).length);
    const uninlinedInV8 = results.map((result) => foundByV8(uninlinedTop, result.v8Functions));
    const times = ['plain', 'v8', 'ours'].map((which) => median(results.map((result) => result.times[which])).toFixed(2));
    const last = results[results.length - 1];
    console.log(`| ${program} | ${found.join(', ')} | ${foundFolded.join(', ')} | ${v8Found.join(', ')} | ${uninlinedInOurs.join(', ')} | ${uninlinedInV8.join(', ')} | ${last.bare.map((row) => row.name).join(', ') || 'none'} | ${last.repeated.join(', ') || 'none'} | ${times.join(' | ')} |`);
    if (verbose) {
      console.log(`\nV8's top ${TOP} over the runs (mean self time, builtins and C++ in their caller):`);
      for (const fn of last.top) console.log(`  ${fn.self.toFixed(3)} ${fn.name}  ${fn.url.replace(/^.*node_modules\//, '')}:${fn.line}${last.found.includes(fn) ? '' : '   <- missing'}`);
      console.log(`our first ${ROWS} rows:`);
      for (const row of last.rows) console.log(`  ${row.value} ${row.name}  ${row.location}`);
      console.log('');
    }
  }
}

if (require.main === module) main();
module.exports = { runProgram, PROGRAMS, TOP, ROWS };
