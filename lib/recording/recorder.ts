/**
 * A recording of wall or CPU time: starts the native sampler, drains it
 * periodically and at the end into the thread's recording (and the workers'),
 * and ends each window (cut) or the whole (stop) through one path,
 * finishWindow: build, recover inlined frames, merge threads, source maps.
 */
import { countRecording, labelState } from '../labels/state';
import { MemoryRecorder } from '../memory/recorder';
import { modeOf, ProfileMode } from '../session/mode';
import { loadNative, NativeSampler, NativeStats } from '../native/addon';
import { Session, SessionMeta } from '../session/session';
import { applySourceMaps, SourceMapResolver } from '../symbolize/source-maps';
import { exportedSymbolAt, knowsFunctionsOf, NativeObjects } from '../symbolize/native-objects';
import { readableNativeName } from '../symbolize/native-names';
import { claimSampling } from '../native/sampling-claim';
import type { CodeCatalog } from '../symbolize/code-entry';
import type { NativeResolver } from '../symbolize/symbolizer';
import { isWatchingCode, recordingStarted, recordingStopped, watchedCodeCatalog } from '../symbolize/code-watcher';
import { concatWindows, mergeThreads, ThreadPart, WindowPart } from '../threads/merge';
import { hasThreads, sessionOfThread } from '../threads/threads';
import { keepSamples } from '../session/keep-samples';
import { asProfilerWork } from './profiler-work';
import type { SessionJournal } from './journal';
import type { MemorySeries } from '../memory/series';
import type { Recording, RecordingTap } from './recording';
import { ThreadRecording } from './thread-recording';
import type { SamplerKind } from '../options';
import { WorkerRecordings } from '../threads/worker-recordings';
import { guardV8Flags, nativeStackNote } from '../native/v8-flags';
import { isMainThread } from 'node:worker_threads';
import { sep } from 'node:path';
import { realpathSync } from 'node:fs';
import { DIST_DIR, profilerLibraryDirs } from '../util/package-root';
import { AwaitRecord, AwaitTracker } from './await-tracker';
import { attributeAwaits } from '../session/awaits';
import { cpuWaitNs } from './cpu-wait';

export interface RecorderOptions {
  /** Sampling interval in seconds. */
  interval: number;
  /** Deepest stack recorded; deeper stacks keep their leaf-most frames. */
  maxStackDepth: number;
  /** Signal number the sampler uses; 0 for the default. */
  signal: number;
  /** What a sample measures: wall time, or the thread's CPU time (samples driven by its CPU clock). */
  mode: ProfileMode;
  /** Recover inlined frames and executing lines at stop (ProfilerOptions.inlinedFrames). */
  inlinedFrames: boolean;
  /** How often buffered samples are symbolized while running, ms. */
  drainInterval: number;
  /** Sample the worker threads that loaded nodeinstrument too (ProfilerOptions.workers). */
  workers: boolean;
  /** How wall-mode samples are taken (ProfilerOptions.sampler). */
  sampler: SamplerKind;
  /** Show where the calling async context waits (ProfilerOptions.awaits). */
  awaits: boolean;
}

/** The code map the last recording in this process ended with (see CodeCatalog). */
let lastCodeCatalog: CodeCatalog | undefined;
/** Set by processEnding(): no recording starts after the one stopping, so none is left a code map. */
let noLaterRecording = false;

/**
 * The process is ending (the CLI's preload, at exit or a terminating signal):
 * a recording that stops now leaves no code map for a later one (the map
 * cost 13-25 ms at the end of a TypeScript check, for nothing).
 */
export function processEnding(): void {
  noLaterRecording = true;
}

/** A drain this long after the previous one follows a synchronous stretch: see drain(). */
const LONG_WITHOUT_DRAIN_MS = 1000;

/** prepareEnd(): at most this many rounds of drain and resolve; a round that resolved fewer positions than PREPARED_ENOUGH is the last. */
const PREPARE_ROUNDS = 6;
const PREPARED_ENOUGH = 16;

