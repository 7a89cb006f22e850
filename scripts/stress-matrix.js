#!/usr/bin/env node
'use strict';
/**
 * Stress matrix: the sampler at 10 kHz while the process does the things that
 * break profilers, under the V8 flags that change code layout and tiers.
 *
 *   node scripts/stress-matrix.js [--long] [--rounds N] [--only workload[,..]] [--flags f[,..]] [--json]
 *   npm run stress            (the long version)
 *
 * Workloads (each in its own process, killed after a timeout: a hang fails):
 *   gc         allocation-heavy work: young and old generation collections
 *   eval       eval / new Function churn: code created and collected constantly
 *   recursion  recursion to stack overflow, RangeError caught, again and again
 *   workers    worker threads created and terminated; one loads nodeinstrument
 *              (so the main thread's profile samples it) and tries to profile
 *              itself and must get a clear refusal
 *   profiled-workers  workers that profile themselves, terminated mid-profile;
 *              then the main thread profiles (runs before its profiler starts)
 *   exit       process.exit(7) from inside hot code, profiled by the CLI: exit
 *              code 7 and a complete session; then the same in a process that
 *              started the profiler with the API and never stops it
 *   fork       child processes forked and spawned while the CLI profiles; the
 *              children must not profile or write the parent's session
 *   runtime-flag  new Function churn while --interpreted-frames-native-stack is
 *              turned on at run time, through require('v8') and through a
 *              reference taken before nodeinstrument loaded: no hang, sampling
 *              stops with a note, the next start refuses (docs/design.md,
 *              "Locks the stack walk can meet")
 *   low-stack  the recursion workload under `ulimit -s 1024` with
 *              --stack-size=1009, profiled by the CLI: V8's limit leaves a few
 *              KiB of real stack, so the handler must run on its own stack
 *   signal-end a synchronous loop profiled by the CLI, ended by SIGTERM: the
 *              report is written and the CLI ends by SIGTERM (an interrupt
 *              serves the signal); then a program that SIGKILLs itself: the
 *              report comes from the journal, saying so
 * After gc, eval, recursion and workers the same process runs the known-split
 * workload (test/fixtures/known-split.js: main 10% self, middle -> leafA 30%,
 * leafB 20%, leafC 40%) and checks that every function's share is within 3
 * points of the truth measured by the process itself (wall time less GC pauses).
 *
 * Flags: none, --stress-compaction, --always-sparkplug, --maglev, --always-osr,
 * --no-opt, --max-lazy, --jitless; and --interpreted-frames-native-stack, which
 * must be refused with a clear message by both the CLI and the API.
 *
 * Exits 1 if any case failed. test/e2e/stress-matrix.test.mjs runs the short one.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'nodeinstrument.js');
const INTERVAL = 0.0001; // 10 kHz

const FLAGS = ['', '--stress-compaction', '--always-sparkplug', '--maglev', '--always-osr', '--no-opt', '--max-lazy', '--jitless'];
const WORKLOADS = ['gc', 'eval', 'recursion', 'workers', 'profiled-workers', 'exit', 'fork', 'runtime-flag', 'low-stack', 'signal-end'];
const UNSAFE_FLAG = '--interpreted-frames-native-stack';
const SPLIT_NAMES = ['main', 'middle', 'leafA', 'leafB', 'leafC'];
/**
 * Largest difference allowed between a measured share and the truth, plus what
 * the samples across the function's edges may move it (a sample after a stall
 * stands for all of it; test/tolerance.mjs): on a quiet machine about nothing.
 */
const TOLERANCE = 0.03;
/**
 * Fewest samples a run must have: proof that sampling went on through the
 * hazard. Not a rate check (the figures show the achieved rate): on a shared
 * two-core machine a run gets a fraction of a core.
 */
const MIN_SAMPLES = 200;

/**
 * V8's stack limit in the low-stack case, in KiB of the 1024 the shell
 * allows. Under AddressSanitizer (scripts/test-asan.sh preloads libasan) its
 * interceptors take more of the real stack: at 1009 an unprofiled run crashed
 * there one time in six.
 */
const LOW_STACK_KIB = (process.env.LD_PRELOAD ?? '').includes('libasan') ? 990 : 1009;

const SHORT = { hazardMs: 400, splitMs: 800, timeoutMs: 60_000 };
const LONG = { hazardMs: 5000, splitMs: 1500, timeoutMs: 180_000 };

// ---------------------------------------------------------------------------
// Inside the profiled process.

function spin(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x++;
  return x;
}

