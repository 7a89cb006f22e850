/**
 * Express (4 and 5) and connect: `app.use(expressProfiling(options))`, before
 * the routes. Recorded file names use the matched route (`/users/:id`).
 */
import { IncomingMessage } from 'node:http';
import { RequestProfilingOptions } from './core';
import { ConnectMiddleware, connectProfiling } from './node-http';

/** The fields Express adds to a request that name its route. */
interface ExpressRequest extends IncomingMessage {
  baseUrl?: string;
  originalUrl?: string;
  route?: { path?: unknown };
}

function expressRoute(request: IncomingMessage): string {
  const { baseUrl = '', route, originalUrl, url } = request as ExpressRequest;
  if (route && route.path !== undefined) return `${baseUrl}${String(route.path)}`;
  const full = originalUrl ?? url ?? '/';
  return full.split('?')[0]!;
}

export function expressProfiling(options: RequestProfilingOptions = {}): ConnectMiddleware {
  return connectProfiling(options, expressRoute);
}
