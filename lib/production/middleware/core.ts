/**
 * What the framework middlewares share: deciding what to do with a request
 * (profile it for its caller, record it to a directory, refuse, or let it be),
 * and producing the report. Each framework file only adapts its request and
 * response objects to this.
 *
 * `?profile` (the name is configurable) asks for the request's own report as
 * the response. Only callers `allow` accepts may (default: loopback peers
 * without proxy headers);
 * for others the parameter is ignored, so the endpoint does not reveal that
 * profiling exists. One profile runs at a time in a process (the sampler's
 * signals are process-wide): a `?profile` request that arrives while another
 * runs gets 409 with the reason and its handler does not run; a request picked
 * for recording then runs unprofiled.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { IncomingMessage } from 'node:http';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { beginCapture, Capture, CaptureBusyError } from '../ondemand/capture';
import { checkFormat, fileTimeStamp, FORMAT_NAMES, renderReport } from '../ondemand/report-output';
import { ProfilerOptions } from '../../options';
import { Session } from '../../session/session';
import { escapeControl, escapeLines } from '../../util/escape';
import { printMessage } from '../../util/message';
import { writeFileAtomic } from '../../util/write-file';
import { watchCodeForCaptures } from '../../symbolize/code-watcher';
import { separateRequestWork } from './request-work';

export interface RecordOptions {
  /** Directory the reports go to; created if missing. */
  dir: string;
  /** Fraction of requests recorded, 0 to 1 (default 1: every request that finds the profiler free). */
  sample?: number;
  /** Report format (default 'html'); any renderer name. */
  format?: string;
  /**
   * File name without extension; placeholders {time} {method} {route} {status}
   * {duration} (milliseconds) {pid}. Default '{time}-{method}-{route}-{duration}ms'.
   */
  filename?: string;
  /** Called after each report is written. */
  onReport?: (path: string, request: FinishedRequest) => void;
  /** Called when a report cannot be written (default: one line on stderr). */
  onError?: (error: Error) => void;
}

export interface RequestProfilingOptions extends ProfilerOptions {
  /** Query parameter that asks for the report (default 'profile'). */
  query?: string;
  /** Who may ask for a report with the query parameter (default: requests from loopback addresses without proxy headers). */
  allow?: (request: IncomingMessage) => boolean;
  /**
   * Longest a request is profiled, seconds (default 60). A response still
   * going then (server-sent events, a slow download) gets its report at that
   * moment, of its first maxSeconds; a recorded one has its file written then.
   */
  maxSeconds?: number;
  /** Also record requests (all, or a sample) into a directory. */
  record?: RecordOptions;
  /**
   * Show where the request waits (default true): the idle time while its
   * handler is suspended at an `await` is shown under the await's stack, as
   * `[await]`, instead of `(idle)` (ProfilerOptions.awaits).
   */
  awaits?: boolean;
}

export interface FinishedRequest {
  method: string;
  /** The matched route when the framework knows it (`/users/:id`), else the path. */
  route: string;
  /** The path without the query string (which may hold secrets). */
  path: string;
  status: number;
  durationMs: number;
  /** The response had not ended when maxSeconds ended the profile: status and duration are as of then. */
  unfinished?: true;
}

export type RequestDecision =
  | { action: 'pass' }
  | { action: 'reject'; status: number; message: string; headers: Record<string, string> }
  | { action: 'report'; format: string; profile: RequestProfile }
  | { action: 'record'; profile: RequestProfile };

export interface ReportResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

const DEFAULT_FILENAME = '{time}-{method}-{route}-{duration}ms';
const PLACEHOLDERS = ['time', 'method', 'route', 'status', 'duration', 'pid'];

/** Accepted values of the query parameter that mean "the HTML report". */
const HTML_VALUES = new Set(['', '1', 'true', 'html']);

/** Headers a proxy adds: a request that carries one came from elsewhere, whatever its socket says. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/** Requests from this machine, not relayed by a proxy: the default `allow`. */
export function isLoopbackRequest(request: IncomingMessage): boolean {
  const address = request.socket?.remoteAddress ?? '';
  if (!(address === '::1' || /^(::ffff:)?127\./i.test(address))) return false;
  return !FORWARDING_HEADERS.some((name) => request.headers?.[name] !== undefined);
}

/** A request under the profiler, from its start until the framework says the handler is done. */
export class RequestProfile {
  readonly startedAt = performance.now();
  private session: Session | undefined;
  private readonly timer: NodeJS.Timeout;
  private onCutShort: (() => void) | undefined;
  private wasCutShort = false;

  constructor(private readonly capture: Capture, maxSeconds: number) {
    // A request that never ends (server-sent events, a long poll) must not
    // hold the profiler, grow its memory, or keep its report waiting forever.
    this.timer = setTimeout(() => {
      this.session = separateRequestWork(this.capture.stop());
      this.session.meta.notes.push(`profiling stopped after ${maxSeconds} s (maxSeconds); the response had not ended`);
      this.wasCutShort = true;
      this.onCutShort?.();
    }, maxSeconds * 1000).unref();
  }

