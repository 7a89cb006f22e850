/**
 * Options of continuous profiling (startContinuous, `--continuous`): their
 * defaults and validation. Pure: no I/O.
 */
import type { ProfilerOptions } from '../../options';
import type { Session } from '../../session/session';

/** What each window is written as. */
export type WindowFormat = 'pprof' | 'session';
export const WINDOW_FORMATS: readonly WindowFormat[] = ['pprof', 'session'];

/** How many window files to keep in the directory; the oldest go first. */
export interface RetentionLimit {
  /** At most this many files (each format's file counts). */
  files?: number;
  /** At most this many bytes in all. */
  bytes?: number;
}

/** Where and how to push windows to Grafana Pyroscope (or anything speaking its /ingest API). */
export interface PyroscopeOptions {
  /** The server: `http://pyroscope:4040` (the path /ingest is added), or a URL ending in /ingest. */
  url: string;
  /** The service name (Pyroscope's application name), e.g. `checkout`. */
  name: string;
  /** Labels of every profile, e.g. `{ env: 'prod', region: 'eu-1' }`. */
  labels?: Record<string, string>;
  /** HTTP basic authentication (Grafana Cloud: the instance id and an API token). */
  basicAuth?: { username: string; password: string };
  /** A bearer token (`Authorization: Bearer ...`). */
  bearerToken?: string;
  /** X-Scope-OrgID, for a multi-tenant Pyroscope. */
  tenantId?: string;
  /** Windows waiting to be sent at most; when full, the oldest is dropped (and counted). Default 10. */
  queueSize?: number;
  /** Attempts per window before it is given up (and counted). Default 5. */
  maxAttempts?: number;
  /** First retry delay, ms; doubles each attempt (with jitter) up to maxBackoffMs. Default 1000. */
  initialBackoffMs?: number;
  /** Default 30,000. */
  maxBackoffMs?: number;
  /** One request's time limit, ms. Default 10,000. */
  timeoutMs?: number;
}

/** What onWindow learns about a window besides its session. */
export interface WindowInfo {
  /** 0 for the first window. */
  index: number;
  /** Wall-clock start and end, ms since the epoch: one window's end is the next one's start. */
  start: number;
  end: number;
  /** The window ended because the profiling stopped (shorter than the others). */
  final: boolean;
  /** Files written for it (empty without `dir`, or when writing failed). */
  files: string[];
}

export interface ContinuousOptions extends ProfilerOptions {
  /** Directory to write each window into (created if missing). */
  dir?: string;
  /** Window length, seconds. Default 60. */
  window?: number;
  /** Formats written into `dir`. Default ['pprof']. */
  formats?: WindowFormat[];
  /** Retention in `dir`: a number of files, or `{ files, bytes }`. Default 1440 files (a day of one-minute windows). */
  retain?: number | RetentionLimit;
  /** File names start with this. Default 'profile'. */
  prefix?: string;
  /** Push each window to Pyroscope. */
  pyroscope?: PyroscopeOptions;
  /** Called with each window; a returned promise is awaited before the next window is handed over. */
  onWindow?: (session: Session, info: WindowInfo) => void | Promise<void>;
  /** Where problems are printed (each kind at most once a minute). Default: stderr. */
  log?: (message: string) => void;
}

