// The same application behind each framework integration (node:http, Express,
// Fastify, Koa), and the checks every integration must pass. Each
// test/middleware-*.test.mjs wires the routes into its framework and calls
// middlewareScenarios().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Works until the process has used `ms` of CPU time (and at least `ms` of wall
 * time), so a thread that the machine starves of CPU still does the work and
 * gets sampled doing it.
 */
function spin(ms) {
  const start = process.cpuUsage();
  const end = performance.now() + ms;
  let x = 0;
  for (;;) {
    for (let i = 0; i < 2000; i++) x += Math.sqrt(x + i);
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms && performance.now() >= end) return x;
  }
}
function requestHandlerSpin(ms) { return spin(ms); }
function requestAfterAwaitSpin(ms) { return spin(ms); }
function streamChunkSpin(ms) { return spin(ms); }

/** How many times each route's handler ran. */
export const ran = { work: 0, slow: 0, stream: 0, fail: 0, user: 0 };

/** The routes, framework-neutral: each returns { status, body, headers }. */
export const app = {
  /** Sync work, an await, more work after it: the profile must hold both. */
  async work() {
    ran.work++;
    requestHandlerSpin(60);
    await sleep(30);
    requestAfterAwaitSpin(60);
    return { status: 201, body: '{"ok":true}', headers: { 'content-type': 'application/json', 'x-app': 'yes' } };
  },
  async slow() {
    ran.slow++;
    await sleep(600);
    return { status: 200, body: 'slow done', headers: { 'content-type': 'text/plain' } };
  },
  /** A streamed body whose chunks take work to produce. */
  stream() {
    ran.stream++;
    let chunks = 0;
    const body = new Readable({
      read() {
        if (chunks++ >= 4) {
          this.push(null);
          return;
        }
        streamChunkSpin(25);
        setTimeout(() => this.push(`chunk ${chunks}\n`), 5);
      },
    });
    return { status: 200, body, headers: { 'content-type': 'text/plain' } };
  },
  async fail() {
    ran.fail++;
    await sleep(10);
    requestHandlerSpin(20);
    throw new Error('the handler failed');
  },
  user(id) {
    ran.user++;
    return { status: 200, body: `user ${id}`, headers: { 'content-type': 'text/plain' } };
  },
};

async function waitForFiles(dir, count) {
  for (let waited = 0; waited < 10_000; waited += 50) {
    const names = readdirSync(dir).filter((name) => !name.endsWith('.tmp'));
    if (names.length >= count) return names.sort();
    await sleep(50);
  }
  throw new Error(`${dir} holds ${readdirSync(dir).join(', ') || 'nothing'}, not ${count} files`);
}

/**
 * The checks. `start(options)` starts the framework's server with the
 * integration configured by `options` and resolves with { url, close }.
 * `userRoute` is how the framework names the /users/:id route in file names.
 */
