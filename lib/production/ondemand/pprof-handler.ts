/**
 * An HTTP handler for node:http that speaks Go's net/http/pprof protocol, so
 * `go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=5` profiles
 * a Node service:
 *
 *   GET {prefix}/                      the index: what is served, as text
 *   GET {prefix}/profile?seconds=N     records N seconds (default 30), answers with gzipped pprof
 *                       &format=NAME   or any other report format (html, text, speedscope, ...)
 *                       &mode=cpu      CPU time only (default: the server's mode, wall unless set)
 *   GET {prefix}/heap?seconds=N        V8's sampling heap profiler for N seconds: what was
 *                                      allocated then and is still live at the end (inuse_space)
 *   GET {prefix}/allocs?seconds=N      the same, every sampled allocation (alloc_space)
 *
 * Errors are text/plain with `X-Go-Pprof: 1`, which makes `go tool pprof`
 * print their message instead of only the status line.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { ProfilerOptions, resolveProfilerOptions } from '../../options';
import { escapeLines } from '../../util/escape';
import { packageVersion } from '../../util/version';
import { beginCapture, Capture, CaptureBusyError } from './capture';
import { checkFormat, FORMAT_NAMES, renderReport } from './report-output';
import { checkToken, requestHasToken } from './token';
import { watchCodeForCaptures } from '../../symbolize/code-watcher';

export interface PprofHandlerOptions extends ProfilerOptions {
  /** Required as `Authorization: Bearer <token>` (or as the Basic auth password) when set. */
  token?: string;
  /** Seconds recorded when the request gives none (default 30, as Go's). */
  defaultSeconds?: number;
  /** Longest capture a request may ask for, seconds (default 300). */
  maxSeconds?: number;
  /** Path the endpoints live under (default '/debug/pprof'). */
  prefix?: string;
  /** Aborting it ends captures in flight with 503 (startPprofServer's close() uses it). */
  abortSignal?: AbortSignal;
}

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

interface HandlerConfig {
  token: string | undefined;
  defaultSeconds: number;
  maxSeconds: number;
  prefix: string;
  /** The time profile's options (/profile). */
  profiler: ProfilerOptions;
  /** The allocation profile's (/heap, /allocs: alloc mode, live for /heap). */
  allocation: ProfilerOptions;
  /** Mean bytes between the allocations V8 samples, as resolved. */
  allocationInterval: number;
  abortSignal: AbortSignal | undefined;
}

/** What each capture path records. */
const CAPTURES = {
  profile: 'a time profile',
  heap: 'the objects allocated during the capture and still live at its end',
  allocs: 'every sampled allocation during the capture',
} as const;
type CaptureKind = keyof typeof CAPTURES;

/** Upper bound of maxSeconds: an hour of samples is what one report is sized for. */
const MAX_SECONDS_LIMIT = 3600;

function resolveConfig(options: PprofHandlerOptions): HandlerConfig {
  const maxSeconds = options.maxSeconds ?? 300;
  if (typeof maxSeconds !== 'number' || !(maxSeconds > 0 && maxSeconds <= MAX_SECONDS_LIMIT)) {
    throw new RangeError(`maxSeconds must be a number of seconds above 0 and at most ${MAX_SECONDS_LIMIT}, got ${String(maxSeconds)}`);
  }
  const defaultSeconds = options.defaultSeconds ?? Math.min(30, maxSeconds);
  if (typeof defaultSeconds !== 'number' || !(defaultSeconds > 0 && defaultSeconds <= maxSeconds)) {
    throw new RangeError(`defaultSeconds must be above 0 and at most maxSeconds (${maxSeconds}), got ${String(defaultSeconds)}`);
  }
  const prefix = (options.prefix ?? '/debug/pprof').replace(/\/+$/, '');
  if (prefix !== '' && !/^\/[\w\-./]*$/.test(prefix)) {
    throw new RangeError(`prefix must be a URL path starting with '/', got '${options.prefix}'`);
  }
  const { interval, maxStackDepth, signal: samplingSignal, inlinedFrames, mode } = options;
  if (mode === 'alloc') {
    throw new RangeError("mode must be 'wall' or 'cpu' for the pprof endpoint's /profile (a time profile), got 'alloc'");
  }
  const profiler: ProfilerOptions = { interval, maxStackDepth, signal: samplingSignal, inlinedFrames, mode };
  const allocation: ProfilerOptions = { mode: 'alloc', allocationInterval: options.allocationInterval };
  // Checked now, at setup: an option that cannot work must not wait for the first scrape to fail.
  resolveProfilerOptions(profiler);
  const { allocationInterval } = resolveProfilerOptions(allocation);
  return {
    token: checkToken(options.token),
    defaultSeconds,
    maxSeconds,
    prefix,
    profiler,
    allocation,
    allocationInterval,
    abortSignal: options.abortSignal,
  };
}