  /** Runs `deliver` if maxSeconds pass before finish(): the report is then due without waiting for the response's end. */
  whenCutShort(deliver: () => void): void {
    this.onCutShort = deliver;
  }

  /** Resolves when maxSeconds end the profile, or at once if they did already (never, if finish() comes first). */
  cutShort(): Promise<'cut short'> {
    if (this.wasCutShort) return Promise.resolve('cut short');
    return new Promise((resolve) => this.whenCutShort(() => resolve('cut short')));
  }

  /** Stops profiling (if still on) and returns what was recorded. */
  finish(): Session {
    clearTimeout(this.timer);
    this.session ??= separateRequestWork(this.capture.stop());
    return this.session;
  }

  discard(): void {
    this.finish();
  }

  get elapsedMs(): number {
    return performance.now() - this.startedAt;
  }
}

/**
 * Makes request text fit for a title, a header, a log line or an error body
 * (printed by curl on a terminal): control and bidirectional characters
 * escaped (escapeControl), length capped.
 */
function printable(text: string, max = 200): string {
  let shown = '';
  // Escapes are longer than what they stand for: count what is shown, and never cut one in two.
  for (const char of text.slice(0, max + 1)) {
    const escaped = escapeControl(char);
    if (shown.length + escaped.length > max) return `${shown}...`;
    shown += escaped;
  }
  return shown;
}

/** A piece of a file name: letters, digits, dot and dash; never empty, never hidden, never a path. */
export function fileNamePart(text: string, max = 80): string {
  const part = text.replace(/[^A-Za-z0-9.-]+/g, '_').replace(/^[_.]+|_+$/g, '').slice(0, max);
  return part === '' ? 'root' : part;
}

function checkFilenamePattern(pattern: string): string {
  if (typeof pattern !== 'string' || pattern === '' || pattern.length > 200 || !/^[\w.{}-]+$/.test(pattern)) {
    throw new RangeError(`record.filename must be a file name of letters, digits, '_', '-', '.' and placeholders, got '${String(pattern)}'`);
  }
  for (const match of pattern.matchAll(/\{([^}]*)\}/g)) {
    if (!PLACEHOLDERS.includes(match[1]!)) {
      throw new RangeError(`record.filename: unknown placeholder {${match[1]}} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')})`);
    }
  }
  return pattern;
}

interface ResolvedRecord {
  dir: string;
  sample: number;
  format: string;
  filename: string;
  onReport: ((path: string, request: FinishedRequest) => void) | undefined;
  onError: (error: Error) => void;
}

function resolveRecord(record: RecordOptions): ResolvedRecord {
  if (typeof record.dir !== 'string' || record.dir === '') throw new RangeError('record.dir must name a directory');
  const sample = record.sample ?? 1;
  if (typeof sample !== 'number' || !(sample >= 0 && sample <= 1)) {
    throw new RangeError(`record.sample must be a fraction from 0 to 1, got ${String(sample)}`);
  }
  const dir = resolve(record.dir);
  mkdirSync(dir, { recursive: true });
  return {
    dir,
    sample,
    format: checkFormat(record.format ?? 'html', 'record.format'),
    filename: checkFilenamePattern(record.filename ?? DEFAULT_FILENAME),
    onReport: record.onReport,
    onError: record.onError ?? ((error) => printMessage(error.message)),
  };
}

export class RequestProfiling {
  private readonly query: string;
  private readonly allow: (request: IncomingMessage) => boolean;
  private readonly maxSeconds: number;
  private readonly profiler: ProfilerOptions;
  private readonly record: ResolvedRecord | undefined;

  constructor(options: RequestProfilingOptions = {}) {
    this.query = options.query ?? 'profile';
    if (typeof this.query !== 'string' || !/^[\w.-]{1,64}$/.test(this.query)) {
      throw new RangeError(`query must be a parameter name of letters, digits, '_', '-' or '.', got '${String(options.query)}'`);
    }
    this.allow = options.allow ?? isLoopbackRequest;
    if (typeof this.allow !== 'function') throw new TypeError('allow must be a function (request) => boolean');
    this.maxSeconds = options.maxSeconds ?? 60;
    if (typeof this.maxSeconds !== 'number' || !(this.maxSeconds > 0 && this.maxSeconds <= 3600)) {
      throw new RangeError(`maxSeconds must be above 0 and at most 3600, got ${String(options.maxSeconds)}`);
    }
    const { interval, maxStackDepth, signal, inlinedFrames, awaits = true } = options;
    if (typeof awaits !== 'boolean') throw new RangeError(`awaits must be a boolean, got ${String(awaits)}`);
    this.profiler = { interval, maxStackDepth, signal, inlinedFrames, awaits };
    this.record = options.record === undefined ? undefined : resolveRecord(options.record);
    watchCodeForCaptures();
  }

