/**
 * Loads the compiled addon (native/, built by node-gyp or shipped prebuilt)
 * and describes its surface. See native/addon.cc.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { PACKAGE_ROOT } from '../util/package-root';
import type { ElfFunctions } from '../symbolize/elf-symbols';

export interface NativeStartOptions {
  intervalNs: number;
  maxFrames?: number;
  signal?: number;
  maxPendingBytes?: number;
  /** 4+ bytes whose first int32 the signal handler copies into each sample (lib/labels/state.ts); keep it alive while sampling. */
  labelSlot?: ArrayBuffer;
  /** Sample every intervalNs of the thread's CPU time instead of wall time (CPU mode). */
  cpuClock?: boolean;
  /** CPU mode: false to have the sampling thread read the CPU clock even where the kernel's CPU timer can be opened (default true). */
  cpuTimer?: boolean;
  /** Wall mode: take samples through V8 interrupts where the thread serves them in time, the signal elsewhere (native/sampler.h). */
  interrupts?: boolean;
  /** With interrupts: how long an interrupt may wait to be served before the signal takes the sample (default 30 us, at most a quarter of the interval). */
  interruptGraceNs?: number;
  /** Tests only: each interrupt sample is followed by a signal sample of the same moment (native/sampler.h). */
  interruptCheck?: boolean;
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
  /** CPU mode: 1 if the kernel's timer on the thread's CPU time sends the signals (native/cpu_timer.h), 0 if the sampling thread does. */
  cpuTimer: number;
  /** CLOCK_MONOTONIC ns when sampling in this process was halted for --interpreted-frames-native-stack; 0 if never (process-wide). */
  nativeStackHaltNs: number;
  /** Samples taken in a V8 interrupt callback (interrupts on). */
  interruptSamples: number;
  /** Interrupts requested (at most one pending at a time). */
  interruptRequests: number;
  /** 1 if start() had V8 list the existing code (a heap walk), 0 if a code watcher knew it already. */
  enumeratedExistingCode: number;
  /** CPU mode without the kernel's timer (cpuTimer 0): why ("" otherwise). */
  cpuTimerError: string;
}

export interface NativeDrain {
  /** SampleHeader records (native/sample_record.h), each followed by its frames. */
  samples: ArrayBuffer;
  /** CodeEventHeader records, each followed by its padded name. */
  codeEvents: ArrayBuffer;
}

/** The counters every sampler keeps (a worker's, in drainWorkers). */
export type NativeSamplerCounters = Omit<NativeStats, 'startTimeNs' | 'startCpuTimeNs' | 'signal' | 'enumeratedExistingCode' | 'cpuTimerError'>;

