#!/usr/bin/env node
'use strict';
/**
 * nodeinstrument's benchmark suite (issue 4). Not part of `npm test`.
 *
 *   npm run bench                          # whole suite, writes docs/benchmarks.md
 *   npm run bench -- --only overhead,rate  # some sections
 *   npm run bench:smoke                    # seconds-long check that everything runs
 *
 * Sections: overhead, deep, rate, costs, rss, http, render, continuous, programs. See --help.
 * Every measurement runs in a child process; this process only orchestrates
 * (and, for http, runs the load generator).
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { fork } = require('node:child_process');
const { summary, median, quantile, linearFit, bootstrapRatio, bootstrapMedian, bootstrapDifference } = require('./lib/stats');
const { ROOT, FLOOR_ADDON } = require('./lib/contenders');

const SECTIONS = ['overhead', 'deep', 'rate', 'costs', 'rss', 'http', 'render', 'continuous', 'programs'];
// continuous takes ~13 minutes on its own (a 10-minute RSS run), programs ~5 (real programs
// whole-process, bench/programs.js): not in the default run, which must stay under 10 minutes;
// run them with --only continuous --no-write (and paste), --only programs (writes its own section).
const DEFAULT_SECTIONS = SECTIONS.filter((section) => section !== 'continuous' && section !== 'programs');
const HELP = `usage: node bench/run.js [options]
  --only LIST          comma-separated sections (${SECTIONS.join(', ')}); default all but continuous and programs
  --groups N           groups per rate; a group is one block per contender + 2 unprofiled (default 30)
  --rounds N           split the groups into N rounds of child processes, rates interleaved (default 2)
  --block-ms N         length of one unprofiled block of work (default 300, so the 200 ms drain timer fires inside it)
  --contenders LIST    overhead contenders (default floor,nodeinstrument,v8,datadog)
  --rss-seconds N      length of the RSS run (default 20; the issue's soak is 60)
  --rss-every N        seconds between RSS readings (default 2)
  --http-groups N      groups of load phases in the HTTP A/B (default 24; bench/http-ab.js)
  --http-phase-ms N    measured length of one phase (default 1000)
  --http-connections N (default 10)
  --continuous-rss-seconds N   length of the continuous-mode RSS run (default 600: the issue's 10 minutes)
  --continuous-http-seconds N  length of one load run around window boundaries (default 20; 0: skip them, the RSS run only)
  --smoke              tiny sizes: checks that every section runs
  --no-write           print only, do not write docs/benchmarks.md
  --out FILE           where to write the report (default docs/benchmarks.md)`;

function parseArgs(argv) {
  const o = {
    only: DEFAULT_SECTIONS,
    pairs: 30,
    rounds: 2,
    blockMs: 300,
    contenders: ['floor', 'nodeinstrument', 'v8', 'datadog'],
    rssSeconds: 20,
    rssEvery: 2,
    httpGroups: 24,
    httpPhaseMs: 1000,
    httpConnections: 10,
    continuousRssSeconds: 600,
    continuousHttpSeconds: 20,
    write: true,
    out: path.join(ROOT, 'docs', 'benchmarks.md'),
    smoke: false,
  };
  const num = (v, flag) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? a.split(/=(.*)/s, 2) : [a, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--help':
      case '-h':
        console.log(HELP);
        process.exit(0);
        break;
      case '--only':
        o.only = value().split(',').map((s) => s.trim()).filter(Boolean);
        for (const s of o.only) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s} (known: ${SECTIONS.join(', ')})`);
        break;
      case '--groups':
      case '--pairs': o.pairs = Math.round(num(value(), flag)); break;
      case '--rounds': o.rounds = Math.round(num(value(), flag)); break;
      case '--block-ms': o.blockMs = num(value(), flag); break;
      case '--contenders': o.contenders = value().split(','); break;
      case '--rss-seconds': o.rssSeconds = num(value(), flag); break;
      case '--rss-every': o.rssEvery = num(value(), flag); break;
      case '--http-groups': o.httpGroups = Math.round(num(value(), flag)); break;
      case '--http-phase-ms': o.httpPhaseMs = num(value(), flag); break;
      case '--http-connections': o.httpConnections = Math.round(num(value(), flag)); break;
      case '--continuous-rss-seconds': o.continuousRssSeconds = num(value(), flag); break;
      case '--continuous-http-seconds': {
        const v = value();
        o.continuousHttpSeconds = v === '0' ? 0 : num(v, flag);
        break;
      }
      case '--no-write': o.write = false; break;
      case '--out': o.out = path.resolve(value()); break;
      case '--smoke': o.smoke = true; break;
      default:
        throw new Error(`unknown option ${a}\n${HELP}`);
    }
  }
  if (o.smoke) {
    Object.assign(o, { pairs: 2, rounds: 1, blockMs: 60, rssSeconds: 3, rssEvery: 1, httpGroups: 1, httpPhaseMs: 200, continuousRssSeconds: 6, continuousHttpSeconds: 3 });
    if (!argv.includes('--out')) o.write = false;
  }
  return o;
}

const log = (...args) => console.error('[bench]', ...args);

// ---------------------------------------------------------------- setup

function ensureBuilt() {
  const addon = path.join(ROOT, 'build', 'Release', 'nodeinstrument.node');
  if (!fs.existsSync(addon)) throw new Error(`${addon} is missing: run \`npm run build:native\` first`);
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cjs', 'index.js'))) {
    log('dist/cjs is missing: npm run build:ts');
    execFileSync('npm', ['run', 'build:ts'], { cwd: ROOT, stdio: 'inherit' });
  }
  const floorDir = path.join(ROOT, 'bench', 'floor');
  const source = path.join(floorDir, 'floor.c');
  const stale = !fs.existsSync(FLOOR_ADDON) || fs.statSync(FLOOR_ADDON).mtimeMs < fs.statSync(source).mtimeMs;
  let loads = false;
  if (!stale) {
    try {
      execFileSync(process.execPath, ['-e', `require(${JSON.stringify(FLOOR_ADDON)})`], { stdio: 'ignore' });
      loads = true;
    } catch {
      loads = false;
    }
  }
  if (stale || !loads) {
    log('building bench/floor (node-gyp)');
    const args = [path.join(ROOT, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), 'rebuild'];
    const nodedir = process.env.npm_config_nodedir || systemNodedir();
    if (nodedir) args.push(`--nodedir=${nodedir}`);
    execFileSync(process.execPath, args, { cwd: floorDir, stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

/** /usr when the system headers are this Node's (Debian's nodejs), else undefined. */
function systemNodedir() {
  try {
    const h = fs.readFileSync('/usr/include/node/node_version.h', 'utf8');
    const major = /#define NODE_MAJOR_VERSION (\d+)/.exec(h)?.[1];
    return major === process.versions.node.split('.')[0] ? '/usr' : undefined;
  } catch {
    return undefined;
  }
}

