#!/usr/bin/env node
'use strict';
/**
 * Soak test (not in CI): an HTTP service profiled at 1 kHz for a long time
 * under a fixed request rate from another process, one row of figures a minute.
 *
 *   node scripts/soak.js [--minutes 60] [--rate 200] [--connections 4]
 *                        [--interval 0.001] [--out bench/results/soak-<stamp>]
 *                        [--update-docs]
 *   node scripts/soak.js --render bench/results/soak-<stamp>.json --update-docs
 *
 * The service (this file with --server, a child process) runs the profiler the
 * way a service that profiles itself continuously would: one recording a
 * minute, each rendered to pprof and dropped, so RSS must stay flat and any
 * growth is a leak. This process sends the load (autocannon at a fixed overall
 * rate, one run a minute) and, at the end of each minute, asks the service to
 * cut its recording and report.
 *
 * Each minute records: requests answered (achieved rate), errors, latency p50
 * and p99 (autocannon's per-response times), the service's RSS and heap, the
 * samples recorded against those requested, dropped samples and unresolved
 * frames. Writes <out>.json and <out>.md (a markdown section); --update-docs
 * puts that section into docs/reliability.md between the soak markers.
 */
const { execFileSync, fork } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const DOCS = path.join(ROOT, 'docs', 'reliability.md');
const START_MARK = '<!-- soak:start -->';
const END_MARK = '<!-- soak:end -->';

const USAGE = `usage: node scripts/soak.js [options]      (npm run soak: the same with --update-docs)
  --minutes N          how long to run, one row of figures a minute (default 60)
  --rate N             requests per second sent to the service (default 200)
  --connections N      autocannon connections (default 4)
  --interval S         sampling interval in seconds (default 0.001: 1 kHz)
  --window-seconds N   length of one recording in the service (default 60)
  --out PATH           where to write PATH.json and PATH.md (default bench/results/soak-<stamp>)
  --update-docs        put the result into docs/reliability.md between the soak markers
  --render FILE.json   render an earlier run's JSON again instead of running (with --update-docs)
  --help               this text`;

function parseArgs(argv) {
  const o = { minutes: 60, rate: 200, connections: 4, interval: 0.001, windowSeconds: 60, out: undefined, updateDocs: false, render: undefined, server: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === '--minutes') o.minutes = Number(value());
    else if (arg === '--rate') o.rate = Number(value());
    else if (arg === '--connections') o.connections = Number(value());
    else if (arg === '--interval') o.interval = Number(value());
    else if (arg === '--window-seconds') o.windowSeconds = Number(value());
    else if (arg === '--out') o.out = value();
    else if (arg === '--update-docs') o.updateDocs = true;
    else if (arg === '--render') o.render = value();
    else if (arg === '--server') o.server = value();
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  const flags = { minutes: '--minutes', rate: '--rate', connections: '--connections', interval: '--interval', windowSeconds: '--window-seconds' };
  for (const [key, flag] of Object.entries(flags)) {
    if (!(o[key] > 0)) throw new Error(`${flag} must be a positive number`);
  }
  return o;
}

// ---------------------------------------------------------------------------
// The profiled service (child process).

function runServer(config) {
  const { Profiler, renderPprof } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
  const { workloadServer } = require(path.join(ROOT, 'bench', 'lib', 'http-service.js'));
  const { server, served } = workloadServer();
  let profiler = new Profiler({ interval: config.interval });
  let windowStart = performance.now();
  let servedAtWindowStart = 0;
  let cpuAtWindowStart = process.cpuUsage();

  /** Ends the current recording, renders it as a continuous profiler would, starts the next. */
  function cutWindow() {
    const session = profiler.stop();
    const renderStart = performance.now();
    const pprofBytes = renderPprof(session).length;
    const renderMs = performance.now() - renderStart;
    profiler = new Profiler({ interval: config.interval });
    profiler.start();
    const now = performance.now();
    const { meta } = session;
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage(cpuAtWindowStart);
    const report = {
      windowSeconds: (now - windowStart) / 1000,
      cpuPercent: ((cpu.user + cpu.system) / 1e3 / (now - windowStart)) * 100,
      served: served() - servedAtWindowStart,
      samples: meta.sampleCount,
      requestedSamples: Math.round(meta.duration / meta.requestedInterval),
      achievedRate: meta.requestedInterval / meta.achievedInterval,
      droppedSamples: meta.droppedSamples,
      unresolvedFrames: meta.unresolvedFrames,
      totalFrames: meta.totalFrames,
      notes: meta.notes,
      pprofBytes,
      renderMs,
      rssMb: memory.rss / 2 ** 20,
      heapUsedMb: memory.heapUsed / 2 ** 20,
      externalMb: memory.external / 2 ** 20,
    };
    windowStart = now;
    servedAtWindowStart = served();
    cpuAtWindowStart = process.cpuUsage();
    return report;
  }

  server.listen(0, '127.0.0.1', () => {
    profiler.start();
    process.send({ port: server.address().port, pid: process.pid });
  });
  process.on('message', (message) => {
    if (message === 'window') process.send(cutWindow());
    else if (message === 'stop') {
      const report = cutWindow();
      profiler.stop();
      server.close();
      process.send(report, () => process.exit(0));
    }
  });
}

