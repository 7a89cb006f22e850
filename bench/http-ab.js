'use strict';
/**
 * HTTP throughput and latency under each profiler, as an interleaved A/B in
 * one server process (issue 4's "within 2% of no profiler at 1 kHz").
 *
 * A fresh server per run, as section 5 once did, puts process-to-process
 * differences of several percent into every comparison. Here one server
 * (bench/http-ab-server.js) stays under one continuous autocannon load while
 * it switches the profilers on and off in short phases, grouped and shuffled
 * as in the overhead A/B: each group has two unprofiled phases (their ratio
 * is the A/A row, the method's own noise) and one phase per profiler. A
 * phase's throughput is the responses that ended inside its measured span;
 * its latencies are theirs, as autocannon timed them (the client's view,
 * queueing included). Throughput is compared within a group, against the
 * mean of its two unprofiled phases; p99 is pooled over a contender's phases
 * and compared with the unprofiled phases' pooled p99. Intervals are 95%
 * bootstrap intervals over groups.
 *
 *   node bench/http-ab.js [--groups N] [--phase-ms N] [--settle-ms N]
 *                         [--connections N] [--contenders LIST] [--interval-us N] [--async] [--json]
 *
 * --async: the handler awaits between its units (bench/lib/http-service.js),
 * as the `[await]` contender needs to measure anything.
 */
const path = require('node:path');
const { fork } = require('node:child_process');
const { quantile, median, mulberry32 } = require('./lib/stats');

const DEFAULTS = {
  contenders: ['nodeinstrument', 'v8', 'datadog'],
  groups: 24,
  phaseMs: 1000,
  settleMs: 250,
  connections: 10,
  intervalUs: 1000,
  seed: 7,
};

const now = () => performance.timeOrigin + performance.now();