/** Which code was measured: commit, uncommitted files under native/ and lib/, build times (read-only git). */
function codeState() {
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const commit = git('rev-parse', '--short', 'HEAD') || 'unknown';
  const dirty = git('status', '--porcelain', '--', 'native', 'lib', 'binding.gyp').split('\n').filter(Boolean).length;
  const mtime = (file) => {
    try {
      return fs.statSync(path.join(ROOT, file)).mtime.toISOString();
    } catch {
      return 'missing';
    }
  };
  return { commit, dirty, addonBuilt: mtime('build/Release/nodeinstrument.node'), distBuilt: mtime('dist/cjs/recording/recorder.js') };
}

function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const meminfo = fs.readFileSync('/proc/meminfo', 'utf8');
  const memKb = Number(/MemTotal:\s*(\d+)/.exec(meminfo)?.[1] ?? 0);
  let nproc = os.availableParallelism?.() ?? os.cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // keep os's answer
  }
  return {
    nproc,
    model,
    memGiB: memKb / 2 ** 20,
    kernel: os.release(),
    node: process.version,
    v8: process.versions.v8,
    pprof: require(path.join(ROOT, 'node_modules', '@datadog', 'pprof', 'package.json')).version,
    autocannon: require(path.join(ROOT, 'node_modules', 'autocannon', 'package.json')).version,
  };
}

// ---------------------------------------------------------------- children

