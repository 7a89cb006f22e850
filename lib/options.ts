/** Defaults and validation of the options shared by the API and the CLI. */
import { checkProfileMode, DEFAULT_MODE, ProfileMode } from './session/mode';
import { loadNative } from './native/addon';

export const DEFAULT_INTERVAL = 0.001;
export const MIN_INTERVAL = 0.00001;
export const DEFAULT_MAX_STACK_DEPTH = 255;

export interface ProfilerOptions {
  /** Sampling interval in seconds (default 0.001: 1 ms). At least 10 us. */
  interval?: number;
  /** Deepest stack recorded, 2..4096 (default 255, as V8's profiler); deeper stacks keep their leaf-most frames. */
  maxStackDepth?: number;
  /** Signal number used to interrupt the thread: a real-time one, SIGRTMIN..SIGRTMAX (default SIGRTMIN+5; env NODEINSTRUMENT_SIGNAL). */
  signal?: number;
  /**
   * What to measure (default 'wall'). 'wall': where wall-clock time went, idle
   * and blocked time included. 'cpu': only the profiled thread's time on the
   * CPU, sampled by its CPU clock; times are CPU seconds. 'alloc': where memory
   * is allocated (V8's sampling heap profiler), in bytes.
   */
  mode?: ProfileMode;
  /** alloc mode: mean bytes between sampled allocations (default 32768, V8's). */
  allocationInterval?: number;
  /**
   * alloc mode: count only the objects still live at stop (in-use space)
   * instead of every sampled allocation (allocated space, the default). The
   * CLI stops at exit, when a script's data is mostly garbage already.
   */
  live?: boolean;
  /**
   * Recover the functions TurboFan inlined, and the executing lines, at stop
   * (default true). It reads the sampled scripts' sources and parses the
   * sampled functions on the profiled thread, once per process (cached): tens
   * of milliseconds for a small program, about a second for a TypeScript
   * compiler run (docs/design.md). The captures of a live service (pprof
   * endpoint, signal trigger, continuous windows) do most of it before the
   * end, in slices between which the event loop runs (Profiler.stopAsync);
   * the middleware at the end of the profiled request. False skips it: the
   * inlined functions' time then stays with their caller.
   */
  inlinedFrames?: boolean;
  /**
   * Sample the worker threads (worker_threads) that loaded nodeinstrument
   * too, each as a thread of its own in the reports (default true; wall and
   * cpu modes). A worker loads it when started under the CLI or
   * `--require nodeinstrument/preload` (workers inherit the flag), or when
   * its code imports nodeinstrument. Workers running a profile of their own
   * are left out, with a note. Only a profile on the main thread samples
   * workers: a worker's profile is of its own thread.
   */
  workers?: boolean;
  /**
   * Show where the async context that called start() waits (default false;
   * the request middleware turns it on): idle time while that context is
   * suspended at an `await` is shown under the stack of the await, as an
   * `[await]` frame, instead of as `(idle)`. The context is the caller and
   * what it starts (awaits, timers, callbacks). Costs a stack capture per
   * promise the context creates (docs/benchmarks.md, "[await]"). Wall mode;
   * the workers' samples are left as they are.
   */
  awaits?: boolean;
  /**
   * How samples are taken in wall mode (default 'signal'; env NODEINSTRUMENT_SAMPLER).
   * 'signal': a real-time signal interrupts the thread for each one. 'hybrid':
   * a V8 interrupt, served at the thread's next function entry or loop
   * iteration, where it comes within 30 us; the signal where it does not (C++,
   * garbage collection, blocking calls). Cheaper per sample (docs/benchmarks.md,
   * "Hybrid sampling"). CPU mode always uses signals.
   */
  sampler?: SamplerKind;
}

export type SamplerKind = 'signal' | 'hybrid';
export const SAMPLER_KINDS: readonly SamplerKind[] = ['signal', 'hybrid'];

