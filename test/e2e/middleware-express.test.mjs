// expressProfiling with the real Express (a devDependency).
import { test } from 'node:test';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { root, runNode } from '../helpers.mjs';
import { app as routes, checkReportOfEndlessResponse, middlewareScenarios, serverSentEvents } from '../middleware-scenarios.mjs';

const require = createRequire(import.meta.url);
const express = require('express');
const { expressProfiling } = require('../../dist/cjs/index.js');

function send(res, result) {
  res.status(result.status).set(result.headers);
  if (typeof result.body.pipe === 'function') result.body.pipe(res);
  else res.send(result.body);
}

middlewareScenarios('express', {
  userRoute: 'users_id',
  async start(options) {
    const app = express();
    app.set('env', 'test'); // no error stacks on stderr from /fail
    app.use(expressProfiling(options));
    app.get('/work', async (req, res) => send(res, await routes.work()));
    app.get('/slow', async (req, res) => send(res, await routes.slow()));
    app.get('/stream', (req, res) => send(res, routes.stream()));
    app.get('/fail', async () => routes.fail()); // Express 5 passes the rejection to its error handler
    app.get('/users/:id', (req, res) => send(res, routes.user(req.params.id)));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return {
      url: `http://127.0.0.1:${server.address().port}`,
      close: () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); }),
    };
  },
});

test('express: ?profile on a server-sent events route that never ends answers with the report after maxSeconds', async () => {
  const events = { open: 0 };
  const app = express();
  app.use(expressProfiling({ maxSeconds: 0.5 }));
  app.get('/events', serverSentEvents(events));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    await checkReportOfEndlessResponse(`http://127.0.0.1:${server.address().port}`, events);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('the README example (examples/request-profile.js): the search waits at loadDocuments; the logins are one line', () => {
  const result = runNode([join(root, 'examples', 'request-profile.js')]);
  assert.equal(result.status, 0, result.stderr);
  const report = result.stdout;
  assert.match(report, /GET \/search -> 200/);
  // [await] is loadDocuments' largest child; a sample of its work after the wait can be a
  // sibling, so the branch may be ├─ as well as └─.
  assert.match(report, /loadDocuments {2}examples\/request-profile\.js:13\n[ │]*[├└]─ \d\.\d{3} \[await\]/);
  assert.match(report, /^\d\.\d{3} \(other work on this thread\)$/m);
  assert.match(report, /rankResults {2}examples\/request-profile\.js:18/);
  assert.doesNotMatch(report, /hashPassword/, "the logins' work is the one line");
});