function runChild(script, config, { timeoutMs = 180_000, execArgv = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, script), [JSON.stringify(config)], { cwd: ROOT, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ${JSON.stringify(config)} timed out`));
    }, timeoutMs);
    child.on('message', (m) => {
      result = m;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result !== undefined && code === 0) resolve(result);
      else reject(new Error(`${script} ${JSON.stringify(config)} exited with ${signal ?? code}`));
    });
  });
}

// ---------------------------------------------------------------- formatting

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const pct = (x, d = 1) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(d)}%` : 'n/a');
const hz = (intervalUs) => (intervalUs >= 1000 ? `${1000 / intervalUs} kHz` : `${1000 / intervalUs} kHz`);

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

// ---------------------------------------------------------------- sections

async function overheadSection(o, out) {
  const rates = [1000, 100];
  const perRound = Math.max(1, Math.ceil(o.pairs / o.rounds));
  const data = {};
  for (let round = 0; round < o.rounds; round++) {
    for (const intervalUs of rates) {
      const contenders = [...o.contenders];
      // Diagnostic, in the 1 kHz groups: nodeinstrument at 10 Hz, i.e. the cost
      // of being on (code event handler, drain timer, sampling thread) with
      // almost no samples.
      if (intervalUs === 1000 && contenders.includes('nodeinstrument')) contenders.push('nodeinstrument:100000');
      log(`overhead: round ${round + 1}/${o.rounds} at ${hz(intervalUs)}: ${perRound} groups of [off, off, ${contenders.filter((c) => c !== 'none').join(', ')}]`);
      const r = await runChild(
        'overhead-child.js',
        { contenders, intervalUs, groups: perRound, blockMs: o.blockMs, warmupMs: o.smoke ? 300 : 1000, chunkMs: 5, seed: 1000 * round + intervalUs },
        { timeoutMs: 600_000 },
      );
      const entry = (data[intervalUs] ??= { intervalUs, contenders, groups: [], blockMs: [] });
      entry.groups.push(...r.groups);
      entry.blockMs.push(r.unitsPerChunk * r.chunks * r.unitMs);
    }
  }
  out.overhead = data;
}

/**
 * The same A/B on a real program's deep stacks: TypeScript's parser
 * (bench/lib/ts-parse-workload.js, 20 frames deep), two thirds of the groups, one round per rate.
 */
async function deepSection(o, out) {
  const data = {};
  const groups = Math.max(1, Math.round((o.pairs * 2) / 3));
  for (const intervalUs of [1000, 100]) {
    log(`deep: ${groups} groups of TypeScript's parser at ${hz(intervalUs)}`);
    const r = await runChild(
      'overhead-child.js',
      { contenders: o.contenders, intervalUs, groups, blockMs: o.blockMs, warmupMs: o.smoke ? 300 : 1000, chunkMs: 5, seed: 7 + intervalUs, unit: 'tsparse' },
      { timeoutMs: 600_000 },
    );
    data[intervalUs] = { intervalUs, contenders: o.contenders, groups: r.groups, blockMs: [r.unitsPerChunk * r.chunks * r.unitMs] };
  }
  out.deep = data;
}

/** The per-group records of one contender, as on/off pairs ('none': the two unprofiled blocks against each other). */
function pairsOf(entry, spec) {
  return entry.groups.map((g) => {
    const offMs = (g.off[0].ms + g.off[1].ms) / 2;
    const offCpuMs = (g.off[0].cpuMs + g.off[1].cpuMs) / 2;
    if (spec === 'none') {
      return { offMs: g.off[0].ms, offCpuMs: g.off[0].cpuMs, onMs: g.off[1].ms, onCpuMs: g.off[1].cpuMs, samples: 0, durationS: 0, startMs: 0, stopMs: 0 };
    }
    const rec = g.on[spec];
    return { ...rec, offMs, offCpuMs, onMs: rec.ms, onCpuMs: rec.cpuMs };
  });
}

function derive(p) {
  const overhead = p.map((x) => (x.onMs / x.offMs - 1) * 100);
  const cpu = p.map((x) => (x.onCpuMs / x.offCpuMs - 1) * 100);
  const perSampleUs = p.map((x) => (x.samples > 0 ? ((x.onMs - x.offMs) * 1000) / x.samples : NaN));
  const rate = p.map((x) => (x.durationS > 0 ? x.samples / x.durationS : NaN));
  const drainPct = p.map((x) => ((x.drainMs ?? 0) / x.offMs) * 100);
  const endToEnd = p.map((x) => ((x.onMs + x.startMs + x.stopMs) / x.offMs - 1) * 100);
  return { overhead, cpu, perSampleUs, rate, drainPct, endToEnd, startMs: p.map((x) => x.startMs), stopMs: p.map((x) => x.stopMs) };
}

/** Section 1's tables, one per rate, of an A/B's data (out.overhead, out.deep). */
function overheadMarkdown(data) {
  const parts = [];
  for (const intervalUs of [1000, 100]) {
    const entry = data[intervalUs];
    if (!entry) continue;
    const has = (spec) => spec === 'none' || entry.contenders.includes(spec);
    const floor = has('floor') ? derive(pairsOf(entry, 'floor')) : undefined;
    const v8 = has('v8') ? derive(pairsOf(entry, 'v8')) : undefined;
    const rows = [];
    for (const spec of ['none', ...entry.contenders.filter((c) => c !== 'none')]) {
      const d = derive(pairsOf(entry, spec));
      const s = summary(d.overhead);
      const name = spec === 'none' ? 'none (A/A: unprofiled vs unprofiled)' : spec.includes(':') ? `${spec.split(':')[0]} @ ${1e6 / Number(spec.split(':')[1])} Hz` : spec;
      const sampling = spec !== 'none' && !spec.includes(':');
      let xFloor = '';
      let excess = '';
      if (floor && sampling && spec !== 'floor') {
        const floorCi = bootstrapMedian(floor.overhead);
        if (floorCi.lo > 0) {
          const b = bootstrapRatio(d.overhead, floor.overhead);
          xFloor = `${f(s.median / median(floor.overhead), 2)}× (${f(b.lo, 2)} … ${f(b.hi, 2)})`;
        } else {
          xFloor = 'n/a: floor within noise';
        }
        const e = bootstrapDifference(d.overhead, floor.overhead);
        excess = `${f(median(d.overhead) - median(floor.overhead), 1)} (${f(e.lo, 1)} … ${f(e.hi, 1)})`;
      }
      let perSample = sampling ? `${f(median(d.perSampleUs), 1)}` : '';
      if (v8 && sampling && spec !== 'v8' && spec !== 'floor') perSample += ` (${f(median(d.perSampleUs) / median(v8.perSampleUs), 2)}× V8)`;
      rows.push([
        name,
        String(s.n),
        `**${pct(s.median)}**`,
        `${f(s.q1)} … ${f(s.q3)}`,
        `${f(s.min)} … ${f(s.max)}`,
        pct(median(d.cpu)),
        perSample,
        xFloor,
        excess,
        spec.startsWith('nodeinstrument') ? f(median(d.drainPct), 1) : '',
        spec === 'none' ? '' : pct(median(d.endToEnd)),
      ]);
    }
    parts.push(
      `#### ${hz(intervalUs)} (interval ${intervalUs} µs), blocks of ~${f(median(entry.blockMs), 0)} ms unprofiled\n\n` +
        table(
          ['contender', 'groups', 'wall overhead (median)', 'IQR %', 'min … max %', 'process CPU', 'µs per delivered sample', '× floor (95% CI)', 'above floor, points (95% CI)', 'of which drains, % of block', 'incl. start()+stop()'],
          rows,
        ),
    );
  }
  return parts.join('\n\n');
}

/** Achieved rates over an A/B's sampled blocks (out.overhead, out.deep). */
function rateMarkdown(data) {
  const rows = [];
  for (const intervalUs of [1000, 100]) {
    const entry = data[intervalUs];
    if (!entry) continue;
    for (const spec of entry.contenders) {
      if (spec === 'none' || spec.includes(':')) continue;
      const p = pairsOf(entry, spec);
      const d = derive(p);
      const s = summary(d.rate);
      const us = spec.includes(':') ? Number(spec.split(':')[1]) : intervalUs;
      const requested = 1e6 / us;
      const sum = (k) => p.reduce((a, x) => a + (x[k] ?? 0), 0);
      const name = spec.split(':')[0];
      const extra =
        name === 'nodeinstrument'
          ? `dropped ${sum('dropped')}, late ticks ${sum('lateTicks')}, busy ticks ${sum('busyTicks')}, ${sum('signalsSent')} signals sent`
          : name === 'floor'
            ? `${sum('signalsSent')} signals sent`
            : '';
      rows.push([name, us >= 1000 ? `${requested} Hz` : hz(us), `**${f(s.median, 0)}**`, `${f(s.min, 0)} … ${f(s.max, 0)}`, `${f((s.median / requested) * 100, 1)}%`, extra]);
    }
  }
  return table(['profiler', 'requested', 'achieved Hz (median)', 'min … max', '% of requested', 'notes'], rows);
}

async function costsSection(o, out) {
  log('costs: start/stop, stop() vs samples, periodic drains, rendering');
  out.costs = await runChild(
    'costs-child.js',
    o.smoke
      ? { reps: 2, sizesMs: [50, 100], drainRunMs: 400, heapSizesMb: [50], longRunS: 1 }
      : { reps: 10, sizesMs: [50, 100, 200, 400, 800], drainRunMs: 2000, heapSizesMb: [100, 400], longRunS: 60 },
  );
}

function costsMarkdown(out) {
  const c = out.costs;
  const parts = [];
  const rows = Object.entries(c.startStop).map(([n, v]) => [
    n,
    `**${f(median(v.startMs), 2)}**`,
    `${f(Math.min(...v.startMs), 2)} … ${f(Math.max(...v.startMs), 2)}`,
    `**${f(median(v.stopMs), 2)}**`,
    `${f(Math.min(...v.stopMs), 2)} … ${f(Math.max(...v.stopMs), 2)}`,
  ]);
  parts.push(
    `#### start() and stop() at 1 kHz (${c.startStop.nodeinstrument.startMs.length} runs each, 100 ms of work between, interleaved)\n\n` +
      table(['profiler', 'start ms (median)', 'start min … max', 'stop ms (median)', 'stop min … max'], rows),
  );

  if (c.startVsHeap) {
    const heapNames = Object.keys(c.startVsHeap[0].startMs);
    const heapRows = c.startVsHeap.map((row) => [
      f(row.heapUsedMb, 0),
      ...heapNames.map((n) => `**${f(median(row.startMs[n]), 2)}** (${f(Math.min(...row.startMs[n]), 2)} … ${f(Math.max(...row.startMs[n]), 2)})`),
    ]);
    parts.push(
      '#### start() against the live heap (1 kHz; small objects retained to grow the heap; interleaved)\n\n' +
        'Starting means learning the code that already exists: nodeinstrument asks V8 for it (`SetJitCodeEventHandler` with ' +
        '`kJitCodeEventEnumExisting`), V8\'s CpuProfiler and @datadog/pprof (which starts a CpuProfiler) do the same internally. ' +
        'V8 finds that code by iterating the whole heap, so start() grows with the live heap whoever calls it.\n\n' +
        table(['heap used MB', ...heapNames.map((n) => `${n} start ms (median, min … max)`)], heapRows),
    );
  }
  if (c.longRun) {
    const l = c.longRun;
    parts.push(
      `#### End of a long profile: a ${l.seconds} s async run at 1 kHz (${l.samples} samples)\n\n` +
        table(['stop() ms', 'renderText ms', 'stop + render ms', 'text chars'], [[f(l.stopMs, 2), f(l.renderMs, 2), `**${f(l.stopMs + l.renderMs, 2)}**`, String(l.textChars)]]),
    );
  }

  const fitRows = Object.entries(c.stopVsSamples).map(([n, entries]) => {
    const fit = linearFit(entries.map((e) => e.samples), entries.map((e) => e.stopMs));
    const samples = entries.map((e) => e.samples);
    return [
      n,
      `${Math.min(...samples)} … ${Math.max(...samples)}`,
      `${f(fit.intercept, 2)}`,
      `**${f(fit.slope * 1000, 2)}**`,
      `${f(median(entries.filter((e) => e.samples === Math.max(...samples) || e.workMs === Math.max(...entries.map((x) => x.workMs))).map((e) => e.stopMs)), 2)}`,
    ];
  });
  parts.push(
    '#### stop() time against samples to hand over (10 kHz, synchronous work so nothing drains before stop())\n\n' +
      table(['profiler', 'samples', 'fixed ms (intercept)', 'µs per sample (slope)', 'stop ms at the largest size'], fitRows),
  );

  const ni = c.stopVsSamples.nodeinstrument;
  const partNames = ['nativeDrain', 'decodeSamples', 'decodeCodeEvents', 'applyCodeEvent', 'addSample', 'symbolize', 'buildSession'];
  const partRows = partNames.map((p) => {
    const ms = ni.map((e) => e.parts[p]?.ms ?? 0);
    const fit = linearFit(ni.map((e) => e.samples), ms);
    const calls = median(ni.map((e) => e.parts[p]?.calls ?? 0));
    return [p, f(median(ms), 2), f(fit.intercept, 2), f(fit.slope * 1000, 2), f(calls, 0)];
  });
  parts.push(
    `#### Where nodeinstrument's stop() goes (same runs; median code events per session: ${f(median(ni.map((e) => e.codeEvents)), 0)})\n\n` +
      table(['part', 'median ms', 'fixed ms', 'µs per sample', 'calls (median)'], partRows) +
      '\n\n`symbolize` contains `applyCodeEvent` and `addSample`; the per-call timing wrappers add about 0.1 µs per call to it.',
  );

  const drainRows = Object.entries(c.periodicDrain).map(([intervalUs, d]) => {
    const per = d.periodic.drainTotal ?? { ms: 0, calls: 0, maxMs: 0 };
    const total = d.total.drainTotal ?? { ms: 0, calls: 0, maxMs: 0 };
    const finalMs = total.ms - per.ms;
    return [
      hz(Number(intervalUs)),
      String(d.samples),
      String(per.calls),
      f(per.ms, 1),
      f(per.maxMs, 2),
      f(finalMs, 2),
      `**${f((total.ms * 1000) / d.samples, 2)}**`,
      f(((d.total.symbolize?.ms ?? 0) * 1000) / d.samples, 2),
      String(d.stats.codeEvents),
    ];
  });
  parts.push(
    '#### Drains during a 2 s async run (the Recorder drains every 200 ms on the event loop, and once in stop())\n\n' +
      table(
        ['rate', 'samples', 'periodic drains', 'periodic ms total', 'longest drain ms', 'final drain ms', 'µs per sample (all drains)', 'of which symbolize µs/sample', 'code events'],
        drainRows,
      ),
  );

  const renderRows = [];
  for (const [intervalUs, r] of Object.entries(c.render)) {
    renderRows.push([`renderText`, hz(Number(intervalUs)), String(r.samples), `**${f(median(r.text), 2)}**`, `${f(Math.min(...r.text), 2)} … ${f(Math.max(...r.text), 2)}`, String(r.textBytes)]);
    for (const [name, v] of Object.entries(r.renderers)) {
      if (v.error) {
        renderRows.push([`renderers.${name}`, hz(Number(intervalUs)), String(r.samples), 'failed', v.error.replace(/\|/g, '\\|'), '']);
        continue;
      }
      renderRows.push([`renderers.${name}`, hz(Number(intervalUs)), String(r.samples), `**${f(median(v.ms), 2)}**`, `${f(Math.min(...v.ms), 2)} … ${f(Math.max(...v.ms), 2)}`, String(v.bytes)]);
    }
  }
  parts.push(
    '#### Rendering a 2 s session (5 runs each)\n\n' +
      table(['renderer', 'sampled at', 'samples', 'ms (median)', 'min … max', 'output chars'], renderRows),
  );
  return parts.join('\n\n');
}

async function rssSection(o, out) {
  out.rss = [];
  for (const name of ['none', 'nodeinstrument']) {
    log(`rss: ${name} at 1 kHz for ${o.rssSeconds} s`);
    out.rss.push(await runChild('rss-child.js', { name, intervalUs: 1000, seconds: o.rssSeconds, everyS: o.rssEvery }, { timeoutMs: (o.rssSeconds + 60) * 1000, execArgv: ['--expose-gc'] }));
  }
}

function rssMarkdown(out) {
  const rows = out.rss.map((r) => {
    const s = r.series;
    const first = s[0];
    const last = s[s.length - 1];
    // Fit after the first reading (the profiler's start allocates its buffers).
    const tail = s.length > 2 ? s.slice(1) : s;
    const fit = linearFit(tail.map((x) => x.t), tail.map((x) => x.rssMb));
    const heapFit = linearFit(tail.map((x) => x.t), tail.map((x) => x.heapMb));
    const rate = r.durationS > 0 ? r.samples / r.durationS : 0;
    return [
      r.name,
      f(r.seconds, 0),
      String(r.samples),
      f(first.rssMb, 1),
      f(last.rssMb, 1),
      `**${f(last.rssMb - first.rssMb, 1)}**`,
      f(fit.slope * 60, 2),
      `${f(first.heapMb, 1)} → ${f(last.heapMb, 1)}`,
      f(heapFit.slope * 60, 2),
      rate > 0 ? f((heapFit.slope * 2 ** 20) / rate, 0) : '',
      f(r.afterStopRssMb, 1),
    ];
  });
  const series = out.rss
    .map((r) => `${r.name}: ${r.series.map((x) => `${f(x.t, 0)}s ${f(x.rssMb, 1)}`).join(', ')}`)
    .join('\n');
  return (
    table(['profiler (1 kHz)', 'seconds', 'samples', 'RSS start MB', 'RSS end MB', 'drift MB', 'RSS slope MB/min', 'retained heap MB', 'retained heap MB/min', 'retained bytes per sample', 'RSS after stop MB'], rows) +
    '\n\nReadings (time, RSS MB):\n\n```\n' +
    series +
    '\n```'
  );
}

/** Issue 3's target: a 1M-sample session to any format in under 2 s and under 500 MB. */
const RENDER_SAMPLES = 1_000_000;
const RENDER_FORMATS = ['text', 'html', 'session', 'speedscope', 'pprof', 'cpuprofile', 'collapsed'];

async function renderSection(o, out) {
  out.render = { samples: RENDER_SAMPLES, rows: [] };
  const saved = await runChild('render-child.js', { samples: RENDER_SAMPLES, renderer: 'save' });
  out.render.fileBytes = saved.bytes;
  for (const renderer of [...RENDER_FORMATS, 'load']) {
    const runs = [];
    for (let i = 0; i < 3; i++) {
      log(`render: ${renderer} (${i + 1}/3)`);
      runs.push(await runChild('render-child.js', { samples: RENDER_SAMPLES, renderer, file: saved.file }, { timeoutMs: 120_000 }));
    }
    out.render.rows.push({ renderer, runs });
  }
  fs.rmSync(saved.file, { force: true });
}

function renderMarkdown(out) {
  const rows = out.render.rows.map(({ renderer, runs }) => {
    const ms = runs.map((r) => r.ms);
    const peak = runs.map((r) => r.peakMb);
    const name = renderer === 'load' ? `load (Session.load of the ${f(out.render.fileBytes / 2 ** 20, 0)} MB session file)` : renderer;
    return [
      name,
      `**${f(median(ms), 0)}**`,
      `${f(Math.min(...ms), 0)} … ${f(Math.max(...ms), 0)}`,
      `**${f(median(peak), 0)}**`,
      f(median(runs.map((r) => r.baseMb)), 0),
      f(median(runs.map((r) => r.bytes)) / 2 ** 20, 2),
    ];
  });
  return table(['format', 'ms (median of 3)', 'min … max', 'peak RSS MB', 'of which before rendering MB', 'output MB'], rows);
}

async function httpSection(o, out) {
  const { runHttpAb, analyse, summarise } = require('./http-ab');
  log(`http: ${o.httpGroups} groups of phases under load (bench/http-ab.js)`);
  const run = await runHttpAb({ groups: o.httpGroups, phaseMs: o.httpPhaseMs, connections: o.httpConnections });
  out.http = { options: run.options, errors: run.errors, summary: summarise(analyse(run)) };
}

// ---------------------------------------------------------------- continuous (issue 5)

/** Window length of the boundary run: short, for many boundaries. */
const BOUNDARY_WINDOW_S = 2;
/** A request is "at a boundary" when it was in flight from 50 ms before a cut to 300 ms after (cut + hand-over). */
const BOUNDARY_BEFORE_MS = 50;
const BOUNDARY_AFTER_MS = 300;

/** One autocannon run against http-server.js in `mode`; returns every response's end time and latency. */
async function loadRun(mode, seconds, connections, env = {}) {
  const autocannon = require('autocannon');
  const { fork: forkChild } = require('node:child_process');
  const child = forkChild(path.join(__dirname, 'http-server.js'), [JSON.stringify({ name: mode, intervalUs: 1000 })], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages = [];
  const waiters = [];
  child.on('message', (m) => {
    messages.push(m);
    waiters.splice(0).forEach((w) => w());
  });
  const next = async () => {
    while (messages.length === 0) await new Promise((r) => waiters.push(r));
    return messages.shift();
  };
  try {
    const { port } = await next();
    const url = `http://127.0.0.1:${port}/`;
    await autocannon({ url, connections, duration: 1 });
    const responses = [];
    const instance = autocannon({ url, connections, duration: seconds });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode === 200) responses.push({ endMs: Date.now(), ms: responseTime });
    });
    const result = await instance;
    child.send('stop');
    const server = await next();
    return { responses, server, rps: result.requests.total / seconds, errors: result.errors + result.non2xx };
  } finally {
    await new Promise((resolve) => {
      if (child.exitCode !== null) resolve();
      else {
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.on('exit', () => {
          clearTimeout(t);
          resolve();
        });
      }
    });
  }
}