/** One worker thread's share of drainWorkers() (native/workers.h). */
export interface NativeWorkerDrain {
  /** Registration number: unique in the process, stable for the thread's life. */
  key: number;
  threadId: number;
  /** The worker's name in reports as it said (nameWorker), '' until then. */
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
  /** The C++ name of a mangled symbol (`_ZN2v88internal4Heap...` -> `v8::internal::Heap::...`); the name itself otherwise. */
  demangle(name: string): string;
  /** The functions of an ELF file by address (native/elf_functions.h), or null when it has none. */
  functionTable(path: string): Omit<ElfFunctions, 'path'> | null;
  /** Starts reading a file's function table on a native thread, for a later functionTable(path) to take. */
  prefetchFunctionTable(path: string): void;
  defaultSignal: number;
  /** SIGRTMIN and SIGRTMAX as this process's C library reports them: the signals a sampler may use. */
  signalMin: number;
  signalMax: number;
  /** Stops every sampler of the process from walking stacks, for good (lib/native/v8-flags.ts). */
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
  /** On a registered worker thread: what reports call it (lib/threads/worker-registration.ts workerName). */
  nameWorker(name: string): void;
  /** Main thread: sample every registered worker (and those registering later) until stopWorkers. */
  startWorkers(options: NativeStartOptions): void;
  /** Main thread: stop sampling the workers (their sampling threads are joined on return). */
  stopWorkers(): void;
  /** Main thread: what each worker sampled since the last call, and why some could not be sampled. */
  drainWorkers(): { workers: NativeWorkerDrain[]; errors: string[] };
  /**
   * Main thread: calls finish(signal, fromLoop) on the JS thread when one of
   * `signals` arrives, even inside a synchronous loop (native/termination.h).
   * finish answers 0 to be asked again shortly, 1 when done (the process then
   * ends as the signal would), 2 when it ends the process itself later.
   * Signals that are ignored are left alone; returns those watched.
   */
  watchTermination(signals: readonly number[], finish: (signal: number, fromLoop: boolean) => 0 | 1 | 2): number[];
  /** Gives the watched signals back their previous actions. */
  unwatchTermination(): void;
  /** From now on, writes `{"nearHeapLimit":<bytes>}` lines to fd whenever V8's heap nears its limit (native/heap_limit.h). */
  noteNearHeapLimit(fd: number): void;
  /** From now on V8's heap limit is raised when reached, rather than the process dying (native/heap_limit.h): for the preload's work after the program ended. */
  allowHeapHeadroom(): void;
  /** Bytes the limit was raised by so far. */
  heapHeadroomUsed(): number;
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

/** Set to the addon used once the note about a skipped one was printed. */
const NOTED_ENV = 'NODEINSTRUMENT_ADDON_NOTED';

/** The addon's candidates, in order: a build from source, then the prebuilt binary for this ABI. */
function candidates(packageRoot: string): string[] {
  const list = ['Release', 'Debug'].map((type) => join(packageRoot, 'build', type, 'nodeinstrument.node')).filter((path) => existsSync(path));
  // The name scripts/prebuild.sh gives (prebuildify's, as node-gyp-build reads it); musl builds from source.
  const libc = process.env.LIBC ?? (existsSync('/etc/alpine-release') ? 'musl' : 'glibc');
  list.push(join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`, `nodeinstrument.abi${process.versions.modules}.${libc}.node`));
  return list;
}

/**
 * Why the prebuilt binary for this Node is missing, from what the package
 * holds: no prebuilt binaries at all (a git checkout, or a package packed
 * without them), or binaries for other Nodes only.
 */
function whyNotPrebuilt(path: string): string {
  const dir = dirname(path);
  const ships = `prebuilt binaries ship for ${PREBUILT_FOR}`;
  if (!existsSync(dir)) return `this copy of the package has no prebuilt binaries for ${basename(dir)}: installed from a git checkout or a package packed without them; ${ships}`;
  let present: string[];
  try {
    present = readdirSync(dir).filter((file) => file.endsWith('.node'));
  } catch {
    return ships;
  }
  if (present.length === 0) return `${relative(PACKAGE_ROOT, dir)} holds no binary; ${ships}`;
  return `${relative(PACKAGE_ROOT, dir)} holds ${present.join(', ')}, for other Node versions or libcs; ${ships}`;
}

/** Loads one candidate; returns why it does not fit, or the addon. */
function tryLoad(path: string, packageRoot: string): NativeSampler | string {
  const name = relative(packageRoot, path);
  if (!existsSync(path)) return `${name} is not there (${whyNotPrebuilt(path)})`;
  let addon: NativeSampler & { moduleVersion?: number };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(path) as NativeSampler & { moduleVersion?: number };
  } catch (error) {
    // The cause on one line: dlopen's messages can span lines.
    const cause = (error as Error).message.replace(/\s*\n\s*/g, '; ').replace(/;\s*$/, '');
    return `${name} does not load (${cause})`;
  }
  // The addon registers through Node-API, so any Node loads it, but the
  // sampler uses V8's C++ API: a build for another ABI (build/Release left
  // from another Node version) must not run. Builds from before the addon
  // reported its ABI have no moduleVersion and are taken as they are.
  if (addon.moduleVersion !== undefined && String(addon.moduleVersion) !== process.versions.modules) {
    return `${name} was built for another Node (ABI ${addon.moduleVersion})`;
  }
  return addon;
}

/**
 * The addon: a build from source (build/Release) if one loads and fits this
 * Node, else the prebuilt binary for this ABI. A build from source left from
 * another Node version is skipped with a note on stderr; when nothing fits,
 * one NativeLoadError names each candidate and why.
 */
export function loadNative(): NativeSampler {
  if (loaded) return loaded;
  const packageRoot = PACKAGE_ROOT;
  const refused: string[] = [];
  for (const path of candidates(packageRoot)) {
    const result = tryLoad(path, packageRoot);
    if (typeof result === 'string') {
      refused.push(result);
      continue;
    }
    // Once, not again in the program the CLI runs (which inherits the variable).
    if (refused.length > 0 && process.env[NOTED_ENV] !== path) {
      process.env[NOTED_ENV] = path;
      process.stderr.write(`nodeinstrument: note: ${refused.join('; ')}: using ${relative(packageRoot, path)}; \`npm rebuild nodeinstrument\` rebuilds it for this Node\n`);
    }
    loaded = result;
    return loaded;
  }
  throw new NativeLoadError(`nodeinstrument: no native sampler fits ${thisNode()}: ${refused.join('; ')}; ${howToBuild(packageRoot)}`);
}
