// Request profiling for plain node:http (httpProfiling), and the shared core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { app, checkRecordingOfEndlessResponse, checkReportOfEndlessResponse, middlewareScenarios, serverSentEvents } from '../middleware-scenarios.mjs';

const require = createRequire(import.meta.url);
const { httpProfiling, startPprofServer } = require('../../dist/cjs/index.js');
const core = require('../internals.cjs');

async function handler(request, response) {
  const path = request.url.split('?')[0];
  const user = /^\/users\/(\w+)$/.exec(path);
  let result;
  try {
    if (user) result = app.user(user[1]);
    else if (path === '/work') result = await app.work();
    else if (path === '/slow') result = await app.slow();
    else if (path === '/stream') result = app.stream();
    else if (path === '/fail') result = await app.fail();
    else result = { status: 404, body: 'not found', headers: {} };
  } catch (error) {
    result = { status: 500, body: error.message, headers: { 'content-type': 'text/plain' } };
  }
  if (typeof result.body.pipe === 'function') {
    response.writeHead(result.status, result.headers);
    result.body.pipe(response);
  } else {
    response.statusCode = result.status;
    for (const [name, value] of Object.entries(result.headers)) response.setHeader(name, value);
    response.write(result.body.slice(0, 3));
    response.end(result.body.slice(3));
  }
}

middlewareScenarios('node:http', {
  userRoute: 'users_\\d+',
  async start(options) {
    const server = createServer(httpProfiling(handler, options));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return {
      url: `http://127.0.0.1:${server.address().port}`,
      close: () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); }),
    };
  },
});

test('maxSeconds: a slow request frees the profiler after it, and its report says so', async () => {
  const server = createServer(httpProfiling(handler, { maxSeconds: 0.2 }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${server.address().port}`;
  try {
    const slow = fetch(`${url}/slow?profile=text`); // 600 ms
    await new Promise((resolve) => setTimeout(resolve, 350));
    const meanwhile = await fetch(`${url}/work?profile=text`);
    assert.equal(meanwhile.status, 200, 'the profiler was free again after 0.2 s');
    const text = await (await slow).text();
    assert.match(text, /profiling stopped after 0\.2 s \(maxSeconds\); the response had not ended/);
    assert.match(text, /GET \/slow -> 200 in \d+\.\d ms and still going/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('maxSeconds: ?profile on a server-sent events response that never ends answers with the report after maxSeconds', async () => {
  const events = { open: 0 };
  const server = createServer(httpProfiling(serverSentEvents(events), { maxSeconds: 0.5 }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    await checkReportOfEndlessResponse(`http://127.0.0.1:${server.address().port}`, events);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('maxSeconds: a recorded server-sent events response has its file written after maxSeconds, while it streams on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ni-sse-'));
  const server = createServer(httpProfiling(serverSentEvents({ open: 0 }), { maxSeconds: 0.5, record: { dir, format: 'text' } }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    await checkRecordingOfEndlessResponse(`http://127.0.0.1:${server.address().port}`, dir);
  } finally {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one slot for every on-demand capture: ?profile during a pprof endpoint capture gets 409 with Retry-After', async () => {
  const pprof = await startPprofServer({ port: 0 });
  const server = createServer(httpProfiling(handler));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const capture = fetch(`${pprof.url}/profile?seconds=1.5`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = await fetch(`http://127.0.0.1:${server.address().port}/work?profile`);
    assert.equal(refused.status, 409);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.match(await refused.text(), /another profile is being recorded in this process \(GET \/debug\/pprof\/profile\?seconds=1\.5, /);
    assert.equal((await capture).status, 200);
  } finally {
    server.closeAllConnections();
    server.close();
    await pprof.close();
  }
});

test('options are checked when the middleware is made', () => {
  assert.throws(() => httpProfiling(handler, { query: 'a b' }), /query must be a parameter name/);
  assert.throws(() => httpProfiling(handler, { allow: true }), /allow must be a function/);
  assert.throws(() => httpProfiling(handler, { maxSeconds: -1 }), /maxSeconds must be above 0/);
  assert.throws(() => httpProfiling(handler, { record: {} }), /record.dir must name a directory/);
  assert.throws(() => httpProfiling(handler, { record: { dir: '/tmp', sample: 2 } }), /record.sample must be a fraction from 0 to 1, got 2/);
  assert.throws(() => httpProfiling(handler, { record: { dir: '/tmp', format: 'exe' } }), /record.format must be one of/);
  assert.throws(() => httpProfiling(handler, { record: { dir: '/tmp', filename: '../x' } }), /record.filename must be a file name/);
  assert.throws(() => httpProfiling(handler, { record: { dir: '/tmp', filename: '{when}' } }), /unknown placeholder \{when\}/);
});

test('the default allow() accepts loopback peers only, and no request relayed by a proxy', () => {
  const from = (remoteAddress, headers = {}) => ({ socket: { remoteAddress }, headers });
  for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.1.2.3']) assert.equal(core.isLoopbackRequest(from(address)), true, address);
  for (const address of ['10.0.0.1', '::ffff:10.0.0.1', '192.168.1.1', '2001:db8::1', undefined]) assert.equal(core.isLoopbackRequest(from(address)), false, String(address));
  // Relayed by a proxy on this machine: the socket is local, the client is not.
  for (const header of ['forwarded', 'x-forwarded-for', 'x-real-ip']) {
    assert.equal(core.isLoopbackRequest(from('127.0.0.1', { [header]: '203.0.113.9' })), false, header);
  }
});

test('file name parts from routes cannot leave the directory or hide the file', () => {
  assert.equal(core.fileNamePart('/users/:id'), 'users_id');
  assert.equal(core.fileNamePart('/'), 'root');
  assert.equal(core.fileNamePart('/../../etc/passwd'), 'etc_passwd');
  assert.equal(core.fileNamePart('..'), 'root');
  assert.equal(core.fileNamePart('/a\u0000b\nc'), 'a_b_c');
  assert.equal(core.fileNamePart('x'.repeat(500)).length, 80);
});