const hazards = {
  gc(ms) {
    const end = performance.now() + ms;
    const survivors = new Array(2000);
    let allocated = 0;
    for (let i = 0; performance.now() < end; i++) {
      const young = { i, s: `item-${i}`, list: [i, i + 1, i + 2] };
      survivors[i % survivors.length] = i % 3 === 0 ? new Array(200).fill(young) : young; // promoted to old space
      if (i % 1000 === 0) survivors[(i / 1000) % survivors.length] = new Float64Array(50_000);
      allocated++;
    }
    return { allocated };
  },
  eval(ms) {
    const end = performance.now() + ms;
    let created = 0;
    let sum = 0;
    for (let i = 0; performance.now() < end; i++) {
      // Unique source each time: new code that is compiled, run hot enough to
      // tier up, and dropped.
      const fn = new Function('a', 'b', `let s = 0; for (let k = 0; k < 200; k++) s += a * ${i} + b + k % ${(i % 7) + 1}; return s;`);
      for (let k = 0; k < 20; k++) sum += fn(k, i);
      // eslint-disable-next-line no-eval
      sum += eval(`(function churn${i}(x) { return x + ${i}; })`)(1);
      created += 2;
    }
    return { created, sum };
  },
  recursion(ms) {
    const end = performance.now() + ms;
    let overflows = 0;
    let deepest = 0;
    function down(depth) {
      if (depth > deepest) deepest = depth;
      return down(depth + 1) + 1;
    }
    function wide(depth, a, b, c, d) {
      const locals = [a, b, c, d, depth];
      return wide(depth + 1, locals[0] + 1, b, c, d) + locals.length;
    }
    while (performance.now() < end) {
      for (const recurse of [() => down(0), () => wide(0, 1, 2, 3, 4)]) {
        try {
          recurse();
        } catch (error) {
          if (!(error instanceof RangeError)) throw error;
          overflows++;
        }
      }
    }
    if (overflows === 0) throw new Error('no stack overflow happened');
    return { overflows, deepest };
  },
  async workers(ms) {
    const { Worker } = require('node:worker_threads');
    const end = performance.now() + ms;
    let created = 0;
    let terminated = 0;
    // These workers do not load nodeinstrument (sampled workers churn in
    // test/e2e/worker-threads.test.mjs): under ASan and --stress-compaction each
    // sampled worker's start took seconds and the split after it drifted.
    const body = `
      const { parentPort } = require('node:worker_threads');
      parentPort.postMessage('up');
      const end = performance.now() + 1000;
      let kept = [];
      while (performance.now() < end) { kept.push({ x: Math.random() }); if (kept.length > 1000) kept = []; }
    `;
    while (performance.now() < end) {
      const batch = [];
      for (let i = 0; i < 2; i++) {
        const worker = new Worker(body, { eval: true });
        created++;
        batch.push(
          new Promise((resolve) => {
            // Terminated at once, or shortly after it starts running.
            const stopAfter = created % 3 === 0 ? 0 : 5 + (created % 20);
            worker.once('message', () => setTimeout(() => worker.terminate().then(resolve), stopAfter));
            worker.once('error', resolve);
            if (stopAfter === 0) worker.terminate().then(resolve);
          }),
        );
      }
      await Promise.all(batch);
      terminated += batch.length;
    }
    // A profiler in a worker whose thread the main thread's profile samples: refused, clearly.
    const refusal = await new Promise((resolve, reject) => {
      const worker = new Worker(
        `const { parentPort } = require('node:worker_threads');
         const { Profiler } = require(${JSON.stringify(path.join(ROOT, 'dist', 'cjs', 'index.js'))});
         try { new Profiler({ interval: 0.001 }).start(); parentPort.postMessage('started'); }
         catch (error) { parentPort.postMessage(error.message); }`,
        { eval: true },
      );
      worker.once('message', (message) => worker.terminate().then(() => resolve(message)));
      worker.once('error', reject);
    });
    if (!/already sampled by the profile the main thread runs/.test(refusal)) throw new Error(`a worker's profiler: ${refusal}`);
    return { created, terminated, refusal };
  },
};

/**
 * Workers that profile themselves at 10 kHz and are terminated mid-profile:
 * each must release the signal, the code event handler and the claim, or the
 * main thread could not profile afterwards (runs before the main thread's
 * profiler starts).
 */
async function profiledWorkers(ms) {
  const { Worker } = require('node:worker_threads');
  const index = JSON.stringify(path.join(ROOT, 'dist', 'cjs', 'index.js'));
  const end = performance.now() + ms;
  let terminated = 0;
  while (performance.now() < end) {
    const worker = new Worker(
      `const { Profiler } = require(${index});
       const { parentPort } = require('node:worker_threads');
       new Profiler({ interval: ${INTERVAL} }).start();
       parentPort.postMessage('profiling');
       for (;;) { const end = performance.now() + 5; let kept = []; while (performance.now() < end) kept.push({}); }`,
      { eval: true },
    );
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 5 + (terminated % 4) * 10));
    await worker.terminate();
    terminated++;
  }
  return { created: terminated };
}

