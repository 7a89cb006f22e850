/**
 * What a session's sample weights mean. A wall session (the default, and
 * every file from before modes) weighs seconds of wall time; an alloc session
 * (`--mode alloc`, V8's sampling heap profiler) weighs bytes, kept in the
 * same column (samples.duration) so the call tree, processors and renderers
 * work unchanged and only the formatting differs.
 */
import { formatBytes } from '../memory/series';
import { modeOf } from '../session/mode';
import type { SessionMeta } from '../session/session';

export function isAllocSession(meta: SessionMeta): boolean {
  return modeOf(meta) === 'alloc';
}

/** A node's weight as the tree shows it: `1.234` seconds, or `12.3 MB`. */
export function formatWeight(value: number, meta: SessionMeta): string {
  return isAllocSession(meta) ? formatBytes(value) : value.toFixed(3);
}

/** What an alloc session's bytes are, for headers and notes. */
export function allocationDescription(meta: SessionMeta): string {
  return meta.allocation?.live ? 'bytes allocated and still live at the end' : 'bytes allocated, collected since or not';
}

/** Thrown by a renderer whose format cannot hold the session's kind of weight. */
export class UnsupportedModeError extends Error {
  override name = 'UnsupportedModeError';
}
