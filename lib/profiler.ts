/**
 * The in-code API:
 *
 *   const profiler = new Profiler({ interval: 0.001 });
 *   profiler.start();
 *   work();
 *   const session = profiler.stop();
 *   console.log(profiler.outputText({ color: true }));
 */
import type * as AllocRecording from './recording/alloc-recorder';
import { ProfilerOptions, resolveProfilerOptions, unsafeToSample } from './options';
import { Recorder } from './recording/recorder';
import type { Recording, RecordingTap } from './recording/recording';
import type { ProfileMode } from './session/mode';
import type * as TextRenderer from './renderers/text';
import { Session } from './session/session';
import type { SessionJournal } from './recording/journal';

/** Only one profiler samples a process at a time (signals are process-wide). */
let active: Profiler | undefined;

const DRAIN_INTERVAL_MS = 200;

/** Whether any Profiler samples this process now (on-demand captures answer "busy" then). */
export function isProfilerRunning(): boolean {
  return active !== undefined;
}

/** A copy of what the running Profiler records, from its start to end() (tapRunningProfiler). */
export type ProfilerTap = RecordingTap;

/**
 * @internal For on-demand captures while another Profiler runs (continuous
 * profiling, the application's own): a copy of what it records from now on,
 * or why none can be taken (the running one records something else).
 */
export function tapRunningProfiler(mode: ProfileMode, awaits = false): ProfilerTap | string {
  const running = active;
  if (running === undefined) return 'no Profiler is running';
  return running.tapFor(mode, awaits);
}

export class Profiler {
  private readonly options: Required<ProfilerOptions>;
  private recorder: Recording | undefined;
  private session: Session | undefined;

  constructor(options: ProfilerOptions = {}) {
    this.options = resolveProfilerOptions(options);
  }

  get isRunning(): boolean {
    return this.recorder !== undefined;
  }

  /** The session of the last stop(), if any. */
  get lastSession(): Session | undefined {
    return this.session;
  }

  /** Starts sampling the calling thread. Calling it while running does nothing. */
  start(): void {
    if (this.recorder) return;
    if (active) {
      throw new Error('another nodeinstrument Profiler is already running in this process; stop it first');
    }
    if (this.options.mode === 'alloc') {
      const { allocationInterval: interval, live } = this.options;
      // Loaded for allocation profiles only: it brings the inspector, which a time profile does not need at start.
      const { AllocRecorder } = require('./recording/alloc-recorder') as typeof AllocRecording;
      this.recorder = new AllocRecorder({ allocation: { interval, live }, drainInterval: DRAIN_INTERVAL_MS });
    } else {
      const unsafe = unsafeToSample();
      if (unsafe !== undefined) throw new Error(unsafe);
      this.recorder = new Recorder({ ...this.options, drainInterval: DRAIN_INTERVAL_MS });
    }
    active = this;
  }

  /** Stops sampling and returns the session. Calling it again returns the last session. */
  stop(): Session {
    if (!this.recorder) {
      if (this.session) return this.session;
      throw new Error('the profiler was never started');
    }
    try {
      this.session = this.recorder.stop();
    } finally {
      this.recorder = undefined;
      active = undefined;
    }
    return this.session;
  }

  /**
   * stop() for a live service: first recovers the inlined frames of the
   * samples so far in slices of a few milliseconds, between which the event
   * loop runs, so that the service's requests do not wait for sources to be
   * parsed (stop() does it all at once: 50-400 ms on a first capture).
   * Sampling goes on until the slices are done, so the recording ends a
   * little later than the call; that work is the profiler's own and is left
   * out of reports.
   */
  async stopAsync(): Promise<Session> {
    await this.prepareEnd();
    return this.stop();
  }

  /** @internal What stopAsync() and cutAsync() do before ending the window (continuous mode times the rest). */
  async prepareEnd(): Promise<void> {
    await this.recorder?.prepareEnd();
  }

  /**
   * Ends the current window of the recording and returns it as a session,
   * while sampling goes on into the next window without a gap (continuous
   * profiling; see startContinuous). stop() returns the last window.
   */
  cut(): Session {
    if (!this.recorder) throw new Error('the profiler is not running');
    return this.recorder.cut();
  }

  /** cut() with the inlined frames recovered in slices first, as stopAsync() does. */
  async cutAsync(): Promise<Session> {
    if (!this.recorder) throw new Error('the profiler is not running');
    await this.prepareEnd();
    return this.cut();
  }

  /**
   * @internal For the CLI's preload: appends the recording to `journal`
   * after each drain, so that a process that dies abruptly leaves its samples.
   */
  journalTo(journal: SessionJournal): void {
    this.recorder?.journalTo(journal);
  }

  /** The last session as a text call tree. */
  outputText(options: TextRenderer.TextRenderOptions = {}): string {
    if (!this.session) throw new Error('no session to render: call start() and stop() first');
    // Loaded here: the preload never renders, and the renderers cost the profiled program's start.
    return (require('./renderers/text') as typeof TextRenderer).renderText(this.session, options);
  }

  /** Prints the last session's call tree to stdout (colour and unicode when stdout is a terminal). */
  print(options: TextRenderer.TextRenderOptions = {}): void {
    const tty = process.stdout.isTTY === true;
    process.stdout.write(this.outputText({ unicode: tty, color: tty, ...options }));
  }

  /** @internal See tapRunningProfiler. */
  tapFor(mode: ProfileMode, awaits = false): ProfilerTap | string {
    const recorder = this.recorder;
    const running = this.options.mode;
    const what = (m: ProfileMode): string => (m === 'alloc' ? 'allocations' : m === 'cpu' ? 'CPU time' : 'wall-clock time');
    if (recorder === undefined) return 'it is stopping';
    if (running !== mode) return `it records ${what(running)}: a capture of ${what(mode)} cannot be taken beside it`;
    return recorder.tap?.(awaits) ?? `a capture of ${what(mode)} cannot be copied from it`;
  }

  /** `using profiler = new Profiler(); profiler.start();` stops it at the end of the scope. */
  [Symbol.dispose](): void {
    if (this.recorder) this.stop();
  }
}

/**
 * Profiles `fn` (sync or async), prints a short report to stderr, and returns
 * what `fn` returned (a promise for async functions).
 */
export function profile<T>(fn: () => T, options: ProfilerOptions & { render?: TextRenderer.TextRenderOptions } = {}): T {
  const profiler = new Profiler(options);
  const report = (): void => {
    profiler.stop();
    const tty = process.stderr.isTTY === true;
    process.stderr.write(profiler.outputText({ unicode: tty, color: tty, ...options.render }));
  };
  profiler.start();
  let result: T;
  try {
    result = fn();
  } catch (error) {
    report();
    throw error;
  }
  if (result instanceof Promise) {
    return result.finally(report) as T;
  }
  report();
  return result;
}
