// Worker threads (issue 5): a profile started on the main thread samples
// every worker that loaded nodeinstrument, each on its own, and stays safe
// while workers come and go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, fixture, runJson, runNode } from './helpers.mjs';
import { Session } from '../dist/cjs/index.js';

/** Samples per thread index whose stack holds a frame named `name`. */
function samplesWith(session, name) {
  const counts = new Map();
  for (let i = 0; i < session.samples.stack.length; i++) {
    for (let s = session.samples.stack[i]; s !== -1; s = session.stacks.parent[s]) {
      if (session.frames[session.stacks.frame[s]].name === name) {
        const thread = session.threads.sample[i];
        counts.set(thread, (counts.get(thread) ?? 0) + 1);
        break;
      }
    }
  }
  return counts;
}

function checkThreeThreads(session) {
  assert.ok(session.threads, 'the session has a thread table');
  const { list } = session.threads;
  assert.equal(list.length, 3, `threads: ${JSON.stringify(list)}`);
  assert.equal(list[0].name, 'main');
  assert.deepEqual(list.slice(1).map((t) => t.threadId).sort(), [1, 2]);
  // Each function is on its own thread only, with about the time it spun (1 ms samples).
  const expected = { mainThreadWork: [0, 300], firstWorkerWork: [list.findIndex((t) => t.threadId === 1), 400], secondWorkerWork: [list.findIndex((t) => t.threadId === 2), 250] };
  for (const [name, [thread, ms]] of Object.entries(expected)) {
    const counts = samplesWith(session, name);
    assert.deepEqual([...counts.keys()], [thread], `${name} is sampled on thread ${thread} only: ${JSON.stringify([...counts])}`);
    const samples = counts.get(thread);
    // Rate checks are loose: the 2-core machine runs three busy threads here.
    assert.ok(samples > ms * 0.3 && samples < ms * 1.3, `${name}: ${samples} samples for ${ms} ms`);
  }
  for (const thread of list.slice(1)) {
    // Named after the worker's script (relative to the working directory), as reports show it.
    assert.equal(thread.name, `worker ${thread.threadId} test/fixtures/workers.js`);
    assert.equal(thread.exited, true, `worker ${thread.threadId} exited before the profile ended`);
    assert.ok(thread.cpuTime > 0.1, `worker ${thread.threadId} used CPU time: ${thread.cpuTime}`);
    assert.ok(thread.start >= 0 && thread.end > thread.start && thread.end <= session.meta.duration + 0.05, JSON.stringify(thread));
  }
}

test('the API samples worker threads that import nodeinstrument, each as a thread of its own', () => {
  const session = Session.fromJSON(runJson([fixture('workers.js'), 'api']));
  checkThreeThreads(session);
});

test('the CLI samples worker threads (its preload runs in every worker) and the session file keeps the threads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ni-workers-'));
  try {
    const out = join(dir, 'profile.json');
    const result = runNode([cli, '-o', out, fixture('workers.js')]);
    assert.equal(result.status, 0, result.stderr);
    checkThreeThreads(Session.load(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('workers: false leaves the workers out', () => {
  const script = `
    const { Worker } = require('node:worker_threads');
    const { Profiler } = require(${JSON.stringify(join(fixture('..'), '..', 'dist', 'cjs', 'index.js'))});
    const profiler = new Profiler({ workers: false });
    profiler.start();
    const worker = new Worker(${JSON.stringify(`require(${JSON.stringify(join(fixture('..'), '..', 'dist', 'cjs', 'index.js'))}); const end = Date.now() + 200; while (Date.now() < end);`)}, { eval: true });
    worker.on('exit', () => {
      const session = profiler.stop();
      process.stdout.write(JSON.stringify({ threads: session.threads ?? null, samples: session.samples.stack.length }));
    });`;
  const result = runJson(['-e', script]);
  assert.equal(result.threads, null);
  assert.ok(result.samples > 0);
});

test("a worker sampled by the main thread's profile cannot start one of its own, and says why", () => {
  const index = join(fixture('..'), '..', 'dist', 'cjs', 'index.js');
  const script = `
    const { Worker } = require('node:worker_threads');
    const { Profiler } = require(${JSON.stringify(index)});
    const profiler = new Profiler();
    profiler.start();
    const worker = new Worker(\`
      const { parentPort } = require('node:worker_threads');
      const { Profiler } = require(${JSON.stringify(index)});
      // The main thread's request reaches this thread at its next JS stack check.
      const end = Date.now() + 100; while (Date.now() < end);
      try { new Profiler().start(); parentPort.postMessage('started'); } catch (error) { parentPort.postMessage(error.message); }
    \`, { eval: true });
    worker.on('message', (message) => { console.log(message); });
    worker.on('exit', () => profiler.stop());`;
  const result = runNode(['-e', script]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /already sampled by the profile the main thread runs/);
});

test('workers created and terminated in a loop while sampling at 10 kHz: no crash, every worker accounted for', () => {
  const summary = runJson([fixture('worker-churn.js'), '40', '0.0001'], { timeout: 180_000 });
  assert.equal(summary.done, 40);
  assert.ok(summary.threads >= 2, JSON.stringify(summary));
  assert.ok(summary.exited >= 1, JSON.stringify(summary));
  assert.ok(summary.workerSamples > 0 && summary.sawSpin, JSON.stringify(summary));
  assert.ok(summary.mainSamples > 0, JSON.stringify(summary));
});