export const DEFAULT_WINDOW_SECONDS = 60;
export const MIN_WINDOW_SECONDS = 0.1;
export const DEFAULT_RETAIN_FILES = 1440;
const PREFIX = /^[A-Za-z0-9._-]{1,64}$/;
/** Pyroscope's label names (as Prometheus's, plus dots). */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;
/** Characters that would break the `name{k=v,...}` syntax of /ingest. */
const LABEL_VALUE_FORBIDDEN = /[{}=,\s"]/;

export interface ResolvedContinuousOptions {
  dir: string | undefined;
  windowMs: number;
  formats: WindowFormat[];
  retain: Required<RetentionLimit>;
  prefix: string;
}

export function resolveContinuousOptions(options: ContinuousOptions): ResolvedContinuousOptions {
  const window = options.window ?? DEFAULT_WINDOW_SECONDS;
  if (typeof window !== 'number' || !Number.isFinite(window) || window < MIN_WINDOW_SECONDS) {
    throw new RangeError(`window must be a number of seconds, at least ${MIN_WINDOW_SECONDS}, got ${String(window)}`);
  }
  const formats = options.formats ?? ['pprof'];
  if (!Array.isArray(formats) || formats.length === 0 || !formats.every((f) => WINDOW_FORMATS.includes(f))) {
    throw new RangeError(`formats must be a non-empty list of ${WINDOW_FORMATS.join(', ')}, got ${JSON.stringify(formats)}`);
  }
  const prefix = options.prefix ?? 'profile';
  if (!PREFIX.test(prefix)) throw new RangeError(`prefix must be 1-64 letters, digits, '.', '_' or '-', got ${JSON.stringify(prefix)}`);
  if (options.dir === undefined && options.onWindow === undefined && options.pyroscope === undefined) {
    throw new TypeError('continuous profiling needs somewhere to put the windows: dir, pyroscope or onWindow');
  }
  if (options.dir !== undefined && (typeof options.dir !== 'string' || options.dir === '')) throw new TypeError('dir must be a directory path');
  if (options.pyroscope !== undefined) checkPyroscopeOptions(options.pyroscope);
  return { dir: options.dir, windowMs: Math.round(window * 1000), formats: [...new Set(formats)], retain: resolveRetain(options.retain), prefix };
}

function resolveRetain(retain: number | RetentionLimit | undefined): Required<RetentionLimit> {
  const limit = typeof retain === 'number' ? { files: retain } : (retain ?? { files: DEFAULT_RETAIN_FILES });
  const check = (value: number | undefined, what: string): number => {
    if (value === undefined) return Infinity;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new RangeError(`retain ${what} must be a positive integer, got ${String(value)}`);
    return value;
  };
  if (limit.files === undefined && limit.bytes === undefined) throw new RangeError('retain needs files or bytes');
  return { files: check(limit.files, 'files'), bytes: check(limit.bytes, 'bytes') };
}

export function checkPyroscopeOptions(options: PyroscopeOptions): void {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new TypeError(`pyroscope url is not a URL: ${JSON.stringify(options.url)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`pyroscope url must be http or https, got ${url.protocol}`);
  if (typeof options.name !== 'string' || !/^[A-Za-z0-9_.\-/]+$/.test(options.name)) {
    throw new TypeError(`pyroscope name (the service name) must be letters, digits, '_', '.', '-' or '/', got ${JSON.stringify(options.name)}`);
  }
  for (const [key, value] of Object.entries(options.labels ?? {})) {
    if (!LABEL_NAME.test(key)) throw new TypeError(`pyroscope label name ${JSON.stringify(key)} is invalid (letters, digits, '_' and '.', not first a digit)`);
    if (typeof value !== 'string' || value === '' || LABEL_VALUE_FORBIDDEN.test(value)) {
      throw new TypeError(`pyroscope label ${key}: the value must be a non-empty string without spaces, quotes, '{', '}', '=' or ',', got ${JSON.stringify(value)}`);
    }
  }
  if (options.basicAuth !== undefined && options.bearerToken !== undefined) throw new TypeError('give pyroscope basicAuth or bearerToken, not both');
  for (const key of ['queueSize', 'maxAttempts', 'initialBackoffMs', 'maxBackoffMs', 'timeoutMs'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new RangeError(`pyroscope ${key} must be a positive integer, got ${String(value)}`);
  }
}

/** `100` (files) or `500MB`, `2GiB`, `10k` (bytes) -> a retention limit; throws RangeError. */
export function parseRetain(text: string): RetentionLimit {
  const match = /^(\d+(?:\.\d+)?)\s*(k|kb|kib|m|mb|mib|g|gb|gib|b)?$/i.exec(text.trim());
  if (!match) throw new RangeError(`invalid retention '${text}' (a number of files, e.g. 100, or a size, e.g. 500MB)`);
  const value = Number(match[1]);
  const unit = match[2]?.toLowerCase();
  if (unit === undefined) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`invalid retention '${text}': a number of files is a positive integer`);
    return { files: value };
  }
  const scale = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('g') ? 1024 ** 3 : 1;
  const bytes = Math.floor(value * scale);
  if (bytes < 1) throw new RangeError(`invalid retention '${text}'`);
  return { bytes };
}

/** `env=prod` -> ['env', 'prod']; throws RangeError. */
export function parseLabel(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new RangeError(`invalid label '${text}' (name=value)`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}
