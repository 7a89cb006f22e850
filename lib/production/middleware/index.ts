/** Per-request profiling for web frameworks: `?profile` answers with the request's report; optional recording to a directory. */
export type { RequestProfilingOptions, RecordOptions, FinishedRequest } from './core';
export { httpProfiling } from './node-http';
export { expressProfiling } from './express';
export { koaProfiling } from './koa';
export { fastifyProfiling } from './fastify';
