// The signal trigger (lib/production/ondemand/trigger.ts, armed by the preload from
// NODEINSTRUMENT_TRIGGER_* or by armSignalTrigger): a running process gets
// SIGUSR2 and writes its reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { fixture, root, runNode } from '../helpers.mjs';

const require = createRequire(import.meta.url);
const { armSignalTrigger, Session } = require('../../dist/cjs/index.js');
const preload = join(root, 'dist', 'cjs', 'preload.js');

const tempDir = () => mkdtempSync(join(tmpdir(), 'nodeinstrument-trigger-'));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the trigger fixture with the preload and `env`; resolves once it printed "ready". */
async function startService(env) {
  const child = spawn(process.execPath, ['--require', preload, fixture('trigger-service.js')], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const [line] = await Promise.race([
    once(createInterface({ input: child.stdout }), 'line'),
    once(child, 'exit').then(([code]) => { throw new Error(`exited with ${code}: ${stderr}`); }),
  ]);
  assert.equal(line, 'ready');
  return { child, stderr: () => stderr };
}

/** Waits until `dir` holds `count` files (no temporary ones), up to 20 s. */
async function filesIn(dir, count) {
  for (let waited = 0; waited < 20_000; waited += 100) {
    const names = readdirSync(dir).filter((name) => !name.endsWith('.tmp'));
    if (names.length >= count) return names.sort();
    await sleep(100);
  }
  throw new Error(`${dir} holds ${readdirSync(dir).join(', ') || 'nothing'}, not ${count} files`);
}

async function until(condition) {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 20_000) throw new Error('timed out');
    await sleep(20);
  }
}

const frameNames = (session) => session.frames.map((frame) => frame.name);

test('preload armed by the environment: SIGUSR2 records N seconds and writes each format; the process lives on', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const { child, stderr } = await startService({
    NODEINSTRUMENT_TRIGGER_SIGNAL: 'SIGUSR2',
    NODEINSTRUMENT_TRIGGER_DIR: dir,
    NODEINSTRUMENT_TRIGGER_SECONDS: '1',
    NODEINSTRUMENT_TRIGGER_FORMATS: 'html,pprof,session',
  });
  try {
    await sleep(300);
    assert.deepEqual(readdirSync(dir), [], 'nothing before the signal');
    child.kill('SIGUSR2');
    await until(() => /SIGUSR2: recording 1 s for /.test(stderr()));
    child.kill('SIGUSR2'); // while recording: ignored, with a message
    const names = await filesIn(dir, 3);
    const base = `nodeinstrument-${child.pid}-`;
    assert.deepEqual(names.map((name) => name.replace(/^nodeinstrument-\d+-\d{8}T\d{6}\.\d{3}Z/, 'X')), ['X.html', 'X.json', 'X.pb.gz']);
    assert.ok(names.every((name) => name.startsWith(base)), names.join());

    const session = Session.load(join(dir, names.find((name) => name.endsWith('.json'))));
    assert.ok(session.meta.duration >= 0.95 && session.meta.duration < 3, `duration ${session.meta.duration}`);
    assert.equal(session.meta.pid, child.pid);
    assert.ok(frameNames(session).includes('triggerServiceSpin'), frameNames(session).join());
    const pprof = Profile.decode(gunzipSync(readFileSync(join(dir, names.find((name) => name.endsWith('.pb.gz'))))));
    assert.ok(pprof.function.some((fn) => pprof.stringTable.strings[Number(fn.name)] === 'triggerServiceSpin'));
    const html = readFileSync(join(dir, names.find((name) => name.endsWith('.html'))), 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.ok(html.includes('SIGUSR2 capture of pid'));

    assert.match(stderr(), /nodeinstrument: SIGUSR2 ignored: a 1 s recording is under way already/);
    // The files can be seen before the line saying so has come through the pipe.
    const wrote = new RegExp(`nodeinstrument: wrote ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/nodeinstrument-${child.pid}-`);
    await until(() => wrote.test(stderr()));
    assert.equal(child.exitCode, null, 'still running');

    // Armed again for the next one.
    child.kill('SIGUSR2');
    assert.equal((await filesIn(dir, 6)).length, 6);
  } finally {
    child.stdin.end();
    const [code, signal] = await once(child, 'exit');
    assert.equal(signal, null, stderr());
    assert.equal(code, 0, stderr());
  }
});