/** The known-split workload of test/fixtures/known-split.js, with its truth. */
function knownSplit(totalMs) {
  const calls = [];
  function timed(name, fn) {
    const enter = performance.now();
    const result = fn();
    calls.push([name, enter, performance.now()]);
    return result;
  }
  // Each function has its own loop so that no helper gets inlined away.
  function leafA(ms) { return timed('leafA', () => { const end = performance.now() + ms; let x = 0; while (performance.now() < end) x++; return x; }); }
  function leafB(ms) { return timed('leafB', () => { const end = performance.now() + ms; let x = 0; while (performance.now() < end) x++; return x; }); }
  function leafC(ms) { return timed('leafC', () => { const end = performance.now() + ms; let x = 0; while (performance.now() < end) x++; return x; }); }
  function middle() { return timed('middle', () => leafA(totalMs * 0.3) + leafB(totalMs * 0.2)); }
  function main() {
    return timed('main', () => {
      const end = performance.now() + totalMs * 0.1;
      let x = 0;
      while (performance.now() < end) x++;
      return x + middle() + leafC(totalMs * 0.4);
    });
  }
  main();
  return calls;
}

/** Shares of each split function (total time relative to main's), measured and true. */
function splitShares(session, calls, gcPauses) {
  const truthTime = Object.fromEntries(SPLIT_NAMES.map((name) => [name, 0]));
  for (const [name, enter, exit] of calls) {
    let gc = 0;
    for (const [start, end] of gcPauses) gc += Math.max(0, Math.min(end, exit) - Math.max(start, enter));
    truthTime[name] += exit - enter - gc;
  }
  const expected = Object.fromEntries(SPLIT_NAMES.map((name) => [name, truthTime[name] / truthTime.main]));
  const totals = Object.fromEntries(SPLIT_NAMES.map((name) => [name, 0]));
  for (let i = 0; i < session.samples.stack.length; i++) {
    const stack = session.samples.stack[i];
    if (stack === -1) continue;
    const inStack = new Set(session.stackFrames(stack).map((id) => session.frames[id].name));
    for (const name of inStack) if (name in totals) totals[name] += session.samples.duration[i];
  }
  const shares = Object.fromEntries(SPLIT_NAMES.map((name) => [name, totals[name] / totals.main]));
  return { expected, shares };
}

async function childHazardThenSplit(workload, hazardMs, splitMs) {
  const { PerformanceObserver } = require('node:perf_hooks');
  const { Profiler } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
  const gcPauses = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push([entry.startTime, entry.startTime + entry.duration]);
  });
  observer.observe({ entryTypes: ['gc'] });
  const profiler = new Profiler({ interval: INTERVAL });
  let detail;
  if (workload === 'profiled-workers') {
    detail = await profiledWorkers(hazardMs);
    profiler.start();
  } else {
    profiler.start();
    detail = await hazards[workload](hazardMs);
  }
  const calls = knownSplit(splitMs);
  const session = profiler.stop();
  await new Promise((resolve) => setTimeout(resolve, 50)); // GC entries arrive asynchronously
  observer.disconnect();
  const { expected, shares } = splitShares(session, calls, gcPauses);
  // How far the samples across each function's edges may move its share (its
  // own and main's, as it is a share of main's time): a sample after a stall
  // stands for all of it. Allowed on top of TOLERANCE (test/tolerance.mjs).
  const { edgesOf, sessionClock, stallAllowance } = await import(require('node:url').pathToFileURL(path.join(ROOT, 'test', 'tolerance.mjs')).href);
  const clock = sessionClock(require(path.join(ROOT, 'dist', 'cjs', 'native', 'addon.js')).loadNative().stats().startTimeNs);
  const stall = Object.fromEntries(SPLIT_NAMES.map((name) => [name, stallAllowance(session.samples, edgesOf(calls.filter(([n]) => n === name).map(([, enter, exit]) => [enter, exit]), clock, gcPauses))]));
  const mainTime = calls.filter(([n]) => n === 'main').reduce((sum, [, enter, exit]) => sum + (exit - enter) / 1000, 0);
  const allowance = Object.fromEntries(SPLIT_NAMES.map((name) => [name, (stall[name] + shares[name] * stall.main) / mainTime]));
  // The longest time one sample stands for, and its leaf: a long gap without
  // samples (a starved sampling thread on a loaded machine) is charged to the
  // function running when sampling resumes.
  let longest = 0;
  for (let i = 1; i < session.samples.duration.length; i++) if (session.samples.duration[i] > session.samples.duration[longest]) longest = i;
  const longestStack = session.samples.stack[longest];
  const longestLeaf = longestStack === -1 || longestStack === undefined ? '(none)' : session.frames[session.stackFrames(longestStack).at(-1)].name;
  const longestSample = { ms: (session.samples.duration[longest] ?? 0) * 1000, leaf: longestLeaf };
  // Why samples are missing: late ticks (the sampling thread ran late), busy
  // ticks (the last signal was still unhandled), lost signals.
  const stats = require(path.join(ROOT, 'dist', 'cjs', 'native', 'addon.js')).loadNative().stats();
  const ticks = { late: stats.lateTicks, busy: stats.busyTicks, lost: stats.lostSignals, sent: stats.signalsSent };
  return { detail, expected, shares, allowance, meta: session.meta, longestSample, ticks };
}

