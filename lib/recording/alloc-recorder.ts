/**
 * `mode: 'alloc'`: where memory is allocated, from V8's sampling heap
 * profiler, as a session whose weights are bytes.
 *
 * It is driven through an in-process inspector session (node:inspector,
 * HeapProfiler.startSampling / stopSampling) rather than natively through
 * v8::HeapProfiler: the protocol is public and stable across Node 20-24, it
 * answers synchronously on the calling thread (so stop() stays synchronous),
 * it already turns V8's AllocationProfile into plain objects with scaled
 * sizes, and it keeps the addon thin. No signal is involved: V8 samples
 * allocations itself, on average every `interval` bytes.
 *
 * V8's samples carry no timestamps, only their order: an alloc session's
 * samples are in allocation order with time 0; the memory series beside them
 * is timed.
 */
import { asProfilerWork } from './profiler-work';
import { Session as InspectorSession } from 'node:inspector';
import { FrameInfo, specialFrame } from '../session/frame';
import { MemoryRecorder } from '../memory/recorder';
import type { MemorySeries } from '../memory/series';
import { loadNative, NativeSampler } from '../native/addon';
import { AllocationSettings, Session, SessionBuilder, SessionMeta } from '../session/session';
import { applySourceMaps } from '../symbolize/source-maps';
import type { SessionJournal } from './journal';
import type { Recording } from './recording';

export interface AllocRecorderOptions {
  allocation: AllocationSettings;
  /** How often the memory series takes V8's heap size on the JS thread, ms. */
  drainInterval: number;
}

/** The protocol's shapes (HeapProfiler.SamplingHeapProfile). */
interface CallFrame {
  functionName: string;
  url: string;
  /** 0-based; -1 when unknown. */
  lineNumber: number;
  columnNumber: number;
}

interface HeapNode {
  callFrame: CallFrame;
  id: number;
  children: HeapNode[];
}

interface HeapSample {
  /** Bytes this sample stands for (already scaled by V8 for the sampling). */
  size: number;
  nodeId: number;
  ordinal: number;
}

export interface SamplingHeapProfile {
  head: HeapNode;
  samples: HeapSample[];
}

export class AllocRecorder implements Recording {
  private readonly native: NativeSampler;
  private readonly inspector = new InspectorSession();
  private readonly memory: MemoryRecorder;
  private readonly timer: NodeJS.Timeout;
  private readonly startWallTime = Date.now();
  private readonly startNs: number;
  private readonly startCpuNs: number;
  private session: Session | undefined;

  constructor(private readonly options: AllocRecorderOptions) {
    this.native = loadNative();
    this.startNs = this.native.monotonicNow();
    this.startCpuNs = this.native.threadCpuTime();
    // Without it a script whose functions are all garbage by stop (a CLI
    // script's main module at exit) loses its file and lines in the profile.
    this.native.keepScripts(true);
    try {
      try {
        this.inspector.connect();
      } catch (error) {
        throw new Error(`allocation mode needs Node's inspector, which this process cannot use: ${(error as Error).message}`);
      }
      const { interval, live } = options.allocation;
      this.post('HeapProfiler.startSampling', {
        samplingInterval: interval,
        includeObjectsCollectedByMajorGC: !live,
        includeObjectsCollectedByMinorGC: !live,
      });
    } catch (error) {
      this.native.keepScripts(false);
      throw error;
    }
    this.memory = new MemoryRecorder(this.native, this.startNs);
    this.timer = setInterval(() => asProfilerWork(() => this.memory.poll()), options.drainInterval);
    this.timer.unref();
  }

  get isRunning(): boolean {
    return this.session === undefined;
  }

  stop(): Session {
    return asProfilerWork(() => this.stopNow());
  }

  private stopNow(): Session {
    if (this.session) return this.session;
    clearInterval(this.timer);
    const endNs = this.native.monotonicNow();
    const endCpuNs = this.native.threadCpuTime();
    // Before the heap profile is taken, so the last point is the program's, not the profiler's.
    const memory = this.memory.stop();
    let profile: SamplingHeapProfile;
    try {
      profile = (this.post('HeapProfiler.stopSampling') as { profile: SamplingHeapProfile }).profile;
    } finally {
      this.inspector.disconnect();
      this.native.keepScripts(false);
    }
    const meta = this.meta(endNs, endCpuNs);
    this.session = applySourceMaps(sessionFromHeapProfile(profile, meta, memory));
    return this.session;
  }

