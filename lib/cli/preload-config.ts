import type { ProfileMode } from '../session/mode';
import type { SamplerKind } from '../options';
import type { ContinuousPreloadConfig } from '../production/continuous/preload';

/** What the CLI tells the preload, through one environment variable. */
export const PRELOAD_ENV = 'NODEINSTRUMENT_PRELOAD';

export interface PreloadConfig {
  interval: number;
  maxStackDepth?: number;
  mode?: ProfileMode;
  /** --sampler (ProfilerOptions.sampler). */
  sampler?: SamplerKind;
  allocationInterval?: number;
  live?: boolean;
  /** --awaits (ProfilerOptions.awaits). */
  awaits?: boolean;
  /** Where to write the session JSON. */
  sessionPath: string;
  /** Where to journal the recording as it goes (lib/recording/journal.ts); none in continuous mode. */
  journalPath?: string;
  /** Continuous mode (--continuous, --pyroscope): windows instead of one session. */
  continuous?: ContinuousPreloadConfig;
}
