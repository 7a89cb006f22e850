// The pprof endpoint (lib/ondemand/): Go's own client against a Node service,
// the one-capture-at-a-time rule, the token, and untrusted query parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { fixture } from '../helpers.mjs';

const require = createRequire(import.meta.url);
const { startPprofServer, pprofHandler, Profiler, Session } = require('../../dist/cjs/index.js');

/** Starts test/fixtures/pprof-service.js; resolves with its endpoint URL and a stop function. */
async function startService(options = {}) {
  const child = spawn(process.execPath, [fixture('pprof-service.js')], {
    env: { ...process.env, PPROF_OPTIONS: JSON.stringify(options) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const lines = createInterface({ input: child.stdout });
  const [first] = await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => { throw new Error(`the service exited with ${code}: ${stderr}`); }),
  ]);
  const { url } = JSON.parse(first);
  return {
    url,
    stderr: () => stderr,
    async stop() {
      child.stdin.end();
      const [code] = child.exitCode === null ? await once(child, 'exit') : [child.exitCode];
      assert.equal(code, 0, stderr);
    },
  };
}

const goWorks = () => {
  const result = spawnSync('go', ['version'], { encoding: 'utf8' });
  return !result.error && result.status === 0;
};

/** `go tool pprof -top URL`, with a private cache and download directory. */
function goPprofTop(url) {
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-gopprof-'));
  const env = { ...process.env, GOCACHE: join(dir, 'gocache'), PPROF_TMPDIR: dir, HOME: dir };
  return spawnSync('go', ['tool', 'pprof', '-top', url], { encoding: 'utf8', env, timeout: 240_000 });
}

const decode = (bytes) => Profile.decode(gunzipSync(bytes));
const functionNames = (profile) => profile.function.map((fn) => profile.stringTable.strings[Number(fn.name)]);

test('go tool pprof -top against the endpoint: a wall profile of the service, its hot function by name', { timeout: 300_000 }, async (t) => {
  if (!goWorks()) {
    t.skip('go not installed');
    return;
  }
  const service = await startService();
  try {
    const result = goPprofTop(`${service.url}/profile?seconds=2`);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Type: wall/);
    assert.match(result.stdout, /Duration: 2(\.\d+)?s/);
    const rows = result.stdout.split('\n').filter((line) => /^\s*[\d.]+(ms|us|s)?\s+[\d.]+%/.test(line));
    // Marked `(inline)` or `(partial-inline)` where TurboFan inlined it into the timer's callback (captures recover inlined frames).
    const spin = rows.find((row) => /\spprofServiceSpin( \((partial-)?inline\))?$/.test(row));
    assert.ok(spin, result.stdout);
    // The service spins about half the time; cum% is the sixth column.
    const cumPercent = Number(spin.trim().split(/\s+/)[4].replace('%', ''));
    assert.ok(cumPercent > 20 && cumPercent < 80, spin);
  } finally {
    await service.stop();
  }
});

/** The sum of a pprof profile's value `index` per function name, over the samples with that function anywhere on their stack. */
function spaceByFunction(profile, index) {
  const str = (i) => profile.stringTable.strings[Number(i)];
  const fnName = new Map(profile.function.map((fn) => [String(fn.id), str(fn.name)]));
  const locationNames = new Map(profile.location.map((loc) => [String(loc.id), loc.line.map((line) => fnName.get(String(line.functionId)))]));
  const total = new Map();
  for (const sample of profile.sample) {
    const names = new Set(sample.locationId.flatMap((id) => locationNames.get(String(id))));
    for (const name of names) total.set(name, (total.get(name) ?? 0) + Number(sample.value[index]));
  }
  return total;
}