/**
 * The `seconds` query parameter: a plain decimal number (no sign, exponent or
 * unit), above 0 and at most `maxSeconds`. Returns the seconds or an error message.
 */
export function parseSecondsParam(text: string, maxSeconds: number): number | string {
  if (!/^(\d{1,6}(\.\d{1,6})?)$/.test(text)) {
    return `seconds must be a plain number of seconds, such as 5 or 0.5, at most ${maxSeconds}; got '${text.slice(0, 40)}'`;
  }
  const seconds = Number(text);
  if (!(seconds > 0) || seconds > maxSeconds) {
    return `seconds must be above 0 and at most ${maxSeconds}; got ${text}`;
  }
  return seconds;
}

function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    // go tool pprof prints the body of errors marked so.
    ...(status >= 400 ? { 'X-Go-Pprof': '1' } : {}),
    ...headers,
  });
  // Errors quote query parameters; go tool pprof and curl print the body on a terminal.
  const body = escapeLines(text);
  response.end(body.endsWith('\n') ? body : `${body}\n`);
}

function indexText(config: HandlerConfig): string {
  const base = config.prefix;
  return [
    `nodeinstrument ${packageVersion()} pprof endpoint (pid ${process.pid}, Node ${process.version})`,
    '',
    'Profiles:',
    `  ${base}/profile?seconds=N   ${config.profiler.mode === 'cpu' ? 'CPU-time' : 'wall-clock'} profile of the main JavaScript thread for N seconds`,
    `      (default ${config.defaultSeconds}, at most ${config.maxSeconds}); gzipped pprof with samples/count, wall/nanoseconds, cpu/nanoseconds`,
    `      &format=NAME             another report format: ${FORMAT_NAMES.join(', ')}`,
    `      &mode=cpu or &mode=wall  CPU time only, or wall-clock time (waiting included)`,
    `  ${base}/heap?seconds=N      V8's sampling heap profiler for N seconds (default ${config.defaultSeconds}): the objects allocated`,
    `      then that are still live at the end, by allocating stack: samples/count and inuse_space/bytes`,
    `  ${base}/allocs?seconds=N    the same, every sampled allocation: samples/count and alloc_space/bytes`,
    `      (both sample about every ${config.allocationInterval} bytes allocated; &format=NAME as above;`,
    `      objects allocated before the capture are not seen: V8 samples only while asked)`,
    '',
    'Not served (Go runtime profiles with no Node equivalent here): goroutine, block, mutex, threadcreate, trace.',
    'One capture at a time: a second request while one runs gets 409. Beside a running Profiler (continuous',
    'profiling), a capture is a copy of its recording, at its interval and mode.',
    '',
    'Use:',
    `  go tool pprof -top 'http://HOST:PORT${base}/profile?seconds=10'`,
    `  curl -o report.html 'http://HOST:PORT${base}/profile?seconds=10&format=html'`,
    '',
  ].join('\n');
}

/** The single-valued query parameter `name`, undefined when absent, or an error message when repeated. */
function singleParam(query: URLSearchParams, name: string): string | undefined | { error: string } {
  const values = query.getAll(name);
  if (values.length > 1) return { error: `${name} was given ${values.length} times; give it once` };
  return values[0];
}

export function pprofHandler(options: PprofHandlerOptions = {}): RequestHandler {
  const config = resolveConfig(options);
  watchCodeForCaptures();
  return (request, response) => {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://localhost');
    } catch {
      sendText(response, 400, 'nodeinstrument: malformed request URL');
      return;
    }
    if (config.token !== undefined && !requestHasToken(request, config.token)) {
      sendText(response, 401,
        'nodeinstrument: this pprof endpoint needs its token: send `Authorization: Bearer <token>`, ' +
          'or with go tool pprof put it in the URL as http://pprof:<token>@host:port/...', {
          'WWW-Authenticate': 'Bearer realm="nodeinstrument", Basic realm="nodeinstrument"',
        });
      return;
    }
    const path = url.pathname.replace(/\/+$/, '');
    const kind = captureKind(path, config.prefix);
    if (request.method !== 'GET' && (request.method !== 'HEAD' || kind !== undefined)) {
      sendText(response, 405, `nodeinstrument: ${request.method} is not supported here; use GET`, { Allow: kind !== undefined ? 'GET' : 'GET, HEAD' });
      return;
    }
    if (path === config.prefix) {
      sendText(response, 200, indexText(config));
      return;
    }
    if (kind !== undefined) {
      serveCapture(config, kind, url.searchParams, response);
      return;
    }
    sendText(response, 404, `nodeinstrument: ${url.pathname} is not served here; see ${config.prefix || '/'}/ for what is`);
  };
}