  /** Nothing to do ahead: V8's heap profile is read at stop(). */
  prepareEnd(): Promise<void> {
    return Promise.resolve();
  }

  cut(): Session {
    throw new Error("cut() is for wall and cpu recordings: V8's heap profiler (mode 'alloc') has no windows");
  }

  /** Nothing to journal: V8 hands over the allocation samples only when sampling stops. */
  journalTo(_journal: SessionJournal): void {}

  /** The inspector answers in-process requests synchronously, before post() returns. */
  private post(method: string, params?: object): unknown {
    let answer: { error: Error | null; result?: unknown } | undefined;
    this.inspector.post(method, params, (error: Error | null, result?: unknown) => {
      answer = { error, result };
    });
    if (!answer) throw new Error(`the inspector did not answer ${method} synchronously`);
    if (answer.error) throw new Error(`${method} failed: ${answer.error.message}`);
    return answer.result;
  }

  private meta(endNs: number, endCpuNs: number): SessionMeta {
    const duration = Math.max(0, endNs - this.startNs) / 1e9;
    const notes: string[] = [];
    return {
      startTime: this.startWallTime,
      duration,
      cpuTime: Math.max(0, endCpuNs - this.startCpuNs) / 1e9,
      sampleCount: 0,
      requestedInterval: 0,
      achievedInterval: 0,
      droppedSamples: 0,
      unresolvedFrames: 0,
      totalFrames: 0,
      nodeVersion: process.version,
      v8Version: process.versions.v8,
      platform: process.platform,
      arch: process.arch,
      pid: process.pid,
      cwd: process.cwd(),
      argv: [...process.argv],
      signal: 0,
      notes,
      mode: 'alloc',
      allocation: { ...this.options.allocation },
    };
  }
}

/**
 * A session from a sampling heap profile: each heap-profile node becomes a
 * stack (V8's root left out), each sample one session sample weighing its
 * bytes, in allocation order.
 */
export function sessionFromHeapProfile(profile: SamplingHeapProfile, meta: SessionMeta, memory?: MemorySeries): Session {
  const builder = new SessionBuilder();
  const stackOfNode = new Map<number, number>();
  const pending: Array<{ node: HeapNode; stack: number }> = [{ node: profile.head, stack: -1 }];
  stackOfNode.set(profile.head.id, -1);
  for (let item = pending.pop(); item; item = pending.pop()) {
    for (const child of item.node.children) {
      const stack = builder.internStack(item.stack, builder.internFrame(frameOf(child.callFrame)));
      stackOfNode.set(child.id, stack);
      pending.push({ node: child, stack });
    }
  }
  const samples = [...profile.samples].sort((a, b) => a.ordinal - b.ordinal);
  for (const sample of samples) {
    const stack = stackOfNode.get(sample.nodeId);
    if (stack === undefined || !(sample.size > 0)) continue;
    builder.addSample(stack, 0, sample.size, 0);
  }
  return builder.build({ ...meta, sampleCount: builder.sampleCount }, memory);
}

/** The heap profile's call frame as a session frame (1-based lines, names as the wall sampler gives them). */
export function frameOf(callFrame: CallFrame): FrameInfo {
  const { functionName, url } = callFrame;
  const line = callFrame.lineNumber >= 0 ? callFrame.lineNumber + 1 : 0;
  const column = callFrame.columnNumber >= 0 ? callFrame.columnNumber + 1 : 0;
  // V8's synthetic entries: (root), (V8 API), (GC), (BYTECODE_COMPILER), ...
  if (!url && /^\(.*\)$/.test(functionName)) return specialFrame(functionName);
  const name = functionName || (line === 1 && column === 1 ? '(module)' : '(anonymous)');
  // A function without a script is one of V8's built-ins (Array.prototype.push, JSON.parse).
  return { name, file: url, line, column, kind: url ? 'js' : 'builtin' };
}