/** Run by the CLI: hot code that calls process.exit(7) from deep inside. */
function childExit(hazardMs) {
  childExitWith(hazardMs, 7);
}

function childExitWith(hazardMs, code) {
  function hotExit(depth) {
    if (depth > 0) return hotExit(depth - 1) + 1;
    const end = performance.now() + hazardMs;
    let x = 0;
    for (;;) {
      x = (x * 31 + 7) | 0;
      if (performance.now() > end) process.exit(code);
    }
  }
  hotExit(50);
}

/**
 * Run by the CLI: `loop`, spins in a synchronous loop until a signal ends it;
 * `sigkill`, spins in 5 ms slices (the drains run) for hazardMs, then SIGKILLs itself.
 */
function childSignalEnd(how, hazardMs) {
  function hotSignalEnd(depth, ms) {
    if (depth > 0) return hotSignalEnd(depth - 1, ms) + 1;
    const end = performance.now() + ms;
    let x = 0;
    while (performance.now() < end) x = (x * 31 + 7) | 0;
    return x;
  }
  if (how === 'loop') {
    process.stdout.write('spinning\n'); // the matrix signals once it reads this (a pipe: written at once)
    for (;;) hotSignalEnd(50, 1000);
  }
  // Long enough for a journal record to be written (drains every 200 ms, a record at most once
  // a second, written by libuv's thread pool): under ASan on a busy machine, one 400 ms run left
  // no report, most likely because no record was out yet (then the CLI has none to write).
  const end = performance.now() + Math.max(hazardMs, 1500);
  const step = () => {
    hotSignalEnd(50, 5);
    if (performance.now() < end) setImmediate(step);
    else process.kill(process.pid, 'SIGKILL');
  };
  step();
}