test('any trigger variable arms it (SECONDS alone: SIGUSR2 into the temporary directory), and a line says so', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  // os.tmpdir() reads TMPDIR: the default directory is this test's.
  const { child, stderr } = await startService({ NODEINSTRUMENT_TRIGGER_SECONDS: '0.5', NODEINSTRUMENT_TRIGGER_FORMATS: 'session', TMPDIR: dir });
  try {
    await until(() => /nodeinstrument: signal trigger armed: kill -USR2 \d+ records 0\.5 s into .* \(session\)/.test(stderr()));
    child.kill('SIGUSR2');
    const names = await filesIn(dir, 1);
    assert.match(names[0], new RegExp(`^nodeinstrument-${child.pid}-.*\\.json$`));
    assert.equal(child.exitCode, null, 'still running');
  } finally {
    child.stdin.end();
    const [code, signal] = await once(child, 'exit');
    assert.equal(signal, null, stderr());
    assert.equal(code, 0, stderr());
  }
});

test('a program that exits mid-recording still writes what was recorded', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const { child, stderr } = await startService({
    NODEINSTRUMENT_TRIGGER_DIR: dir, // the signal defaults to SIGUSR2
    NODEINSTRUMENT_TRIGGER_SECONDS: '30',
    NODEINSTRUMENT_TRIGGER_FORMATS: 'session',
    EXIT_AFTER_SIGNAL_MS: '400',
  });
  child.kill('SIGUSR2');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, stderr());
  const [name] = await filesIn(dir, 1);
  const session = Session.load(join(dir, name));
  assert.ok(session.meta.duration > 0.3 && session.meta.duration < 5, `duration ${session.meta.duration}`);
  assert.ok(frameNames(session).includes('triggerServiceSpin'));
});

test('SIGTERM during a recording, in a service that does not handle it: the recording so far is written, then the process ends by SIGTERM', { timeout: 60_000 }, async () => {
  // It used to end at once (rc 143) with no file.
  const dir = tempDir();
  const { child, stderr } = await startService({
    NODEINSTRUMENT_TRIGGER_DIR: dir,
    NODEINSTRUMENT_TRIGGER_SECONDS: '30',
    NODEINSTRUMENT_TRIGGER_FORMATS: 'session',
  });
  child.kill('SIGUSR2');
  await until(() => /SIGUSR2: recording 30 s for /.test(stderr()));
  await sleep(400);
  child.kill('SIGTERM');
  const [code, signal] = await once(child, 'exit');
  assert.equal(signal, 'SIGTERM', `${code} ${stderr()}`);
  const [name] = await filesIn(dir, 1);
  const session = Session.load(join(dir, name));
  assert.ok(session.meta.duration > 0.3 && session.meta.duration < 10, `duration ${session.meta.duration}`);
  assert.ok(frameNames(session).includes('triggerServiceSpin'));
  assert.match(stderr(), /nodeinstrument: wrote /);
});

