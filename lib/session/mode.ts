/**
 * What a profile measures. Each mode says what a sample's weight is (the
 * session's `samples.duration`) and how reports name it. 'wall' and 'cpu' are
 * sampled by the native sampler; 'alloc' by V8's sampling heap profiler
 * (lib/recording/alloc-recorder.ts), its weights bytes (lib/renderers/weights.ts formats them).
 */
export type ProfileMode = 'wall' | 'cpu' | 'alloc';

export interface ModeInfo {
  /** What reports call it: `wall-clock time`. */
  label: string;
  /** What a sample's weight (samples.duration) holds. */
  weight: string;
  /** pprof value type of the weight: type and unit. */
  pprofType: readonly [type: string, unit: string];
}

export const MODES: Readonly<Record<ProfileMode, ModeInfo>> = {
  wall: { label: 'wall-clock time', weight: 'seconds of wall time', pprofType: ['wall', 'nanoseconds'] },
  cpu: { label: 'CPU time', weight: 'seconds of CPU time of the profiled thread', pprofType: ['cpu', 'nanoseconds'] },
  alloc: { label: 'allocated bytes', weight: 'bytes allocated (sampled by V8)', pprofType: ['alloc_space', 'bytes'] },
};

export const DEFAULT_MODE: ProfileMode = 'wall';

export function isProfileMode(value: unknown): value is ProfileMode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(MODES, value);
}

/** Validates a mode given by a user; throws RangeError naming the known ones. */
export function checkProfileMode(value: unknown): ProfileMode {
  if (!isProfileMode(value)) {
    throw new RangeError(`mode must be one of ${Object.keys(MODES).join(', ')}, got ${String(value)}`);
  }
  return value;
}

/** The mode a session was recorded in (sessions from before modes existed are wall). */
export function modeOf(meta: { mode?: string }): ProfileMode {
  return isProfileMode(meta.mode) ? meta.mode : DEFAULT_MODE;
}