async function continuousSection(o, out) {
  const c = (out.continuous = { boundary: [], rss: undefined, windowS: BOUNDARY_WINDOW_S });
  const rounds = o.continuousHttpSeconds > 0 ? (o.smoke ? 1 : 3) : 0;
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['none', 'nodeinstrument', 'continuous']) {
      log(`continuous: boundary run ${round + 1}/${rounds}, server ${mode}`);
      const r = await loadRun(mode, o.continuousHttpSeconds, o.httpConnections, { NI_BENCH_WINDOW_S: String(BOUNDARY_WINDOW_S) });
      // Cut instants (wall clock, ms) of the windows that ended during the load.
      const cuts = (r.server.windows ?? []).slice(0, -1).map((w) => w.end);
      let near = [];
      let away = [];
      if (mode === 'continuous') {
        for (const x of r.responses) {
          const startMs = x.endMs - x.ms;
          const hit = cuts.some((cut) => startMs <= cut + BOUNDARY_AFTER_MS && x.endMs >= cut - BOUNDARY_BEFORE_MS);
          (hit ? near : away).push(x.ms);
        }
      } else {
        away = r.responses.map((x) => x.ms);
      }
      c.boundary.push({
        mode,
        round,
        rps: r.rps,
        errors: r.errors,
        all: r.responses.map((x) => x.ms),
        near,
        away,
        cuts: cuts.length,
        cutMs: r.server.cutMs,
      });
    }
  }
  log(`continuous: RSS over ${o.continuousRssSeconds} s at 1 kHz, 60 s windows`);
  c.rss = await runChild(
    'continuous-rss-child.js',
    { intervalUs: 1000, seconds: o.continuousRssSeconds, everyS: o.smoke ? 1 : 10, windowS: o.smoke ? 2 : 60 },
    { timeoutMs: (o.continuousRssSeconds + 120) * 1000, execArgv: ['--expose-gc'] },
  );
}