test('go tool pprof against /heap and /allocs: live objects by the stack that allocated them, and every sampled allocation', { timeout: 300_000 }, async (t) => {
  const service = await startService();
  try {
    // The live heap of the capture: the cache's entries, not the strings each step throws away.
    const heap = await fetch(`${service.url}/heap?seconds=1.5`);
    assert.equal(heap.status, 200, await heap.clone().text());
    assert.equal(heap.headers.get('content-disposition'), 'attachment; filename="heap"');
    const live = decode(Buffer.from(await heap.arrayBuffer()));
    const str = (i) => live.stringTable.strings[Number(i)];
    assert.deepEqual(live.sampleType.map((type) => `${str(type.type)}/${str(type.unit)}`), ['samples/count', 'inuse_space/bytes']);
    // The cache's strings come from String.prototype.repeat, the throwaway ones from the spin's
    // Array.from: by name, since V8's heap profiler charges a function TurboFan inlined
    // (pprofServiceKeep, pprofServiceStep once warm) to the one it was inlined into.
    // Live at the end: the cache's strings (how much of the spin's garbage is still uncollected varies).
    const liveBytes = spaceByFunction(live, 1);
    assert.ok((liveBytes.get('repeat') ?? 0) > 0, JSON.stringify([...liveBytes]));
    const allocs = decode(Buffer.from(await (await fetch(`${service.url}/allocs?seconds=1.5`)).arrayBuffer()));
    const astr = (i) => allocs.stringTable.strings[Number(i)];
    assert.equal(astr(allocs.defaultSampleType), 'alloc_space');
    // Every sampled allocation: the spin's garbage outweighs what the cache keeps.
    const allocated = spaceByFunction(allocs, 1);
    assert.ok((allocated.get('from') ?? 0) > (allocated.get('repeat') ?? 0) * 2, JSON.stringify([...allocated]));
    const bad = await fetch(`${service.url}/heap?seconds=1&mode=cpu`);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /mode is for \/debug\/pprof\/profile; \/debug\/pprof\/heap records the objects allocated during the capture/);
    if (!goWorks()) {
      t.skip('go not installed: the decoded profiles were checked, not go tool pprof');
      return;
    }
    const result = goPprofTop(`${service.url}/heap?seconds=1.5`);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Type: inuse_space/);
    const rows = result.stdout.split('\n').filter((line) => /^\s*[\d.]+[kMG]?B\s+[\d.]+%/.test(line));
    assert.ok(rows.some((row) => /\srepeat$/.test(row)), result.stdout);
  } finally {
    await service.stop();
  }
});