  /** Called first thing for each request. Cheap when the request asks for nothing. */
  decide(request: IncomingMessage): RequestDecision {
    const url = request.url ?? '';
    const queryAt = url.indexOf('?');
    if (queryAt >= 0 && url.includes(this.query, queryAt)) {
      const values = new URLSearchParams(url.slice(queryAt + 1)).getAll(this.query);
      if (values.length > 0 && this.allow(request)) return this.decideReport(request, values);
    }
    if (this.record && this.record.sample > 0 && Math.random() < this.record.sample) {
      try {
        return { action: 'record', profile: this.start(request) };
      } catch (error) {
        // Busy: this request runs unprofiled. Anything else is worth saying.
        if (!(error instanceof CaptureBusyError)) this.record.onError(new Error(`cannot record a request: ${(error as Error).message}`));
      }
    }
    return { action: 'pass' };
  }

  private decideReport(request: IncomingMessage, values: string[]): RequestDecision {
    const reject = (status: number, message: string, headers: Record<string, string> = {}): RequestDecision => ({
      action: 'reject',
      status,
      message: `nodeinstrument: ${escapeLines(message)}\n`,
      headers,
    });
    if (values.length > 1) return reject(400, `?${this.query} was given ${values.length} times; give it once`);
    const value = values[0]!.toLowerCase();
    const format = HTML_VALUES.has(value) ? 'html' : value;
    if (!FORMAT_NAMES.includes(format)) {
      return reject(400, `?${this.query} takes no value (the HTML report) or a report format: ${FORMAT_NAMES.join(', ')}; got '${printable(values[0]!, 40)}'`);
    }
    try {
      return { action: 'report', format, profile: this.start(request) };
    } catch (error) {
      if (error instanceof CaptureBusyError) {
        return reject(409, `not profiled: ${error.message}`, error.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(error.retryAfterSeconds) });
      }
      return reject(500, `cannot profile this request: ${(error as Error).message}`);
    }
  }

  private start(request: IncomingMessage): RequestProfile {
    const purpose = `${request.method ?? 'GET'} ${printable(pathOf(request.url ?? '/'), 100)}`;
    // A request runs on this thread: worker threads stay out unless asked for.
    return new RequestProfile(beginCapture(purpose, { ...this.profiler, workers: this.profiler.workers ?? false }), this.maxSeconds);
  }

  /** The response that replaces the handler's: the report of the request. */
  reportResponse(session: Session, format: string, request: FinishedRequest): ReportResponse {
    const duration = request.durationMs.toFixed(1);
    const title = titleOf(request);
    const report = renderReport(session, format, title);
    return {
      status: 200,
      headers: {
        'Content-Type': report.contentType,
        'Content-Length': String(Buffer.byteLength(report.body)),
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        // What the handler answered, for scripts (curl -D -).
        'X-Nodeinstrument-Response': `status=${request.status}; duration_ms=${duration}${request.unfinished ? '; unfinished' : ''}`,
        ...(format === 'pprof' ? { 'Content-Disposition': 'attachment; filename="profile.pb.gz"' } : {}),
      },
      body: report.body,
    };
  }

  /** Writes a recorded request's report, after the response has gone out. */
  saveRecording(session: Session, request: FinishedRequest): void {
    const record = this.record;
    if (!record) return;
    setImmediate(() => {
      try {
        const report = renderReport(session, record.format, titleOf(request));
        const path = this.uniquePath(record, request, report.extension);
        writeFileAtomic(path, report.body);
        record.onReport?.(path, request);
      } catch (error) {
        record.onError(new Error(`cannot write the report of ${request.method} ${printable(request.path)}: ${(error as Error).message}`));
      }
    });
  }

  private uniquePath(record: ResolvedRecord, request: FinishedRequest, extension: string): string {
    const values: Record<string, string> = {
      time: fileTimeStamp(),
      method: fileNamePart(request.method, 16),
      route: fileNamePart(request.route),
      status: String(request.status),
      duration: String(Math.round(request.durationMs)),
      pid: String(process.pid),
    };
    const base = record.filename.replace(/\{(\w+)\}/g, (_, name: string) => values[name]!);
    let path = join(record.dir, base + extension);
    for (let n = 2; existsSync(path); n++) path = join(record.dir, `${base}-${n}${extension}`);
    return path;
  }
}

/** `GET /api -> 200 in 12.3 ms`, the title of a request's report. */
function titleOf(request: FinishedRequest): string {
  const took = `${request.durationMs.toFixed(1)} ms${request.unfinished ? ' and still going' : ''}`;
  return `${request.method} ${printable(request.path)} -> ${request.status} in ${took}`;
}

/** The path of a request URL, without the query string. */
export function pathOf(url: string): string {
  const queryAt = url.indexOf('?');
  return queryAt < 0 ? url : url.slice(0, queryAt);
}