function continuousMarkdown(o, out) {
  const c = out.continuous;
  const parts = [];
  const modes = ['none', 'nodeinstrument', 'continuous'];
  const rows = [];
  for (const mode of c.boundary.length > 0 ? modes : []) {
    const runs = c.boundary.filter((r) => r.mode === mode);
    const all = runs.flatMap((r) => r.all);
    const p99s = runs.map((r) => quantile(r.all, 0.99));
    const label = mode === 'none' ? 'none' : mode === 'nodeinstrument' ? 'nodeinstrument @ 1 kHz (one recording)' : `continuous @ 1 kHz, ${c.windowS} s windows`;
    rows.push([label, 'all requests', String(all.length), f(median(runs.map((r) => r.rps)), 0), f(quantile(all, 0.5), 2), `**${f(quantile(all, 0.99), 2)}**`, `${f(Math.min(...p99s), 2)} … ${f(Math.max(...p99s), 2)}`, f(quantile(all, 0.999), 2), '']);
    if (mode === 'continuous') {
      const near = runs.flatMap((r) => r.near);
      const away = runs.flatMap((r) => r.away);
      const cuts = runs.reduce((a, r) => a + r.cuts, 0);
      const cutMax = Math.max(...runs.map((r) => r.cutMs?.max ?? NaN));
      const cutMean = runs.reduce((a, r) => a + (r.cutMs?.total ?? 0), 0) / Math.max(1, runs.reduce((a, r) => a + r.cuts + 1, 0));
      rows.push([label, `at a boundary (${cuts} cuts)`, String(near.length), '', f(quantile(near, 0.5), 2), `**${f(quantile(near, 0.99), 2)}**`, '', f(quantile(near, 0.999), 2), `cut on the JS thread: mean ${f(cutMean, 2)} ms, max ${f(cutMax, 2)} ms`]);
      rows.push([label, 'away from boundaries', String(away.length), '', f(quantile(away, 0.5), 2), `**${f(quantile(away, 0.99), 2)}**`, '', f(quantile(away, 0.999), 2), '']);
    }
  }
  if (rows.length > 0) parts.push(
    `### Latency around window boundaries\n\nThe HTTP server of section 5 (node:http, two workload units per request) under autocannon ` +
      `(${o.httpConnections} connections, ${o.continuousHttpSeconds} s per run after a 1 s warm-up, modes interleaved over ${c.boundary.length / modes.length} rounds). ` +
      `In continuous mode the recording is cut every ${c.windowS} s and each window written as pprof (gzip on the thread pool, atomic write, retention). ` +
      `A request counts as "at a boundary" when it was in flight between ${BOUNDARY_BEFORE_MS} ms before a cut and ${BOUNDARY_AFTER_MS} ms after it ` +
      '(the cut, then the hand-over: pprof encoding, gzip, write). Latencies in ms, pooled over the runs; "p99 of runs" is the spread of the per-run p99.\n\n' +
      table(['server', 'requests', 'n', 'req/s (median run)', 'p50', 'p99', 'p99 of runs min … max', 'p99.9', 'notes'], rows),
  );
  const r = c.rss;
  if (r) {
    const s = r.series;
    const tail = s.filter((x) => x.t >= 60);
    const fit = tail.length > 2 ? linearFit(tail.map((x) => x.t), tail.map((x) => x.rssMb)) : { slope: NaN };
    const heapFit = tail.length > 2 ? linearFit(tail.map((x) => x.t), tail.map((x) => x.heapMb)) : { slope: NaN };
    const after60 = tail.length ? tail : s;
    const rssAfter = after60.map((x) => x.rssMb);
    // V8's heap as resident (total physical size, read with RSS), and the rest of RSS: malloc, code, stacks, mapped files.
    const v8At = (x) => `${f(x.v8Mb, 1)} / ${f(x.rssMb - x.v8Mb, 1)}`;
    // The first reading after the first window was handed over (its pprof encoded, gzipped on the
    // thread pool and written): the pipeline's one-time start-up is behind it. The 60 s reading
    // comes just before the first cut. Older runs have no window count: 70 s.
    const settled = s.find((x) => (x.windows !== undefined ? x.windows >= 1 : x.t >= 70)) ?? s[s.length - 1];
    const stacks = r.windows.map((w) => w.stacks);
    const frames = r.windows.map((w) => w.frames);
    parts.push(
      `### RSS over ${f(r.seconds / 60, 0)} minutes in continuous mode\n\n` +
        `The async workload of section 4 at 1 kHz in continuous mode, ${r.windowS} s windows written as pprof into a temporary directory (retention 5 files), ` +
        `RSS read every ${f(s.length > 1 ? s[1].t - s[0].t : 0, 0)} s (then heapUsed after a forced GC). Issue 4's target: RSS flat, under 5 MB drift over 10 minutes. ` +
        'Drift is measured from the 60 s reading (the first minute holds the start-up of the code map, the source-map cache and the JIT of the pipeline itself) to the last, ' +
        'and from the first reading after the first window was handed over (the 60 s reading comes just before the first cut, whose pprof encoding, gzip on the thread pool and file writes run for the first time); ' +
        'the slope is a least-squares fit over the readings from 60 s. "V8 heap physical / rest of RSS": V8\'s resident heap (total_physical_size) and the rest of RSS (malloc, node\'s text, stacks), read with RSS.\n\n' +
        table(
          ['windows', 'samples', 'RSS at 0 s MB', 'RSS at 60 s MB', 'RSS end MB', 'drift 60 s → end MB', 'drift after the first window → end MB', 'RSS min … max after 60 s MB', 'RSS slope MB/min', 'retained heap MB (60 s → end)', 'heap slope MB/min', 'V8 heap physical / rest of RSS MB at 60 s', 'at the end', 'stacks per window', 'frames per window', 'cut ms mean / max'],
          [[
            String(r.stats.windows),
            String(r.windows.reduce((a, w) => a + w.samples, 0)),
            f(s[0].rssMb, 1),
            f(after60[0].rssMb, 1),
            f(s[s.length - 1].rssMb, 1),
            `**${f(s[s.length - 1].rssMb - after60[0].rssMb, 1)}**`,
            `**${f(s[s.length - 1].rssMb - settled.rssMb, 1)}** (from ${f(settled.t, 0)} s)`,
            `${f(Math.min(...rssAfter), 1)} … ${f(Math.max(...rssAfter), 1)}`,
            f(fit.slope * 60, 3),
            `${f(after60[0].heapMb, 1)} → ${f(s[s.length - 1].heapMb, 1)}`,
            f(heapFit.slope * 60, 3),
            v8At(after60[0]),
            v8At(s[s.length - 1]),
            `${Math.min(...stacks)} … ${Math.max(...stacks)}`,
            `${Math.min(...frames)} … ${Math.max(...frames)}`,
            `${f(r.stats.cutMs.total / Math.max(1, r.stats.windows - 1), 2)} / ${f(r.stats.cutMs.max, 2)}`,
          ]],
        ) +
        `\n\nProblems reported: ${JSON.stringify(r.stats.problems)}; files left at the end: ${r.filesLeft}.\n\nReadings (time s, RSS MB):\n\n\`\`\`\n` +
        s.map((x) => `${f(x.t, 0)}s ${f(x.rssMb, 1)}`).join(', ') +
        '\n```',
    );
  }
  return '## 7. Continuous mode (issue 5)\n\n' + parts.join('\n\n');
}

