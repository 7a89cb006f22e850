/**
 * What the Profiler drives, whatever the mode: a recording of wall or CPU
 * time (./recorder.ts, the native sampler) or of allocations
 * (./alloc-recorder.ts, V8's sampling heap profiler).
 */
import type { Session } from '../session/session';
import type { SessionJournal } from './journal';

export interface Recording {
  /** Stops (idempotent) and returns the whole recording, or its last window after cut(). */
  stop(): Session;
  /** Ends the current window and returns it, recording on into the next (continuous profiling). */
  cut(): Session;
  /**
   * Does ahead, in slices between which the event loop runs, the work that
   * stop() or cut() would do next at once (recovering inlined frames), so
   * that they stall a live service less. Recording goes on meanwhile.
   */
  prepareEnd(): Promise<void>;
  /** Appends what each drain brings to `journal`, so that a process that dies abruptly leaves its samples. */
  journalTo(journal: SessionJournal): void;
  /**
   * Starts a copy of what is recorded from now on, ended by endTap(): an
   * on-demand capture served from this recording while it runs on (a time
   * recording only: undefined where not supported).
   */
  tap?(): RecordingTap;
  /**
   * The tap's samples from its start to `endNs` (CLOCK_MONOTONIC ns, as
   * clockNs() reads it; default now), or to the recording's end, as one session.
   */
  endTap?(tap: RecordingTap, endNs?: number): Session;
  /** Ends a tap without building anything (the capture was discarded). */
  dropTap?(tap: RecordingTap): void;
  /** The clock taps are timed by (CLOCK_MONOTONIC ns). */
  clockNs?(): number;
}

/** A copy of a running recording from one moment on (Recording.tap). */
export interface RecordingTap {
  /** CLOCK_MONOTONIC ns and wall time (ms since the epoch) at its start. */
  readonly startNs: number;
  readonly startWallTime: number;
  /** The windows the recording ended (cut, or stop) since the tap began, with where each starts (ns). */
  readonly windows: Array<{ session: Session; startNs: number }>;
}
