#!/usr/bin/env node
'use strict';
/**
 * Whole-process cost on real programs (issue 15): each corpus program
 * (bench/corpus) run plain, under `node --cpu-prof` and under the
 * nodeinstrument CLI, at 1 ms and 100 µs, interleaved round by round. Each run
 * is split in three by timestamps the program prints (bench/lib/timed-program.js):
 * start-up (spawn to the program's first line), the program's run, and the end
 * (its last line to the process tree's exit: stopping, writing the profile,
 * and for the CLI rendering the report). Writes its section of
 * docs/benchmarks.md with --write.
 *
 *   node bench/programs.js [--programs tsc,prettier] [--rounds 5] [--intervals 1ms,100us] [--write]
 *   node bench/programs.js --cli /path/to/other/checkout/bin/nodeinstrument.js   # A/B against another build
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { summary } = require('./lib/stats');

const ROOT = path.join(__dirname, '..');
const TIMED = path.join(__dirname, 'lib', 'timed-program.js');
const CLI = path.join(ROOT, 'bin', 'nodeinstrument.js');

function parseArgs(argv) {
  const o = { programs: ['tsc', 'prettier', 'eslint'], rounds: 5, intervals: ['1ms', '100us'], size: 'large', write: false, other: undefined };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--programs') o.programs = value().split(',');
    else if (flag === '--rounds') o.rounds = Number(value());
    else if (flag === '--intervals') o.intervals = value().split(',');
    else if (flag === '--size') o.size = value();
    else if (flag === '--cli') o.other = path.resolve(value());
    else if (flag === '--write') o.write = true;
    else throw new Error(`unknown option ${argv[i]} (see the comment at the top of bench/programs.js)`);
  }
  return o;
}

const MICROS = { '1ms': 1000, '100us': 100 };

/** The runs of one round for one program, as [name, argv] pairs. */
function contenders(o, program, dir) {
  const target = [TIMED, program, o.size];
  const runs = [['plain', [...target]]];
  for (const interval of o.intervals) {
    const micros = MICROS[interval];
    if (micros === undefined) throw new Error(`interval ${interval}: 1ms or 100us`);
    runs.push([`node --cpu-prof ${interval}`, ['--cpu-prof', `--cpu-prof-interval=${micros}`, `--cpu-prof-dir=${dir}`, ...target]]);
    runs.push([`nodeinstrument ${interval}`, [CLI, '-i', interval, '-o', path.join(dir, 'report.txt'), ...target]]);
    if (o.other) runs.push([`other build ${interval}`, [o.other, '-i', interval, '-o', path.join(dir, 'other.txt'), ...target]]);
  }
  return runs;
}