/** Runs the A/B; returns { options, phases, responses: { time, latency } } (times in ms since the epoch). */
async function runHttpAb(options = {}) {
  const o = { ...DEFAULTS, ...options };
  const autocannon = require('autocannon');
  const child = fork(path.join(__dirname, 'http-ab-server.js'), [JSON.stringify(o)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages = [];
  const waiters = [];
  child.on('message', (m) => {
    messages.push(m);
    waiters.splice(0).forEach((w) => w());
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const next = async () => {
    while (messages.length === 0) {
      if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode})`);
      await Promise.race([new Promise((r) => waiters.push(r)), exited]);
    }
    return messages.shift();
  };
  try {
    const { port } = await next();
    const url = `http://127.0.0.1:${port}/`;
    // Warm-up: the JIT and the connections, not measured (the server's first group warms the profilers).
    await autocannon({ url, connections: o.connections, duration: 2 });
    const time = [];
    const latency = [];
    let errors = 0;
    const load = autocannon({ url, connections: o.connections, duration: 3600 });
    load.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode !== 200) errors++;
      time.push(now());
      latency.push(responseTime);
    });
    child.send('go');
    const answer = await next();
    load.stop();
    await load;
    if (answer.error) throw new Error(`the server failed: ${answer.error}`);
    return { options: o, phases: answer.phases, responses: { time, latency }, errors };
  } finally {
    if (child.exitCode === null) {
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  }
}

/** The index of the first response at or after t (responses are in time order). */
function firstAtOrAfter(times, t) {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Per-phase throughput and latencies, then each contender against the unprofiled phases of the same groups. */
function analyse(run) {
  const { time, latency } = run.responses;
  const phases = run.phases
    .filter((p) => !p.warmUp)
    .map((p) => {
      const from = firstAtOrAfter(time, p.start);
      const to = firstAtOrAfter(time, p.end);
      return { ...p, rps: ((to - from) / (p.end - p.start)) * 1000, latencies: latency.slice(from, to) };
    });
  const groups = [...new Set(phases.map((p) => p.group))];
  const phaseOf = (group, name) => phases.find((p) => p.group === group && p.name === name);
  // A row per contender and the A/A twin; 'none' is the reference, not a row.
  const names = [...new Set(phases.map((p) => p.name))].filter((name) => name !== 'none');
  const rows = names.map((name) => {
    // Per group: this phase against the mean of the group's two unprofiled ones (A/A: one against the other).
    const ratios = [];
    for (const group of groups) {
      const a = phaseOf(group, 'none');
      const b = phaseOf(group, 'none (A/A)');
      const mine = phaseOf(group, name);
      if (!a || !b || !mine) continue;
      const base = name === 'none (A/A)' ? a.rps : (a.rps + b.rps) / 2;
      ratios.push({ group, rps: (mine.rps / base - 1) * 100 });
    }
    const mine = phases.filter((p) => p.name === name);
    return { name, phases: mine, ratios };
  });
  return { phases, groups, rows };
}

/** Every latency of the phases of `groups`, for exact pooled quantiles. */
function pooledLatencies(phasesByGroup, groups) {
  const all = [];
  for (const group of groups) for (const p of phasesByGroup.get(group) ?? []) for (const l of p.latencies) all.push(l);
  return all;
}

// The bootstrap pools latencies in histograms: log-spaced bins 0.5% wide from 10 us to 10 s,
// so a resample costs a sum of bins rather than a sort of every response.
const BIN_WIDTH = Math.log(1.005);
const BIN_FLOOR_MS = 0.01;
const BINS = Math.ceil(Math.log(10_000 / BIN_FLOOR_MS) / BIN_WIDTH);

function histogramOf(phases) {
  const bins = new Float64Array(BINS);
  for (const p of phases) {
    for (const l of p.latencies) bins[Math.min(BINS - 1, Math.max(0, Math.floor(Math.log(l / BIN_FLOOR_MS) / BIN_WIDTH)))]++;
  }
  return bins;
}

function histogramQuantile(bins, q) {
  let total = 0;
  for (let i = 0; i < BINS; i++) total += bins[i];
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < BINS; i++) {
    seen += bins[i];
    if (seen >= rank && bins[i] > 0) return BIN_FLOOR_MS * Math.exp((i + 0.5) * BIN_WIDTH);
  }
  return NaN;
}

/** The pooled quantile of the groups picked by a resample (a group may repeat), from per-group histograms. */
function resampledQuantile(histograms, pick, q, scratch) {
  scratch.fill(0);
  for (const group of pick) {
    const h = histograms.get(group);
    if (h) for (let i = 0; i < BINS; i++) scratch[i] += h[i];
  }
  return histogramQuantile(scratch, q);
}

/**
 * Per contender: the median per-group throughput change and the pooled p50/p99
 * changes, with 95% bootstrap intervals over groups; and the unprofiled phases' pooled figures.
 */
function summarise(analysis, iterations = 1000) {
  const { rows, groups } = analysis;
  const unprofiled = analysis.phases.filter((p) => p.name === 'none' || p.name === 'none (A/A)');
  const byGroup = (phases) => {
    const map = new Map();
    for (const p of phases) map.set(p.group, [...(map.get(p.group) ?? []), p]);
    return map;
  };
  const histograms = (phasesByGroup) => new Map([...phasesByGroup].map(([group, phases]) => [group, histogramOf(phases)]));
  const baseByGroup = byGroup(unprofiled);
  const baseHistograms = histograms(baseByGroup);
  const baseSorted = pooledLatencies(baseByGroup, groups).sort((a, b) => a - b);
  const base = (q) => quantile(baseSorted, q);
  const scratch = new Float64Array(BINS);
  const contenders = rows.map((row) => {
    const mineByGroup = byGroup(row.phases);
    const mineHistograms = histograms(mineByGroup);
    const rand = mulberry32(4242);
    const rpsChanges = row.ratios.map((r) => r.rps);
    const rpsByGroup = new Map(row.ratios.map((r) => [r.group, r.rps]));
    const boot = { rps: [], p50: [], p99: [] };
    for (let i = 0; i < iterations; i++) {
      const pick = Array.from(groups, () => groups[Math.floor(rand() * groups.length)]);
      boot.rps.push(median(pick.map((g) => rpsByGroup.get(g)).filter((x) => x !== undefined)));
      for (const [key, q] of [['p50', 0.5], ['p99', 0.99]]) {
        const mine = resampledQuantile(mineHistograms, pick, q, scratch);
        boot[key].push((mine / resampledQuantile(baseHistograms, pick, q, scratch) - 1) * 100);
      }
    }
    const ci = (xs) => ({ lo: quantile(xs, 0.025), hi: quantile(xs, 0.975) });
    const mineSorted = pooledLatencies(mineByGroup, groups).sort((a, b) => a - b);
    const pooled = (q) => quantile(mineSorted, q);
    const samples = row.phases.reduce((a, p) => a + p.samples, 0);
    const seconds = row.phases.reduce((a, p) => a + p.durationS, 0);
    return {
      name: row.name,
      groups: row.ratios.length,
      rps: median(row.phases.map((p) => p.rps)),
      rpsChange: median(rpsChanges),
      rpsChangeIqr: { lo: quantile(rpsChanges, 0.25), hi: quantile(rpsChanges, 0.75) },
      rpsChangeCi: ci(boot.rps),
      p50: pooled(0.5),
      p50Change: (pooled(0.5) / base(0.5) - 1) * 100,
      p50ChangeCi: ci(boot.p50),
      p99: pooled(0.99),
      p99Change: (pooled(0.99) / base(0.99) - 1) * 100,
      p99ChangeCi: ci(boot.p99),
      p999: pooled(0.999),
      responses: row.phases.reduce((a, p) => a + p.latencies.length, 0),
      sampleRate: seconds > 0 ? samples / seconds : NaN,
    };
  });
  return { contenders, unprofiled: { p50: base(0.5), p99: base(0.99), responses: unprofiled.reduce((a, p) => a + p.latencies.length, 0) } };
}

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '');
const pct = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(1)}%` : '');
const range = (r, d = 1) => `${f(r.lo, d)} … ${f(r.hi, d)}`;

function markdownTable(summary, o) {
  const head = ['server', 'groups', 'req/s (median phase)', 'Δ req/s (median of groups)', 'IQR, points', '95% CI', 'p50 ms', 'Δ p50 (95% CI)', 'p99 ms', 'Δ p99', '95% CI', 'p99.9 ms', 'responses', 'samples/s'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`];
  const order = ['none (A/A)', ...o.contenders];
  for (const name of order) {
    const s = summary.contenders.find((r) => r.name === name);
    if (!s) continue;
    const label = name === 'none (A/A)' ? 'none (A/A: one unprofiled phase against the other)' : `${name} @ ${f(1e6 / o.intervalUs / 1000, 0)} kHz`;
    const aa = name === 'none (A/A)';
    lines.push(
      `| ${[
        label,
        String(s.groups),
        f(s.rps, 0),
        `**${pct(s.rpsChange)}**`,
        range(s.rpsChangeIqr),
        range(s.rpsChangeCi),
        f(s.p50, 2),
        aa ? '' : `${pct(s.p50Change)} (${range(s.p50ChangeCi)})`,
        f(s.p99, 2),
        aa ? '' : `**${pct(s.p99Change)}**`,
        aa ? '' : range(s.p99ChangeCi),
        f(s.p999, 2),
        String(s.responses),
        aa ? '' : f(s.sampleRate, 0),
      ].join(' | ')} |`,
    );
  }
  const u = summary.unprofiled;
  lines.push(`\nUnprofiled phases pooled: p50 ${f(u.p50, 2)} ms, p99 ${f(u.p99, 2)} ms, ${u.responses} responses.`);
  return lines.join('\n');
}