export class Recorder implements Recording {
  private readonly native: NativeSampler;
  /** This thread's samples in the current window, and where the window started. */
  private readonly thread: ThreadRecording;
  private readonly drainTimer: NodeJS.Timeout;
  /** When the last drain ran (performance.now()). */
  private lastDrainAt = performance.now();
  // The current window's start in wall time (the whole recording's unless cut() was called).
  private startWallTime: number;
  /** Counters at the start of the window: the native ones count from start(). */
  private statsAtStart: NativeStats | undefined;
  /** The thread's wait for a CPU when the window started (ns; cpu-wait.ts). */
  private cpuWaitAtStart = cpuWaitNs();
  /** Kept across windows, so each script's map is read once. */
  private readonly sourceMaps = new SourceMapResolver();
  private readonly memory: MemoryRecorder;
  private session: Session | undefined;
  /** The label slot the sampler reads; held here too so it lives as long as the sampler. */
  private readonly labelSlot = labelState().slot.buffer as ArrayBuffer;
  private readonly releaseClaim: () => void;
  /** The worker threads sampled with this thread, when options.workers. */
  private readonly workers: WorkerRecordings | undefined;
  private journal: SessionJournal | undefined;
  /** Captures served from this recording while it runs (tap()). */
  private readonly taps = new Set<TapState>();
  /** Where the context that started the recording waits, when options.awaits. */
  private readonly awaits: AwaitTracker | undefined;

  constructor(private readonly options: RecorderOptions) {
    this.native = loadNative();
    guardV8Flags(this.native);
    // Taken before the sampler starts: its drains take the events after that.
    const watched = watchedCodeCatalog();
    // What can fail is done before the sampler starts, which nothing then undoes.
    const objects = new NativeObjects({
      readFunctions: (path) => {
        const table = this.native.functionTable(path);
        return table === null ? undefined : { ...table, path };
      },
      nameOf: (symbol) => readableNativeName(this.native.demangle(symbol)),
    });
    // Node's own table (86,000 functions, 30-40 ms) is read on another thread while the program runs,
    // not at the first drain (after the end, for a synchronous program); once a process.
    const executable = nodeExecutable();
    if (!knowsFunctionsOf(executable)) this.native.prefetchFunctionTable(executable);
    const resolver: NativeResolver = {
      objectOf: (address) => objects.objectOf(address),
      symbolOf: (address) => exportedSymbolAt(address, (at) => this.native.resolveSymbol(at)),
      functionOf: (address) => objects.functionOf(address),
    };
    this.startWallTime = Date.now();
    // CPU mode: NODEINSTRUMENT_CPU_TIMER=thread has the sampling thread read the CPU clock
    // where the kernel's timer would work (docs/production.md); read here, not in a worker thread's start.
    const cpuTimer = process.env.NODEINSTRUMENT_CPU_TIMER !== 'thread';
    this.releaseClaim = claimSampling();
    try {
      this.native.start({
        intervalNs: Math.round(options.interval * 1e9),
        maxFrames: options.maxStackDepth,
        signal: options.signal,
        labelSlot: this.labelSlot,
        cpuClock: options.mode === 'cpu',
        cpuTimer,
        interrupts: options.sampler === 'hybrid',
      });
    } catch (error) {
      this.releaseClaim();
      throw error;
    }
    recordingStarted();
    countRecording(1); // labels used in this thread now reach the slot (lib/labels/state.ts)
    const stats = this.native.stats()!;
    // Only the main thread's profile samples the workers; a worker's profile is of itself.
    if (options.workers && isMainThread) {
      this.workers = new WorkerRecordings(this.native, resolver, options.mode);
      this.native.startWorkers({
        intervalNs: Math.round(options.interval * 1e9),
        maxFrames: options.maxStackDepth,
        signal: stats.signal,
        cpuClock: options.mode === 'cpu',
        cpuTimer,
        interrupts: options.sampler === 'hybrid',
      });
      this.workers.watch();
    }
    this.thread = new ThreadRecording(resolver, stats.startTimeNs, stats.startCpuTimeNs, watched ?? lastCodeCatalog, options.mode);
    this.memory = new MemoryRecorder(this.native, stats.startTimeNs);
    this.drainTimer = setInterval(() => this.drain(), options.drainInterval);
    this.drainTimer.unref();
    // Last: the drain timer, made before, stays out of the tracked context.
    if (options.awaits) this.awaits = new AwaitTracker(() => this.native.monotonicNow());
  }

