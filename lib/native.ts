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
}

export interface NativeDrain {
  /** SampleHeader records (native/sample_record.h), each followed by its frames. */
  samples: ArrayBuffer;
  /** CodeEventHeader records, each followed by its padded name. */
  codeEvents: ArrayBuffer;
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
}

let loaded: NativeSampler | undefined;

export function loadNative(): NativeSampler {
  if (loaded) return loaded;
  const packageRoot = join(__dirname, '..', '..');
  try {
    // node-gyp-build finds build/Release or a matching prebuild.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeSampler;
    loaded = nodeGypBuild(packageRoot);
  } catch (error) {
    throw new Error(
      `nodeinstrument: the native sampler could not be loaded for Node ${process.version} ` +
        `(ABI ${process.versions.modules}, ${process.platform}-${process.arch}). ` +
        `Build it with \`npx node-gyp rebuild\` in ${packageRoot}. Cause: ${(error as Error).message}`,
    );
  }
  return loaded;
}
