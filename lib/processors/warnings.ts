/**
 * When a profile cannot be trusted, and what to do about it: too few samples
 * for the run, dropped samples, unresolved frames, a process that mostly
 * waited, a profile that is mostly start-up. Pure: a session in, warnings
 * out; the text, HTML and summary reports show them. Thresholds are in
 * WARNING_THRESHOLDS and documented in docs/optimization-loop.md#warnings.
 */
import { FrameInfo, isAwaitFrame, isIdleFrame } from '../session/frame';
import type { Session } from '../session/session';
import { hasThreads, sessionOfThread, threadsOf } from '../threads/threads';

export type WarningKind = 'few-samples' | 'dropped' | 'unresolved' | 'idle' | 'startup';

export interface ProfileWarning {
  kind: WarningKind;
  /** What is wrong, with the figures. */
  message: string;
  /** What to do about it. */
  advice: string;
}

export const WARNING_THRESHOLDS = {
  /**
   * Samples of the program running (not idle) below which shares are too
   * coarse: at 500, a function at 10% is measured within about +-2.6 points
   * (95%); at 100, +-5.9.
   */
  minBusySamples: 500,
  /** Samples the interval should give, when suggesting a smaller one. */
  targetSamples: 1000,
  /** Achieved share of the requested rate below which a smaller interval is not suggested (the machine is too busy). */
  lowRate: 0.8,
  /** Dropped samples (of recorded + dropped) from which the advice changes to a larger interval. Any drop is warned about. */
  droppedShare: 0.05,
  /** Unresolved share of walked frames. */
  unresolvedShare: 0.01,
  /** Share of the wall time the event loop waited. */
  idleShare: 0.5,
  /** Share of the busy (not idle) time spent loading and compiling modules. */
  startupShare: 0.5,
} as const;

/** Intervals suggested for more samples, largest first (seconds). */
const SUGGESTED_INTERVALS = [500e-6, 200e-6, 100e-6, 50e-6, 20e-6, 10e-6];

/**
 * thread: with worker threads (session.threads), the index of the thread
 * whose samples the sample-based checks (too few samples, idle, start-up)
 * look at, the main thread by default: meta.duration is the run's wall time
 * while the samples are every thread's, so counting them together would
 * mislead. Dropped samples and unresolved frames are the whole run's.
 */
export function profileWarnings(session: Session, thread = 0): ProfileWarning[] {
  const warnings: ProfileWarning[] = [];
  const { meta } = session;
  const threaded = hasThreads(session);
  const sampled = threaded ? sessionOfThread(session, thread) : session;
  const prefix = threaded ? `Thread ${escapeThreadName(threadsOf(session)[thread]!.name)}: ` : '';
  const ofThread = (warning: ProfileWarning): ProfileWarning => (prefix ? { ...warning, message: prefix + warning.message } : warning);
  const time = splitTime(sampled);
  const sampleCount = session.samples.stack.length;

  if (sampled.samples.stack.length > 0 && time.busySamples < WARNING_THRESHOLDS.minBusySamples) {
    const rate = sampled.meta.achievedInterval > 0 && meta.requestedInterval > 0 ? meta.requestedInterval / sampled.meta.achievedInterval : 1;
    warnings.push(ofThread(fewSamplesWarning(time.busySamples, time.busy, meta.requestedInterval, rate)));
  }
  if (meta.droppedSamples > 0) {
    const share = meta.droppedSamples / (meta.droppedSamples + Math.max(sampleCount, meta.sampleCount));
    const many = share >= WARNING_THRESHOLDS.droppedShare;
    warnings.push({
      kind: 'dropped',
      message: `${meta.droppedSamples} sample${meta.droppedSamples === 1 ? ' was' : 's were'} dropped (${percent(share)} of the run); times may be understated.`,
      advice: many
        ? `That many drops mean the sampler could not keep up (the thread was stopped, or the machine is overloaded): use a larger interval (${intervalOption(1e-3)}) or a quieter machine.`
        : 'A few drops happen when the thread cannot take a signal (stopped in a debugger, in uninterruptible sleep); the rest of the profile holds.',
    });
  }
  if (meta.totalFrames > 0 && meta.unresolvedFrames / meta.totalFrames > WARNING_THRESHOLDS.unresolvedShare) {
    const share = meta.unresolvedFrames / meta.totalFrames;
    warnings.push({
      kind: 'unresolved',
      message: `${percent(share)} of frames (${meta.unresolvedFrames} of ${meta.totalFrames}) could not be resolved.`,
      advice: 'Their time shows under (unresolved): start profiling before the code runs (the CLI does), and see docs/design.md for code V8 does not report.',
    });
  }
  if (time.total > 0 && time.idle / time.total >= WARNING_THRESHOLDS.idleShare) {
    warnings.push(ofThread({
      kind: 'idle',
      message:
        `The process was mostly idle: the event loop waited for I/O or timers ${percent(time.idle / time.total)} of the time; ` +
        `the program ran for ${seconds(time.busy)} (${time.busySamples} samples).`,
      advice:
        time.awaited > 0
          ? `The [await] lines (${seconds(time.awaited)}) show where the profiled code waited: the awaits to make faster, fewer or concurrent.`
          : 'If the waiting is the problem, find what it waits for (slow I/O, timers); to profile a service, put it under load while profiling.',
    }));
  }
  // Start-up is told from the entry script's frames (argv[1]); a worker runs its own script, so only the main thread is checked.
  if (thread === 0 && time.busy > 0 && time.startup / time.busy >= WARNING_THRESHOLDS.startupShare) {
    warnings.push(ofThread({
      kind: 'startup',
      message: `Start-up dominates: ${percent(time.startup / time.busy)} of the busy time (${seconds(time.startup)}) went to loading and compiling modules (require, import).`,
      advice:
        'The code you meant to measure may have run too briefly to show: profile a longer or repeated workload. ' +
        'If start-up is what you want faster, the biggest require/import branches are the modules to load lazily or not at all.',
    }));
  }
  return warnings;
}