  get isRunning(): boolean {
    return this.session === undefined;
  }

  /**
   * See Recording.prepareEnd: inlined frames recovered in slices before
   * stop() or cut(). Callers that overlap (continuous mode before a cut, a
   * capture taken from this recording) share one preparation.
   */
  prepareEnd(): Promise<void> {
    this.preparing ??= this.prepareInSlices().finally(() => {
      this.preparing = undefined;
    });
    return this.preparing;
  }

  private preparing: Promise<void> | undefined;

  private async prepareInSlices(): Promise<void> {
    // Samples go on arriving while the slices run (on a busy service, one
    // slice per turn of the event loop): drain and resolve again until few
    // new positions came, and leave those to stop().
    if (!this.options.inlinedFrames) return;
    const window = this.thread.windowStartNs;
    // Until the window ends some other way (a cut or stop that does the rest itself).
    for (let round = 0; round < PREPARE_ROUNDS && !this.session && this.thread.windowStartNs === window; round++) {
      this.drain();
      if ((await this.thread.prepareInline()) < PREPARED_ENOUGH) return;
    }
  }

  /** Stops sampling (idempotent) and returns the session. */
  stop(): Session {
    return asProfilerWork(() => this.stopNow());
  }

  private stopNow(): Session {
    if (this.session) return this.session;
    clearInterval(this.drainTimer);
    if (this.workers) {
      this.native.stopWorkers();
      this.workers.close();
    }
    this.native.stop();
    const awaits = this.awaits?.stop();
    // Read after the sampler stopped: a signal served between a clock read
    // and the stop (the thread descheduled there on a busy machine) would
    // otherwise give a sample later than the window's end.
    const endNs = this.native.monotonicNow();
    const endCpuNs = this.native.threadCpuTime();
    countRecording(-1);
    const memory = this.memory.stop();
    this.releaseClaim();
    this.drain(true);
    if (!noLaterRecording) lastCodeCatalog = this.thread.symbolizer.catalog(isWatchingCode() ? 'all' : 'optimized');
    recordingStopped(noLaterRecording ? undefined : lastCodeCatalog);
    const windowStartNs = this.thread.windowStartNs;
    this.session = this.finishWindow(this.native.stats()!, endNs, endCpuNs, memory, true);
    if (awaits) this.session = withAwaits(this.session, awaits, windowStartNs, this.sourceMaps);
    for (const tap of this.taps) tap.windows.push({ session: this.session, startNs: windowStartNs });
    return this.session;
  }

  /**
   * The current window, ending at `endNs`, as a session: this thread's and the
   * workers' samples, inlined frames recovered when asked, and source maps
   * applied (read here, in the profiled process, where the files are).
   */
  private finishWindow(stats: NativeStats, endNs: number, endCpuNs: number, memory: MemorySeries | undefined, last = false): Session {
    const own = this.thread.finish(this.meta(stats, endNs, endCpuNs), this.options.inlinedFrames, memory);
    return applySourceMaps(this.withWorkers(own, endNs, last), this.sourceMaps);
  }

  /**
   * The session with the worker threads' samples added as threads of their
   * own, when workers were sampled (a session of one thread stays as it is).
   */
  private withWorkers(session: Session, endNs: number, last: boolean): Session {
    if (!this.workers) return session;
    const problems = [...this.workers.problems];
    const unsampled = this.workers.unsampledNote();
    if (unsampled !== undefined) problems.push(unsampled);
    const parts: ThreadPart[] = [
      {
        session,
        info: { name: 'main', threadId: 0, start: 0, end: session.meta.duration, cpuTime: session.meta.cpuTime, exited: false },
      },
    ];
    const workerParts = this.workers.parts(endNs, session.meta, this.options.inlinedFrames, last);
    // In the order the workers were created, whatever order they joined in.
    workerParts.sort((a, b) => a.info.threadId - b.info.threadId);
    for (const part of workerParts) {
      // A worker that never ran while sampled (it started and ended idle) has nothing to show.
      if (part.session.samples.stack.length === 0) continue;
      const start = (part.startNs - this.thread.windowStartNs) / 1e9;
      const { endNs: partEnd, ...info } = part.info;
      parts.push({ session: part.session, info: { ...info, start, end: (partEnd - this.thread.windowStartNs) / 1e9 } });
    }
    const meta = problems.length > 0 ? { ...session.meta, notes: [...session.meta.notes, ...problems] } : session.meta;
    return mergeThreads(parts, meta);
  }

