/**
 * Where a profiled async context waits (issue 17, `[await]`): the stack at
 * each `await` the context suspends at, so that the idle time while it waits
 * can be shown under that stack (lib/session/awaits.ts) instead of `(idle)`.
 *
 * The context is the one that started the recording (AsyncLocalStorage.enterWith
 * at start: it and everything it starts, awaits, timers and callbacks). A V8
 * promise hook sees every promise created on the thread. An `await` (or a
 * `.then`) creates a promise with a parent, while the awaiting function is on
 * the stack; for those of the context the stack is captured
 * (Error.captureStackTrace: the frames now, with V8's async frames of the
 * awaiting callers; formatted at stop).
 *
 * The context lets the thread go in segments: one microtask or callback each.
 * Within a segment, `await f()` first runs f up to its own first await, then
 * awaits f's promise: the segment's deepest await is where the chain waits.
 * A segment ends when a promise job starts (a promise hook) or the running
 * async resource changes; a boundary these miss (V8 starts an ES module's
 * top-level await body in a job of its own) only merges two segments, whose
 * deepest await is still the one waiting.
 *
 * Cost, while recording: a hook call per promise on the thread and an
 * AsyncLocalStorage lookup per awaited one, and a stack capture per await of
 * the tracked context (docs/benchmarks.md, "[await]").
 */
import { AsyncLocalStorage, executionAsyncId } from 'node:async_hooks';
import { promiseHooks } from 'node:v8';
import { sep } from 'node:path';
import type { AwaitFrame } from '../session/awaits';
import { DIST_DIR } from '../util/package-root';

export interface AwaitWait {
  /** CLOCK_MONOTONIC nanoseconds when the context let the thread go (its segment's last capture). */
  timeNs: number;
  /** Root first; none after MAX_AWAITS: not known from then on. */
  frames: AwaitFrame[];
}

export interface AwaitRecord {
  waits: AwaitWait[];
  /** Awaits not kept once MAX_AWAITS were. */
  dropped: number;
}

/** Frames captured per await: deeper stacks keep their leaf-most frames (the await and its callers). */
const MAX_FRAMES = 64;
/**
 * Awaits kept per recording (their stacks are held until stop, a kilobyte or
 * two each): a minute-long streamed response at hundreds of awaits a second fits.
 */
const MAX_AWAITS = 50_000;

interface CallSite {
  getFunctionName(): string | null;
  getFileName(): string | undefined | null;
  getLineNumber(): number | null;
  getEnclosingLineNumber?(): number | null;
  getEnclosingColumnNumber?(): number | null;
}

const scope = new AsyncLocalStorage<AwaitTracker>();
const OWN_SCRIPTS = DIST_DIR + sep;

/** Trackers running: the storage is disabled when none is. */
let trackers = 0;

export class AwaitTracker {
  private readonly stopHooks: Array<() => void>;
  /** Each await's stack (not formatted until stop), the segment it was in, and per segment its last await's time. */
  private readonly captures: object[] = [];
  private readonly segmentOf: number[] = [];
  private readonly segmentEnds: number[] = [];
  private segmentJob = -1;
  private segmentResource = -1;
  /** Promise jobs started on the thread: a new one begins a new segment. */
  private promiseJobs = 0;
  private dropped = 0;
  /** When the first await not kept was. */
  private droppedFromNs = 0;
  private record: AwaitRecord | undefined;

  /**
   * Starts tracking the calling async context (and what it starts). `now`
   * reads CLOCK_MONOTONIC in nanoseconds, the sampler's clock.
   */
  constructor(private readonly now: () => number) {
    scope.enterWith(this);
    trackers++;
    // (@types/node types the stop functions as Function.)
    this.stopHooks = [
      promiseHooks.onInit((_promise, parent) => {
        if (parent !== undefined && scope.getStore() === this) this.awaited();
      }) as () => void,
      promiseHooks.onBefore(() => {
        this.promiseJobs++;
      }) as () => void,
    ];
  }

  /** Runs `fn` in the tracked context: it and what it starts are tracked too (the HTTP A/B's worst case tracks every request). */
  track<T>(fn: () => T): T {
    return scope.run(this, fn);
  }