// ---------------------------------------------------------------------------
// The load and the record (parent process).

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function machine() {
  const cpus = os.cpus();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (dirty) commit += ' (with uncommitted changes)';
  } catch {
    // not a git checkout
  }
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: os.totalmem() / 2 ** 30,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    v8: process.versions.v8,
    loadAverageAtStart: os.loadavg(),
    commit,
  };
}

async function runSoak(o) {
  const autocannon = require('autocannon');
  const started = new Date();
  const stamp = started.toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const out = o.out ?? path.join(ROOT, 'bench', 'results', `soak-${stamp}`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const command = `node scripts/soak.js --minutes ${o.minutes} --rate ${o.rate} --connections ${o.connections} --interval ${o.interval}`;
  const record = { command, startedAt: started.toISOString(), config: o, machine: machine(), minutes: [], finished: false };
  const save = () => {
    fs.writeFileSync(`${out}.json`, `${JSON.stringify(record, null, 2)}\n`);
    fs.writeFileSync(`${out}.md`, markdown(record));
  };

  const child = fork(__filename, ['--server', JSON.stringify({ interval: o.interval })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages = [];
  const waiters = [];
  let exited = false;
  child.on('message', (m) => {
    messages.push(m);
    waiters.splice(0).forEach((wake) => wake());
  });
  child.on('exit', (code, signal) => {
    exited = true;
    record.serverExit = { code, signal };
    waiters.splice(0).forEach((wake) => wake());
  });
  const next = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (messages.length === 0) {
      if (exited) throw new Error(`the profiled service exited (${JSON.stringify(record.serverExit)})`);
      if (Date.now() > deadline) throw new Error('the profiled service did not answer within 30 s');
      await new Promise((wake) => {
        waiters.push(wake);
        setTimeout(wake, 1000);
      });
    }
    return messages.shift();
  };

  try {
    const { port, pid } = await next();
    record.serverPid = pid;
    const url = `http://127.0.0.1:${port}/`;
    log(`service pid ${pid} on ${url}; ${o.minutes} min at ${o.rate} req/s, sampling every ${o.interval * 1e3} ms; writing ${out}.json`);
    // Warm-up (JIT, connections), then a fresh window.
    await autocannon({ url, connections: o.connections, overallRate: o.rate, duration: 5 });
    child.send('window');
    await next();
    const windows = Math.round((o.minutes * 60) / o.windowSeconds);
    for (let minute = 1; minute <= windows; minute++) {
      const latencies = [];
      const instance = autocannon({ url, connections: o.connections, overallRate: o.rate, duration: o.windowSeconds });
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode === 200) latencies.push(responseTime);
      });
      const result = await instance;
      child.send(minute === windows ? 'stop' : 'window');
      const server = await next();
      latencies.sort((a, b) => a - b);
      const row = {
        minute: (minute * o.windowSeconds) / 60,
        at: new Date().toISOString(),
        // The machine is shared: the 1-minute load average explains slow minutes.
        loadAverage: os.loadavg()[0],
        requests: latencies.length,
        requestRate: latencies.length / o.windowSeconds,
        errors: result.errors + result.non2xx + result.timeouts,
        p50Ms: quantile(latencies, 0.5),
        p99Ms: quantile(latencies, 0.99),
        maxMs: latencies[latencies.length - 1] ?? NaN,
        ...server,
      };
      record.minutes.push(row);
      save();
      log(
        `window ${minute}/${windows}: ${row.requestRate.toFixed(1)} req/s, p50 ${row.p50Ms.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms, ` +
          `RSS ${row.rssMb.toFixed(1)} MB, samples ${row.samples}/${row.requestedSamples} (${(row.achievedRate * 100).toFixed(1)}%), dropped ${row.droppedSamples}`,
      );
    }
    record.finished = true;
  } catch (error) {
    record.error = error.message;
    log(`soak failed: ${error.message}`);
    process.exitCode = 1;
  } finally {
    record.endedAt = new Date().toISOString();
    if (!exited) {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await new Promise((resolve) => (exited ? resolve() : child.on('exit', resolve)));
      clearTimeout(timer);
    }
    save();
  }
  log(`wrote ${out}.json and ${out}.md`);
  if (o.updateDocs) updateDocs(markdown(record));
}

function log(message) {
  process.stderr.write(`soak: ${message}\n`);
}

// ---------------------------------------------------------------------------
// Reporting.