test('bad trigger variables stop the program at start with the reason', () => {
  const file = join(tempDir(), 'a-file');
  writeFileSync(file, '');
  const cases = [
    [{ NODEINSTRUMENT_TRIGGER_SIGNAL: 'SIGUSR1' }, /NODEINSTRUMENT_TRIGGER_SIGNAL must be one of SIGUSR2, SIGHUP, .*; got 'SIGUSR1'/],
    [{ NODEINSTRUMENT_TRIGGER_SIGNAL: 'SIGTERM' }, /NODEINSTRUMENT_TRIGGER_SIGNAL must be one of/],
    [{ NODEINSTRUMENT_TRIGGER_SIGNAL: 'usr2', NODEINSTRUMENT_TRIGGER_SECONDS: 'ten' }, /NODEINSTRUMENT_TRIGGER_SECONDS must be a number of seconds above 0 and at most 3600, such as 10 or 2.5; got 'ten'/],
    [{ NODEINSTRUMENT_TRIGGER_SIGNAL: 'SIGUSR2', NODEINSTRUMENT_TRIGGER_SECONDS: '0' }, /NODEINSTRUMENT_TRIGGER_SECONDS must be/],
    [{ NODEINSTRUMENT_TRIGGER_SIGNAL: 'SIGUSR2', NODEINSTRUMENT_TRIGGER_SECONDS: '7200' }, /NODEINSTRUMENT_TRIGGER_SECONDS must be/],
    [{ NODEINSTRUMENT_TRIGGER_SIGNAL: 'SIGUSR2', NODEINSTRUMENT_TRIGGER_FORMATS: 'html,exe' }, /each of formats must be one of text, session, .*; got 'exe'/],
    [{ NODEINSTRUMENT_TRIGGER_SIGNAL: 'SIGUSR2', NODEINSTRUMENT_TRIGGER_INTERVAL: 'fast' }, /NODEINSTRUMENT_TRIGGER_INTERVAL: invalid interval 'fast'/],
    [{ NODEINSTRUMENT_TRIGGER_DIR: join(file, 'sub') }, /the trigger's report directory .*a-file\/sub is not writable/],
  ];
  for (const [env, message] of cases) {
    const result = runNode(['--require', preload, '-e', 'console.log("the program ran")'], { env: { ...process.env, ...env } });
    assert.equal(result.status, 1, JSON.stringify(env));
    assert.match(result.stderr, message, JSON.stringify(env));
    assert.match(result.stderr, /^nodeinstrument: .*NODEINSTRUMENT_TRIGGER_\* environment variables|^nodeinstrument: NODEINSTRUMENT_TRIGGER_/);
    assert.equal(result.stdout, '', 'the program did not run');
  }
  // Without the variables the preload changes nothing: SIGUSR2 keeps its default (the process ends).
  const plain = runNode(['--require', preload, '-e', 'process.kill(process.pid, "SIGUSR2"); setTimeout(() => {}, 5000)']);
  assert.equal(plain.signal, 'SIGUSR2');
});

test('`node --require nodeinstrument/preload` resolves by package name, as the README shows', () => {
  const project = tempDir();
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(root, join(project, 'node_modules', 'nodeinstrument'), 'dir');
  const reports = join(project, 'profiles');
  const result = runNode(
    ['--require', 'nodeinstrument/preload', '-e', 'process.kill(process.pid, "SIGUSR2"); setTimeout(() => {}, 1500)'],
    { cwd: project, env: { ...process.env, NODEINSTRUMENT_TRIGGER_SIGNAL: 'SIGUSR2', NODEINSTRUMENT_TRIGGER_DIR: reports, NODEINSTRUMENT_TRIGGER_SECONDS: '0.5' } },
  );
  assert.equal(result.status, 0, result.stderr);
  const names = readdirSync(reports).map((name) => name.replace(/-\d{8}T\d{6}\.\d{3}Z/, '-T'));
  assert.deepEqual(names.sort(), [`nodeinstrument-${result.pid}-T.html`, `nodeinstrument-${result.pid}-T.pb.gz`]);
  assert.match(result.stderr, /nodeinstrument: wrote .*\.html, .*\.pb\.gz/);
});

function busyNamedForTheApi(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  return x;
}

test('armSignalTrigger from the API: reports through onReport, refuses a second arm and unsafe signals, disarms', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  let reported;
  const done = new Promise((resolve) => {
    reported = resolve;
  });
  // SIGWINCH in this process: Node 24's test runner has --report-on-signal (SIGUSR2) on.
  const trigger = armSignalTrigger({ trigger: 'SIGWINCH', dir, seconds: 0.4, formats: ['text'], interval: 0.0005, onReport: (files, session) => reported({ files, session }) });
  try {
    assert.equal(trigger.trigger, 'SIGWINCH');
    assert.equal(trigger.dir, dir);
    assert.throws(() => armSignalTrigger({ dir, trigger: 'SIGWINCH' }), /a nodeinstrument trigger is armed on SIGWINCH already/);
    process.kill(process.pid, 'SIGWINCH');
    await sleep(20);
    assert.equal(trigger.isRecording, true);
    busyNamedForTheApi(150);
    // The trigger's timer does not keep a process alive (a program that ends is written at exit); the test waits.
    const keepAlive = setTimeout(() => {}, 10_000);
    const { files, session } = await done;
    clearTimeout(keepAlive);
    assert.equal(files.length, 1);
    assert.match(files[0], /nodeinstrument-\d+-\d{8}T\d{6}\.\d{3}Z\.txt$/);
    const text = readFileSync(files[0], 'utf8');
    assert.match(text, /SIGWINCH capture of pid \d+/);
    assert.match(text, /busyNamedForTheApi/);
    assert.ok(session.meta.duration >= 0.35);
  } finally {
    trigger.disarm();
  }
  assert.equal(process.listenerCount('SIGWINCH'), 0);
  const byDefault = armSignalTrigger({ dir });
  assert.equal(byDefault.trigger, 'SIGUSR2', 'the default');
  byDefault.disarm();
  armSignalTrigger({ dir, trigger: 'SIGWINCH' }).disarm();
  for (const trigger of ['SIGUSR1', 'SIGINT', 'SIGTERM', 'SIGPROF', 'SIGKILL']) {
    assert.throws(() => armSignalTrigger({ dir, trigger }), /trigger must be one of SIGUSR2, SIGHUP/, trigger);
  }
  assert.throws(() => armSignalTrigger({ dir, seconds: 0 }), /seconds must be a number of seconds above 0 and at most 3600/);
  assert.throws(() => armSignalTrigger({ dir, formats: [] }), /formats must name at least one report format/);
});