  /**
   * Ends the current window and goes on recording into a new one, without
   * stopping the sampler (continuous profiling). The window ends at its last
   * sample, where the next one starts: no time is lost or counted twice. The
   * code map carries over; frames and stacks start afresh, so memory stays
   * bounded by one window. Costs the JS thread one drain (as the periodic ones).
   */
  cut(): Session {
    return asProfilerWork(() => this.cutNow());
  }

  private cutNow(): Session {
    if (this.session) throw new Error('the recording is stopped');
    this.drain();
    const stats = this.native.stats()!;
    const end = this.thread.symbolizer.lastSampleTime;
    const session = this.finishWindow(stats, end.timeNs, end.cpuNs, this.memory.cut(end.timeNs));
    for (const tap of this.taps) tap.windows.push({ session, startNs: this.thread.windowStartNs });
    this.workers?.startWindow();
    this.startWallTime += (end.timeNs - this.thread.windowStartNs) / 1e6;
    this.statsAtStart = stats;
    this.cpuWaitAtStart = cpuWaitNs();
    this.thread.nextWindow();
    return session;
  }

  /** See Recording.tap. */
  tap(awaits: boolean): RecordingTap {
    if (this.session) throw new Error('the recording is stopped');
    const state: TapState = {
      startNs: this.native.monotonicNow(),
      startWallTime: Date.now(),
      windows: [],
      awaits: awaits ? new AwaitTracker(() => this.native.monotonicNow()) : undefined,
    };
    this.taps.add(state);
    let session: Session | undefined;
    return {
      end: () => (session ??= this.endTap(state, this.native.monotonicNow())),
      endAsync: async () => {
        if (session !== undefined) return session;
        // The capture ends now; the slices that recover inlined frames run after it.
        const endNs = this.native.monotonicNow();
        await this.prepareEnd();
        return (session ??= this.endTap(state, endNs));
      },
      discard: () => {
        this.taps.delete(state);
        state.awaits?.stop();
      },
    };
  }

  /**
   * The tap's samples up to `endNs`. This thread's part of the current window
   * is built as cut() would build it (inlined frames recovered, with what
   * prepareEnd() prepared), but the recording goes on in it: the window the
   * recording ends later is whole.
   */
  private endTap(tap: TapState, endNs: number): Session {
    return asProfilerWork(() => {
      this.taps.delete(tap);
      const awaits = tap.awaits?.stop();
      const windows = [...tap.windows];
      // Running on: the capture lasts to its end, whether or not samples came (CPU mode samples nothing while idle).
      const running = !this.session;
      if (running) {
        this.drain();
        const end = this.thread.symbolizer.lastSampleTime;
        // This thread's part only (the copy is of it): the workers' window goes on untouched.
        const own = this.thread.peek(this.meta(this.native.stats()!, end.timeNs, end.cpuNs), this.options.inlinedFrames);
        windows.push({ session: applySourceMaps(own, this.sourceMaps), startNs: this.thread.windowStartNs });
      }
      const session = tapSession(tap, windows, endNs, running);
      return awaits ? withAwaits(session, awaits, tap.startNs, this.sourceMaps) : session;
    });
  }

  /** `samplingStopped`: the last drain, in stop(). */
  private drain(samplingStopped = false): void {
    asProfilerWork(() => {
      // The event loop did not turn for a second or more: a synchronous stretch ended (or the
      // program). Its closures may die in the collection this drain's work brings, and V8's
      // function tables with them; take the tables first (ThreadRecording.keepFunctionTables).
      const now = performance.now();
      if (this.options.inlinedFrames && now - this.lastDrainAt >= LONG_WITHOUT_DRAIN_MS) this.thread.keepFunctionTables(samplingStopped);
      this.lastDrainAt = now;
      const { samples, codeEvents } = this.native.drain();
      this.thread.add(samples, codeEvents);
      this.workers?.drain();
      this.memory.poll();
      if (this.journal) {
        const last = this.thread.symbolizer.lastSampleTime;
        const { builder, windowStartNs, windowStartCpuNs } = this.thread;
        this.journal.append(builder, Math.max(0, last.timeNs - windowStartNs) / 1e9, Math.max(0, last.cpuNs - windowStartCpuNs) / 1e9);
      }
    });
  }

