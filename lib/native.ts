/**
 * Loads the compiled addon (native/, built by node-gyp or shipped prebuilt)
 * and describes its surface. See native/addon.cc.
 */
import { join } from 'node:path';

export interface NativeStartOptions {
  intervalNs: number;
  maxFrames?: number;
  signal?: number;
  maxPendingBytes?: number;
  /** 4+ bytes whose first int32 the signal handler copies into each sample (lib/labels-state.ts); keep it alive while sampling. */
  labelSlot?: ArrayBuffer;
  /** Sample every intervalNs of the thread's CPU time instead of wall time (CPU mode). */
  cpuClock?: boolean;
}

export interface NativeStats {
  startTimeNs: number;
  startCpuTimeNs: number;
  signal: number;
  signalsSent: number;
  samplesRecorded: number;
  droppedRingFull: number;
  droppedStoreFull: number;
  handlerReinstalls: number;
  sigprofHandlerChanges: number;
  foreignSignals: number;
  codeEvents: number;
  lateTicks: number;
  busyTicks: number;
  /** Samples whose stack was walked from the caller because the pc was on a frame's set-up or tear-down. */
  boundaryRecoveries: number;
  /** Signals unanswered for 100 ms (taken by another handler, or a stopped thread), sent again. */
  lostSignals: number;
  /** Idle samples the sampling thread recorded itself, without a signal: the event loop was waiting in its poll. */
  idleTicks: number;
  /** CLOCK_MONOTONIC ns when sampling in this process was halted for --interpreted-frames-native-stack; 0 if never (process-wide). */
  nativeStackHaltNs: number;
  /** 1 if start() had V8 list the existing code (a heap walk), 0 if a code watcher knew it already. */
  enumeratedExistingCode: number;
}

export interface NativeDrain {
  /** SampleHeader records (native/sample_record.h), each followed by its frames. */
  samples: ArrayBuffer;
  /** CodeEventHeader records, each followed by its padded name. */
  codeEvents: ArrayBuffer;
}

/** The counters every sampler keeps (a worker's, in drainWorkers). */
export type NativeSamplerCounters = Omit<NativeStats, 'startTimeNs' | 'startCpuTimeNs' | 'signal' | 'enumeratedExistingCode'>;

/** One worker thread's share of drainWorkers() (native/workers.h). */
export interface NativeWorkerDrain {
  /** Registration number: unique in the process, stable for the thread's life. */
  key: number;
  threadId: number;
  /** The worker's script as it said (nameWorker), '' until then. */
  name: string;
  /** The thread exited: this is the last of it. */
  exited: boolean;
  /** When its sampler started (CLOCK_MONOTONIC ns; 0 if this record only says that it exited). */
  startTimeNs: number;
  startCpuTimeNs: number;
  /** The thread's CPU time now, or when it stopped being sampled. */
  cpuTimeNs: number;
  /** When it stopped being sampled, 0 while it is. */
  endTimeNs: number;
  samples: ArrayBuffer;
  codeEvents: ArrayBuffer;
  stats: NativeSamplerCounters;
}