export function middlewareScenarios(framework, { start, userRoute }) {
  const withServer = (options, body) => async () => {
    const server = await start(options);
    try {
      await body(server.url);
    } finally {
      await server.close();
    }
  };

  test(`${framework}: without ?profile the response is the handler's, untouched`, withServer({}, async (url) => {
    const response = await fetch(`${url}/work`);
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('x-app'), 'yes');
    assert.equal(await response.text(), '{"ok":true}');
    assert.equal(response.headers.get('x-nodeinstrument-response'), null);
  }));

  test(`${framework}: ?profile answers with the HTML report of the request, async work included`, withServer({}, async (url) => {
    const before = ran.work;
    const response = await fetch(`${url}/work?profile`);
    assert.equal(response.status, 200);
    assert.equal(ran.work, before + 1, 'the handler ran once');
    assert.match(response.headers.get('content-type'), /^text\/html/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('x-app'), null, "the handler's headers are gone");
    const [, status, duration] = /^status=(\d+); duration_ms=([\d.]+)$/.exec(response.headers.get('x-nodeinstrument-response'));
    assert.equal(status, '201');
    assert.ok(Number(duration) >= 140, `duration ${duration} ms`);
    const page = await response.text();
    assert.match(page, /^<!DOCTYPE html>/);
    assert.ok(page.includes('requestHandlerSpin'), 'work before the await');
    assert.ok(page.includes('requestAfterAwaitSpin'), 'work after the await');
    assert.ok(page.includes('[await]'), 'where it waited');
    assert.ok(page.includes('GET /work -&gt; 201') || page.includes('GET /work -> 201'), 'the title names the request');
    assert.ok(!page.includes('{"ok":true}'), 'not the normal body');
  }));

  test(`${framework}: ?profile=text gives the text report; a streamed body is profiled to its end`, withServer({}, async (url) => {
    const answer = await fetch(`${url}/work?profile=text`);
    assert.equal(answer.headers.get('content-type'), 'text/plain; charset=utf-8');
    const text = await answer.text();
    // Each format with its own media type (the summary is Markdown, not bytes).
    const summary = await fetch(`${url}/work?profile=summary`);
    assert.equal(summary.headers.get('content-type'), 'text/markdown; charset=utf-8');
    assert.match(await summary.text(), /^# /m);
    assert.match(text, /GET \/work -> 201 in [\d.]+ ms/);
    assert.match(text, /requestHandlerSpin/);
    assert.match(text, /requestAfterAwaitSpin/);
    const streamed = await fetch(`${url}/stream?profile=text`);
    assert.equal(streamed.status, 200);
    const streamText = await streamed.text();
    assert.match(streamText, /streamChunkSpin/);
    assert.doesNotMatch(streamText, /^chunk/m);
    // Without ?profile the stream is delivered as it is.
    assert.equal(await (await fetch(`${url}/stream`)).text(), 'chunk 1\nchunk 2\nchunk 3\nchunk 4\n');
  }));

  test(`${framework}: a request's report shows its own work; other requests' work on the thread is one line`, withServer({}, async (url) => {
    // An unprofiled request whose chunks take work, running while the profiled one works and awaits.
    const other = fetch(`${url}/stream`).then((response) => response.text());
    await sleep(10);
    const text = await (await fetch(`${url}/work?profile=text`)).text();
    assert.equal(await other, 'chunk 1\nchunk 2\nchunk 3\nchunk 4\n');
    assert.match(text, /requestHandlerSpin/);
    assert.match(text, /requestAfterAwaitSpin/);
    assert.doesNotMatch(text, /streamChunkSpin/, 'the other request is not in the request\'s tree');
    assert.match(text, /^[\d.]+ \(other work on this thread\)$/m);
    assert.match(text, /note: [\d.]+ s \([\d.]+%\) of this thread's time went to work other than this request/);
    // The session keeps the other work's stacks, under its own root, and no trace of the tag in the labels.
    const session = await (await fetch(`${url}/stream?profile=session`)).json();
    assert.ok(!JSON.stringify(session.labels ?? {}).includes('nodeinstrument.request'));
  }));

  test(`${framework}: a failing handler's report carries its error status`, withServer({}, async (url) => {
    const response = await fetch(`${url}/fail?profile=text`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('x-nodeinstrument-response'), /^status=500; /);
    assert.match(await response.text(), /GET \/fail -> 500/);
  }));

  test(`${framework}: untrusted ?profile values get 400 with the reason and the handler does not run`, withServer({}, async (url) => {
    const before = ran.work;
    for (const [query, message] of [
      ['profile=exe', /\?profile takes no value \(the HTML report\) or a report format: text, session, .*; got 'exe'/],
      [`profile=${'%00'.repeat(3000)}`, /\?profile takes no value/],
      ['profile&profile=text', /\?profile was given 2 times; give it once/],
    ]) {
      const response = await fetch(`${url}/work?${query}`);
      assert.equal(response.status, 400, query.slice(0, 30));
      const text = await response.text();
      assert.match(text, message);
      assert.ok(text.length < 300, 'the value is not echoed at length');
      assert.doesNotMatch(text, /\u0000/);
    }
    assert.equal(ran.work, before);
  }));

  test(`${framework}: one profile at a time: a concurrent ?profile gets 409 with the reason, unrun`, withServer({}, async (url) => {
    const slowBefore = ran.slow;
    const workBefore = ran.work;
    const first = fetch(`${url}/slow?profile=text`);
    await sleep(150);
    const second = await fetch(`${url}/work?profile`);
    assert.equal(second.status, 409);
    assert.match(await second.text(), /^nodeinstrument: not profiled: another profile is being recorded in this process \(GET \/slow, started [\d.]+ s ago\)/);
    assert.equal(ran.work, workBefore, 'the refused request did not run');
    // Without ?profile the same request runs normally meanwhile.
    assert.equal((await fetch(`${url}/work`)).status, 201);
    const firstResponse = await first;
    assert.equal(firstResponse.status, 200);
    const report = await firstResponse.text();
    assert.match(report, /GET \/slow -> 200/);
    // Where it waited: its sleep(600) is [await] under slow, less what the thread did meanwhile
    // (the other requests' work, one line, and the profiler's own drains, left out).
    assert.match(report, /slow {2}\S+middleware-scenarios\.mjs:\d+\n.*\[await\]/);
    const seconds = (pattern) => [...report.matchAll(pattern)].reduce((sum, match) => sum + Number(match[1]), 0);
    const waited = seconds(/(\d+\.\d{3}) \[await\]/g);
    const busy = seconds(/^(\d+\.\d{3}) \(other work on this thread\)$/gm) + seconds(/own work on this thread \(its drains\), (\d+\.\d{3}) s/g);
    assert.ok(waited >= Math.min(0.3, 0.6 - busy - 0.15), `[await] ${waited} s of a 0.6 s sleep, the thread busy ${busy} s of it:\n${report}`);
    assert.doesNotMatch(report, /^\s*0\.[1-9]\d\d \(idle\)/m, 'the wait is not idle');
    assert.equal(ran.slow, slowBefore + 1);
    assert.equal((await fetch(`${url}/work?profile`)).status, 200, 'free again');
  }));

  test(`${framework}: a client that goes away mid-request frees the profiler`, withServer({}, async (url) => {
    const abort = new AbortController();
    const gone = fetch(`${url}/slow?profile`, { signal: abort.signal }).catch((error) => error);
    await sleep(100);
    abort.abort();
    await gone;
    await sleep(50);
    assert.equal((await fetch(`${url}/work?profile=text`)).status, 200);
  }));

  test(`${framework}: awaits: false leaves the request's waiting time to what the thread did meanwhile`, withServer({ awaits: false }, async (url) => {
    const text = await (await fetch(`${url}/work?profile=text`)).text();
    assert.match(text, /requestAfterAwaitSpin/);
    assert.doesNotMatch(text, /\[await\]/);
    // Idle, as a rule; on a loaded machine a collection of the test process's heap can take the
    // 30 ms (seen on Node 24 under the whole suite: 0.086 s of (garbage collection) there), and
    // then the wait is that, shown as the thread's other work.
    assert.match(text, /\(idle\)|\(other work on this thread\)/);
  }));

  test(`${framework}: callers that allow() refuses are served as if there were no ?profile`, withServer({ allow: () => false }, async (url) => {
    const response = await fetch(`${url}/work?profile`);
    assert.equal(response.status, 201);
    assert.equal(await response.text(), '{"ok":true}');
  }));

  test(`${framework}: the query parameter's name is configurable`, withServer({ query: '__prof' }, async (url) => {
    assert.equal((await fetch(`${url}/work?profile`)).status, 201);
    assert.equal((await fetch(`${url}/work?__prof=text`)).status, 200);
  }));

  const dir = mkdtempSync(join(tmpdir(), `nodeinstrument-${framework}-`));
  test(`${framework}: record mode writes one report per request, named by route and duration, responses untouched`, withServer({ record: { dir } }, async (url) => {
    assert.equal(await (await fetch(`${url}/users/42`)).text(), 'user 42');
    assert.equal(await (await fetch(`${url}/users/7`)).text(), 'user 7');
    assert.equal((await fetch(`${url}/work`)).status, 201);
    const names = await waitForFiles(dir, 3);
    const pattern = new RegExp(`^\\d{8}T\\d{6}\\.\\d{3}Z-GET-(${userRoute}|work)-\\d+ms(-\\d+)?\\.html$`);
    for (const name of names) assert.match(name, pattern);
    assert.equal(names.filter((name) => new RegExp(`-GET-${userRoute}-`).test(name)).length, 2, names.join());
    const workReport = names.find((name) => name.includes('-GET-work-'));
    const duration = Number(/-(\d+)ms/.exec(workReport)[1]);
    assert.ok(duration >= 140, workReport);
    const page = readFileSync(join(dir, workReport), 'utf8');
    assert.ok(page.includes('requestAfterAwaitSpin'));
  }));

  const none = mkdtempSync(join(tmpdir(), `nodeinstrument-${framework}-`));
  test(`${framework}: record mode with sample 0 writes nothing`, withServer({ record: { dir: none, sample: 0, format: 'session' } }, async (url) => {
    assert.equal((await fetch(`${url}/work`)).status, 201);
    await sleep(200);
    assert.deepEqual(readdirSync(none), []);
  }));
}

/**
 * A server-sent events route in plain node:http terms (Express's res is the
 * same object): an event every 20 ms, never ending; `events.open` counts the
 * streams whose response has not closed.
 */
export function serverSentEvents(events) {
  return (request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    events.open++;
    let n = 0;
    const timer = setInterval(() => response.write(`data: ${n++}\n\n`), 20);
    response.on('close', () => {
      clearInterval(timer);
      events.open--;
    });
  };
}

/**
 * The same events as a body stream that never ends (Koa's ctx.body, Fastify's
 * reply.send(stream)); `onClose(cleanUp)` hooks the framework's response close.
 */
export function serverSentEventStream(events, onClose) {
  const stream = new PassThrough();
  events.open++;
  let n = 0;
  const timer = setInterval(() => stream.write(`data: ${n++}\n\n`), 20);
  onClose(() => {
    clearInterval(timer);
    events.open--;
  });
  return stream;
}

/**
 * `?profile` on a never-ending response: the report comes after maxSeconds
 * (0.5 here), says the response had not ended, and the handler sees its
 * response close (it stops writing, and nothing fails).
 */
export async function checkReportOfEndlessResponse(url, events) {
  const started = performance.now();
  const response = await fetch(`${url}/events?profile=text`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  assert.ok(performance.now() - started < 5_000, 'the report came soon after maxSeconds');
  assert.match(response.headers.get('content-type'), /^text\/plain/);
  assert.match(response.headers.get('x-nodeinstrument-response'), /^status=200; duration_ms=\d+\.\d; unfinished$/);
  assert.match(text, /profiling stopped after 0\.5 s \(maxSeconds\); the response had not ended/);
  assert.match(text, /GET \/events -> 200 in \d+\.\d ms and still going/);
  assert.doesNotMatch(text, /^data: /m, 'the held-back events are not in the report');
  await sleep(100);
  assert.equal(events.open, 0, 'the handler saw its response close');
}

/** Recording (no ?profile): a never-ending response's file is written after maxSeconds, while it still streams. */
export async function checkRecordingOfEndlessResponse(url, dir) {
  const controller = new AbortController();
  const response = await fetch(`${url}/events`, { signal: controller.signal });
  const reader = response.body.getReader();
  try {
    assert.equal(response.status, 200);
    for (let waited = 0; readdirSync(dir).length === 0; waited += 50) {
      assert.ok(waited < 5_000, 'a recording was written within 5 s');
      await sleep(50);
    }
    const [file] = readdirSync(dir);
    const report = readFileSync(join(dir, file), 'utf8');
    assert.match(report, /profiling stopped after 0\.5 s \(maxSeconds\); the response had not ended/);
    assert.match((await reader.read()).value ? 'streaming' : 'ended', /streaming/, 'the events still flow to the client');
  } finally {
    controller.abort();
  }
}