function fewSamplesWarning(busySamples: number, busySeconds: number, interval: number, rate: number): ProfileWarning {
  const margin = 1.96 * Math.sqrt((0.1 * 0.9) / Math.max(1, busySamples));
  const message =
    `Only ${busySamples} sample${busySamples === 1 ? '' : 's'} of the program running (${seconds(busySeconds)}): ` +
    `too few to tell functions apart (a function at 10% of the time is measured within about ±${(margin * 100).toFixed(1)} points).`;
  const wanted = busySeconds / WARNING_THRESHOLDS.targetSamples;
  const suggestion = SUGGESTED_INTERVALS.find((candidate) => candidate <= wanted) ?? SUGGESTED_INTERVALS[SUGGESTED_INTERVALS.length - 1]!;
  if (rate < WARNING_THRESHOLDS.lowRate) {
    // A smaller interval cannot help when the signals already arrive late: the thread waits for a CPU.
    const advice = `Only ${percent(rate)} of the requested samples arrived (the thread waited for a CPU: the machine is busy): profile on a quieter machine, or run the workload longer.`;
    return { kind: 'few-samples', message, advice };
  }
  const advice =
    interval > 0 && suggestion < interval * 0.99
      ? `Use a smaller interval, for about ${Math.round(busySeconds / suggestion)} samples of this run: ${intervalOption(suggestion)}; or run the workload longer.`
      : 'Run the workload longer, or repeat it in a loop: the interval is already small.';
  return { kind: 'few-samples', message, advice };
}

interface TimeSplit {
  /** Seconds in all samples. */
  total: number;
  /** Seconds the event loop waited ((idle) samples, and [await] ones: idle time shown where the profiled code waited). */
  idle: number;
  /** Of idle: the [await] samples. */
  awaited: number;
  /** total - idle. */
  busy: number;
  busySamples: number;
  /** Seconds of busy samples inside module loading and compilation. */
  startup: number;
}

/** How the session's time splits into waiting, start-up and the rest, in one pass over the samples. */
function splitTime(session: Session): TimeSplit {
  const startupStack = startupStacks(session);
  const { stack, duration } = session.samples;
  const { frame } = session.stacks;
  const split: TimeSplit = { total: 0, idle: 0, awaited: 0, busy: 0, busySamples: 0, startup: 0 };
  for (let i = 0; i < stack.length; i++) {
    const id = stack[i]!;
    const seconds = duration[i]!;
    split.total += seconds;
    const leaf = id === -1 ? undefined : session.frames[frame[id]!]!;
    if (leaf && (isIdleFrame(leaf) || isAwaitFrame(leaf))) {
      split.idle += seconds;
      if (isAwaitFrame(leaf)) split.awaited += seconds;
      continue;
    }
    split.busySamples++;
    if (id !== -1 && startupStack[id]) split.startup += seconds;
  }
  split.busy = split.total - split.idle;
  return split;
}


