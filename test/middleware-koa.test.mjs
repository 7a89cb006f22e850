// koaProfiling with the real Koa (a devDependency).
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { app as routes, middlewareScenarios } from './middleware-scenarios.mjs';

const require = createRequire(import.meta.url);
const Koa = require('koa');
const { koaProfiling } = require('../dist/cjs/index.js');

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
