/**
 * The one profile at a time that on-demand captures share (the pprof endpoint,
 * the signal trigger, the middleware). The sampler's signals are process-wide,
 * so a second capture cannot run beside the first: it is refused with a
 * message saying what is running and when it ends. While another Profiler
 * runs (continuous profiling, the application's own), a capture is a copy of
 * what it records (tapRunningProfiler), at its interval and mode.
 */
import { ProfilerOptions, resolveProfilerOptions } from '../../options';
import { isProfilerRunning, Profiler, ProfilerTap, tapRunningProfiler } from '../../profiler';
import { Session } from '../../session/session';

/** Thrown by beginCapture when a profile is being recorded already. */
export class CaptureBusyError extends Error {
  /** Whole seconds until the running capture is planned to end, when known. */
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = 'CaptureBusyError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface Capture {
  /** What asked for it, for the busy message: "GET /debug/pprof/profile", "SIGUSR2". */
  readonly purpose: string;
  /** Date.now() at the start. */
  readonly startedAt: number;
  readonly isRunning: boolean;
  /** Ends the capture and frees the slot; the recorded session. Calling it again returns the same session. */
  stop(): Session;
  /**
   * stop() without stalling the service: the inlined frames are recovered in
   * slices first (Profiler.stopAsync), while sampling goes on.
   */
  stopAsync(): Promise<Session>;
  /** Ends the capture and drops what it recorded. */
  discard(): void;
}

interface RunningCapture {
  purpose: string;
  startedAt: number;
  plannedSeconds: number | undefined;
}

let running: RunningCapture | undefined;

/**
 * Starts recording now, or copying what the Profiler running in this process
 * records (tapRunningProfiler). Throws CaptureBusyError when another capture
 * runs or the running Profiler records something else, and the Profiler's
 * own error when sampling is impossible (unsafe V8 flags, no native addon).
 */
export function beginCapture(purpose: string, options: ProfilerOptions = {}, plannedSeconds?: number): Capture {
  if (running) throw busyReason()!;
  let recording: ProfilerTap;
  if (isProfilerRunning()) {
    const resolved = resolveProfilerOptions(options);
    const tap = tapRunningProfiler(resolved.mode, resolved.awaits);
    if (typeof tap === 'string') {
      throw new CaptureBusyError(
        `a nodeinstrument Profiler is already running in this process (started by the application, the CLI or continuous mode), and ${tap}; ` +
          'nodeinstrument records one profile at a time, since its sampling signals are process-wide. Try again once it stops.',
      );
    }
    recording = tap;
  } else {
    const profiler = new Profiler(options);
    profiler.start();
    recording = { end: () => profiler.stop(), endAsync: () => profiler.stopAsync(), discard: () => profiler.stop() };
  }
  const state: RunningCapture = { purpose, startedAt: Date.now(), plannedSeconds };
  running = state;
  let session: Session | undefined;
  const end = (): Session => {
    if (!session) {
      try {
        session = recording.end();
      } finally {
        if (running === state) running = undefined;
      }
    }
    return session;
  };
  return {
    purpose,
    startedAt: state.startedAt,
    get isRunning() {
      return session === undefined;
    },
    stop: end,
    stopAsync: async () => {
      if (session === undefined) {
        try {
          session = await recording.endAsync();
        } finally {
          if (running === state) running = undefined;
        }
      }
      return end();
    },
    discard: () => {
      if (session === undefined) {
        try {
          recording.discard();
        } finally {
          if (running === state) running = undefined;
        }
      }
    },
  };
}

/** Why a capture cannot start now, or undefined when it can. */
export function busyReason(now = Date.now()): CaptureBusyError | undefined {
  if (running) {
    const elapsed = (now - running.startedAt) / 1000;
    const left = running.plannedSeconds === undefined ? undefined : Math.max(0, running.plannedSeconds - elapsed);
    const retry = left === undefined ? undefined : Math.max(1, Math.ceil(left));
    return new CaptureBusyError(
      `another profile is being recorded in this process (${running.purpose}, started ${elapsed.toFixed(1)} s ago` +
        `${left === undefined ? '' : `, ${left.toFixed(1)} s left`}); ` +
        `nodeinstrument records one profile at a time, since its sampling signals are process-wide. ` +
        `Try again ${retry === undefined ? 'when it ends' : `in ${retry} s`}.`,
      retry,
    );
  }
  return undefined;
}