// ---------------------------------------------------------------------------
// Start-up.

/** Node's module loaders and compilers, in JavaScript (node:internal/...). */
const LOADER_FILE = /^node:internal\/(?:modules\/|deps\/cjs-module-lexer\/|bootstrap\/realm|process\/pre_execution)/;
/** ... and in C++ (the C++ half of compileFunction, ModuleWrap, Node's own builtins). */
const LOADER_NATIVE = /^node::(?:loader::|builtins::|modules::|contextify::CompileFunction|contextify::ContextifyContext::CompileFunction)/;

export function isModuleLoaderFrame(frame: FrameInfo): boolean {
  if (frame.kind === 'js') return LOADER_FILE.test(frame.file);
  if (frame.kind === 'native') return LOADER_NATIVE.test(frame.name);
  return false;
}

/**
 * Per stack id: whether a sample there is start-up, that is module loading
 * or compilation. The entry script's own top-level code runs under Node's
 * loader too (Module._load, ModuleJob.run), so loader frames above the entry
 * script's frames are not counted; a loader frame below them (a require or
 * import the program made), or one with no entry frame on the stack at all
 * (compiling the entry, evaluating its imports, Node's pre-execution), is.
 */
export function startupStacks(session: Session): Uint8Array {
  const entry = entryPath(session.meta.argv);
  const { parent, frame } = session.stacks;
  const count = parent.length;
  // Bit 1: an entry-script frame on the stack; 2: a loader frame above it (or with none yet); 4: a loader frame below it;
  // 8: a frame of the program's own code (not Node's) above it.
  const state = new Uint8Array(count);
  const startup = new Uint8Array(count);
  const entryFrame = session.frames.map((info) => entry !== '' && info.kind === 'js' && pathOf(info.file) === entry);
  // A source map moves the entry's frames to the files it was compiled from (tsc: dist/main.js to src/main.ts):
  // then the entry is the first top-level code of the program's own that Node's loader runs.
  const entryMapped = !entryFrame.includes(true);
  const ownCode = session.frames.map((info) => info.kind === 'js' && !info.file.startsWith('node:'));
  const loaderFrame = session.frames.map(isModuleLoaderFrame);
  for (let id = 0; id < count; id++) {
    const parentId = parent[id]!;
    let flags = parentId === -1 ? 0 : state[parentId]!;
    const frameId = frame[id]!;
    if (entryFrame[frameId]) flags |= 1;
    else if (entryMapped && flags === 2 && ownCode[frameId] && session.frames[frameId]!.name === '(module)') flags |= 1;
    if (loaderFrame[frameId]) flags |= flags & 1 ? 4 : 2;
    if (ownCode[frameId]) flags |= 8;
    state[id] = flags;
    startup[id] = flags & 4 || (flags & 2 && !(flags & 1)) ? 1 : 0;
  }
  return startup;
}

/** The entry script: argv[1] of the profiled process. */
function entryPath(argv: readonly string[]): string {
  const script = argv[1];
  return script === undefined || script.startsWith('-') ? '' : pathOf(script);
}

/** A file:// URL's path (ES modules are named by URL), or the path as it is. */
function pathOf(file: string): string {
  if (!file.startsWith('file://')) return file;
  try {
    return decodeURIComponent(new URL(file).pathname);
  } catch {
    return file;
  }
}

// ---------------------------------------------------------------------------

function percent(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
}

function seconds(value: number): string {
  return `${value.toFixed(3)} s`;
}

function formatInterval(value: number): string {
  return value >= 1e-3 ? `${+(value * 1e3).toFixed(3)}ms` : `${Math.round(value * 1e6)}us`;
}

/**
 * An interval as both the CLI and the API take it: the same warnings show in
 * the CLI's reports and in those a service serves (middleware, pprof endpoint),
 * where the interval is an option in code.
 */
function intervalOption(value: number): string {
  return `-i ${formatInterval(value)} (interval: ${+value.toPrecision(3)} in code)`;
}

/** Thread names come from the program (a worker's script path): control characters made visible. */
function escapeThreadName(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
