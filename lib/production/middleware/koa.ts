/**
 * Koa: `app.use(koaProfiling(options))`, first in the chain. The profile runs
 * until the downstream middleware is done and a streamed body has been read
 * to its end. Recorded file names use @koa/router's matched route when there is one.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { FinishedRequest, pathOf, RequestProfile, RequestProfiling, RequestProfilingOptions } from './core';
import { destroyStream, discardOnClose, followRecording } from './response';
import { tagRequest } from './request-work';

/** The part of Koa's context this middleware uses. */
export interface KoaContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  originalUrl: string;
  path: string;
  status: number;
  body: unknown;
  respond?: boolean;
  set(headers: Record<string, string>): void;
  app: { emit(event: string, ...args: unknown[]): boolean };
  /** Set by @koa/router. */
  _matchedRoute?: string;
}

export type KoaMiddleware = (ctx: KoaContext, next: () => Promise<unknown>) => Promise<void>;

/** Reads a streamed body to its end (the work that produces it is part of the request). */
async function drainBody(body: unknown): Promise<void> {
  const stream = body as { pipe?: unknown; getReader?: unknown; [Symbol.asyncIterator]?: unknown } | null;
  if (stream && (typeof stream.pipe === 'function' || typeof stream.getReader === 'function') && typeof stream[Symbol.asyncIterator] === 'function') {
    for await (const chunk of stream as AsyncIterable<unknown>) void chunk;
  }
}

function finished(ctx: KoaContext, durationMs: number, status: number): FinishedRequest {
  return { method: ctx.method, route: ctx._matchedRoute ?? ctx.path, path: pathOf(ctx.originalUrl), status, durationMs };
}

/** Runs the rest of the chain and reads a streamed body to its end; resolves with the status (errors go to app.on('error')). */
async function runHandler(ctx: KoaContext, next: () => Promise<unknown>, cut: () => boolean): Promise<number> {
  try {
    await next();
    if (cut()) return ctx.status; // answered already: a body set now is not read
    await drainBody(ctx.body);
    return ctx.status;
  } catch (error) {
    if (cut()) return ctx.status; // the body stream was destroyed for the report
    // The report is the answer; the error still goes where Koa sends errors (app.on('error')).
    const { status: errorStatus, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown };
    ctx.app.emit('error', error, ctx);
    return typeof errorStatus === 'number' ? errorStatus : typeof statusCode === 'number' ? statusCode : 500;
  }
}

async function report(profiling: RequestProfiling, profile: RequestProfile, format: string, ctx: KoaContext, next: () => Promise<unknown>): Promise<void> {
  const stopWatching = discardOnClose(profile, ctx.res);
  let cut = false;
  // A body that never ends (server-sent events) is answered with the report after maxSeconds.
  const cutShort = profile.cutShort().then(() => {
    cut = true;
    destroyStream(ctx.body);
    return ctx.status;
  });
  // The handler, and reading a streamed body it set, are the request's work (request-work.ts).
  const status = await Promise.race([tagRequest(() => runHandler(ctx, next, () => cut)), cutShort]);
  stopWatching();
  const durationMs = profile.elapsedMs;
  const session = profile.finish();
  if (ctx.respond === false || ctx.res.headersSent) return; // the handler answered on the raw response itself
  const answer = profiling.reportResponse(session, format, { ...finished(ctx, durationMs, status), ...(cut ? { unfinished: true as const } : {}) });
  for (const name of ctx.res.getHeaderNames()) ctx.res.removeHeader(name);
  ctx.status = answer.status;
  ctx.body = typeof answer.body === 'string' ? answer.body : Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength);
  ctx.set(answer.headers);
}

export function koaProfiling(options: RequestProfilingOptions = {}): KoaMiddleware {
  const profiling = new RequestProfiling(options);
  return async (ctx, next) => {
    const decision = profiling.decide(ctx.req);
    switch (decision.action) {
      case 'pass':
        await next();
        return;
      case 'reject':
        ctx.status = decision.status;
        ctx.body = decision.message;
        ctx.set({ 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...decision.headers });
        return;
      case 'record':
        followRecording(profiling, decision.profile, ctx.res, (durationMs) => finished(ctx, durationMs, ctx.res.statusCode));
        await tagRequest(next);
        return;
      case 'report':
        await report(profiling, decision.profile, decision.format, ctx, next);
        return;
    }
  };
}
