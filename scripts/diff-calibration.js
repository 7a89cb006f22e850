#!/usr/bin/env node
// Calibrates `nodeinstrument diff` with known changes (issue 18): programs
// whose target function is made 1.1x to 10x faster at shares of 2% to 60%
// (a CPU-bound one, an asynchronous one compared in wall time, and two real
// programs of the corpus, markdown-it and js-yaml, each calling back into a
// highlighter or replacer whose work is set),
// profiled as a user would (one process per run), then compared in many draws
// of n runs per side. Reports the detection rate (the target's function row
// marked faster) and the false alarms: any row marked in A/A comparisons (two
// sets of the same program), and rows wrongly marked in the others (anything
// marked slower, or faster off the target's branch).
//
//   node scripts/diff-calibration.js [--programs cpu,async,markdown,yaml] [--runs 3,5,8]
//        [--interval 250us] [--before-pool 12] [--after-pool 6] [--draws 40]
//        [--shares 2,5,20,60] [--factors 1.1,1.25,1.5,2,10] [--dir DIR] [--analyze-only]
//
// Runs are recorded into DIR (default /tmp/nodeinstrument-calibration), one
// session per run, and reused when there: delete DIR to record anew. Configs
// are interleaved round by round, so that the machine's drift spreads over
// all of them. The pools are sampled without replacement within a draw; draws
// overlap, so the rates are estimates from the pool, and the table says how
// many runs each pool had.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'nodeinstrument.js');
const lib = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
const { Session } = require(path.join(ROOT, 'dist', 'cjs', 'session', 'session.js'));

/** Each program: its script, the function that changes, and the time the diff compares. */
const PROGRAMS = {
  cpu: { script: 'bench/calibration/cpu.js', target: 'target', time: 'cpu' },
  async: { script: 'bench/calibration/async.js', target: 'target', time: 'wall' },
  markdown: { script: 'bench/calibration/markdown.js', target: 'slowHighlight', time: 'cpu' },
  yaml: { script: 'bench/calibration/yaml.js', target: 'slowReplace', time: 'cpu' },
};

