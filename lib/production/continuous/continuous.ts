/**
 * Continuous profiling: a service samples for its whole life, and the
 * recording is cut into windows (default 60 s) without stopping the sampler.
 * Each window goes to the directory (pprof, optionally session JSON, with
 * retention), to Pyroscope, and/or to a callback.
 *
 *   const continuous = startContinuous({ dir: '/var/lib/profiles', window: 60 });
 *   ...
 *   await continuous.stop();   // writes the last, partial window
 *
 * On the JS thread a cut costs one drain (Recorder.cut); rendering runs in a
 * later turn of the event loop, gzip on libuv's thread pool and the files
 * are written asynchronously, so requests in flight are not held up by the
 * window that just ended.
 */
import { performance } from 'node:perf_hooks';
import { Profiler } from '../../profiler';
import { Session } from '../../session/session';
import { ContinuousOptions, ResolvedContinuousOptions, resolveContinuousOptions, WindowInfo } from './options';
import { ProblemLog } from './problems';
import { PushCounts, PyroscopeClient } from './pyroscope';
import { renderPprofAsync, WindowWriter, WriterCounts } from './writer';

export interface ContinuousStats extends WriterCounts {
  /** Windows cut so far, the final one included. */
  windows: number;
  /** Windows skipped because earlier ones were still being written (a stuck disk or callback). */
  windowsSkipped: number;
  /** Problems by kind (write, retention, push-*, callback); each kind is also printed, at most once a minute. */
  problems: Record<string, number>;
  /** Pushes to Pyroscope, when configured. */
  push?: PushCounts;
  /** Time the JS thread spent in cuts, ms: total and the longest. */
  cutMs: { total: number; max: number };
}

/** A window cut and not yet handed over, and what of the hand-over is done. */
interface PendingWindow {
  session: Session;
  info: WindowInfo;
  written: boolean;
  calledBack: boolean;
}

/** Windows waiting to be handed over at most; beyond, the oldest waiting one is skipped and counted. */
const MAX_PENDING_WINDOWS = 3;
/** How long before a cut the recovery of inlined frames starts, at most (half a window for shorter windows). */
const PREPARE_LEAD_MS = 5000;

/** How long stop() waits for pending pushes. */
const DEFAULT_FLUSH_MS = 5000;