  /** Stops the hooks; the waits seen (formatted now: one per segment, its deepest await). Calling it again returns the same. */
  stop(): AwaitRecord {
    if (this.record) return this.record;
    for (const stop of this.stopHooks.splice(0)) stop();
    // Nothing reads the store any more: Node 20 propagates it (an async hook) while any storage is enabled.
    if (--trackers === 0) scope.disable();
    const deepest: AwaitFrame[][] = [];
    callSitesOf(this.captures).forEach((sites, index) => {
      const frames = awaitFrames(sites);
      const segment = this.segmentOf[index]!;
      if (frames.length > (deepest[segment]?.length ?? 0)) deepest[segment] = frames;
    });
    const waits: AwaitWait[] = [];
    deepest.forEach((frames, segment) => {
      if (frames !== undefined) waits.push({ timeNs: this.segmentEnds[segment]!, frames });
    });
    // The last one kept says "unknown from here on" (no frames): later idle time stays (idle).
    if (this.dropped > 0) waits.push({ timeNs: this.droppedFromNs, frames: [] });
    this.captures.length = 0;
    this.record = { waits, dropped: this.dropped };
    return this.record;
  }

  /**
   * A promise of the context was made by an await (or a then): its stack, in
   * the current segment or a new one. Never throws (it runs in a promise hook):
   * an Error made read-only by the program leaves the await untracked.
   */
  private awaited(): void {
    if (this.dropped > 0) return;
    const now = this.now();
    if (this.captures.length >= MAX_AWAITS) {
      this.dropped++;
      this.droppedFromNs = now;
      return;
    }
    const holder = {};
    const limit = Error.stackTraceLimit;
    let captured = false;
    try {
      Error.stackTraceLimit = MAX_FRAMES;
      Error.captureStackTrace(holder);
      captured = true;
    } catch {
      // Read-only: left untracked.
    } finally {
      if (Error.stackTraceLimit !== limit) Error.stackTraceLimit = limit;
    }
    if (!captured) return;
    const resource = executionAsyncId();
    if (this.promiseJobs !== this.segmentJob || resource !== this.segmentResource) {
      this.segmentJob = this.promiseJobs;
      this.segmentResource = resource;
      this.segmentEnds.push(now);
    }
    this.captures.push(holder);
    this.segmentOf.push(this.segmentEnds.length - 1);
    this.segmentEnds[this.segmentEnds.length - 1] = now;
  }
}

/** The captures' call sites: their stacks formatted by V8 with a formatter that keeps the sites. */
function callSitesOf(captures: object[]): CallSite[][] {
  const prepare = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_error, sites) => sites;
    return captures.map((holder) => {
      const sites = (holder as { stack?: unknown }).stack;
      return Array.isArray(sites) ? (sites as CallSite[]) : [];
    });
  } catch {
    // A program that made Error.prepareStackTrace read-only: no stacks to show.
    return [];
  } finally {
    if (Error.prepareStackTrace !== prepare) Error.prepareStackTrace = prepare;
  }
}

/**
 * The JavaScript frames of a capture, root first, as the sampler's stacks
 * hold them: builtins (`Promise`, `then`: no script), Node's promise hook
 * dispatch and this module's hook at the top left out. None when the await is
 * the profiler's own (its leaf-most script outside Node's is the profiler's,
 * as lib/processors/profiler-work.ts decides whose a sample is).
 */
function awaitFrames(sites: CallSite[]): AwaitFrame[] {
  const frames: AwaitFrame[] = [];
  for (let i = sites.length - 1; i >= 0; i--) {
    const site = sites[i]!;
    const file = site.getFileName();
    if (!file || file === __filename || file.startsWith('node:internal/promise_hooks')) continue;
    const line = site.getEnclosingLineNumber?.() ?? 0;
    const column = site.getEnclosingColumnNumber?.() ?? 0;
    frames.push({ name: site.getFunctionName() ?? '', file, line, column, at: site.getLineNumber() ?? 0 });
  }
  for (let i = frames.length - 1; i >= 0; i--) {
    if (!frames[i]!.file.startsWith('node:')) return frames[i]!.file.startsWith(OWN_SCRIPTS) ? [] : frames;
  }
  return frames;
}
