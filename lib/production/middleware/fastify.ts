/**
 * Fastify (4 and 5): `await app.register(fastifyProfiling, options)`, before
 * the routes. It applies to the whole application (it does not stay inside
 * the plugin's encapsulation context, like plugins wrapped in fastify-plugin).
 * The profile of a `?profile` request runs until the reply is sent (onSend),
 * including a streamed payload read to its end; recordings run until the
 * response is finished. Recorded file names use the route's URL pattern.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { FinishedRequest, pathOf, RequestProfile, RequestProfiling, RequestProfilingOptions } from './core';
import { destroyStream, discardOnClose, followRecording } from './response';
import { tagRequest } from './request-work';

/** The parts of Fastify's request, reply and instance this plugin uses. */
export interface FastifyRequestLike {
  raw: IncomingMessage;
  method: string;
  url: string;
  routeOptions?: { url?: string };
}

export interface FastifyReplyLike {
  raw: ServerResponse;
  statusCode: number;
  code(status: number): FastifyReplyLike;
  headers(headers: Record<string, string>): FastifyReplyLike;
  getHeaders(): Record<string, unknown>;
  removeHeader(name: string): FastifyReplyLike;
  send(payload?: unknown): FastifyReplyLike;
}

export interface FastifyInstanceLike {
  addHook(name: string, hook: (...args: never[]) => unknown): unknown;
}

interface ReportState {
  profile: RequestProfile;
  format: string;
  stopWatching: () => void;
}

function finished(request: FastifyRequestLike, durationMs: number, status: number): FinishedRequest {
  return { method: request.method, route: request.routeOptions?.url ?? pathOf(request.url), path: pathOf(request.url), status, durationMs };
}

async function drainPayload(payload: unknown): Promise<void> {
  const stream = payload as { pipe?: unknown; [Symbol.asyncIterator]?: unknown } | null;
  if (stream && typeof stream.pipe === 'function' && typeof stream[Symbol.asyncIterator] === 'function') {
    for await (const chunk of stream as AsyncIterable<unknown>) void chunk;
  }
}

export function fastifyProfiling(fastify: FastifyInstanceLike, options: RequestProfilingOptions, done: (error?: Error) => void): void {
  let profiling: RequestProfiling;
  try {
    profiling = new RequestProfiling(options);
  } catch (error) {
    done(error as Error);
    return;
  }
  const reports = new WeakMap<FastifyRequestLike, ReportState>();

  fastify.addHook('onRequest', (request: FastifyRequestLike, reply: FastifyReplyLike, next: () => void) => {
    const decision = profiling.decide(request.raw);
    switch (decision.action) {
      case 'pass':
        next();
        return;
      case 'reject':
        reply.code(decision.status).headers({ 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...decision.headers }).send(decision.message);
        return;
      case 'record':
        followRecording(profiling, decision.profile, reply.raw, (durationMs) => finished(request, durationMs, reply.raw.statusCode));
        tagRequest(next);
        return;
      case 'report':
        reports.set(request, { profile: decision.profile, format: decision.format, stopWatching: discardOnClose(decision.profile, reply.raw) });
        tagRequest(next);
        return;
    }
  });

  fastify.addHook('onSend', async (request: FastifyRequestLike, reply: FastifyReplyLike, payload: unknown) => {
    const state = reports.get(request);
    if (!state) return payload;
    reports.delete(request);
    state.stopWatching();
    // A payload stream that never ends (server-sent events) is answered with the report after maxSeconds.
    const outcome = await Promise.race([drainPayload(payload).then(() => 'drained' as const), state.profile.cutShort()]);
    const unfinished = outcome === 'cut short';
    if (unfinished) destroyStream(payload);
    const durationMs = state.profile.elapsedMs;
    const described = { ...finished(request, durationMs, reply.statusCode), ...(unfinished ? { unfinished: true as const } : {}) };
    const answer = profiling.reportResponse(state.profile.finish(), state.format, described);
    for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
    // Fastify sets Content-Length from the payload it is given.
    const { 'Content-Length': _length, ...headers } = answer.headers;
    reply.code(answer.status).headers(headers);
    return typeof answer.body === 'string' ? answer.body : Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength);
  });

  done();
}

// What fastify-plugin does: the hooks apply to the whole application, not only inside the plugin's context.
Object.assign(fastifyProfiling, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'nodeinstrument',
  [Symbol.for('plugin-meta')]: { name: 'nodeinstrument', fastify: '>=4' },
});