// ---------------------------------------------------------------- main

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  ensureBuilt();
  const m = machine();
  const code = codeState();
  const load0 = os.loadavg();
  const out = {};
  const wants = (s) => o.only.includes(s);
  // A section that fails is reported and the others still run.
  const failed = {};
  const attempt = async (section, fn) => {
    try {
      await fn();
    } catch (error) {
      failed[section] = String(error.stack || error);
      log(`section ${section} failed:`, error);
    }
  };
  if (wants('overhead') || wants('rate')) {
    // --only rate alone needs fewer groups: rates vary little.
    if (!wants('overhead')) o.pairs = Math.min(o.pairs, 6);
    await attempt('overhead', () => overheadSection(o, out));
  }
  if (wants('deep')) await attempt('deep', () => deepSection(o, out));
  if (wants('costs')) await attempt('costs', () => costsSection(o, out));
  if (wants('rss')) await attempt('rss', () => rssSection(o, out));
  if (wants('http')) await attempt('http', () => httpSection(o, out));
  if (wants('render')) await attempt('render', () => renderSection(o, out));
  if (wants('continuous')) await attempt('continuous', () => continuousSection(o, out));
  if (wants('programs')) {
    // Its own script, which writes its own section of the report (kept below like the others).
    const args = o.smoke ? ['--programs', 'js-yaml', '--rounds', '1', '--size', 'small', '--intervals', '1ms'] : ['--rounds', '3'];
    await attempt('programs', () => execFileSync(process.execPath, [path.join(__dirname, 'programs.js'), ...args, ...(o.write ? ['--write'] : [])], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] }));
  }
  const ok = (section) => wants(section) && !failed[section];
  const load1 = os.loadavg();
  const codeAfter = codeState();
  const rebuilt = [];
  if (codeAfter.addonBuilt !== code.addonBuilt) rebuilt.push(`the addon was rebuilt during the run (${codeAfter.addonBuilt})`);
  if (codeAfter.distBuilt !== code.distBuilt) rebuilt.push(`dist/ was rebuilt during the run (${codeAfter.distBuilt}; child processes started after that loaded the new build)`);
  const elapsedS = (Date.now() - started) / 1000;

  const npmArgs = process.env.npm_lifecycle_event ? `npm run ${process.env.npm_lifecycle_event}` : null;
  const argv = process.argv.slice(2).join(' ');
  const command = npmArgs ? `${npmArgs}${argv ? ` -- ${argv}` : ''}` : `node bench/run.js${argv ? ` ${argv}` : ''}`;
  const node24 = path.join(ROOT, '.cache', 'node-24.21.0', 'bin', 'node');

  const sections = [];
  if (ok('overhead')) {
    sections.push(
      '## 1. Overhead on the profiled thread (in-process A/B)\n\n' +
        `One child process per rate and round (${o.rounds} rounds, rates interleaved) runs ${o.pairs} groups per rate. A group is, in a shuffled order, ` +
        `two unprofiled blocks and one sampled block per contender, all the same work (~${o.blockMs} ms unprofiled: JSON parse/stringify, regex, ` +
        'object churn, small calls, yielding to the event loop every ~5 ms so timers run). ' +
        'Overhead = sampled block / mean of the group\'s two unprofiled blocks − 1, so every contender is compared with the same moments. ' +
        `start() and stop() happen outside the timed block ("incl. start()+stop()" adds them back: the cost of one ~${o.blockMs} ms profile). ` +
        '"process CPU" is the same ratio of the whole process\'s CPU time (sampling threads included). ' +
        '"µs per delivered sample" = (sampled − unprofiled) / samples the profiler reported for that block. ' +
        '"× floor" = median overhead / median overhead of the empty-handler floor, with a 95% bootstrap interval (shown only when the floor\'s own median is clearly above zero); ' +
        '"above floor" = the difference of the two medians in percentage points, with its 95% bootstrap interval. ' +
        '"of which drains" is the time nodeinstrument spent in its periodic drains (native copy, decode, symbolize; on the JS thread) inside the block; ' +
        'the drain timer runs every 200 ms, so part of the samples are drained in stop() instead.\n\n' +
        overheadMarkdown(out.overhead),
    );
  }
  if (ok('deep')) {
    sections.push(
      "## 1b. Overhead on deep stacks (in-process A/B, TypeScript's parser)\n\n" +
        "Section 1's method on a real program's stacks: each block parses lib.dom.d.ts (its first 400 KB) with TypeScript's parser, " +
        `20 frames deep on average (\`bench/lib/ts-parse-workload.js\`); ${(out.deep[100] ?? out.deep[1000]).groups.length} groups per rate, one child process per rate. ` +
        'Per delivered sample is what issue 15 compares with V8 here: each sample costs the drain that symbolizes 20 frames, and the garbage it leaves is collected with the parser\'s young objects, most of which survive.\n\n' +
        overheadMarkdown(out.deep) +
        '\n\n#### Achieved rate\n\n' +
        rateMarkdown(out.deep),
    );
  }
  if ((wants('overhead') || wants('rate')) && !failed.overhead) {
    sections.push(
      '## 2. Achieved sample rate\n\n' +
        'Samples reported per second of profiling, over the sampled blocks of section 1 ' +
        '(nodeinstrument: `meta.sampleCount / meta.duration`; V8: `profile.samples.length / (endTime − startTime)`; ' +
        '@datadog/pprof: sum of the sample counts in its pprof profile / `durationNanos`; floor: signals delivered).\n\n' +
        rateMarkdown(out.overhead),
    );
  }
  if (ok('costs')) sections.push('## 3. Start, stop, drain and rendering costs\n\n' + costsMarkdown(out));
  if (ok('rss')) {
    sections.push(
      `## 4. RSS over time\n\nThe async workload for ${o.rssSeconds} s after a 2 s warm-up, unprofiled and profiled at 1 kHz, RSS read every ${o.rssEvery} s ` +
        '(`--rss-seconds 60` for the issue\'s one-minute soak). Drift = last − first reading while profiling; slopes are least-squares fits ' +
        'from the second reading on (the first jump is the workload\'s own heap growing, see the unprofiled row). Retained heap is heapUsed right after a forced GC ' +
        '(the child runs with --expose-gc; RSS is read before it).\n\n' +
        rssMarkdown(out),
    );
  }
  if (ok('http')) {
    const { describe, markdownTable } = require('./http-ab');
    sections.push(`## 5. HTTP server under load (interleaved A/B in one server)\n\n${describe(out.http.options)}\n\n${markdownTable(out.http.summary, out.http.options)}${out.http.errors ? `\n\nErrors (non-2xx or failed requests): ${out.http.errors}.` : ''}`);
  }
  if (ok('render')) {
    sections.push(
      `## 6. Rendering a large session

A synthetic hour of a busy server (the HTML tests' generator: a few thousand distinct stacks, ` +
        `power-law popularity) cut to ${out.render.samples.toLocaleString('en')} samples, rendered to each format in a fresh process ` +
        '(3 runs each). Peak RSS is the process\'s maximum, the session itself included; "before rendering" is the maximum after building ' +
        'the session. Issue 3\'s target: under 2 s and under 500 MB for every format.\n\n' +
        renderMarkdown(out),
    );
  }

  if (ok('continuous')) sections.push(continuousMarkdown(o, out));

  const header =
    '# Benchmarks\n\n' +
    'Generated by `bench/run.js` (issue 4). Numbers below are from one run on the machine described; ' +
    're-run to compare, and compare only runs from the same machine.\n\n' +
    `- Command: \`${command}\` (took ${f(elapsedS / 60, 1)} min)\n` +
    `- Date: ${new Date(started).toISOString()}\n` +
    `- Machine: ${m.nproc} CPUs (nproc), ${m.model}, ${f(m.memGiB, 1)} GiB RAM, Linux ${m.kernel}; ` +
    `load average ${load0.map((x) => x.toFixed(2)).join('/')} at start, ${load1.map((x) => x.toFixed(2)).join('/')} at end (shared, virtualized: expect noise)\n` +
    `- Node ${m.node} (V8 ${m.v8}); @datadog/pprof ${m.pprof}; autocannon ${m.autocannon}\n` +
    `- Code: commit ${code.commit}${code.dirty ? ` plus ${code.dirty} uncommitted file(s) under native/ and lib/` : ''}; ` +
    `addon built ${code.addonBuilt}, dist/ built ${code.distBuilt}${rebuilt.length ? `; WARNING: ${rebuilt.join('; ')}` : ''}\n` +
    (process.versions.node.startsWith('24.')
      ? '- This run is on Node 24 (`scripts/use-node.sh 24.21.0 node bench/run.js ...`, the addon rebuilt for it)\n'
      : `- Node 24: not measured here (${fs.existsSync(node24) ? `${path.relative(ROOT, node24)} exists, but build/Release is built for Node ${process.versions.node.split('.')[0]}` : 'not installed'}; ` +
        'run the suite under `scripts/use-node.sh 24.21.0`, in a worktree of its own: it rebuilds the addon)\n');

  const howToRead =
    '## How to read this\n\n' +
    '- **Floor**: a minimal N-API addon (bench/floor) whose thread sends a real-time signal to the JS thread at absolute ' +
    'deadlines, exactly like nodeinstrument\'s sampling thread, with an empty handler. Its overhead is the price of the signal ' +
    'round trip alone (kernel entry, signal frame, sigreturn, cache disturbance): no signal-driven sampler can cost less at that rate ' +
    'on this machine. "× floor" says how much of nodeinstrument\'s (or another profiler\'s) overhead is its own work per sample.\n' +
    '- **Spread**: every overhead figure is the median over many groups; the IQR (25th … 75th percentile) and min … max show ' +
    'how much one block can differ on this shared, virtualized 2-core machine (single blocks of ±40% happen when the host is busy; ' +
    'the medians and IQRs are what to read). The `none` row is an A/A test (one unprofiled block against the other): its ' +
    'spread is the noise of the method, and differences smaller than it mean nothing. The 95% intervals are bootstrap intervals over groups.\n' +
    '- At 1 kHz every profiler, the floor included, is within or near the A/A noise: read the per-rate headline from 10 kHz, ' +
    'where costs are ten times larger, and treat 1 kHz figures as upper bounds.\n' +
    '- `nodeinstrument @ 10 Hz` isolates the cost of merely being on (JIT code event handler, uv prepare/check hooks, drain timer, sampling thread).\n' +
    '- Wall overhead is what the profiled thread feels; process CPU also counts the profilers\' own threads ' +
    '(nodeinstrument\'s sampling thread, V8\'s profiler thread), which compete with the program for the 2 cores.\n' +
    '- Per-sample costs divide an overhead by samples actually delivered, so a profiler that delivers fewer samples ' +
    'than asked looks cheaper per run but not per sample.\n';

  for (const [section, error] of Object.entries(failed)) {
    sections.push(`## Section ${section}: failed\n\n\`\`\`\n${error.split('\n').slice(0, 6).join('\n')}\n\`\`\``);
  }
  // Sections written by other scripts (between <!-- NAME-bench:start --> and
  // <!-- NAME-bench:end -->, e.g. bench/labels.js) survive a rerun of the suite.
  const previous = fs.existsSync(o.out) ? fs.readFileSync(o.out, 'utf8') : '';
  const kept = previous.match(/<!-- [\w-]+-bench:start[\s\S]*?<!-- [\w-]+-bench:end -->\n?/g) ?? [];
  const doc = `${header}\n${howToRead}\n${sections.join('\n\n')}\n${kept.map((block) => `\n${block}`).join('')}`;
  console.log(doc);
  if (o.write) {
    fs.mkdirSync(path.dirname(o.out), { recursive: true });
    fs.writeFileSync(o.out, doc);
    const rawPath = path.join(ROOT, 'bench', 'results', 'last-run.json');
    fs.mkdirSync(path.dirname(rawPath), { recursive: true });
    fs.writeFileSync(rawPath, JSON.stringify({ command, machine: m, options: o, out }, null, 1));
    log(`wrote ${path.relative(ROOT, o.out)} and ${path.relative(ROOT, rawPath)}`);
  }
  log(`done in ${f(elapsedS, 0)} s`);
  if (Object.keys(failed).length > 0) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