function summary(rows) {
  const pick = (key) => rows.map((row) => row[key]);
  const sum = (values) => values.reduce((a, b) => a + b, 0);
  const rss = pick('rssMb');
  // RSS after the first minutes (heap and JIT settle) against the end: a leak shows as a trend.
  const settled = rows.length > 3 ? rss[2] : rss[0];
  return {
    minutes: rows.length,
    requests: sum(pick('requests')),
    errors: sum(pick('errors')),
    samples: sum(pick('samples')),
    requestedSamples: sum(pick('requestedSamples')),
    droppedSamples: sum(pick('droppedSamples')),
    unresolvedFrames: sum(pick('unresolvedFrames')),
    totalFrames: sum(pick('totalFrames')),
    worstP99Ms: Math.max(...pick('p99Ms')),
    medianP50Ms: [...pick('p50Ms')].sort((a, b) => a - b)[Math.floor(rows.length / 2)],
    rssFirstMb: rss[0],
    rssSettledMb: settled,
    rssLastMb: rss[rss.length - 1],
    rssMaxMb: Math.max(...rss),
  };
}

function markdown(record) {
  const rows = record.minutes;
  const f = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
  const m = record.machine;
  const lines = [
    `## Soak: ${record.config.minutes} min at ${1 / record.config.interval} Hz under ${record.config.rate} req/s`,
    '',
    `- Command: \`${record.command}\``,
    `- Date: ${record.startedAt} to ${record.endedAt ?? '(running)'}${record.finished ? '' : ' — **not finished**'}${record.error ? ` — error: ${record.error}` : ''}`,
    `- Commit: ${m.commit}`,
    `- Machine: ${m.cpu}, ${m.cores} cores, ${f(m.memoryGb)} GB, ${m.kernel}; Node ${m.node} (V8 ${m.v8}); load average at start ${m.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')} (shared machine)`,
    `- Service: node:http on 127.0.0.1, two units of bench/lib/workload.js per request, profiled in-process with the API, one recording per ${record.config.windowSeconds} s window rendered to pprof and dropped. Load: autocannon from the parent process, ${record.config.connections} connections, fixed overall rate.`,
  ];
  if (rows.length > 0) {
    const s = summary(rows);
    lines.push(
      '',
      `**Result:** ${f((s.minutes * record.config.windowSeconds) / 60)} min, ${s.requests} requests, ${s.errors} errors; ${s.samples} of ${s.requestedSamples} requested samples ` +
        `(${f((s.samples / s.requestedSamples) * 100)}%), ${s.droppedSamples} dropped, ${s.unresolvedFrames} of ${s.totalFrames} frames unresolved; ` +
        `service RSS ${f(s.rssFirstMb)} MB after the first window${rows.length > 3 ? `, ${f(s.rssSettledMb)} MB after the third` : ''}, ${f(s.rssLastMb)} MB at the end (max ${f(s.rssMaxMb)}); ` +
        `p50 ${f(s.medianP50Ms, 2)} ms (median of minutes), worst minute's p99 ${f(s.worstP99Ms, 2)} ms.`,
      '',
      '| minute | req/s | errors | p50 ms | p99 ms | max ms | service CPU | RSS MB | heap MB | samples | of requested | dropped | unresolved frames | pprof KB | load avg |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const r of rows) {
      lines.push(
        `| ${Number.isInteger(r.minute) ? r.minute : f(r.minute, 2)} | ${f(r.requestRate)} | ${r.errors} | ${f(r.p50Ms, 2)} | ${f(r.p99Ms, 2)} | ${f(r.maxMs, 1)} | ${f(r.cpuPercent, 0)}% | ${f(r.rssMb)} | ${f(r.heapUsedMb)} | ` +
          `${r.samples} | ${f(r.achievedRate * 100)}% | ${r.droppedSamples} | ${r.unresolvedFrames}/${r.totalFrames} | ${f(r.pprofBytes / 1024, 0)} | ${f(r.loadAverage)} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function updateDocs(section) {
  const text = fs.existsSync(DOCS) ? fs.readFileSync(DOCS, 'utf8') : `# Reliability\n\n${START_MARK}\n${END_MARK}\n`;
  const start = text.indexOf(START_MARK);
  const end = text.indexOf(END_MARK);
  if (start < 0 || end < start) throw new Error(`${DOCS} has no ${START_MARK} ... ${END_MARK} section`);
  fs.writeFileSync(DOCS, `${text.slice(0, start + START_MARK.length)}\n${section}${text.slice(end)}`);
  log(`updated ${path.relative(ROOT, DOCS)}`);
}

const options = parseArgs(process.argv.slice(2));
if (options.server !== undefined) {
  runServer(JSON.parse(options.server));
} else if (options.render !== undefined) {
  const section = markdown(JSON.parse(fs.readFileSync(options.render, 'utf8')));
  if (options.updateDocs) updateDocs(section);
  else process.stdout.write(section);
} else {
  runSoak(options);
}
