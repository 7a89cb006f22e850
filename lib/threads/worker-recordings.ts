/**
 * The worker threads a recording samples besides its own thread (native/
 * workers.h): each worker's samples and code events come through the main
 * thread's drains and are symbolized here, one Symbolizer per worker (each
 * isolate has its own code and script ids), into a session of its own. The
 * recorder merges them with its own thread's (lib/threads/merge.ts).
 */
import { ProfileMode } from '../session/mode';
import { NativeSampler, NativeWorkerDrain } from '../native/addon';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ThreadRecording } from '../recording/thread-recording';
import { keepSamples } from '../session/keep-samples';
import { Session, SessionMeta, ThreadInfo } from '../session/session';
import type { NativeResolver } from '../symbolize/symbolizer';

/** One worker thread's recording: its samples in the current window, and what the thread said of itself. */
interface WorkerRecording {
  threadId: number;
  /** The worker's name in reports, as it said (workerName; '' until it did). */
  name: string;
  thread: ThreadRecording;
  /** The thread's CPU time at the last drain, and when it stopped being sampled (0: it is). */
  cpuNs: number;
  endNs: number;
  exited: boolean;
  dropped: number;
  droppedAtWindowStart: number;
}

/** A worker's part of a window or recording, ready to merge. */
export interface WorkerPart {
  session: Session;
  /** When the thread's samples start (ns, CLOCK_MONOTONIC): the merge places them on the session's time axis. */
  startNs: number;
  info: Omit<ThreadInfo, 'start' | 'end'> & { endNs: number };
}

/** How long a worker may take to load nodeinstrument before a note says it was not sampled (ms). */
const UNSAMPLED_GRACE_MS = 1000;

export class WorkerRecordings {
  private readonly byKey = new Map<number, WorkerRecording>();
  /** Why workers could not be sampled (each once). */
  readonly problems = new Set<string>();
  /**
   * Workers created while recording and not sampled yet, by thread id: when
   * created (performance.now() ms) and whether they exited.
   */
  private readonly unsampled = new Map<number, { createdAt: number; exited: boolean }>();
  /** Node announces each Worker it creates on this channel (Node 16.14 and later). */
  private readonly onWorkerCreated = (message: unknown): void => {
    const worker = (message as { worker?: { threadId?: unknown; once?: unknown } }).worker;
    const id = worker?.threadId;
    if (typeof id !== 'number') return;
    const entry = { createdAt: performance.now(), exited: false };
    this.unsampled.set(id, entry);
    if (typeof worker!.once === 'function') (worker as { once(event: string, listener: () => void): void }).once('exit', () => (entry.exited = true));
  };

  constructor(
    private readonly native: NativeSampler,
    private readonly resolver: NativeResolver,
    private readonly mode: ProfileMode,
  ) {}

  /** Watches for workers created from now on (once their sampling started). */
  watch(): void {
    subscribe('worker_threads', this.onWorkerCreated);
  }

  /** Stops watching for new workers (the recording stopped; harmless if watch() never ran). */
  close(): void {
    unsubscribe('worker_threads', this.onWorkerCreated);
  }

  /**
   * Says which workers created during the recording were never sampled: a
   * worker is sampled only once nodeinstrument loads in it (an import, or the
   * CLI's preload, which a worker started with its own execArgv does not
   * inherit). Only those that exited unsampled, or were created over a
   * second ago (a worker just created may not have loaded it yet); each is
   * said once.
   */
  unsampledNote(): string | undefined {
    const now = performance.now();
    const missing: number[] = [];
    for (const [id, { createdAt, exited }] of this.unsampled) {
      if (!exited && now - createdAt < UNSAMPLED_GRACE_MS) continue;
      missing.push(id);
      this.unsampled.delete(id);
    }
    missing.sort((a, b) => a - b);
    if (missing.length === 0) return undefined;
    const which = missing.length === 1 ? `worker thread ${missing[0]} was` : `${missing.length} worker threads (${missing.join(', ')}) were`;
    return (
      `${which} created during the profile but not sampled: nodeinstrument did not load in ${missing.length === 1 ? 'it' : 'them'} ` +
      `(import it in the worker's script, or run under the nodeinstrument CLI, whose preload workers inherit unless given their own execArgv)`
    );
  }

