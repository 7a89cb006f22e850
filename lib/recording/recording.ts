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
   * Starts a copy of what is recorded from now on: an on-demand capture
   * served from this recording while it runs on (a time recording only:
   * undefined where not supported). `awaits`: the capture shows where the
   * calling async context waits (ProfilerOptions.awaits).
   */
  tap?(awaits: boolean): RecordingTap;
}

/** A copy of a running recording from one moment on (Recording.tap). */
export interface RecordingTap {
  /**
   * The copy from its start to now (or to the recording's end), as one
   * session; the recording goes on. Calling it again returns the same session.
   */
  end(): Session;
  /** end() as of now, after the recording's inlined frames were recovered in slices (prepareEnd). */
  endAsync(): Promise<Session>;
  /** Ends the copy without building it. */
  discard(): void;
}