function describe(o) {
  return (
    `One node:http server (each request: two units of the workload, JSON reply) in a child process under one continuous autocannon load from ` +
    `the parent (${o.connections} connections, 127.0.0.1, after a 2 s warm-up). The server switches the profilers on and off in phases: ` +
    `${o.groups} group${o.groups === 1 ? "" : "s"} (plus one warm-up group, not counted), each of two unprofiled phases and one phase per profiler in a shuffled order; ` +
    `a phase starts its profiler, waits ${o.settleMs} ms (start, first drain, the queue left by the previous stop), measures ${o.phaseMs} ms, ` +
    `then stops it. Δ req/s: per group, the phase's responses per second against the mean of the group's two unprofiled phases; the A/A row ` +
    'compares those two, and its spread is the noise of the method. p50/p99: every response that ended inside a contender\'s measured spans, ' +
    'pooled, against the pooled unprofiled phases; latencies are autocannon\'s (the client\'s view, queueing included). Intervals: 95% ' +
    'bootstrap over groups (for p99, groups resampled and the pooled quantiles recomputed).'
  );
}

function parseArgs(argv) {
  const o = { ...DEFAULTS, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const num = (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag}: not a positive number: ${v}`);
      return n;
    };
    switch (flag) {
      case '--groups': o.groups = Math.round(num(value())); break;
      case '--phase-ms': o.phaseMs = num(value()); break;
      case '--settle-ms': o.settleMs = num(value()); break;
      case '--connections': o.connections = Math.round(num(value())); break;
      case '--interval-us': o.intervalUs = num(value()); break;
      case '--contenders': o.contenders = value().split(',').filter((c) => c && c !== 'none'); break;
      case '--json': o.json = true; break;
      case '--async': o.asyncHandler = true; break;
      case '--help':
      case '-h':
        console.log('usage: node bench/http-ab.js [--groups N] [--phase-ms N] [--settle-ms N] [--connections N] [--contenders LIST] [--interval-us N] [--async] [--json]');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${flag} (see --help)`);
    }
  }
  return o;
}

async function main() {
  const { json, ...o } = parseArgs(process.argv.slice(2));
  const os = require('node:os');
  const load0 = os.loadavg();
  const started = new Date();
  const run = await runHttpAb(o);
  const summary = summarise(analyse(run));
  if (json) {
    console.log(JSON.stringify({ options: o, summary, errors: run.errors }, null, 2));
    return;
  }
  console.log(`node bench/http-ab.js ${process.argv.slice(2).join(' ')}`.trim());
  console.log(`${started.toISOString()}, Node ${process.version}, load ${load0.map((x) => x.toFixed(2)).join('/')} -> ${os.loadavg().map((x) => x.toFixed(2)).join('/')}, errors ${run.errors}\n`);
  console.log(describe(o) + '\n');
  console.log(markdownTable(summary, o));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { runHttpAb, analyse, summarise, markdownTable, describe, DEFAULTS };