/** The signal-end case (see childSignalEnd): a report however the program ends. */
async function runSignalEndCase(flagArgs, sizes, problems, figures) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ni-stress-'));
  const sessionPath = path.join(dir, 'session.json');
  const nodeArgs = flagArgs.map((f) => `--node-arg=${f}`);
  const { Session } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
  try {
    const ends = [
      { how: 'loop', signalAfterMs: sizes.hazardMs, signalAfterOutput: 'spinning', expected: 'SIGTERM', note: /^the program ended by SIGTERM$/ },
      { how: 'sigkill', expected: 'SIGKILL', note: /^the program was killed by SIGKILL before nodeinstrument could write its profile/ },
    ];
    figures.samples = 0;
    for (const { how, signalAfterMs, signalAfterOutput, expected, note } of ends) {
      fs.rmSync(sessionPath, { force: true });
      const command = [CLI, '-i', String(INTERVAL), '-o', sessionPath, ...nodeArgs, __filename, '--child', 'signal-end', String(sizes.hazardMs), '0', how];
      const result = await run(command, { timeoutMs: sizes.timeoutMs, signalAfterMs, signalAfterOutput });
      if (result.timedOut || result.signal !== expected) {
        problems.push(`${how}: ${describeEnd(result)}, expected to end by ${expected}\n${tail(result.stderr)}`);
        continue;
      }
      const session = Session.load(sessionPath);
      figures.samples += session.meta.sampleCount;
      if (!session.meta.notes.some((text) => note.test(text))) problems.push(`${how}: notes ${JSON.stringify(session.meta.notes)}`);
      if (!session.frames.some((frame) => frame.name === 'hotSignalEnd')) problems.push(`${how}: hotSignalEnd is not in the session`);
    }
  } catch (error) {
    problems.push(error.message);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Profiled with the API, never stopped: process.exit(5) from hot code while sampling at 10 kHz. */
function childExitApi(hazardMs) {
  const { Profiler } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
  new Profiler({ interval: INTERVAL }).start();
  childExitWith(hazardMs, 5);
}

/** Run by the CLI: forks and spawns child processes while profiled. */
async function childFork(hazardMs) {
  const { execFile, fork } = require('node:child_process');
  const end = performance.now() + hazardMs;
  const results = [];
  while (performance.now() < end) {
    const forked = new Promise((resolve) => {
      // Inherits --require preload.js through execArgv: it must stay unprofiled.
      const child = fork(__filename, ['--child', 'fork-leaf'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
      let out = '';
      child.stdout.on('data', (data) => (out += data));
      // 'close', not 'exit': the child's last output can arrive after its exit (seen under ASan).
      child.on('close', (code, signal) => resolve({ code, signal, out }));
    });
    const spawned = new Promise((resolve) => execFile(process.execPath, ['-e', 'process.exit(0)'], (error) => resolve({ code: error ? error.code : 0 })));
    spin(20);
    results.push(await forked, await spawned);
  }
  const bad = results.filter((r) => r.code !== 0 || (r.out !== undefined && r.out.trim() !== 'unprofiled'));
  if (bad.length > 0) throw new Error(`children: ${JSON.stringify(bad.slice(0, 3))}`);
  return { children: results.length };
}

/**
 * Profiled at 10 kHz: new Function churn, --interpreted-frames-native-stack
 * turned on halfway (`how`: 'module' through require('v8'), 'captured'
 * through a reference taken before nodeinstrument loaded), churn again.
 */
function childRuntimeFlag(how, hazardMs) {
  const captured = require('node:v8').setFlagsFromString;
  const { Profiler } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
  const profiler = new Profiler({ interval: INTERVAL });
  profiler.start();
  let created = 0;
  const churn = (ms) => {
    const end = performance.now() + ms;
    let sum = 0;
    while (performance.now() < end) sum += new Function('a', `return a * ${created++};`)(2);
    return sum;
  };
  churn(hazardMs / 2);
  if (how === 'captured') captured(UNSAFE_FLAG);
  else require('node:v8').setFlagsFromString(UNSAFE_FLAG);
  churn(hazardMs / 2);
  const { meta } = profiler.stop();
  let restart = 'started';
  try {
    new Profiler({ interval: INTERVAL }).start();
  } catch (error) {
    restart = error.message;
  }
  process.stdout.write(JSON.stringify({ meta, restart, created }));
}

function childForkLeaf() {
  spin(30);
  let profiled = false;
  try {
    profiled = require(path.join(ROOT, 'dist', 'cjs', 'native', 'addon.js')).loadNative().isRunning();
  } catch {
    // the addon not loading at all is also "not profiled"
  }
  process.stdout.write(profiled ? 'profiled\n' : 'unprofiled\n');
}

async function runChild(args) {
  const [workload, hazardMs, splitMs] = [args[0], Number(args[1]), Number(args[2])];
  if (workload === 'exit') return childExit(hazardMs);
  if (workload === 'signal-end') return childSignalEnd(args[3], hazardMs);
  if (workload === 'exit-api') return childExitApi(hazardMs);
  if (workload === 'fork-leaf') return childForkLeaf();
  if (workload === 'runtime-flag') return childRuntimeFlag(args[3], hazardMs);
  if (workload === 'low-stack') {
    // No stack traces for the RangeErrors: V8's own collection while it builds one at the
    // overflow can need more than this little stack (test/fixtures/low-stack-recursion.js).
    Error.stackTraceLimit = 0;
    process.stdout.write(JSON.stringify(hazards.recursion(hazardMs)));
    return undefined;
  }
  if (workload === 'fork') {
    process.stdout.write(JSON.stringify(await childFork(hazardMs)));
    return undefined;
  }
  const result = await childHazardThenSplit(workload, hazardMs, splitMs);
  process.stdout.write(JSON.stringify(result));
  return undefined;
}

// ---------------------------------------------------------------------------
// The matrix (parent).

/**
 * Runs node with args; with signalAfterMs, sends it `signal` that long after
 * its stdout first shows `signalAfterOutput`. Resolves with { code, signal,
 * stdout, stderr, timedOut, ms }.
 */
function run(args, { timeoutMs, env = process.env, signalAfterMs, signalAfterOutput = '', signal = 'SIGTERM' }) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalTimer;
    child.stdout.on('data', (data) => {
      stdout += data;
      if (signalAfterMs !== undefined && signalTimer === undefined && stdout.includes(signalAfterOutput)) {
        signalTimer = setTimeout(() => child.kill(signal), signalAfterMs);
      }
    });
    child.stderr.on('data', (data) => (stderr += data));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(signalTimer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: performance.now() - started });
    });
  });
}