  /**
   * From now on, after each drain, appends what the session gained to
   * `journal` (the CLI's record of a run, kept if the process dies).
   */
  journalTo(journal: SessionJournal): void {
    this.journal = journal;
    journal.start(this.meta(this.native.stats()!, this.thread.windowStartNs, this.thread.windowStartCpuNs));
  }

  private meta(total: NativeStats, endNs: number, endCpuNs: number): SessionMeta {
    const stats = sinceWindowStart(total, this.statsAtStart);
    const duration = Math.max(0, endNs - this.thread.windowStartNs) / 1e9;
    const sampleCount = this.thread.sampleCount;
    const notes: string[] = [];
    if (stats.sigprofHandlerChanges > 0) {
      notes.push(
        `another profiler changed the SIGPROF handler ${stats.sigprofHandlerChanges} time(s) during the run ` +
          `(V8's CpuProfiler: inspector Profiler.start, --cpu-prof); nodeinstrument samples on signal ${stats.signal} and kept sampling`,
      );
    }
    if (stats.handlerReinstalls > 0) {
      notes.push(
        `the handler of signal ${stats.signal} was replaced ${stats.handlerReinstalls} time(s) by other code and reinstalled` +
          (stats.lostSignals > 0 ? `; ${stats.lostSignals} signal(s) went to the other handler` : ''),
      );
    }
    if (this.options.mode === 'cpu' && total.cpuTimer === 0) {
      notes.push(
        `CPU mode without the kernel's CPU timer (${total.cpuTimerError || 'not available'}): ` +
          `a sampling thread watches the CPU clock instead, and CPU work in bursts shorter than the interval is charged to the code last seen running`,
      );
    }
    const halted = nativeStackNote(total.nativeStackHaltNs, this.thread.windowStartNs);
    if (halted !== undefined) notes.push(halted);
    if (stats.foreignSignals > 0) {
      notes.push(`${stats.foreignSignals} signal(s) ${stats.signal} came from elsewhere and were ignored`);
    }
    const counts = this.thread.symbolizer.counts;
    const cpuTime = Math.max(0, endCpuNs - this.thread.windowStartCpuNs) / 1e9;
    const cpuWait = cpuWaitNs();
    return {
      startTime: this.startWallTime,
      duration,
      cpuTime,
      sampleCount,
      requestedInterval: this.options.interval,
      // Samples come per interval of wall time, or of CPU time in CPU mode.
      achievedInterval: sampleCount > 0 ? (this.options.mode === 'cpu' ? cpuTime : duration) / sampleCount : 0,
      droppedSamples: stats.droppedRingFull + stats.droppedStoreFull,
      unresolvedFrames: counts.unresolvedFrames,
      totalFrames: counts.totalFrames,
      nodeVersion: process.version,
      v8Version: process.versions.v8,
      platform: process.platform,
      arch: process.arch,
      pid: process.pid,
      cwd: process.cwd(),
      argv: [...process.argv],
      signal: stats.signal,
      mode: this.options.mode,
      notes,
      profilerScripts: DIST_DIR + sep,
      profilerLibraries: profilerLibraryDirs(),
      ...(cpuWait !== undefined && this.cpuWaitAtStart !== undefined ? { waitedForCpu: Math.max(0, cpuWait - this.cpuWaitAtStart) / 1e9 } : {}),
      ...(this.options.sampler === 'hybrid' && this.options.mode === 'wall' ? { interruptSamples: stats.interruptSamples } : {}),
    };
  }
}

/** A tap of the recording (Recorder.tap). */
interface TapState {
  /** CLOCK_MONOTONIC ns and wall time (ms since the epoch) at its start. */
  readonly startNs: number;
  readonly startWallTime: number;
  /** The windows the recording ended (cut, or stop) since the tap began, with where each starts (ns). */
  readonly windows: Array<{ session: Session; startNs: number }>;
  /** Where the context that took the tap waits, when asked. */
  readonly awaits: AwaitTracker | undefined;
}