  /** Takes what the workers sampled since the last call. */
  drain(): void {
    const { workers, errors } = this.native.drainWorkers();
    for (const error of errors) this.problems.add(error);
    for (const drained of workers) this.add(drained);
  }

  private add(drained: NativeWorkerDrain): void {
    let recording = this.byKey.get(drained.key);
    if (recording === undefined) {
      // A record that only says a thread exited, for a thread never seen: nothing to keep.
      if (drained.startTimeNs === 0) return;
      recording = {
        threadId: drained.threadId,
        name: '',
        thread: new ThreadRecording(this.resolver, drained.startTimeNs, drained.startCpuTimeNs, undefined, this.mode),
        cpuNs: drained.startCpuTimeNs,
        endNs: 0,
        exited: false,
        dropped: 0,
        droppedAtWindowStart: 0,
      };
      this.byKey.set(drained.key, recording);
    }
    this.unsampled.delete(recording.threadId);
    recording.thread.add(drained.samples, drained.codeEvents);
    if (drained.name !== '') recording.name = drained.name;
    if (drained.cpuTimeNs > 0) recording.cpuNs = drained.cpuTimeNs;
    if (drained.endTimeNs > 0) recording.endNs = drained.endTimeNs;
    if (drained.exited) recording.exited = true;
    if (drained.startTimeNs !== 0) recording.dropped = drained.stats.droppedRingFull + drained.stats.droppedStoreFull;
  }

  /**
   * Each worker's session for the window that ends at `endNs`, with inlined
   * frames recovered when asked; in the last window (stop), without samples
   * after its end. Workers that exited before are dropped
   * afterwards; the others go on into the next window (startWindow).
   */
  parts(endNs: number, meta: SessionMeta, inlinedFrames: boolean, last = false): WorkerPart[] {
    const parts: WorkerPart[] = [];
    for (const recording of this.byKey.values()) {
      const { thread } = recording;
      const end = recording.endNs > 0 ? Math.min(recording.endNs, endNs) : endNs;
      const dropped = recording.dropped - recording.droppedAtWindowStart;
      const threadMeta: SessionMeta = {
        ...meta,
        duration: Math.max(0, end - thread.windowStartNs) / 1e9,
        cpuTime: Math.max(0, recording.cpuNs - thread.windowStartCpuNs) / 1e9,
        sampleCount: thread.sampleCount,
        droppedSamples: dropped,
        unresolvedFrames: thread.symbolizer.counts.unresolvedFrames,
        totalFrames: thread.symbolizer.counts.totalFrames,
        notes: [],
      };
      const session = thread.finish(threadMeta, inlinedFrames);
      parts.push({
        session: last ? upTo(session, (end - thread.windowStartNs) / 1e9) : session,
        startNs: thread.windowStartNs,
        info: {
          name: recording.name || `worker ${recording.threadId}`,
          threadId: recording.threadId,
          cpuTime: threadMeta.cpuTime,
          exited: recording.exited,
          endNs: end,
        },
      });
    }
    return parts;
  }

  /** Continues every worker still running into a new window that starts at its last sample. */
  startWindow(): void {
    for (const [key, recording] of this.byKey) {
      if (recording.exited) {
        this.byKey.delete(key);
        continue;
      }
      recording.thread.nextWindow();
      recording.droppedAtWindowStart = recording.dropped;
    }
    this.problems.clear();
  }
}

/**
 * The session without samples after `end` (seconds into the window). A
 * worker's sampler is stopped from the main thread, and a worker's last
 * records can still come from after the recording's end (test/fixtures/
 * stop-bounds.js saw one 27 ms past it in 2 runs of 8; none once clipped).
 */
function upTo(session: Session, end: number): Session {
  const { time } = session.samples;
  if (time.every((t) => t <= end)) return session;
  return keepSamples(session, (i) => time[i]! <= end, session.meta);
}
