// Continuous profiling (issue 5): windows cut without stopping the sampler,
// written with retention, at exit through the CLI, and pushed to Pyroscope.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { cli, fixture, root, runJson } from '../helpers.mjs';
import { startPyroscopeStub } from '../pyroscope-stub.mjs';

const require = createRequire(import.meta.url);
const { startContinuous, startPprofServer, Session } = require('../../dist/cjs/index.js');
const { loadNative } = require('../internals.cjs');
const { applyRetention } = require('../internals.cjs');
const { parseArgs } = require('../internals.cjs');
const { Profile } = require('pprof-format');

const tempDir = () => mkdtempSync(join(tmpdir(), 'ni-continuous-test-'));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function hotLoop(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  return x;
}

/** Busy in slices, yielding so the window timer runs. */
async function work(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    hotLoop(8);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function decodePprof(bytes) {
  return Profile.decode(gunzipSync(bytes));
}

test('windows are contiguous and together hold every sample the sampler took', async () => {
  const windows = [];
  const continuous = startContinuous({
    interval: 0.001,
    window: 0.25,
    onWindow: (session, info) => windows.push({ session, info }),
    log: () => {},
  });
  await work(1600);
  const stats = await continuous.stop();
  const recorded = loadNative().stats().samplesRecorded;

  assert.ok(windows.length >= 5, `windows: ${windows.length}`);
  assert.equal(stats.windows, windows.length);
  assert.deepEqual(windows.map((w) => w.info.index), windows.map((_, i) => i));
  assert.equal(windows.at(-1).info.final, true);
  assert.ok(windows.slice(0, -1).every((w) => !w.info.final));
  for (let i = 0; i < windows.length; i++) {
    const { session, info } = windows[i];
    assert.ok(session instanceof Session);
    assert.ok(Math.abs(session.meta.startTime - info.start) < 1e-6);
    assert.ok(Math.abs(info.start + session.meta.duration * 1000 - info.end) < 1e-3);
    if (i > 0) assert.ok(Math.abs(windows[i - 1].info.end - info.start) < 1e-3, `gap between windows ${i - 1} and ${i}: ${info.start - windows[i - 1].info.end} ms`);
    // Every sample lies inside its window, and its duration does not reach into the previous one.
    const { time, duration } = session.samples;
    for (let k = 0; k < time.length; k++) {
      assert.ok(time[k] >= 0 && time[k] <= session.meta.duration + 1e-9, `sample ${k} of window ${i} at ${time[k]} s`);
      assert.ok(time[k] - duration[k] >= -1e-9);
    }
  }
  // Nothing lost or counted twice at the cuts: the windows hold exactly the samples recorded.
  const total = windows.reduce((sum, w) => sum + w.session.meta.sampleCount, 0);
  assert.equal(total, recorded);
  // And their durations add up to the whole span, as in one long recording (less the tail after the last sample).
  const span = (windows.at(-1).info.end - windows[0].info.start) / 1000;
  const summed = windows.reduce((sum, w) => sum + w.session.samples.duration.reduce((a, b) => a + b, 0), 0);
  assert.ok(Math.abs(span - summed) < 0.01, `span ${span} s, summed ${summed} s`);
});

test('the code map carries over: later windows name the hot function and resolve their frames', async () => {
  const windows = [];
  const continuous = startContinuous({ interval: 0.0005, window: 0.2, onWindow: (session) => windows.push(session), log: () => {} });
  await work(1000);
  await continuous.stop();
  assert.ok(windows.length >= 4);
  for (const session of windows.slice(1, -1)) {
    const names = new Set(session.frames.map((frame) => frame.name));
    assert.ok(names.has('hotLoop'), `frames: ${[...names].join(', ')}`);
    assert.ok(session.meta.unresolvedFrames <= session.meta.totalFrames * 0.01, `${session.meta.unresolvedFrames} of ${session.meta.totalFrames} unresolved`);
    // Fresh tables per window: only what this window used.
    const used = new Set();
    for (const stack of session.samples.stack) for (const frame of session.stackFrames(stack)) used.add(frame);
    assert.ok(session.frames.length <= used.size + 5, `${session.frames.length} frames, ${used.size} used`);
  }
});

test('windows go to the directory as pprof and session JSON; retention keeps the newest files', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'notes.txt'), 'not a profile');
    writeFileSync(join(dir, 'other-20200101T000000.000Z-1-0001.pb.gz'), 'another prefix');
    const written = [];
    const continuous = startContinuous({
      interval: 0.001,
      window: 0.2,
      dir,
      formats: ['pprof', 'session'],
      retain: 4,
      log: () => {},
      onWindow: (session, info) => {
        assert.equal(info.files.length, 2);
        written.push(info.index);
      },
    });
    await work(1500);
    const stats = await continuous.stop();
    assert.ok(stats.windows >= 5, `windows: ${stats.windows}`);
    // A window is skipped (and counted) only when hand-overs fall behind, as on a machine too busy to run this process.
    assert.equal(stats.filesWritten, (stats.windows - stats.windowsSkipped) * 2);
    assert.ok(stats.windowsSkipped <= stats.windows / 2, JSON.stringify(stats));
    assert.ok(stats.filesDeleted > 0);
    const files = readdirSync(dir).sort();
    const ours = files.filter((name) => name.startsWith('profile-'));
    assert.equal(ours.length, 4, files.join(' '));
    assert.ok(files.includes('notes.txt') && files.includes('other-20200101T000000.000Z-1-0001.pb.gz'), 'other files are left alone');
    assert.ok(!files.some((name) => name.endsWith('.tmp')));
    // The newest windows are kept, the last (final) one included.
    const indexes = ours.map((name) => Number(/-(\d{4})\.(?:pb\.gz|json)$/.exec(name)[1]));
    assert.deepEqual([...new Set(indexes)].sort((a, b) => a - b), written.slice(-2));
    assert.equal(written.at(-1), stats.windows - 1, 'the final window is always written');
    const pprof = decodePprof(readFileSync(join(dir, ours.find((name) => name.endsWith('.pb.gz')))));
    assert.ok(pprof.sample.length > 0);
    const session = Session.load(join(dir, ours.find((name) => name.endsWith('.json'))));
    assert.ok(session.meta.sampleCount > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('retention by files and by bytes deletes the oldest of our files only', async () => {
  const dir = tempDir();
  try {
    const name = (second, index) => `profile-20261126T0400${String(second).padStart(2, '0')}.000Z-7-${String(index).padStart(4, '0')}.pb.gz`;
    for (let i = 0; i < 6; i++) writeFileSync(join(dir, name(i, i)), Buffer.alloc(100));
    writeFileSync(join(dir, 'keep.me'), Buffer.alloc(10_000));
    let result = await applyRetention(dir, 'profile', { files: 4, bytes: Infinity });
    assert.deepEqual(result.deleted.sort(), [name(0, 0), name(1, 1)]);
    result = await applyRetention(dir, 'profile', { files: Infinity, bytes: 250 });
    assert.deepEqual(result.deleted.sort(), [name(2, 2), name(3, 3)]);
    assert.deepEqual(readdirSync(dir).sort(), ['keep.me', name(4, 4), name(5, 5)]);
    // The newest file stays even when it alone is over the limit.
    result = await applyRetention(dir, 'profile', { files: Infinity, bytes: 10 });
    assert.deepEqual(readdirSync(dir).sort(), ['keep.me', name(5, 5)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a directory that cannot be written is reported once and counted; profiling goes on', async () => {
  const dir = tempDir();
  const notADir = join(dir, 'file');
  writeFileSync(notADir, 'x');
  const logged = [];
  const windows = [];
  try {
    const continuous = startContinuous({ interval: 0.001, window: 0.1, dir: notADir, log: (m) => logged.push(m), onWindow: (s, info) => windows.push(info) });
    await work(700);
    const stats = await continuous.stop();
    assert.ok(stats.windows >= 4);
    assert.equal(windows.length, stats.windows, 'the callback still gets every window');
    assert.ok(windows.every((info) => info.files.length === 0));
    assert.ok(stats.problems.write >= stats.windows, JSON.stringify(stats.problems));
    assert.equal(logged.filter((m) => /could not write|cannot create/.test(m)).length, 1, logged.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('options are validated with clear messages', () => {
  assert.throws(() => startContinuous({}), /needs somewhere to put the windows/);
  assert.throws(() => startContinuous({ dir: '/tmp/x', window: 0 }), /window must be/);
  assert.throws(() => startContinuous({ dir: '/tmp/x', formats: ['html'] }), /formats must be/);
  assert.throws(() => startContinuous({ dir: '/tmp/x', retain: 0 }), /retain files must be/);
  assert.throws(() => startContinuous({ pyroscope: { url: 'ftp://x', name: 'a' } }), /http or https/);
  assert.throws(() => startContinuous({ pyroscope: { url: 'http://x', name: 'a', labels: { env: 'a,b' } } }), /label env/);
  assert.throws(() => startContinuous({ pyroscope: { url: 'http://x', name: 'a', labels: { '1x': 'a' } } }), /label name/);
});

test('CLI arguments of continuous mode', () => {
  const options = parseArgs(['--continuous', 'out', '--window', '5m', '--retain', '500MB', '--window-formats', 'pprof,session', 'app.js']);
  assert.deepEqual(options.continuous, { dir: 'out', window: 300, formats: ['pprof', 'session'], retain: { bytes: 500 * 2 ** 20 } });
  const pushed = parseArgs(['--pyroscope', 'http://127.0.0.1:4040', '--label', 'env=prod', '--label', 'region=eu-1', 'srv/my-app.mjs']);
  assert.deepEqual(pushed.continuous.pyroscope, { url: 'http://127.0.0.1:4040', name: 'my-app', labels: { env: 'prod', region: 'eu-1' } });
  assert.throws(() => parseArgs(['--window', '5s', 'app.js']), /--window is for continuous profiling/);
  assert.throws(() => parseArgs(['--continuous', 'out', '-o', 'x.html', 'app.js']), /-o, -r and --open are for one report/);
  assert.throws(() => parseArgs(['--continuous', 'out', '--window', '10ms', 'app.js']), /at least 100ms/);
  assert.throws(() => parseArgs(['--continuous', 'out', '--retain', 'lots', 'app.js']), /invalid retention/);
  assert.throws(() => parseArgs(['--continuous', 'out', '--label', 'env=prod', 'app.js']), /apply to --pyroscope/);
  // A label given twice with two values is an error, not the last one silently.
  assert.throws(() => parseArgs(['--pyroscope', 'http://127.0.0.1:4040', '--label', 'env=prod', '--label', 'env=dev', 'app.js']), /--label env was given twice \(prod and dev\)/);
  // Credentials on the command line would show in ps: refused, pointing to the environment.
  assert.throws(() => parseArgs(['--pyroscope', 'https://user:secret@pyroscope.example/', 'app.js']), /credentials in the URL would show in the process list.*NODEINSTRUMENT_PYROSCOPE_USER/);
  assert.equal(parseArgs(['--pyroscope', 'https://pyroscope.example/a@b', 'app.js']).continuous.pyroscope.url, 'https://pyroscope.example/a@b');
});

/** The session files of a continuous run's directory, in order. */
function sessionWindows(dir) {
  return readdirSync(dir).filter((name) => name.endsWith('.json')).sort().map((name) => Session.load(join(dir, name)));
}

/**
 * Cuts follow deadlines counted from the start: the k-th cut is never before k
 * windows, and a late cut does not push the later ones, so the whole windows
 * average the window length whatever one timer's lateness was (a late cut makes
 * its window longer and the next one shorter). A window ends at its last sample,
 * so the cut itself lies between that and the next window's first sample: on a
 * busy machine the sampler thread can be late by more than a few intervals.
 */
function assertCutOnTime(windows, windowS) {
  const durations = windows.map((window) => window.meta.duration);
  let at = 0;
  for (let k = 0; k + 1 < windows.length; k++) {
    at += durations[k];
    const next = windows[k + 1].samples.time[0] ?? 0;
    assert.ok(at + next > windowS * (k + 1) - 0.005, `cut ${k + 1} between ${at} and ${at + next} s: windows ${durations.join(', ')} s`);
  }
  assert.ok(at / (windows.length - 1) < windowS * 1.5, `whole windows: ${durations.join(', ')} s`);
}

/** Runs the CLI in continuous mode on cli-forever.js; ends it with `signal` once it is ready plus `afterMs`. */
async function runForever(args, signal, afterMs, env = {}, { group = false } = {}) {
  // With `group`, the signal goes to the process group, as Ctrl-C in a terminal.
  const child = spawn(process.execPath, [cli, ...args, fixture('cli-forever.js')], { cwd: root, env: { ...process.env, ...env }, detached: group });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  while (!stdout.includes('ready')) await sleep(20);
  await sleep(afterMs);
  if (group) process.kill(-child.pid, signal);
  else child.kill(signal);
  const [code, endSignal] = await new Promise((resolve) => child.on('exit', (...args) => resolve(args)));
  return { code, signal: endSignal, stdout, stderr };
}

test('CLI: SIGTERM writes the last, partial window; windows before it are whole and contiguous', async () => {
  const dir = tempDir();
  try {
    const result = await runForever(['--continuous', dir, '--window', '400ms', '--window-formats', 'pprof,session'], 'SIGTERM', 1500);
    assert.equal(result.signal, 'SIGTERM', result.stderr);
    assert.match(result.stderr, /continuous profiling: \d+ window\(s\); \d+ file\(s\) written to/);
    const files = readdirSync(dir).filter((name) => name.endsWith('.pb.gz')).sort();
    assert.ok(files.length >= 4, files.join(' '));
    const profiles = files.map((name) => decodePprof(readFileSync(join(dir, name))));
    for (let i = 1; i < profiles.length; i++) {
      const previousEnd = BigInt(profiles[i - 1].timeNanos) + BigInt(profiles[i - 1].durationNanos);
      const gap = Number(BigInt(profiles[i].timeNanos) - previousEnd) / 1e6;
      assert.ok(Math.abs(gap) < 0.01, `gap of ${gap} ms between windows ${i - 1} and ${i}`);
    }
    const durations = profiles.map((p) => Number(p.durationNanos) / 1e9);
    assertCutOnTime(sessionWindows(dir), 0.4);
    assert.ok(durations.at(-1) < 0.4 + 0.2, `the last window is partial: ${durations.at(-1)} s`);
    const last = profiles.at(-1);
    assert.ok(last.sample.length > 0);
    const names = last.function.map((fn) => last.stringTable.strings[Number(fn.name)]);
    assert.ok(names.includes('waitForSignal') || profiles.some((p) => p.function.some((fn) => p.stringTable.strings[Number(fn.name)] === 'waitForSignal')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: a program that exits by itself has its last window written', async () => {
  const dir = tempDir();
  try {
    const child = spawn(process.execPath, [cli, '--continuous', dir, '--window', '10s', fixture('cli-exit3.js')], { cwd: root });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const [code] = await new Promise((resolve) => child.on('exit', (...args) => resolve(args)));
    assert.equal(code, 3, stderr);
    const files = readdirSync(dir);
    assert.equal(files.length, 1, files.join(' '));
    assert.ok(decodePprof(readFileSync(join(dir, files[0]))).sample.length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('beside continuous profiling, the pprof endpoint serves a copy of the next N seconds, across window cuts; the windows stay whole', async () => {
  const dir = tempDir();
  const server = await startPprofServer({ port: 0 });
  try {
    // The client is in this process too: its first request loads fetch (a stall that is not the capture's).
    assert.equal((await fetch(server.url)).status, 200);
    const continuous = startContinuous({ dir, interval: 0.001, window: 0.3, formats: ['session'], log: () => {} });
    let stats;
    let response;
    try {
      await work(100);
      const capture = fetch(`${server.url}/profile?seconds=1&format=session`);
      await work(1300);
      response = await capture;
      await work(200);
    } finally {
      stats = await continuous.stop();
    }
    assert.equal(response.status, 200, await response.clone().text());
    const copy = Session.fromJSON(await response.json());
    // A second of samples, made of the windows the capture spanned (0.3 s each: four or more).
    assert.ok(copy.meta.duration > 0.95 && copy.meta.duration < 1.2, `capture of ${copy.meta.duration} s`);
    const note = copy.meta.notes.find((text) => text.startsWith('taken from the recording that was running'));
    const spanned = Number(/\((\d+) of its windows\)/.exec(note ?? '')?.[1]);
    assert.ok(spanned >= 3, note);
    const times = copy.samples.time;
    assert.ok(times.every((t, i) => t > 0 && t <= copy.meta.duration + 1e-9 && (i === 0 || t >= times[i - 1])), 'sample times in order, within the capture');
    const weight = copy.samples.duration.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(weight - copy.meta.duration) < 0.1, `samples weigh ${weight} s of ${copy.meta.duration} s`);
    // The program's work is in the copy: work() is on every stack of it (hotLoop too, unless Node 24's
    // Maglev inlined it into work(): its code has no positions to recover that from, docs/accuracy.md).
    assert.ok(copy.samples.stack.some((stack) => stack !== -1 && copy.stackFrames(stack).some((id) => copy.frames[id].name === 'work')));
    // The windows were cut on time around it, and each holds its own samples.
    const files = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
    assert.equal(files.length, stats.windows);
    const windows = files.map((name) => Session.load(join(dir, name)));
    const durations = windows.map((window) => window.meta.duration);
    const total = durations.reduce((sum, duration) => sum + duration, 0);
    assert.ok(total > 1.5, `windows cover ${total} s`);
    // Cut at deadlines from the start, as without the capture.
    assertCutOnTime(windows, 0.3);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Pyroscope: each window is pushed as pprof with the service name, labels, timing and auth', async () => {
  const server = await startPyroscopeStub();
  try {
    const continuous = startContinuous({
      interval: 0.001,
      window: 0.3,
      pyroscope: { url: server.url, name: 'checkout', labels: { env: 'test', region: 'eu-1' }, bearerToken: 's3cret', tenantId: 'team-a' },
      log: () => {},
    });
    await work(1500);
    const stats = await continuous.stop();
    assert.equal(stats.push.sent, stats.windows, JSON.stringify(stats));
    assert.equal(stats.push.dropped + stats.push.failed, 0);
    const received = server.received;
    assert.equal(received.length, stats.windows);
    for (const [i, r] of received.entries()) {
      assert.equal(r.path, '/ingest');
      assert.equal(r.query.name, 'checkout{env=test,region=eu-1}');
      assert.equal(r.query.format, 'pprof');
      assert.equal(r.query.spyName, 'nodespy');
      assert.equal(r.headers.authorization, 'Bearer s3cret');
      assert.equal(r.headers['x-scope-orgid'], 'team-a');
      const profile = r.profile;
      // Whole seconds of the window's start and end, from the profile's nanoseconds (an end taken
      // from whole milliseconds of the start fell a second short once, ending just past a second).
      const endNanos = BigInt(profile.timeNanos) + BigInt(profile.durationNanos);
      assert.equal(Number(r.query.from), Number(BigInt(profile.timeNanos) / 1_000_000_000n));
      assert.equal(Number(r.query.until), Number(endNanos / 1_000_000_000n));
      const types = profile.sampleType.map((t) => profile.stringTable.strings[Number(t.type)]);
      assert.deepEqual(types, ['samples', 'wall', 'cpu']);
      assert.ok(profile.sample.length > 0, `window ${i} has samples`);
      if (i > 0) {
        const previous = received[i - 1].profile;
        const previousEnd = BigInt(previous.timeNanos) + BigInt(previous.durationNanos);
        assert.ok(Math.abs(Number(BigInt(profile.timeNanos) - previousEnd)) < 10_000, 'contiguous windows (10 us of rounding)');
      }
    }
  } finally {
    await server.close();
  }
});

test('Pyroscope: 5xx answers are retried with backoff; basic auth from the URL', async () => {
  const server = await startPyroscopeStub({ failFirst: 2, status: 503 });
  try {
    const url = new URL(server.url);
    url.username = 'inst';
    url.password = 'tok en';
    const logged = [];
    const continuous = startContinuous({
      interval: 0.001,
      window: 10,
      pyroscope: { url: url.href, name: 'svc', initialBackoffMs: 20 },
      log: (m) => logged.push(m),
    });
    await work(200);
    const stats = await continuous.stop({ flushMs: 5000 });
    assert.equal(stats.push.sent, 1, JSON.stringify(stats.push));
    assert.equal(stats.push.retries, 2);
    assert.equal(server.attempts, 3);
    assert.equal(server.received[0].headers.authorization, `Basic ${Buffer.from('inst:tok en').toString('base64')}`);
    assert.equal(logged.length, 1, logged.join('\n'));
    assert.match(logged[0], /HTTP 503/);
  } finally {
    await server.close();
  }
});

test('Pyroscope down: the queue stays bounded, the oldest windows are dropped and counted, nothing crashes', async () => {
  // A port nothing listens on: bind one, then close it.
  const stub = await startPyroscopeStub();
  const url = stub.url;
  await stub.close();
  const logged = [];
  const continuous = startContinuous({
    interval: 0.001,
    window: 0.1,
    pyroscope: { url, name: 'svc', queueSize: 3, maxAttempts: 1000, initialBackoffMs: 10, maxBackoffMs: 40 },
    log: (m) => logged.push(m),
  });
  let maxQueued = 0;
  const end = performance.now() + 1500;
  while (performance.now() < end) {
    hotLoop(8);
    await new Promise((resolve) => setImmediate(resolve));
    maxQueued = Math.max(maxQueued, continuous.stats().push.queued);
  }
  const stats = await continuous.stop({ flushMs: 100 });
  assert.ok(stats.windows >= 8, `windows: ${stats.windows}`);
  assert.ok(maxQueued <= 3, `queued at most ${maxQueued}`);
  assert.equal(stats.push.sent, 0);
  assert.equal(stats.push.dropped + stats.push.failed, stats.windows, JSON.stringify(stats.push));
  assert.ok(stats.push.dropped >= stats.windows - 3);
  assert.ok(stats.push.retries > 0);
  assert.equal(stats.push.queued, 0);
  // Each kind of problem is printed once, however often it happens.
  const kinds = logged.map((m) => (/queue is full/.test(m) ? 'dropped' : /retrying/.test(m) ? 'retry' : m));
  assert.deepEqual([...kinds].sort(), ['dropped', 'retry'], logged.join('\n'));
});

test('CLI: --pyroscope pushes windows with labels; the token comes from the environment', async () => {
  const server = await startPyroscopeStub();
  try {
    const result = await runForever(
      ['--pyroscope', server.url, '--service-name', 'forever', '--label', 'env=ci', '--window', '300ms'],
      'SIGINT',
      1000,
      { NODEINSTRUMENT_PYROSCOPE_TOKEN: 'from-env' },
      { group: true },
    );
    assert.equal(result.signal, 'SIGINT', result.stderr);
    const pushed = Number(/(\d+) pushed to http:\/\/127\.0\.0\.1:\d+/.exec(result.stderr)?.[1]);
    assert.equal(server.received.length, pushed, result.stderr);
    assert.ok(pushed >= 2, `received ${server.received.length}`);
    for (const r of server.received) {
      assert.equal(r.query.name, 'forever{env=ci}');
      assert.equal(r.headers.authorization, 'Bearer from-env');
    }
  } finally {
    await server.close();
  }
});

test('no sample lies after its recording ends, even when stopping takes a while', () => {
  // Stopping the worker threads' samplers takes time during which the main
  // thread is still signalled; the end used to be read before that, so 40-60%
  // of these recordings had samples after their own end (issue 16, item 5).
  const { recordings, late } = runJson([fixture('stop-bounds.js'), '10'], { cwd: root });
  assert.equal(recordings, 10);
  assert.deepEqual(late, []);
});

test('CLI: process.exit() while a window is being handed over still writes that window', async () => {
  // The window cut at 1 s is being rendered (gzip on the thread pool) when the
  // program exits 10 ms later; it used to be lost: "3 window(s); 2 file(s)".
  const dir = tempDir();
  try {
    const child = spawn(process.execPath, [cli, '--continuous', dir, '--window', '0.5s', fixture('exit-after-cut.js')], { cwd: root });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const [code] = await new Promise((resolve) => child.on('exit', (...args) => resolve(args)));
    assert.equal(code, 0, stderr);
    const windows = Number(/(\d+) window\(s\)/.exec(stderr)?.[1]);
    assert.ok(windows >= 2, stderr);
    const files = readdirSync(dir).sort();
    assert.equal(files.length, windows, `${stderr}\n${files.join('\n')}`);
    for (const [index, file] of files.entries()) {
      assert.match(file, new RegExp(`-${String(index).padStart(4, '0')}\\.pb\\.gz$`));
      decodePprof(readFileSync(join(dir, file)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