test('with a token: 401 with the reason without it, Bearer works, and go tool pprof sends it from the URL', { timeout: 300_000 }, async (t) => {
  const token = 's3cret-token-123';
  const service = await startService({ token });
  try {
    const refused = await fetch(`${service.url}/profile?seconds=1`);
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate'), /Bearer/);
    assert.match(await refused.text(), /needs its token: send `Authorization: Bearer <token>`/);
    const wrong = await fetch(`${service.url}/`, { headers: { Authorization: 'Bearer not-the-token' } });
    assert.equal(wrong.status, 401);
    const index = await fetch(`${service.url}/`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(index.status, 200);
    // Basic auth with the token as the password: what Go's client sends for http://user:token@host/.
    const basic = (credentials) => ({ Authorization: `Basic ${Buffer.from(credentials).toString('base64')}` });
    assert.equal((await fetch(`${service.url}/`, { headers: basic(`pprof:${token}`) })).status, 200);
    assert.equal((await fetch(`${service.url}/`, { headers: basic(`${token}:wrong`) })).status, 401);
    assert.equal((await fetch(`${service.url}/`, { headers: basic(token) })).status, 401);
    const captured = await fetch(`${service.url}/profile?seconds=0.5`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(captured.status, 200);
    assert.ok(functionNames(decode(Buffer.from(await captured.arrayBuffer()))).includes('pprofServiceSpin'));
    if (!goWorks()) {
      t.diagnostic('go not installed: the go tool pprof part is skipped');
      return;
    }
    const withoutToken = goPprofTop(`${service.url}/profile?seconds=1`);
    assert.notEqual(withoutToken.status, 0);
    // X-Go-Pprof makes go tool pprof print the server's message.
    assert.match(withoutToken.stderr, /401 Unauthorized - nodeinstrument: this pprof endpoint needs its token/);
    const withToken = goPprofTop(service.url.replace('http://', `http://pprof:${token}@`) + '/profile?seconds=1');
    assert.equal(withToken.status, 0, withToken.stderr);
    assert.match(withToken.stdout, /pprofServiceSpin/);
  } finally {
    await service.stop();
  }
});

test('one capture at a time: a second request gets 409 with the reason and Retry-After; the first completes', { timeout: 60_000 }, async () => {
  const service = await startService();
  try {
    const first = fetch(`${service.url}/profile?seconds=2`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await fetch(`${service.url}/profile?seconds=1`);
    assert.equal(second.status, 409);
    assert.equal(second.headers.get('x-go-pprof'), '1');
    const retry = Number(second.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 2, `Retry-After: ${retry}`);
    assert.match(await second.text(), /another profile is being recorded in this process \(GET \/debug\/pprof\/profile\?seconds=2, started [\d.]+ s ago, [\d.]+ s left\).*one profile at a time/);
    const response = await first;
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/octet-stream');
    const profile = decode(Buffer.from(await response.arrayBuffer()));
    assert.ok(Number(profile.durationNanos) >= 1.9e9, `duration ${profile.durationNanos}`);
    // Free again once it ended.
    assert.equal((await fetch(`${service.url}/profile?seconds=0.2`)).status, 200);
  } finally {
    await service.stop();
  }
});

test('a client that goes away mid-capture frees the slot at once', { timeout: 60_000 }, async () => {
  const service = await startService();
  try {
    const abort = new AbortController();
    const abandoned = fetch(`${service.url}/profile?seconds=30`, { signal: abort.signal }).catch((error) => error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    abort.abort();
    assert.equal((await abandoned).name, 'AbortError');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    const next = await fetch(`${service.url}/profile?seconds=0.3`);
    assert.equal(next.status, 200, await next.clone().text());
    assert.ok(performance.now() - started < 10_000);
  } finally {
    await service.stop();
  }
});

test('query parameters are validated: 400 with the reason, and no capture starts', { timeout: 60_000 }, async () => {
  const service = await startService();
  try {
    const cases = [
      ['seconds=abc', /seconds must be a plain number of seconds/],
      ['seconds=-1', /seconds must be a plain number/],
      ['seconds=1e3', /seconds must be a plain number/],
      ['seconds=0', /seconds must be above 0 and at most 300; got 0/],
      ['seconds=301', /at most 300; got 301/],
      ['seconds=99999999999', /seconds must be a plain number/],
      ['seconds=1&seconds=2', /seconds was given 2 times/],
      ['seconds=1&format=exe', /format must be one of text, session, speedscope, pprof, cpuprofile, html, collapsed\b.*; got 'exe'/],
      [`seconds=1&format=${'x'.repeat(5000)}`, /format must be one of/],
    ];
    for (const [query, message] of cases) {
      const response = await fetch(`${service.url}/profile?${query}`);
      assert.equal(response.status, 400, query);
      const text = await response.text();
      assert.match(text, message, query);
      assert.ok(text.length < 400, `short message for ${query.slice(0, 40)}`);
    }
    assert.equal((await fetch(`${service.url}/goroutine`)).status, 404);
    assert.match(await (await fetch(`${service.url}/goroutine`)).text(), /\/debug\/pprof\/goroutine is not served here; see \/debug\/pprof\//);
    // The allocation captures validate the same parameters.
    const badHeap = await fetch(`${service.url}/heap?seconds=-1`);
    assert.equal(badHeap.status, 400);
    assert.match(await badHeap.text(), /seconds must be a plain number of seconds/);
    const post = await fetch(`${service.url}/profile?seconds=1`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
    assert.equal((await fetch(`${service.url}/profile?seconds=1`, { method: 'HEAD' })).status, 405);
    assert.equal((await fetch(`${service.url}/`, { method: 'DELETE' })).headers.get('allow'), 'GET, HEAD');
    // None of them left a capture running.
    assert.equal((await fetch(`${service.url}/profile?seconds=0.2`)).status, 200);
  } finally {
    await service.stop();
  }
});

test('the index lists what is served; format=html gives the HTML report', { timeout: 60_000 }, async () => {
  const service = await startService();
  try {
    const index = await fetch(`${service.url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type'), /^text\/plain/);
    const text = await index.text();
    assert.match(text, /\/debug\/pprof\/profile\?seconds=N {3}wall-clock profile/);
    assert.match(text, /\/debug\/pprof\/heap\?seconds=N {6}V8's sampling heap profiler/);
    assert.match(text, /\/debug\/pprof\/allocs\?seconds=N/);
    assert.doesNotMatch(text, /Not served .*heap/);
    assert.equal((await fetch(service.url)).status, 200, 'without the trailing slash too');
    const html = await fetch(`${service.url}/profile?seconds=0.5&format=html`);
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type'), /^text\/html/);
    const page = await html.text();
    assert.match(page, /^<!DOCTYPE html>/);
    assert.ok(page.includes('pprofServiceSpin'));
  } finally {
    await service.stop();
  }
});

test('in process: beside another running Profiler a capture is a copy of its recording, refused in another mode; close() answers a capture in flight with 503', async () => {
  const server = await startPprofServer({ port: 0 });
  try {
    const profiler = new Profiler();
    profiler.start();
    try {
      const spin = setInterval(() => inProcessSpin(15), 20);
      const copy = await fetch(`${server.url}/profile?seconds=0.6&format=session`).finally(() => clearInterval(spin));
      assert.equal(copy.status, 200, await copy.clone().text());
      const session = Session.fromJSON(await copy.json());
      assert.ok(sampledNames(session).has('inProcessSpin'), 'the capture has the work done while it ran');
      assert.ok(session.meta.duration > 0.5 && session.meta.duration < 1.5, String(session.meta.duration));
      assert.ok(session.meta.notes.some((note) => /taken from the recording that was running \(1 of its window\)/.test(note)), session.meta.notes.join('\n'));
      // A CPU-time capture cannot come from a wall-clock recording.
      const other = await fetch(`${server.url}/profile?seconds=0.2&mode=cpu`);
      assert.equal(other.status, 409);
      assert.match(await other.text(), /already running in this process .*, and it records wall-clock time: a capture of CPU time cannot be taken beside it/);
      // Nor an allocation profile from a time recording.
      const heap = await fetch(`${server.url}/heap?seconds=0.2`);
      assert.equal(heap.status, 409);
      assert.match(await heap.text(), /it records wall-clock time: a capture of allocations cannot be taken beside it/);
    } finally {
      profiler.stop();
    }
    // The running Profiler's own session is whole: the capture took nothing from it.
    const whole = profiler.lastSession;
    assert.ok(sampledNames(whole).has('inProcessSpin'));
    const weight = whole.samples.duration.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(weight - whole.meta.duration) < 0.05 * whole.meta.duration + 0.01, `samples weigh ${weight} s of ${whole.meta.duration} s`);
    const inFlight = fetch(`${server.url}/profile?seconds=30`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await server.close();
    const response = await inFlight;
    assert.equal(response.status, 503);
    assert.match(await response.text(), /shutting down; the capture was cancelled/);
    // The slot is free again.
    const again = new Profiler();
    again.start();
    again.stop();
  } finally {
    await server.close().catch(() => {});
  }
});

/** Names of the frames on the session's sampled stacks. */
function sampledNames(session) {
  const names = new Set();
  for (const stack of session.samples.stack) if (stack !== -1) for (const id of session.stackFrames(stack)) names.add(session.frames[id].name);
  return names;
}

function inProcessSpin(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  return x;
}

test('startPprofServer binds to loopback by default and refuses another interface without a token', async () => {
  const local = await startPprofServer({ port: 0 });
  assert.equal(local.host, '127.0.0.1');
  assert.equal(local.server.address().address, '127.0.0.1');
  assert.match(local.url, /^http:\/\/127\.0\.0\.1:\d+\/debug\/pprof$/);
  await local.close();
  await assert.rejects(startPprofServer({ port: 0, host: '0.0.0.0' }), /refusing to serve profiles on 0\.0\.0\.0 without a token/);
  const open = await startPprofServer({ port: 0, host: '0.0.0.0', token: 'long-enough-token' });
  assert.equal(open.server.address().address, '0.0.0.0');
  await open.close();
  await assert.rejects(startPprofServer({ port: 0, token: 'short' }), /token must be a string of at least 8 characters/);
  await assert.rejects(startPprofServer({ port: 70000 }), /port must be an integer from 0 to 65535/);
  const taken = await startPprofServer({ port: 0 });
  await assert.rejects(startPprofServer({ port: taken.port }), /cannot serve pprof on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  await taken.close();
  assert.throws(() => pprofHandler({ maxSeconds: 0 }), /maxSeconds must be/);
  assert.throws(() => pprofHandler({ maxSeconds: 10, defaultSeconds: 30 }), /defaultSeconds must be above 0 and at most maxSeconds \(10\)/);
});

test('in process: the server honours mode, and ?mode= per capture; options that cannot work are refused at start', async () => {
  await assert.rejects(startPprofServer({ port: 0, interval: 0 }), /interval/);
  await assert.rejects(startPprofServer({ port: 0, mode: 'alloc' }), /mode must be 'wall' or 'cpu'/);
  await assert.rejects(startPprofServer({ port: 'http' }), /port must be an integer from 0 to 65535, got 'http'/);
  // A port as the environment gives it: a string of digits.
  const server = await startPprofServer({ port: '0', mode: 'cpu' });
  try {
    const modeOf = async (query) => {
      const response = await fetch(`${server.url}/profile?seconds=0.3&format=session${query}`);
      assert.equal(response.status, 200);
      return (await response.json()).meta.mode;
    };
    assert.equal(await modeOf(''), 'cpu');
    assert.equal(await modeOf('&mode=wall'), 'wall');
    assert.match(await (await fetch(`${server.url}/`)).text(), /CPU-time profile/);
    const bad = await fetch(`${server.url}/profile?seconds=0.3&mode=heap`);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /mode must be wall .* or cpu .*; got 'heap'/);
  } finally {
    await server.close();
  }
});
