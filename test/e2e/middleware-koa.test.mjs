// koaProfiling with the real Koa (a devDependency).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { app as routes, checkReportOfEndlessResponse, middlewareScenarios, serverSentEventStream } from '../middleware-scenarios.mjs';

const require = createRequire(import.meta.url);
const Koa = require('koa');
const { koaProfiling } = require('../../dist/cjs/index.js');

middlewareScenarios('koa', {
  // Without @koa/router the route is the path; with it, _matchedRoute (as set below for /users/:id).
  userRoute: 'users_id',
  async start(options) {
    const app = new Koa();
    app.silent = true; // no error stacks on stderr from /fail
    app.use(koaProfiling(options));
    app.use(async (ctx) => {
      const user = /^\/users\/(\w+)$/.exec(ctx.path);
      let result;
      if (user) {
        ctx._matchedRoute = '/users/:id'; // what @koa/router sets
        result = routes.user(user[1]);
      } else if (ctx.path === '/work') result = await routes.work();
      else if (ctx.path === '/slow') result = await routes.slow();
      else if (ctx.path === '/stream') result = routes.stream();
      else if (ctx.path === '/fail') result = await routes.fail();
      else return;
      ctx.status = result.status;
      ctx.set(result.headers);
      ctx.body = result.body;
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return {
      url: `http://127.0.0.1:${server.address().port}`,
      close: () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); }),
    };
  },
});

test('koa: ?profile on a server-sent events body that never ends answers with the report after maxSeconds', async () => {
  const events = { open: 0 };
  const app = new Koa();
  app.use(koaProfiling({ maxSeconds: 0.5 }));
  app.use(async (ctx) => {
    ctx.set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    ctx.status = 200;
    ctx.body = serverSentEventStream(events, (cleanUp) => ctx.res.on('close', cleanUp));
  });
  const errors = [];
  app.on('error', (error) => errors.push(error));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    await checkReportOfEndlessResponse(`http://127.0.0.1:${server.address().port}`, events);
    assert.deepEqual(errors, [], 'destroying the event stream is no application error');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