export interface NativeSampler {
  /** Starts sampling the calling thread; false if it was already running. */
  start(options: NativeStartOptions): boolean;
  /** Stops sampling; false if it was not running. Drain afterwards for the rest. */
  stop(): boolean;
  isRunning(): boolean;
  drain(): NativeDrain;
  /** Counters of the current (or last) run; null before the first start. */
  stats(): NativeStats | null;
  /** CLOCK_MONOTONIC in nanoseconds. */
  monotonicNow(): number;
  /** CPU time of the calling thread in nanoseconds. */
  threadCpuTime(): number;
  /** The demangled symbol at an address (dladdr: slow, for few addresses); '' if none. */
  resolveSymbol(address: number): string;
  defaultSignal: number;
  /** SIGRTMIN and SIGRTMAX as this process's C library reports them: the signals a sampler may use. */
  signalMin: number;
  signalMax: number;
  /** Stops every sampler of the process from walking stacks, for good (lib/v8-flags.ts). */
  haltForNativeStackFlag(): void;
  /** Starts recording RSS and V8 heap used every `intervalNs` (native/memory_monitor.h). */
  memoryStart(intervalNs: number): void;
  /** Records a point now, with the heap read now (JS thread). */
  memorySample(): void;
  /** Records a last point and stops. */
  memoryStop(): void;
  /** Points since the last drain: (monotonic ns, RSS bytes, heap used bytes) triples. */
  memoryDrain(): Float64Array;
  /** Alloc mode: keeps the scripts of running code alive (true) or lets them go (false); returns how many were held. */
  keepScripts(on: boolean): number;
  /** Holds V8's code events between recordings (true) or lets them go; returns whether it held them before. */
  watchCode(on: boolean): boolean;
  /**
   * Between recordings, while watching: the code events logged since the last take; with
   * `rescan`, or when the log overflowed (`overflowed`), a fresh listing of all existing code.
   */
  takeCodeEvents(rescan: boolean): { codeEvents: ArrayBuffer; overflowed: boolean };
  /** On a worker thread: lets the main thread's profiles sample this thread until it exits. */
  registerWorker(threadId: number): void;
  /** On a registered worker thread: what reports call it (its script). */
  nameWorker(name: string): void;
  /** Main thread: sample every registered worker (and those registering later) until stopWorkers. */
  startWorkers(options: NativeStartOptions): void;
  /** Main thread: stop sampling the workers (their sampling threads are joined on return). */
  stopWorkers(): void;
  /** Main thread: what each worker sampled since the last call, and why some could not be sampled. */
  drainWorkers(): { workers: NativeWorkerDrain[]; errors: string[] };
}

let loaded: NativeSampler | undefined;

/** What the package ships prebuilt (scripts/prebuild.sh); elsewhere the addon is built on install. */
const PREBUILT_FOR = 'Node 20, 22 and 24 on linux-x64 with glibc 2.34 or newer';

/** No addon that fits this Node: none found, one that fails to load, or one built for another ABI. */
export class NativeLoadError extends Error {
  override name = 'NativeLoadError';
}

function thisNode(): string {
  const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
  return `Node ${process.version} (ABI ${process.versions.modules}, ${process.platform}-${process.arch}${glibc ? `, glibc ${glibc}` : ''})`;
}

function howToBuild(packageRoot: string): string {
  return (
    `build it from source with \`npm rebuild nodeinstrument\` (or \`npx node-gyp rebuild\` in ${packageRoot}), ` +
    'which needs python3, make and a C++ compiler'
  );
}

export function loadNative(): NativeSampler {
  if (loaded) return loaded;
  const packageRoot = join(__dirname, '..', '..');
  let addon: NativeSampler & { moduleVersion?: number };
  try {
    // node-gyp-build loads build/Release (a build from source) if there is
    // one, else the prebuild for this ABI (prebuilds/linux-x64/*.abi<N>.glibc.node).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeSampler;
    addon = nodeGypBuild(packageRoot);
  } catch (error) {
    // The cause on one line: node-gyp-build's and dlopen's messages span lines.
    const cause = (error as Error).message.replace(/\s*\n\s*/g, '; ').replace(/;\s*$/, '');
    throw new NativeLoadError(
      `nodeinstrument: no native sampler fits ${thisNode()}: prebuilt binaries ship for ${PREBUILT_FOR}; ` +
        `${howToBuild(packageRoot)}. Cause: ${cause}`,
    );
  }
  // The addon registers through Node-API, so any Node loads it, but the
  // sampler uses V8's C++ API: a build for another ABI (build/Release left
  // from another Node version) must not run. Builds from before the addon
  // reported its ABI have no moduleVersion and are taken as they are.
  if (addon.moduleVersion !== undefined && String(addon.moduleVersion) !== process.versions.modules) {
    throw new NativeLoadError(
      `nodeinstrument: the native sampler in ${packageRoot} was built for another Node (ABI ${addon.moduleVersion}), ` +
        `not ${thisNode()}: ${howToBuild(packageRoot)}`,
    );
  }
  loaded = addon;
  return loaded;
}
