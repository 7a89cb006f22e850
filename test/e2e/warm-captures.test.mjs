// Issue 14: once a service is warm, TurboFan has inlined its hot helper into
// the handler, compiled before any capture started. Every capture path of a
// live service recovers the inlined frames by default and names the helper,
// where the plain stack shows only the handler.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { cli, fixture } from '../helpers.mjs';

const require = createRequire(import.meta.url);
const { Session } = require('../../dist/cjs/index.js');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// V8 13 (Node 24) inlines the helper with Maglev first, whose code carries no line positions
// for the code event handler: nothing to recover from (docs/accuracy.md). Without Maglev, TurboFan
// inlines it, as on Node 20 and 22, and the capture paths are checked the same way.
const V8_FLAGS = Number(process.versions.v8.split('.')[0]) >= 13 ? ['--no-maglev'] : [];

async function startService(capture, env = {}) {
  const child = spawn(process.execPath, [...V8_FLAGS, fixture('warm-service.js')], { env: { ...process.env, CAPTURE: capture, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [line] = await Promise.race([
    once(createInterface({ input: child.stdout }), 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`exited with ${code}: ${stderr}`);
    }),
  ]);
  return { child, ...JSON.parse(line), stop: () => child.stdin.end() };
}

/**
 * The samples with warmHandler on the stack (the service's work), and of
 * those the ones that name warmHeavyHelper inside it, which does nearly all of it.
 */
function helperShare(session) {
  let handler = 0;
  let helper = 0;
  for (const stackId of session.samples.stack) {
    const names = session.stackFrames(stackId).map((id) => session.frames[id].name);
    const at = names.indexOf('warmHandler');
    if (at < 0) continue;
    handler++;
    if (names.indexOf('warmHeavyHelper', at) > at) helper++;
  }
  return { handler, helper };
}

function checkNamed(sessions, what) {
  let handler = 0;
  let helper = 0;
  for (const session of [sessions].flat()) {
    const counts = helperShare(session);
    handler += counts.handler;
    helper += counts.helper;
  }
  // Tolerance follows what arrived: at least 20 samples of the handler (a busy machine delivers fewer).
  assert.ok(handler >= 20, `${what}: only ${handler} samples in warmHandler`);
  assert.ok(helper / handler >= 0.6, `${what}: warmHeavyHelper in ${helper} of ${handler} samples of warmHandler`);
}

const waitForFiles = async (dir, test, ms = 20_000) => {
  const end = Date.now() + ms;
  for (;;) {
    const files = readdirSync(dir).filter(test);
    if (files.length > 0 || Date.now() > end) return files;
    await sleep(100);
  }
};

test('the pprof endpoint names the helper TurboFan inlined before the capture', async () => {
  const service = await startService('pprof');
  try {
    const response = await fetch(`${service.pprof}/profile?seconds=1&format=session`);
    assert.equal(response.status, 200);
    checkNamed(Session.fromJSON(await response.json()), 'pprof endpoint');
  } finally {
    service.stop();
  }
});

test('the signal trigger names the inlined helper', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ni-warm-trigger-'));
  const service = await startService('trigger', { TRIGGER_DIR: dir });
  try {
    service.child.kill('SIGUSR2');
    const [file] = await waitForFiles(dir, (name) => name.endsWith('.json'));
    assert.ok(file, 'no report written');
    checkNamed(Session.load(join(dir, file)), 'trigger');
  } finally {
    service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('continuous windows name the inlined helper', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ni-warm-continuous-'));
  const service = await startService('continuous', { CONTINUOUS_DIR: dir });
  try {
    // Windows after the warm-up (the first holds the warm-up itself, the second its
    // remainder). Between requests the service works about 3% of the time: 30 samples a
    // window on a quiet machine, under 20 on a loaded one, so three windows are read together.
    const last = await waitForFiles(dir, (name) => name.endsWith('-0004.json'));
    assert.equal(last.length, 1, 'the fifth window was not written');
    const windows = readdirSync(dir).filter((name) => /-000[234]\.json$/.test(name));
    assert.equal(windows.length, 3, `windows 2-4: ${windows.join(', ')}`);
    checkNamed(windows.map((name) => Session.load(join(dir, name))), 'continuous windows');
  } finally {
    service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the request middleware names the inlined helper in the profiled request', async () => {
  const service = await startService('middleware');
  try {
    const response = await fetch(`${service.url}/work?profile=session`);
    assert.equal(response.status, 200);
    checkNamed(Session.fromJSON(await response.json()), 'middleware');
  } finally {
    service.stop();
  }
});

test('attach names the helper inlined into code V8 optimized before the attach', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ni-warm-attach-'));
  // --inspect-port=0: attach opens the inspector on a free port, not 9229 (tests run side by side).
  const child = spawn(process.execPath, [...V8_FLAGS, '--inspect-port=0', fixture('warm-service.js')], { stdio: ['pipe', 'pipe', 'pipe'] });
  const service = { child, ...JSON.parse((await once(createInterface({ input: child.stdout }), 'line'))[0]) };
  let requesting = true;
  try {
    // Requests all along, as a service under load has them (about 300 ms of work each).
    const load = (async () => {
      while (requesting) await fetch(`${service.url}/work?profile=no`).then((response) => response.text()).catch(() => undefined);
    })();
    const file = join(dir, 'attach.json');
    const run = spawn(process.execPath, [cli, 'attach', String(child.pid), '--duration', '2s', '-r', 'session', '-o', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    run.stderr.on('data', (data) => (stderr += data));
    const [status] = await once(run, 'exit');
    requesting = false;
    await load;
    assert.equal(status, 0, stderr);
    const session = Session.load(file);
    checkNamed(session, 'attach');
    assert.ok(session.meta.notes.some((note) => note.includes('compile its optimized code again')), session.meta.notes.join('\n'));
  } finally {
    requesting = false;
    child.stdin.end();
    rmSync(dir, { recursive: true, force: true });
  }
});