function describeEnd(result) {
  if (result.timedOut) return `hung (killed after ${(result.ms / 1000).toFixed(0)} s)`;
  if (result.signal) return `killed by ${result.signal}`;
  return `exit code ${result.code}`;
}

function tail(text, lines = 12) {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** The runtime-flag case (see childRuntimeFlag), both ways of setting the flag. */
async function runRuntimeFlagCase(flagArgs, sizes, problems, figures) {
  const note = /^sampling stopped [\d.]+ s into the recording: V8's --interpreted-frames-native-stack was turned on at run time/;
  const refusal = /^nodeinstrument: V8's --interpreted-frames-native-stack is on in this process/;
  figures.samples = 0;
  figures.created = 0;
  for (const how of ['module', 'captured']) {
    const result = await run([...flagArgs, __filename, '--child', 'runtime-flag', String(sizes.hazardMs), '0', how], { timeoutMs: sizes.timeoutMs });
    if (result.timedOut || result.signal || result.code !== 0) {
      problems.push(`${how}: ${describeEnd(result)}\n${tail(result.stderr)}`);
      continue;
    }
    const { meta, restart, created } = JSON.parse(result.stdout);
    figures.samples += meta.sampleCount;
    figures.created += created;
    // Under --jitless V8 makes no trampoline copies, so the addon cannot see a
    // flag set past the wrapper; nor can the walk meet the lock then (no code
    // runs from the code space). Not hanging is the whole check.
    if (how === 'captured' && flagArgs.includes('--jitless')) continue;
    if (!meta.notes.some((text) => note.test(text))) problems.push(`${how}: no note of the halt: ${JSON.stringify(meta.notes)}`);
    if (meta.sampleCount === 0) problems.push(`${how}: no samples before the flag`);
    if (!refusal.test(restart)) problems.push(`${how}: a later start: ${restart}`);
  }
}

/** The low-stack case: the recursion workload through the CLI with ~15 KiB below V8's stack limit. */
async function runLowStackCase(flagArgs, sizes, problems, figures) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ni-stress-'));
  const sessionPath = path.join(dir, 'session.json');
  try {
    const nodeArgs = [`--stack-size=${LOW_STACK_KIB}`, ...flagArgs].map((f) => `--node-arg=${f}`);
    const command = [process.execPath, CLI, '-i', String(INTERVAL), '-o', sessionPath, ...nodeArgs, __filename, '--child', 'low-stack', String(sizes.hazardMs)];
    const quoted = command.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
    // A small fixed environment: its strings sit on the same 1 MiB stack (under npm test, npm's
    // variables took enough of the headroom to crash unprofiled runs too; test/e2e/stack-headroom.test.mjs).
    const env = Object.fromEntries(['PATH', 'HOME', 'TMPDIR', 'LD_PRELOAD', 'ASAN_OPTIONS', 'UBSAN_OPTIONS'].filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]));
    const result = await run(['-e', `require('node:child_process').execFileSync('bash', ['-c', ${JSON.stringify(`ulimit -s 1024 && exec ${quoted}`)}], { stdio: 'inherit' })`], { timeoutMs: sizes.timeoutMs, env });
    figures.ms = Math.round(result.ms);
    if (result.timedOut || result.signal || result.code !== 0) {
      problems.push(`${describeEnd(result)}\n${tail(result.stderr)}`);
      return;
    }
    const { Session } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
    const session = Session.load(sessionPath);
    Object.assign(figures, sessionFigures(session.meta), JSON.parse(result.stdout));
    if (session.meta.sampleCount < MIN_SAMPLES) problems.push(`only ${session.meta.sampleCount} samples`);
    if (!session.frames.some((frame) => frame.name === 'down' || frame.name === 'wide')) problems.push('the recursion is not in the session');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One case: resolves with { workload, flag, ok, problems[], figures }. */