/** One run: its phases in ms, and the achieved rate a nodeinstrument report states. */
function runOnce(argv, dir) {
  const started = Date.now();
  const result = spawnSync(process.execPath, argv, { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  const ended = Date.now();
  if (result.status !== 0) throw new Error(`node ${argv.join(' ')}: exit ${result.status ?? result.signal}\n${result.stderr.slice(-2000)}`);
  const mark = (name) => Number(new RegExp(`^timed-program ${name} (\\d+)$`, 'm').exec(result.stderr)?.[1]);
  const programStart = mark('start');
  const programEnd = mark('end');
  const report = argv.includes('-o') ? fs.readFileSync(argv[argv.indexOf('-o') + 1], 'utf8') : '';
  const rate = Number(/([\d.]+)% of requested rate/.exec(report)?.[1]);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  return { total: ended - started, startup: programStart - started, run: programEnd - programStart, end: ended - programEnd, rate };
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const load0 = os.loadavg();
  const startedAt = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodeinstrument-programs-'));
  const results = new Map(); // program -> name -> runs
  try {
    for (const program of o.programs) runOnce([TIMED, program, 'small'], dir); // warm the file cache
    for (let round = 0; round < o.rounds; round++) {
      for (const program of o.programs) {
        const runs = contenders(o, program, dir);
        // Rotated each round, so that no contender always follows another.
        const order = runs.map((_, i) => runs[(i + round) % runs.length]);
        for (const [name, argv] of order) {
          const measured = runOnce(argv, dir);
          if (!results.has(program)) results.set(program, new Map());
          const byName = results.get(program);
          if (!byName.has(name)) byName.set(name, []);
          byName.get(name).push(measured);
          process.stderr.write(`round ${round + 1} ${program} ${name}: ${JSON.stringify(measured)}\n`);
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const load1 = os.loadavg();
  const report = render(o, results, { load0, load1, seconds: (Date.now() - startedAt) / 1000 });
  process.stdout.write(report);
  if (o.write) {
    const file = path.join(ROOT, 'docs', 'benchmarks.md');
    const doc = fs.readFileSync(file, 'utf8');
    const pattern = /<!-- programs-bench:start[\s\S]*?<!-- programs-bench:end -->\n?/;
    fs.writeFileSync(file, pattern.test(doc) ? doc.replace(pattern, report) : `${doc.trimEnd()}\n\n${report}`);
    process.stderr.write(`wrote the programs section of ${path.relative(ROOT, file)}\n`);
  }
}

function render(o, results, { load0, load1, seconds }) {
  const ms = (values) => {
    const s = summary(values);
    return `${Math.round(s.median)} [${Math.round(s.min)}-${Math.round(s.max)}]`;
  };
  const tables = [...results].map(([program, byName]) => {
    const plain = summary(byName.get('plain').map((run) => run.total)).median;
    const rows = [...byName].map(([name, runs]) => {
      const total = summary(runs.map((run) => run.total)).median;
      const extra = name === 'plain' ? '' : `${total >= plain ? '+' : ''}${(((total - plain) / plain) * 100).toFixed(0)}%`;
      const rates = runs.map((run) => run.rate).filter(Number.isFinite);
      const rate = rates.length > 0 ? `${summary(rates).median.toFixed(0)}%` : '';
      return `| ${name} | ${ms(runs.map((run) => run.total))} | ${extra} | ${ms(runs.map((run) => run.startup))} | ${ms(runs.map((run) => run.run))} | ${ms(runs.map((run) => run.end))} | ${rate} |`;
    });
    return (
      `#### ${program} (${o.size})\n\n` +
      '| run | whole process, ms | vs plain | start-up, ms | program, ms | end, ms | samples delivered |\n' +
      '|---|---:|---:|---:|---:|---:|---:|\n' +
      rows.join('\n')
    );
  });
  // The other build's path says nothing to a reader of the docs.
  const argv = process.argv.slice(2).map((arg, i, all) => (all[i - 1] === '--cli' ? '<other checkout>/bin/nodeinstrument.js' : arg)).join(' ');
  return (
    '<!-- programs-bench:start (written by node bench/programs.js --write; kept by bench/run.js) -->\n' +
    '## 17. Real programs, whole process: start-up, run and end (issue 15)\n\n' +
    `Command: \`node bench/programs.js ${argv}\`; ${new Date().toISOString()}; ${os.cpus().length} CPUs, ` +
    `load average ${load0.map((x) => x.toFixed(1)).join('/')} at start, ${load1.map((x) => x.toFixed(1)).join('/')} at end ` +
    `(shared machine: expect noise); ${seconds.toFixed(0)} s; Node ${process.version}.\n\n` +
    `Each program of bench/corpus runs ${o.rounds} times per contender, rounds interleaved (the order rotates each round). ` +
    'Times are medians with [min-max]. Start-up runs from spawning `node` to the program\'s first line; the program\'s ' +
    'run to its last line; the end from there to the exit of the whole process tree (for `--cpu-prof`, writing the ' +
    '.cpuprofile; for nodeinstrument, stopping, recovering inlined frames, saving the session, and the CLI rendering ' +
    'the text report with `-o`). "Samples delivered" is the report\'s own count against the requested rate.\n\n' +
    tables.join('\n\n') +
    '\n<!-- programs-bench:end -->\n'
  );
}

main();