function parseArgs(argv) {
  const options = {
    programs: Object.keys(PROGRAMS),
    runs: [5],
    interval: '250us',
    beforePool: 12,
    afterPool: 6,
    draws: 40,
    shares: [2, 5, 20, 60],
    factors: [1.1, 1.25, 1.5, 2, 10],
    dir: '/tmp/nodeinstrument-calibration',
    analyzeOnly: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const value = () => argv[++i];
    const list = () => value().split(',').map(Number);
    switch (argv[i]) {
      case '--programs':
        options.programs = value().split(',');
        break;
      case '--runs':
        options.runs = list();
        break;
      case '--interval':
        options.interval = value();
        break;
      case '--before-pool':
        options.beforePool = Number(value());
        break;
      case '--after-pool':
        options.afterPool = Number(value());
        break;
      case '--draws':
        options.draws = Number(value());
        break;
      case '--shares':
        options.shares = list();
        break;
      case '--factors':
        options.factors = list();
        break;
      case '--dir':
        options.dir = value();
        break;
      case '--analyze-only':
        options.analyzeOnly = true;
        break;
      default:
        throw new Error(`unknown option ${argv[i]}`);
    }
  }
  for (const name of options.programs) if (!PROGRAMS[name]) throw new Error(`unknown program ${name} (${Object.keys(PROGRAMS).join(', ')})`);
  return options;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/**
 * Unprofiled runs with 1 and 20 units of target work: how long a unit takes,
 * from the time the program measured around its target calls (the
 * difference, so that a fixed cost of each call does not count; the totals of
 * whole runs vary too much for that), and the rest of the program.
 */
function pilot(program) {
  const measure = (units) => {
    const runs = [0, 1, 2].map(() => {
      const result = spawnSync(process.execPath, [path.join(ROOT, program.script), String(units)], { encoding: 'utf8', cwd: ROOT });
      if (result.status !== 0) throw new Error(`${program.script}: ${result.stderr}`);
      return JSON.parse(result.stdout.trim().split('\n').pop());
    });
    return { targetMs: median(runs.map((run) => run.targetMs)), restMs: median(runs.map((run) => run.totalMs - run.targetMs)) };
  };
  const one = measure(1);
  const twenty = measure(20);
  return { unitMs: Math.max(1e-6, (twenty.targetMs - one.targetMs) / 19), restMs: one.restMs };
}

/** The configurations of a program: a before per share, an after per share and factor, with the target's units of work. */
function configsOf(options, cost) {
  const configs = [];
  for (const share of options.shares) {
    const units = ((share / 100) * cost.restMs) / ((1 - share / 100) * cost.unitMs);
    configs.push({ name: `s${share}-before`, share, factor: 1, units, pool: options.beforePool });
    for (const factor of options.factors) configs.push({ name: `s${share}-f${factor}`, share, factor, units: units / factor, pool: options.afterPool });
  }
  return configs;
}

function record(options, name, program, configs) {
  const dir = path.join(options.dir, name);
  mkdirSync(dir, { recursive: true });
  // Every round records each configuration's share of its pool (a before pool twice the after
  // pools: two before runs a round), so that every pool spans the whole recording: a pool
  // recorded later than the others would differ by the machine's drift (the first version
  // recorded the second half of the before pools after all the after runs, and the rest of the
  // CPU-bound program seemed 11-17% faster in the after runs).
  const rounds = Math.min(...configs.map((config) => config.pool));
  for (let round = 0; round < rounds; round++) {
    const jobs = configs.flatMap((config) => {
      const first = Math.floor((round * config.pool) / rounds);
      const end = Math.floor(((round + 1) * config.pool) / rounds);
      return Array.from({ length: end - first }, (_, i) => ({ config, index: first + i }));
    });
    for (const { config, index } of draw(jobs, jobs.length)) {
      const file = path.join(dir, `${config.name}-${index}.json`);
      if (existsSync(file)) continue;
      const result = spawnSync(process.execPath, [CLI, '-i', options.interval, '-o', file, program.script, String(config.units)], { encoding: 'utf8', cwd: ROOT });
      if (result.status !== 0) throw new Error(`${name} ${config.name}: ${result.stderr}`);
    }
    process.stderr.write(`${name}: round ${round + 1} of ${rounds} recorded\n`);
  }
}

function loadPools(options, name, configs) {
  const dir = path.join(options.dir, name);
  const files = readdirSync(dir);
  const pools = new Map();
  for (const config of configs) {
    const runs = files.filter((file) => file.startsWith(`${config.name}-`) && /-\d+\.json$/.test(file)).map((file) => Session.load(path.join(dir, file)));
    pools.set(config.name, runs);
  }
  return pools;
}

/** n distinct random items of a list. */
function draw(items, n, exclude = new Set()) {
  const free = items.filter((item) => !exclude.has(item));
  for (let i = free.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [free[i], free[j]] = [free[j], free[i]];
  }
  return free.slice(0, n);
}

function* rows(diff) {
  const pending = [[diff.root, []]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [node, path] = item;
    if (node !== diff.root) yield { kind: 'tree', row: node, path };
    for (const child of node.children) pending.push([child, [...path, node.frame.name]]);
  }
  for (const row of diff.functions) yield { kind: 'function', row, path: [] };
}

/** A comparison's outcome: was the target found, and what was marked that should not have been. */
function judge(diff, target, wrongRows) {
  let found = false;
  let wrong = 0;
  const blame = (kind, row) => {
    wrong++;
    const key = `${kind === 'tree' ? 'branch' : 'function'} ${row.frame.name.slice(0, 40)} ${row.verdict}`;
    wrongRows?.set(key, (wrongRows.get(key) ?? 0) + 1);
  };
  const ancestors = new Set();
  for (const { kind, row } of rows(diff)) if (kind === 'tree' && row.frame.name === target) ancestors.add(row);
  for (const { kind, row, path } of rows(diff)) {
    if (row.verdict !== 'faster' && row.verdict !== 'slower') continue;
    if (kind === 'function' && row.frame.name === target && row.verdict === 'faster') found = true;
    else if (row.verdict === 'slower' || kind === 'function') blame(kind, row);
    else if (row.frame.name !== target && !isAncestorOfTarget(row, target)) blame(kind, row);
    void path;
  }
  return { found, wrong };
}

function isAncestorOfTarget(node, target) {
  const pending = [...node.children];
  for (let child = pending.pop(); child; child = pending.pop()) {
    if (child.frame.name === target) return true;
    pending.push(...child.children);
  }
  return false;
}

function analyze(options, name, program, pools, runs) {
  const compare = (before, after) => lib.diffSessions(before, after, { time: program.time });
  const results = { name, runs, cells: [], aa: [], single: { found: 0, total: 0, aaWrong: 0, aaTotal: 0 }, variation: [], wrongRows: new Map() };
  const targetTime = (runs) => {
    const diff = lib.diffSessions(runs, runs, { time: program.time, minShare: 0 });
    return diff.functions.find((row) => row.frame.name === program.target)?.before.time ?? 0;
  };
  for (const share of options.shares) {
    const before = pools.get(`s${share}-before`);
    // A/A: two disjoint sets of the unchanged program.
    let aaWrong = 0;
    let aaSingle = 0;
    for (let d = 0; d < options.draws; d++) {
      const a = draw(before, runs);
      const b = draw(before, runs, new Set(a));
      if (a.length < runs || b.length < runs) break;
      const diff = compare(a, b);
      if (diff.faster + diff.slower > 0) aaWrong++;
      judge(diff, program.target, results.wrongRows);
      if (diff.model.runVariation.measured) results.variation.push(diff.model.runVariation);
      const single = compare(a[0], b[0]);
      if (single.faster + single.slower > 0) aaSingle++;
    }
    results.aa.push({ share, wrong: aaWrong, total: before.length >= 2 * runs ? options.draws : 0, pool: before.length });
    results.single.aaWrong += aaSingle;
    results.single.aaTotal += options.draws;
    for (const factor of options.factors) {
      const after = pools.get(`s${share}-f${factor}`);
      let found = 0;
      let wrong = 0;
      let measuredShare = 0;
      let singleFound = 0;
      for (let d = 0; d < options.draws; d++) {
        const a = draw(before, runs);
        const b = draw(after, runs);
        const diff = compare(a, b);
        const outcome = judge(diff, program.target, results.wrongRows);
        if (outcome.found) found++;
        if (outcome.wrong > 0) wrong++;
        measuredShare += diff.functions.find((row) => row.frame.name === program.target)?.before.share ?? 0;
        if (judge(compare(a[0], b[0]), program.target).found) singleFound++;
      }
      // The change as measured: V8 may not turn less work into proportionally less time.
      const ratio = targetTime(before) / Math.max(1e-9, targetTime(after));
      results.cells.push({ share, factor, found, wrong, total: options.draws, measuredShare: measuredShare / options.draws, ratio, pools: [before.length, after.length] });
      results.single.found += factor >= 1.5 && share >= 5 ? singleFound : 0;
      results.single.total += factor >= 1.5 && share >= 5 ? options.draws : 0;
    }
    process.stderr.write(`${name}: share ${share}% analyzed (${runs} runs a side)\n`);
  }
  return results;
}

const percent = (count, total) => (total > 0 ? `${Math.round((100 * count) / total)}%` : '-');

function table(options, results) {
  const lines = [];
  const program = PROGRAMS[results.name];
  lines.push(`#### ${results.name}, ${results.runs} runs a side (\`${program.script}\`, ${program.time === 'cpu' ? 'CPU time' : 'wall time'})`, '');
  lines.push(`| target's share (measured) | ${options.factors.map((factor) => `${factor}x`).join(' | ')} | A/A: any row marked |`);
  lines.push(`| --- | ${options.factors.map(() => '---:').join(' | ')} | ---: |`);
  for (const share of options.shares) {
    const cells = results.cells.filter((cell) => cell.share === share);
    const measured = cells.reduce((sum, cell) => sum + cell.measuredShare, 0) / cells.length;
    const aa = results.aa.find((row) => row.share === share);
    lines.push(
      `| ${share}% (${(measured * 100).toFixed(1)}%) | ${cells.map((cell) => `${percent(cell.found, cell.total)} (${cell.ratio.toFixed(2)}x${cell.wrong > 0 ? `; ${cell.wrong} wrong` : ''})`).join(' | ')} | ${percent(aa.wrong, aa.total)} |`,
    );
  }
  const variation = results.variation;
  const time = variation.length ? median(variation.map((v) => v.time)) : NaN;
  lines.push('');
  lines.push(
    `Run-to-run variation measured in the A/A sets (median): ${(time * 100).toFixed(1)}% of a function's time. ` +
      `One run per side: ${percent(results.single.found, results.single.total)} detected at 1.5x or more and 5% or more; ` +
      `${percent(results.single.aaWrong, results.single.aaTotal)} of A/A pairs had a row marked.`,
  );
  const wrong = [...results.wrongRows].sort((a, b) => b[1] - a[1]).slice(0, 5);
  if (wrong.length > 0) lines.push(`Rows wrongly marked, most often (draws): ${wrong.map(([row, count]) => `${row} (${count})`).join('; ')}.`);
  return lines.join('\n');
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const out = [];
  for (const name of options.programs) {
    const program = PROGRAMS[name];
    // Analyzing recorded runs needs the configurations' names only, not their work.
    const cost = options.analyzeOnly ? { unitMs: 1, restMs: 1 } : pilot(program);
    const configs = configsOf(options, cost);
    if (!options.analyzeOnly) record(options, name, program, configs);
    const pools = loadPools(options, name, configs);
    for (const runs of options.runs) {
      const text = table(options, analyze(options, name, program, pools, runs));
      process.stdout.write(`${text}\n\n`);
      out.push(text);
    }
  }
  process.stdout.write(
    `Command: node scripts/diff-calibration.js ${process.argv.slice(2).join(' ')}; ${options.runs.join(', ')} runs per side, -i ${options.interval}, ` +
      `${options.draws} draws per cell; ${((Date.now() - started) / 1000).toFixed(0)} s; Node ${process.version}.\n` +
      'Cells: the share of draws where the target was marked faster, the change as measured (the target\'s mean self time before over after), and "k wrong": draws where another row was marked (slower, or faster off the target\'s branch).\n',
  );
}

main();