async function runCase(workload, flag, sizes = SHORT) {
  const flagArgs = flag ? [flag] : [];
  const problems = [];
  const figures = {};
  // Full GCs take about half of the split's time under --stress-compaction: a
  // longer split keeps the sampling noise of the shares well under the
  // tolerance (test/e2e/accuracy-split.test.mjs does the same).
  const splitMs = flag === '--stress-compaction' ? sizes.splitMs * 3 : sizes.splitMs;
  const childArgs = [__filename, '--child', workload, String(sizes.hazardMs), String(splitMs)];
  if (workload === 'runtime-flag' && flag === '--jitless' && Number(process.versions.v8.split('.')[0]) >= 13) {
    // V8 13 itself crashes here: with the flag set at run time under --jitless
    // and a JIT code event handler installed (watchCode alone, no sampling), it
    // runs a trampoline copy from memory it cannot execute (SIGSEGV).
    figures.skipped = "V8 13 crashes with the flag set at run time under --jitless while code events are on, sampling or not";
  } else if (workload === 'runtime-flag') {
    await runRuntimeFlagCase(flagArgs, sizes, problems, figures);
  } else if (workload === 'low-stack') {
    await runLowStackCase(flagArgs, sizes, problems, figures);
  } else if (workload === 'signal-end') {
    await runSignalEndCase(flagArgs, sizes, problems, figures);
  } else if (workload === 'exit' || workload === 'fork') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ni-stress-'));
    const sessionPath = path.join(dir, 'session.json');
    try {
      const nodeArgs = flagArgs.map((f) => `--node-arg=${f}`);
      const result = await run([CLI, '-i', String(INTERVAL), '-o', sessionPath, ...nodeArgs, ...childArgs], { timeoutMs: sizes.timeoutMs });
      figures.ms = Math.round(result.ms);
      const expectedCode = workload === 'exit' ? 7 : 0;
      if (result.timedOut || result.signal || result.code !== expectedCode) {
        problems.push(`${describeEnd(result)}, expected exit code ${expectedCode}\n${tail(result.stderr)}`);
      } else {
        const { Session } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
        const session = Session.load(sessionPath);
        const { meta } = session;
        Object.assign(figures, sessionFigures(meta));
        if (meta.sampleCount < MIN_SAMPLES) problems.push(`only ${meta.sampleCount} samples`);
        if (workload === 'exit' && !session.frames.some((frame) => frame.name === 'hotExit')) problems.push('hotExit is not in the session');
        if (workload === 'exit') {
          // The same without the CLI: started with the API and never stopped.
          const api = await run([...flagArgs, __filename, '--child', 'exit-api', String(sizes.hazardMs)], { timeoutMs: sizes.timeoutMs });
          if (api.timedOut || api.signal || api.code !== 5) problems.push(`API, exit without stop: ${describeEnd(api)}, expected exit code 5\n${tail(api.stderr)}`);
        }
        if (workload === 'fork') figures.children = JSON.parse(result.stdout).children;
      }
    } catch (error) {
      problems.push(error.message);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } else {
    const result = await run([...flagArgs, ...childArgs], { timeoutMs: sizes.timeoutMs });
    figures.ms = Math.round(result.ms);
    if (result.timedOut || result.signal || result.code !== 0) {
      problems.push(`${describeEnd(result)}\n${tail(result.stderr)}`);
    } else {
      const { detail, expected, shares, allowance, meta, longestSample, ticks } = JSON.parse(result.stdout);
      Object.assign(figures, sessionFigures(meta), detail, { longestSample, ticks });
      let worst = 0;
      // Stalls that could move a share by more than a real error (10 points) leave the split unjudged, as the tests do.
      const widest = Math.max(...SPLIT_NAMES.map((name) => allowance[name]));
      if (TOLERANCE + widest > 0.1) figures.splitUnjudged = TOLERANCE + widest;
      for (const name of SPLIT_NAMES) {
        const deviation = Math.abs(shares[name] - expected[name]);
        worst = Math.max(worst, deviation);
        if (figures.splitUnjudged === undefined && !(deviation <= TOLERANCE + allowance[name])) {
          problems.push(`${name}: measured ${(shares[name] * 100).toFixed(1)}%, truth ${(expected[name] * 100).toFixed(1)}%, allowed ±${((TOLERANCE + allowance[name]) * 100).toFixed(1)} points`);
        }
      }
      figures.worstDeviation = worst;
      if (meta.unresolvedFrames > meta.totalFrames * 0.01) problems.push(`unresolved ${meta.unresolvedFrames} of ${meta.totalFrames} frames`);
      if (meta.sampleCount < MIN_SAMPLES) problems.push(`only ${meta.sampleCount} samples`);
    }
  }
  return { workload, flag: flag || '(none)', ok: problems.length === 0, problems, figures };
}

function sessionFigures(meta) {
  return {
    samples: meta.sampleCount,
    achievedRate: meta.requestedInterval / meta.achievedInterval,
    dropped: meta.droppedSamples,
    unresolved: meta.unresolvedFrames,
    frames: meta.totalFrames,
  };
}

/**
 * --interpreted-frames-native-stack: the CLI refuses before running anything
 * and the API refuses to start, both naming the flag; neither process dies.
 */