/** The session with its idle time after the tracked context's awaits shown under them (lib/session/awaits.ts). */
function withAwaits(session: Session, record: AwaitRecord, startNs: number, sourceMaps: SourceMapResolver): Session {
  const waits = record.waits.map(({ timeNs, frames }) => ({ time: (timeNs - startNs) / 1e9, frames }));
  const attributed = attributeAwaits(session, waits, sourceMaps);
  if (record.dropped === 0) return attributed;
  const note = `where the profiled context waited was kept for its first ${record.waits.length - 1} awaits; ${record.dropped} later ones show as (idle)`;
  return attributed.with({ meta: { ...attributed.meta, notes: [...attributed.meta.notes, note] } });
}

/**
 * A tap's windows as one session of its span: the samples after its start,
 * the main thread's only (a capture is of the thread that serves requests).
 */
function tapSession(tap: TapState, windows: ReadonlyArray<{ session: Session; startNs: number }>, endNs: number, running: boolean): Session {
  const end = (endNs - tap.startNs) / 1e9;
  const parts: WindowPart[] = windows.map(({ session, startNs }, index) => {
    const own = hasThreads(session) ? sessionOfThread(session, 0) : session;
    const start = (startNs - tap.startNs) / 1e9;
    const times = own.samples.time;
    const kept = keepSamples(own, (i) => times[i]! + start > 0 && times[i]! + start <= end, own.meta);
    // The windows' memory series are on their own time axes; the first window's notes stand for all.
    return { session: kept.with({ memory: undefined, meta: index === 0 ? kept.meta : { ...kept.meta, notes: [] } }), start };
  });
  const last = windows.at(-1)!.session.meta;
  // To the end asked for, or to the recording's end if it stopped before.
  const duration = Math.max(0, running ? end : Math.min(end, parts.at(-1)!.start + last.duration));
  let cpuTime = 0;
  let sampleCount = 0;
  for (const { session } of parts) {
    for (const cpu of session.samples.cpu) cpuTime += cpu;
    sampleCount += session.samples.stack.length;
  }
  const workers = windows.some(({ session }) => hasThreads(session));
  // The last window's wait for a CPU is not the tap's span's.
  const { waitedForCpu: _lastWindowsWait, interruptSamples: _lastWindowsInterrupts, ...lastMeta } = last;
  const meta: SessionMeta = {
    ...lastMeta,
    startTime: tap.startWallTime,
    duration,
    cpuTime,
    sampleCount,
    achievedInterval: sampleCount > 0 ? (modeOf(last) === 'cpu' ? cpuTime : duration) / sampleCount : 0,
    notes: [
      ...parts[0]!.session.meta.notes.filter((note) => !note.startsWith('thread main: ')),
      `taken from the recording that was running (${windows.length} of its window${windows.length === 1 ? '' : 's'}), at its interval and mode` +
        (workers ? '; its worker threads are left out' : ''),
    ],
  };
  return concatWindows(parts, meta);
}

/** The native stats that are settings or times, not counts since the start. */
const NOT_COUNTERS = new Set<keyof NativeStats>(['signal', 'startTimeNs', 'startCpuTimeNs', 'nativeStackHaltNs', 'cpuTimer', 'cpuTimerError', 'enumeratedExistingCode']);

/** The counters of `stats` less those at `start` (the window's share). */
function sinceWindowStart(stats: NativeStats, start: NativeStats | undefined): NativeStats {
  if (start === undefined) return stats;
  const delta = { ...stats };
  for (const key of Object.keys(stats) as Array<keyof NativeStats>) {
    if (!NOT_COUNTERS.has(key)) (delta[key] as number) = (stats[key] as number) - (start[key] as number);
  }
  return delta;
}

let executable: string | undefined;

/** The node executable as /proc/self/maps names it (the real path), where the symbolizer asks for its table. */
function nodeExecutable(): string {
  if (executable === undefined) {
    try {
      executable = realpathSync(process.execPath);
    } catch {
      executable = process.execPath;
    }
  }
  return executable;
}