function captureKind(path: string, prefix: string): CaptureKind | undefined {
  for (const kind of Object.keys(CAPTURES) as CaptureKind[]) if (path === `${prefix}/${kind}`) return kind;
  return undefined;
}

function serveCapture(config: HandlerConfig, kind: CaptureKind, query: URLSearchParams, response: ServerResponse): void {
  const secondsParam = singleParam(query, 'seconds');
  const formatParam = singleParam(query, 'format');
  const modeParam = singleParam(query, 'mode');
  if (kind !== 'profile' && modeParam !== undefined) {
    sendText(response, 400, `nodeinstrument: mode is for ${config.prefix}/profile; ${config.prefix}/${kind} records ${CAPTURES[kind]}`);
    return;
  }
  for (const param of [secondsParam, formatParam, modeParam]) {
    if (typeof param === 'object') {
      sendText(response, 400, `nodeinstrument: ${param.error}`);
      return;
    }
  }
  let seconds = config.defaultSeconds;
  if (typeof secondsParam === 'string') {
    const parsed = parseSecondsParam(secondsParam, config.maxSeconds);
    if (typeof parsed === 'string') {
      sendText(response, 400, `nodeinstrument: ${parsed}`);
      return;
    }
    seconds = parsed;
  }
  let format = 'pprof';
  if (typeof formatParam === 'string') {
    try {
      format = checkFormat(formatParam.slice(0, 40), 'format');
    } catch (error) {
      sendText(response, 400, `nodeinstrument: ${(error as Error).message}`);
      return;
    }
  }
  let profiler = kind === 'profile' ? config.profiler : { ...config.allocation, live: kind === 'heap' };
  if (typeof modeParam === 'string') {
    if (modeParam !== 'wall' && modeParam !== 'cpu') {
      sendText(response, 400, `nodeinstrument: mode must be wall (where the time went, waiting included) or cpu (CPU time only); got '${modeParam.slice(0, 40)}'`);
      return;
    }
    profiler = { ...profiler, mode: modeParam };
  }
  if (config.abortSignal?.aborted) {
    sendText(response, 503, 'nodeinstrument: the pprof server is shutting down');
    return;
  }

  let capture: Capture;
  try {
    capture = beginCapture(`GET ${config.prefix}/${kind}?seconds=${seconds}`, profiler, seconds);
  } catch (error) {
    if (error instanceof CaptureBusyError) {
      const retry: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(error.retryAfterSeconds) };
      sendText(response, 409, `nodeinstrument: ${error.message}`, retry);
    } else {
      sendText(response, 500, `nodeinstrument: cannot profile this process: ${(error as Error).message}`);
    }
    return;
  }

  const finish = (): void => {
    clearTimeout(timer);
    response.removeListener('close', onClose);
    config.abortSignal?.removeEventListener('abort', onAbort);
  };
  const onClose = (): void => {
    // The client went away before the end: free the slot for the next one.
    finish();
    capture.discard();
  };
  const onAbort = (): void => {
    finish();
    capture.discard();
    sendText(response, 503, 'nodeinstrument: the pprof server is shutting down; the capture was cancelled');
  };
  const timer = setTimeout(async () => {
    let body: string | Uint8Array;
    let contentType: string;
    try {
      // The client or a shutdown may still end it while the inlined frames are recovered.
      const session = await capture.stopAsync();
      finish();
      if (response.destroyed || response.headersSent) return;
      const report = renderReport(session, format, `${kind === 'profile' ? 'pprof' : kind} capture of pid ${process.pid}, ${seconds} s`);
      body = report.body;
      contentType = report.contentType;
    } catch (error) {
      finish();
      sendText(response, 500, `nodeinstrument: the capture failed: ${(error as Error).message}`);
      return;
    }
    response.writeHead(200, {
      'Content-Type': contentType,
      'Content-Length': String(Buffer.byteLength(body)),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
      ...(format === 'pprof' ? { 'Content-Disposition': `attachment; filename="${kind}"` } : {}),
    });
    response.end(body);
  }, seconds * 1000).unref(); // like the server: a capture never keeps the process alive
  response.on('close', onClose);
  config.abortSignal?.addEventListener('abort', onAbort, { once: true });
}