/** The sampler: the option, else NODEINSTRUMENT_SAMPLER, else 'signal'. */
function resolveSampler(option: unknown): SamplerKind {
  const source = option === undefined ? 'NODEINSTRUMENT_SAMPLER' : 'the sampler option';
  const value = option ?? (process.env.NODEINSTRUMENT_SAMPLER || 'signal');
  if (!SAMPLER_KINDS.includes(value as SamplerKind)) {
    throw new RangeError(`${source} must be one of ${SAMPLER_KINDS.map((kind) => `'${kind}'`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as SamplerKind;
}

export const DEFAULT_ALLOCATION_INTERVAL = 32 * 1024;

export function checkInterval(interval: number): number {
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < MIN_INTERVAL || interval > 10) {
    throw new RangeError(`interval must be a number of seconds between ${MIN_INTERVAL} and 10, got ${String(interval)}`);
  }
  return interval;
}

/** The real-time signals this process's C library leaves free (SIGRTMIN..SIGRTMAX; glibc keeps 32 and 33). */
export interface SignalRange {
  min: number;
  max: number;
}

function nativeSignalRange(): SignalRange {
  const native = loadNative();
  return { min: native.signalMin, max: native.signalMax };
}

/**
 * Why a sampler signal is refused, as one line, or undefined when it is fine.
 * Only free real-time signals: a standard one has an owner (SIGCHLD is
 * libuv's, SIGTERM the process's), and glibc keeps the first real-time ones.
 */
export function signalProblem(value: unknown, source: string, range: SignalRange): string | undefined {
  const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number === 'number' && Number.isInteger(number) && number >= range.min && number <= range.max) return undefined;
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return `nodeinstrument: ${source} must be a real-time signal number from ${range.min} to ${range.max} (SIGRTMIN to SIGRTMAX here), got ${shown}`;
}

/** NODEINSTRUMENT_SIGNAL's problem, if it is set and not a usable signal (the CLI checks before it runs the program). */
export function envSignalProblem(env: NodeJS.ProcessEnv = process.env, range: SignalRange = nativeSignalRange()): string | undefined {
  const raw = env.NODEINSTRUMENT_SIGNAL;
  return raw === undefined || raw === '' ? undefined : signalProblem(raw, 'NODEINSTRUMENT_SIGNAL', range);
}

/** The sampler's signal: the option, else NODEINSTRUMENT_SIGNAL, else 0 (the addon's default); throws on an unusable one. */
function resolveSignal(option: number | undefined): number {
  if (option === undefined || option === 0) {
    const problem = envSignalProblem();
    if (problem !== undefined) throw new RangeError(problem);
    const raw = process.env.NODEINSTRUMENT_SIGNAL;
    return raw === undefined || raw === '' ? 0 : Number(raw);
  }
  const problem = signalProblem(option, 'the signal option', nativeSignalRange());
  if (problem !== undefined) throw new RangeError(problem);
  return option;
}

export function resolveProfilerOptions(options: ProfilerOptions = {}): Required<ProfilerOptions> {
  const maxStackDepth = options.maxStackDepth ?? DEFAULT_MAX_STACK_DEPTH;
  if (!Number.isInteger(maxStackDepth) || maxStackDepth < 2 || maxStackDepth > 4096) {
    throw new RangeError(`maxStackDepth must be an integer from 2 to 4096, got ${String(maxStackDepth)}`);
  }
  const signal = resolveSignal(options.signal);
  const mode = checkProfileMode(options.mode ?? DEFAULT_MODE);
  const allocationInterval = options.allocationInterval ?? DEFAULT_ALLOCATION_INTERVAL;
  if (!Number.isInteger(allocationInterval) || allocationInterval < 1 || allocationInterval > 2 ** 30) {
    throw new RangeError(`allocationInterval must be a whole number of bytes from 1 to 2^30, got ${String(allocationInterval)}`);
  }
  const live = options.live ?? false;
  if (typeof live !== 'boolean') throw new RangeError('live must be a boolean');
  const inlinedFrames = options.inlinedFrames ?? true;
  if (typeof inlinedFrames !== 'boolean') throw new RangeError('inlinedFrames must be a boolean');
  const workers = options.workers ?? true;
  if (typeof workers !== 'boolean') throw new RangeError('workers must be a boolean');
  const awaits = options.awaits ?? false;
  if (typeof awaits !== 'boolean') throw new RangeError('awaits must be a boolean');
  if (awaits && mode !== 'wall') throw new RangeError(`awaits shows idle time where it waited: it applies to mode 'wall', not '${mode}'`);
  const sampler = resolveSampler(options.sampler);
  if (options.sampler === 'hybrid' && mode !== 'wall') throw new RangeError(`sampler 'hybrid' applies to mode 'wall', not '${mode}'`);
  return { interval: checkInterval(options.interval ?? DEFAULT_INTERVAL), maxStackDepth, signal, mode, allocationInterval, live, inlinedFrames, workers, awaits, sampler };
}

/**
 * V8 flags under which sampling from a signal handler is unsafe. With
 * --interpreted-frames-native-stack, V8's stack walk takes locks; a signal
 * arriving while the thread holds one would hang the process.
 */
const UNSAFE_V8_FLAGS = [/^--interpreted[-_]frames[-_]native[-_]stack(?:=(?:true|1))?$/];

/** The first unsafe V8 flag among `args`, if any. */
export function findUnsafeV8Flag(args: readonly string[]): string | undefined {
  return args.find((arg) => UNSAFE_V8_FLAGS.some((pattern) => pattern.test(arg)));
}

/** Why sampling this process is refused, or undefined when it is safe. */
export function unsafeToSample(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string | undefined {
  const flag = findUnsafeV8Flag([...execArgv, ...nodeOptions.split(/\s+/)]);
  if (flag === undefined) return undefined;
  return `nodeinstrument cannot sample a process started with ${flag}: with it V8's stack walk takes locks, which a signal handler must never do (the process could hang); run without it`;
}