async function runUnsafeFlagCase(sizes = SHORT) {
  const problems = [];
  const message = /cannot sample a process started with --interpreted-frames-native-stack: .*takes locks/;
  const cli = await run([CLI, `--node-arg=${UNSAFE_FLAG}`, __filename, '--child', 'exit', '10', '0'], { timeoutMs: sizes.timeoutMs });
  if (cli.code !== 2 || !message.test(cli.stderr)) problems.push(`CLI: ${describeEnd(cli)}: ${tail(cli.stderr, 3)}`);
  const api = await run(
    [UNSAFE_FLAG, '-e', `const { Profiler } = require(${JSON.stringify(path.join(ROOT, 'dist', 'cjs', 'index.js'))});
      try { new Profiler().start(); console.log('started'); } catch (error) { console.log(error.message); }`],
    { timeoutMs: sizes.timeoutMs },
  );
  if (api.code !== 0 || !message.test(api.stdout)) problems.push(`API: ${describeEnd(api)}: ${tail(api.stdout + api.stderr, 3)}`);
  return { workload: 'start', flag: UNSAFE_FLAG, ok: problems.length === 0, problems, figures: {} };
}

/** Every case of the matrix, in the order they run. */
function cases({ workloads = WORKLOADS, flags = FLAGS } = {}) {
  const list = [];
  for (const flag of flags) for (const workload of workloads) list.push({ workload, flag });
  return list;
}

function formatRow(result) {
  const f = result.figures;
  const pct = (x) => (x === undefined ? '-' : `${(x * 100).toFixed(1)}%`);
  const figures = [
    f.ms !== undefined ? `${(f.ms / 1000).toFixed(1)} s` : '',
    f.samples !== undefined ? `${f.samples} samples (${pct(f.achievedRate)} of 10 kHz)` : '',
    f.dropped ? `${f.dropped} dropped` : '',
    f.unresolved !== undefined ? `${f.unresolved}/${f.frames} unresolved` : '',
    f.worstDeviation !== undefined ? `split within ${(f.worstDeviation * 100).toFixed(1)} pt${f.splitUnjudged !== undefined ? ` (not judged: stalls allow ±${(f.splitUnjudged * 100).toFixed(1)})` : ''}` : '',
    f.longestSample !== undefined ? `longest sample ${f.longestSample.ms.toFixed(1)} ms in ${f.longestSample.leaf}` : '',
    f.ticks !== undefined ? `ticks: ${f.ticks.sent} signals, ${f.ticks.late} late, ${f.ticks.busy} busy, ${f.ticks.lost} lost` : '',
    f.overflows !== undefined ? `${f.overflows} stack overflows` : '',
    f.created !== undefined ? `${f.created} ${result.workload.includes('workers') ? 'workers' : 'functions'}` : '',
    f.children !== undefined ? `${f.children} children` : '',
    f.skipped !== undefined ? `skipped: ${f.skipped}` : '',
  ].filter(Boolean);
  const status = result.ok ? 'ok  ' : 'FAIL';
  return `${status} ${result.workload.padEnd(16)} ${result.flag.padEnd(34)} ${figures.join(', ')}${result.ok ? '' : `\n     ${result.problems.join('\n     ')}`}`;
}

async function main(argv) {
  let sizes = SHORT;
  let rounds = 1;
  let json = false;
  let workloads = WORKLOADS;
  let flags = FLAGS;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--long') sizes = LONG;
    else if (arg === '--rounds') rounds = Number(argv[++i]);
    else if (arg === '--json') json = true;
    else if (arg === '--only') workloads = argv[++i].split(',');
    else if (arg === '--flags') flags = argv[++i].split(',').map((f) => (f === 'none' ? '' : f));
    else throw new Error(`unknown argument ${arg}`);
  }
  const results = [];
  const report = (result) => {
    results.push(result);
    if (!json) process.stdout.write(`${formatRow(result)}\n`);
  };
  const started = Date.now();
  for (let round = 1; round <= rounds; round++) {
    if (!json && rounds > 1) process.stdout.write(`-- round ${round} of ${rounds}\n`);
    for (const { workload, flag } of cases({ workloads, flags })) report(await runCase(workload, flag, sizes));
    report(await runUnsafeFlagCase(sizes));
  }
  const failed = results.filter((result) => !result.ok).length;
  if (json) process.stdout.write(`${JSON.stringify(results)}\n`);
  else process.stdout.write(`${results.length - failed} of ${results.length} cases passed in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  if (failed > 0) process.exitCode = 1;
}

module.exports = { runCase, runUnsafeFlagCase, cases, FLAGS, WORKLOADS, SHORT, LONG, formatRow };

if (require.main === module) {
  const args = process.argv.slice(2);
  const done = args[0] === '--child' ? runChild(args.slice(1)) : main(args);
  done.catch((error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exitCode = 1;
  });
}