export class ContinuousProfiler {
  private readonly options: ResolvedContinuousOptions;
  private readonly profiler: Profiler;
  private readonly problems: ProblemLog;
  private readonly writer: WindowWriter | undefined;
  private readonly pusher: PyroscopeClient | undefined;
  private readonly pending: PendingWindow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextCutAt: number;
  private index = 0;
  private windowsSkipped = 0;
  private readonly cutMs = { total: 0, max: 0 };
  private handing: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly given: ContinuousOptions) {
    this.options = resolveContinuousOptions(given);
    this.problems = new ProblemLog(given.log);
    this.profiler = new Profiler(given);
    if (this.options.dir !== undefined) {
      const { dir, formats, prefix, retain } = this.options;
      this.writer = new WindowWriter(dir, formats, prefix, retain, this.problems);
    }
    if (given.pyroscope !== undefined) this.pusher = new PyroscopeClient(given.pyroscope, this.problems);
    this.profiler.start();
    this.nextCutAt = performance.now() + this.options.windowMs;
    this.schedule();
  }

  get isRunning(): boolean {
    return !this.stopped;
  }

  stats(): ContinuousStats {
    return {
      windows: this.index,
      windowsSkipped: this.windowsSkipped,
      ...(this.writer?.counts ?? { filesWritten: 0, bytesWritten: 0, filesDeleted: 0 }),
      problems: this.problems.snapshot(),
      ...(this.pusher ? { push: this.pusher.stats } : {}),
      cutMs: { ...this.cutMs },
    };
  }

  /**
   * Ends the current window now (as the timer does) and hands it over;
   * the next window starts where it ended. Resolves when it was handed over.
   */
  cutNow(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.cut();
    return this.handOver();
  }

  /**
   * Stops profiling: the last (partial) window is handed over like the
   * others, then waits up to `flushMs` for pushes still queued.
   */
  async stop({ flushMs = DEFAULT_FLUSH_MS }: { flushMs?: number } = {}): Promise<ContinuousStats> {
    if (!this.stopped) {
      this.stopped = true;
      clearTimeout(this.timer);
      this.enqueue(this.profiler.stop(), true);
    }
    await this.handOver();
    if (this.pusher) {
      await this.pusher.flush(flushMs);
      this.pusher.close();
    }
    return this.stats();
  }

  /**
   * Stops at process exit, where only synchronous work runs: the last window
   * (and any still waiting) is written to the directory and given to
   * onWindow (a promise it returns is not awaited); windows not yet pushed
   * are counted as dropped.
   */
  stopSync(): ContinuousStats {
    if (!this.stopped) {
      this.stopped = true;
      clearTimeout(this.timer);
      this.enqueue(this.profiler.stop(), true);
    }
    // The window being handed over too, for what it has not done yet.
    for (const window of this.pending.splice(0)) {
      const { session, info } = window;
      if (this.writer && !window.written) info.files = this.writer.writeSync(session, info.index);
      if (!window.calledBack) void this.callback(session, info);
    }
    this.pusher?.close();
    return this.stats();
  }

  /**
   * Cuts at deadlines counted from the start, so windows do not drift by the
   * timer's lateness. Some time before each deadline, inlined frames start
   * being recovered in slices (Profiler.prepareEnd), so that the cut itself
   * has only the newest samples' left to do and stalls the service little.
   */
  private schedule(): void {
    const lead = Math.min(this.options.windowMs / 2, PREPARE_LEAD_MS);
    this.timer = setTimeout(async () => {
      void this.profiler.prepareEnd().catch(() => undefined);
      // Until the deadline: a timer set after synchronous work counts from the event loop's
      // cached time and can fire that much early (a window 13 ms short in CI).
      for (let left = this.nextCutAt - performance.now(); left > 0 && !this.stopped; left = this.nextCutAt - performance.now()) {
        await new Promise((resolve) => setTimeout(resolve, Math.ceil(left)).unref());
      }
      if (this.stopped) return;
      this.cut();
      void this.handOver();
      const now = performance.now();
      this.nextCutAt += this.options.windowMs;
      if (this.nextCutAt <= now) this.nextCutAt = now + this.options.windowMs;
      this.schedule();
    }, Math.max(0, this.nextCutAt - lead - performance.now()));
    this.timer.unref(); // profiling never keeps a process alive
  }

  private cut(): void {
    let session: Session;
    const started = performance.now();
    try {
      session = this.profiler.cut();
    } catch (error) {
      this.problems.report('cut', `could not cut a profile window: ${(error as Error).message}`);
      return;
    }
    const ms = performance.now() - started;
    this.cutMs.total += ms;
    this.cutMs.max = Math.max(this.cutMs.max, ms);
    this.enqueue(session, false);
  }

  private enqueue(session: Session, final: boolean): void {
    const start = session.meta.startTime;
    const info: WindowInfo = { index: this.index++, start, end: start + session.meta.duration * 1000, final, files: [] };
    this.pending.push({ session, info, written: false, calledBack: false });
    // The window being handed over (pending[0] while handing) is not waiting.
    const handingOne = this.handing === undefined ? 0 : 1;
    while (this.pending.length - handingOne > MAX_PENDING_WINDOWS) {
      this.pending.splice(handingOne, 1); // the oldest waiting one
      this.windowsSkipped++;
      this.problems.report('skipped', `profile windows are handed over slower than they are cut (a slow disk or onWindow callback): skipping the oldest waiting one`);
    }
  }

  /** Hands waiting windows over, one at a time, in a later turn of the event loop. */
  private handOver(): Promise<void> {
    this.handing ??= (async () => {
      try {
        await new Promise((resolve) => setImmediate(resolve));
        // A window leaves `pending` only once handed over: if the process
        // exits meanwhile, stopSync() writes it again, synchronously.
        for (let next = this.pending[0]; next !== undefined; next = this.pending[0]) {
          await this.handOne(next);
          if (this.pending[0] === next) this.pending.shift();
        }
      } finally {
        this.handing = undefined;
      }
    })();
    return this.handing;
  }

  private async handOne(window: PendingWindow): Promise<void> {
    const { session, info } = window;
    let pprof: Buffer | undefined;
    if (this.pusher || (this.writer && this.options.formats.includes('pprof'))) {
      try {
        pprof = await renderPprofAsync(session);
      } catch (error) {
        this.problems.report('render', `could not render a profile window as pprof: ${(error as Error).message}`);
      }
    }
    if (this.writer) info.files = await this.writer.write(session, info.index, pprof);
    window.written = true;
    if (this.pusher && pprof) {
      this.pusher.push({ pprof, start: info.start, end: info.end, sampleRate: 1 / session.meta.requestedInterval });
    }
    window.calledBack = true;
    await this.callback(session, info);
  }

  private async callback(session: Session, info: WindowInfo): Promise<void> {
    if (!this.given.onWindow) return;
    try {
      await this.given.onWindow(session, info);
    } catch (error) {
      this.problems.report('callback', `the onWindow callback failed: ${(error as Error)?.message ?? String(error)}`);
    }
  }
}

/** Starts continuous profiling of the calling thread; see ContinuousOptions. */
export function startContinuous(options: ContinuousOptions): ContinuousProfiler {
  return new ContinuousProfiler(options);
}
