/**
 * The strings that describe a session in a report's header, shared by the
 * text report and the HTML page (so no node: imports: it is bundled into the
 * page too).
 */
import { modeOf } from '../session/mode';
import type { SessionMeta } from '../session/session';

/**
 * The header's Mode line, or '' in the default wall mode (whose reports stay
 * as they always were).
 */
export function formatMode(meta: SessionMeta): string {
  return modeOf(meta) === 'cpu' ? 'CPU time: times are CPU seconds of the profiled thread; idle and blocked time is not counted' : '';
}

/** Local time as `YYYY-MM-DD HH:MM:SS`, or `unknown time` when there is none. */
export function formatTimestamp(epochMs: number): string {
  const date = new Date(epochMs);
  // A crafted or damaged file's start (1e300, -1e20) is no date: say so rather than NaN-NaN-NaN.
  if (Number.isNaN(date.getTime())) return 'unknown time';
  const two = (value: number): string => String(value).padStart(2, '0');
  return (
    `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`
  );
}

/**
 * `1.00 ms interval, 99.8% of requested rate`, or '' when the interval is
 * unknown; with `, the thread waited 0.96 s for a CPU` when a wall-time
 * recording's thread waited for a CPU more than 5% of the run (no sample can
 * be taken then: that is where the missing ones went).
 */
export function formatRate(meta: SessionMeta): string {
  if (!(meta.requestedInterval > 0)) return '';
  const interval = `${(meta.requestedInterval * 1000).toFixed(2)} ms interval`;
  if (!(meta.achievedInterval > 0)) return interval;
  const rate = `${interval}, ${((meta.requestedInterval / meta.achievedInterval) * 100).toFixed(1)}% of requested rate`;
  const waited = meta.waitedForCpu ?? 0;
  const sampler = meta.interruptSamples !== undefined && meta.sampleCount > 0 ? `, hybrid sampler: ${((meta.interruptSamples / meta.sampleCount) * 100).toFixed(0)}% by interrupt` : '';
  return modeOf(meta) === 'wall' && waited > 0.05 * meta.duration ? `${rate}${sampler}, the thread waited ${waited.toFixed(2)} s for a CPU` : `${rate}${sampler}`;
}

/** A path relative to cwd when it lies inside it. */
export function relativeToCwd(path: string, cwd: string): string {
  if (!cwd) return path;
  const base = cwd.endsWith('/') ? cwd : `${cwd}/`;
  return path.startsWith(base) && path.length > base.length ? path.slice(base.length) : path;
}

/** The command line as a shell would take it: the executable's basename, paths under cwd made relative. */
export function formatCommandLine(argv: readonly string[], cwd: string): string {
  return argv
    .map((arg, index) => (index === 0 ? arg.slice(arg.lastIndexOf('/') + 1) : relativeToCwd(arg, cwd)))
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}
