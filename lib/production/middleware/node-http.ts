/**
 * Request profiling for node:http, and the connect-style middleware that
 * Express (lib/production/middleware/express.ts) builds on:
 *
 *   http.createServer(httpProfiling(handler, { record: { dir: 'profiles', sample: 0.01 } }))
 *
 * `?profile` answers with the request's report instead of the handler's
 * output, which is held back; the profile runs from the request's arrival
 * until the handler ends the response, so async work in between is in it.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { FinishedRequest, pathOf, ReportResponse, RequestProfiling, RequestProfilingOptions } from './core';
import { tagRequest } from './request-work';
import { discardOnClose, followRecording, HeldResponse, holdResponse } from './response';

export type HttpHandler = (request: IncomingMessage, response: ServerResponse) => unknown;
export type ConnectMiddleware = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void;

/** The route of a finished request, for file names: framework-specific. */
export type RouteOf = (request: IncomingMessage) => string;

const pathRoute: RouteOf = (request) => pathOf(request.url ?? '/');

/** A connect-style middleware (req, res, next): the base of the node:http and Express integrations. */
export function connectProfiling(options: RequestProfilingOptions = {}, routeOf: RouteOf = pathRoute): ConnectMiddleware {
  const profiling = new RequestProfiling(options);
  return (request, response, next) => {
    const decision = profiling.decide(request);
    const describe = (durationMs: number, status: number): FinishedRequest => ({
      method: request.method ?? 'GET',
      route: routeOf(request),
      path: pathOf((request as { originalUrl?: string }).originalUrl ?? request.url ?? '/'),
      status,
      durationMs,
    });
    switch (decision.action) {
      case 'pass':
        next();
        return;
      case 'reject':
        response.writeHead(decision.status, {
          'Content-Type': 'text/plain; charset=utf-8',
          'Cache-Control': 'no-store',
          ...decision.headers,
        });
        response.end(decision.message);
        return;
      case 'record':
        followRecording(profiling, decision.profile, response, (durationMs) => describe(durationMs, response.statusCode));
        tagRequest(next);
        return;
      case 'report': {
        const { profile, format } = decision;
        const stopWatching = discardOnClose(profile, response);
        const answer = (held: HeldResponse, unfinished: boolean): ReportResponse => {
          stopWatching();
          const durationMs = profile.elapsedMs;
          try {
            return profiling.reportResponse(profile.finish(), format, { ...describe(durationMs, held.status), ...(unfinished ? { unfinished } : {}) });
          } catch (error) {
            const message = `nodeinstrument: cannot render the report: ${(error as Error).message}\n`;
            return { status: 500, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: message };
          }
        };
        const held = holdResponse(response, (ended) => {
          const { status, headers, body } = answer(ended, false);
          ended.replace(status, headers, body);
        });
        // A response that has not ended by maxSeconds (server-sent events) is answered with the report then.
        profile.whenCutShort(() => {
          const { status, headers, body } = answer(held, true);
          held.cutShort(status, headers, body);
        });
        tagRequest(next);
        return;
      }
    }
  };
}

/** Wraps a node:http request handler. */
export function httpProfiling(handler: HttpHandler, options: RequestProfilingOptions = {}): (request: IncomingMessage, response: ServerResponse) => void {
  const middleware = connectProfiling(options);
  return (request, response) => middleware(request, response, () => handler(request, response));
}
