// fastifyProfiling with the real Fastify (a devDependency).
import { test } from 'node:test';
import { createRequire } from 'node:module';
import { app as routes, checkReportOfEndlessResponse, middlewareScenarios, serverSentEventStream } from '../middleware-scenarios.mjs';

const require = createRequire(import.meta.url);
const Fastify = require('fastify');
const { fastifyProfiling } = require('../../dist/cjs/index.js');

function send(reply, result) {
  return reply.code(result.status).headers(result.headers).send(result.body);
}

middlewareScenarios('fastify', {
  userRoute: 'users_id',
  async start(options) {
    const app = Fastify();
    await app.register(fastifyProfiling, options);
    // Routes in an encapsulated child context: the plugin still applies (it is not encapsulated).
    await app.register(async (child) => {
      child.get('/work', async (request, reply) => send(reply, await routes.work()));
      child.get('/slow', async (request, reply) => send(reply, await routes.slow()));
      child.get('/stream', (request, reply) => send(reply, routes.stream()));
      child.get('/fail', async () => routes.fail());
      child.get('/users/:id', (request, reply) => send(reply, routes.user(request.params.id)));
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return {
      url: `http://127.0.0.1:${app.server.address().port}`,
      close: () => { app.server.closeAllConnections(); return app.close(); },
    };
  },
});

test('fastify: ?profile on a server-sent events stream that never ends answers with the report after maxSeconds', async () => {
  const events = { open: 0 };
  const app = Fastify();
  await app.register(fastifyProfiling, { maxSeconds: 0.5 });
  app.get('/events', (request, reply) => {
    const stream = serverSentEventStream(events, (cleanUp) => reply.raw.on('close', cleanUp));
    return reply.code(200).headers({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }).send(stream);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    await checkReportOfEndlessResponse(`http://127.0.0.1:${app.server.address().port}`, events);
  } finally {
    app.server.closeAllConnections();
    await app.close();
  }
});
