/**
 * A recorded profile: the samples, the frames and stacks they point at, and
 * what is known about the run. Sessions are what the sampler produces, what
 * processors and renderers read, and what `--load` reads back from disk.
 */
import { Float64Column, Int32Column } from './columns';
import { FrameInfo, FrameKind, frameKey } from './frame';
import { MemorySeries, validateMemorySeries } from '../memory/series';
import { isProfileMode, ProfileMode } from './mode';
import { PrefixTable } from './prefix-index';
import { escapeControl } from '../util/escape';
import { readProfileText } from '../util/read-file';
import { writeFileAtomic } from '../util/write-file';

export const SESSION_FORMAT = 'nodeinstrument-session';
export const SESSION_VERSION = 1;

export interface SessionMeta {
  /** Wall-clock start, milliseconds since the Unix epoch. */
  startTime: number;
  /** Seconds of wall time the profile covers. */
  duration: number;
  /** Seconds of CPU time the profiled thread used during the profile. */
  cpuTime: number;
  sampleCount: number;
  /** Requested sampling interval, seconds. */
  requestedInterval: number;
  /** Achieved interval: duration / sampleCount, seconds. */
  achievedInterval: number;
  /** Samples the sampler could not record (buffers full) or signals it had to skip. */
  droppedSamples: number;
  /** JavaScript frame addresses that matched no known code. */
  unresolvedFrames: number;
  /** All frame addresses symbolized, for the unresolved share. */
  totalFrames: number;
  nodeVersion: string;
  v8Version: string;
  platform: string;
  arch: string;
  pid: number;
  cwd: string;
  /** The profiled command line (process.argv of the profiled process). */
  argv: string[];
  /** The signal the sampler used. */
  signal: number;
  /**
   * What samples measure and weigh (lib/session/mode.ts), in samples.duration: 'wall'
   * (absent in older files) seconds of wall time, 'cpu' seconds of the
   * thread's CPU time, 'alloc' bytes allocated.
   */
  mode?: ProfileMode;
  /** Things that happened during the run that a reader should know about. */
  notes: string[];
  /**
   * Where the recording profiler's own scripts were (its dist/ directory,
   * ending in a separator): samples in them are its own work, which reports
   * leave out by default (lib/processors/profiler-work.ts).
   */
  profilerScripts?: string;
  /**
   * Where the libraries the profiler runs on the profiled thread were (acorn,
   * the source map reader). Their frames decide nothing: a sample in them is
   * whoever called them's (as with Node's own modules).
   */
  profilerLibraries?: string[];
  /** alloc mode: how V8's sampling heap profiler ran. */
  allocation?: AllocationSettings;
  /**
   * Seconds the profiled thread was ready to run but waited for a CPU during
   * the recording (Linux), when known: samples cannot be taken then, so it
   * says why fewer came than asked (lib/recording/cpu-wait.ts).
   */
  waitedForCpu?: number;
  /**
   * The hybrid sampler (ProfilerOptions.sampler): how many of the profiled
   * thread's samples a V8 interrupt took; the others came by signal, or were
   * idle. Absent with the signal sampler.
   */
  interruptSamples?: number;
}

export type { ProfileMode };

export interface AllocationSettings {
  /** Mean bytes between sampled allocations. */
  interval: number;
  /** false: every sampled allocation counts (allocated space); true: only objects still live at stop (in-use space). */
  live: boolean;
}

/** Stacks stored as a prefix tree: a stack is its parent stack plus one frame. */
export interface StackTable {
  /** Parent stack id, or -1 for a stack of one frame. */
  parent: number[];
  /** Frame id of the stack's leaf. */
  frame: number[];
}

export interface SampleTable {
  /** Stack id of each sample (root-first stack of frames). */
  stack: number[];
  /** Seconds since the start of the session when the sample was taken. */
  time: number[];
  /** Seconds this sample stands for (since the previous one): wall time, or CPU time in CPU mode (meta.mode). */
  duration: number[];
  /** Seconds of CPU time the thread used since the previous sample. */
  cpu: number[];
}

/** The labels samples carried (withLabels/setLabels); absent when none did. */
export interface SessionLabels {
  /** The distinct label sets, each `{ key: value }`. */
  sets: Array<Record<string, string>>;
  /** Per sample: index into `sets`, or -1 for a sample without labels. */
  sample: number[];
}

/**
 * The line executing in each frame of each sample (1-based, 0 unknown), as
 * stacks of lines parallel to the stacks of frames: the line stack of sample
 * i has one line per frame of its frame stack, root first.
 */
export interface LineTable {
  parent: number[];
  line: number[];
  /** Line stack of each sample (-1 for an empty stack). */
  sample: number[];
}

/** One thread that samples came from: the main thread or a worker_threads worker. */
export interface ThreadInfo {
  /** 'main', or 'worker <threadId>' followed by the worker's script when known. */
  name: string;
  /** worker_threads' threadId: 0 for the main thread. */
  threadId: number;
  /** Seconds since the session's start when sampling of this thread began and ended. */
  start: number;
  end: number;
  /** Seconds of CPU time the thread used while it was sampled. */
  cpuTime: number;
  /** True when the thread exited (or was terminated) before the profile ended. */
  exited: boolean;
}

/**
 * The threads of a profile that sampled worker threads too; absent when every
 * sample is from the thread that ran the profiler (older files, one thread).
 */
export interface SessionThreads {
  /** Index 0 is the thread that ran the profiler. */
  list: ThreadInfo[];
  /** Per sample: index into `list`. */
  sample: number[];
}

/** The parts of a session besides its meta and samples that a derived session may replace (Session.with). */
export interface SessionParts {
  meta: SessionMeta;
  frames: readonly FrameInfo[];
  stacks: Readonly<StackTable>;
  samples: Readonly<SampleTable>;
  memory: Readonly<MemorySeries> | undefined;
  labels: Readonly<SessionLabels> | undefined;
  lines: Readonly<LineTable> | undefined;
  threads: Readonly<SessionThreads> | undefined;
}

export interface SessionData {
  format: typeof SESSION_FORMAT;
  version: number;
  meta: SessionMeta;
  frames: FrameInfo[];
  stacks: StackTable;
  samples: SampleTable;
  labels?: SessionLabels;
  /** Process memory over the run (optional: older files and other tools have none). */
  memory?: MemorySeries;
  lines?: LineTable;
  threads?: SessionThreads;
}

export class SessionFormatError extends Error {
  override name = 'SessionFormatError';
}

export class Session {
  constructor(
    readonly meta: SessionMeta,
    readonly frames: readonly FrameInfo[],
    readonly stacks: Readonly<StackTable>,
    readonly samples: Readonly<SampleTable>,
    readonly memory?: Readonly<MemorySeries>,
    readonly labels?: Readonly<SessionLabels>,
    /** Executing lines, where the recording knew them (lib/inline/expand.ts). */
    readonly lines?: Readonly<LineTable>,
    /** Which thread each sample came from, when worker threads were sampled too. */
    readonly threads?: Readonly<SessionThreads>,
  ) {}

  /**
   * This session with some parts replaced and the others kept. Code that
   * derives a session (filters, expansions, maps) goes through here, so a
   * part it does not know about is carried over, never dropped. A filter that
   * drops samples must pass the matching per-sample columns (labels, lines,
   * threads) too.
   */
  with(changes: Partial<SessionParts>): Session {
    const parts: SessionParts = { ...this.parts(), ...changes };
    return new Session(parts.meta, parts.frames, parts.stacks, parts.samples, parts.memory, parts.labels, parts.lines, parts.threads);
  }

  private parts(): SessionParts {
    const { meta, frames, stacks, samples, memory, labels, lines, threads } = this;
    return { meta, frames, stacks, samples, memory, labels, lines, threads };
  }

  /** Frame ids of a stack, root first. */
  stackFrames(stackId: number): number[] {
    const frames: number[] = [];
    for (let id = stackId; id !== -1; id = this.stacks.parent[id]!) {
      frames.push(this.stacks.frame[id]!);
    }
    return frames.reverse();
  }

  toJSON(): SessionData {
    return {
      format: SESSION_FORMAT,
      version: SESSION_VERSION,
      meta: this.meta,
      frames: [...this.frames],
      stacks: this.stacks,
      samples: this.samples,
      ...(this.memory ? { memory: this.memory } : {}),
      ...(this.labels ? { labels: this.labels } : {}),
      ...(this.lines ? { lines: this.lines } : {}),
      ...(this.threads ? { threads: this.threads } : {}),
    };
  }

  /** Writes the session as JSON (atomically: a temporary file, then renamed). */
  save(path: string): void {
    writeFileAtomic(path, JSON.stringify(this));
  }

  static load(path: string): Session {
    let text: string;
    try {
      text = readProfileText(path);
    } catch (error) {
      throw new SessionFormatError(`cannot read session file ${path}: ${(error as Error).message}`);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new SessionFormatError(`${path} is not a nodeinstrument session (not JSON: ${escapeControl((error as Error).message)})`);
    }
    try {
      return Session.fromJSON(data);
    } catch (error) {
      throw new SessionFormatError(`${path}: ${(error as Error).message}`);
    }
  }

  /** Validates and rebuilds a session from parsed JSON; throws SessionFormatError when it is not one. */
  static fromJSON(data: unknown): Session {
    return validateSession(data);
  }
}

/** Builds a session incrementally: interns frames and stacks as samples arrive. */
function noLabelSets(id: number): never {
  throw new Error(`label set ${id} given to a session builder that resolves none`);
}

export class SessionBuilder {
  /**
   * labelSetOf: the labels of a label-set id given to addSample: the process's
   * registry (lib/labels/registry.ts) for a recording; a session from a file or
   * another tool has no ids to resolve.
   */
  constructor(
    private readonly labelSetOf: (id: number) => Readonly<Record<string, string>> = noLabelSets,
    expectedStacks?: number,
  ) {
    this.stackNodes = new PrefixTable(this.stacks.parent, this.stacks.frame, expectedStacks);
  }

  readonly frames: FrameInfo[] = [];
  readonly stacks: StackTable = { parent: [], frame: [] };
  /** Per sample, outside the V8 heap while recording (columns.ts); plain arrays once built. */
  private readonly sampleStack = new Int32Column();
  private readonly sampleTime = new Float64Column();
  private readonly sampleDuration = new Float64Column();
  private readonly sampleCpu = new Float64Column();
  private readonly frameIds = new Map<string, number>();
  /** Stacks by (parent stack, frame id). */
  private readonly stackNodes: PrefixTable;
  /** Created at the first sample of a thread other than index 0: per sample, an index into the recording's thread list. */
  private threadOfSample: Int32Column | undefined;
  /** Created at the first labeled sample: the label sets, each sample's index into them (-1: none), and the index of each process label-set id. */
  private labels: { sets: Array<Record<string, string>>; sample: Int32Column; indexById: Map<number, number> } | undefined;

  /** How many samples were added. */
  get sampleCount(): number {
    return this.sampleStack.length;
  }

  internFrame(frame: FrameInfo): number {
    const key = frameKey(frame);
    let id = this.frameIds.get(key);
    if (id === undefined) {
      id = this.frames.length;
      this.frames.push(frame);
      this.frameIds.set(key, id);
    }
    return id;
  }

  /** The stack id of `parent` extended by `frameId`. */
  internStack(parent: number, frameId: number): number {
    return this.stackNodes.extend(parent, frameId);
  }

  /** Stack id of frame ids given root first. */
  internStackOf(frameIds: readonly number[]): number {
    let stack = -1;
    for (const frameId of frameIds) stack = this.internStack(stack, frameId);
    return stack;
  }

  /**
   * labelSet: the process's label-set id the sampler recorded, 0 for none (resolved by the builder's labelSetOf).
   * thread: index of the sample's thread in the list given to build(), 0 for the profiler's own.
   */
  addSample(stack: number, time: number, duration: number, cpu: number, labelSet = 0, thread = 0): void {
    if (labelSet !== 0 || this.labels) this.addLabel(labelSet);
    if (thread !== 0 || this.threadOfSample) {
      this.threadOfSample ??= Int32Column.filled(this.sampleCount, 0);
      this.threadOfSample.push(thread);
    }
    this.sampleStack.push(stack);
    this.sampleTime.push(time);
    this.sampleDuration.push(duration);
    this.sampleCpu.push(cpu);
  }

  /** Adds to an earlier sample's duration and CPU time (CPU mode gives a sample off the CPU's time to the one before). */
  addToSample(index: number, duration: number, cpu: number): void {
    this.sampleDuration.set(index, this.sampleDuration.get(index) + duration);
    this.sampleCpu.set(index, this.sampleCpu.get(index) + cpu);
  }

  /** The sample columns from sample `start` on, as typed arrays (the journal writes them as they are). */
  samplesFrom(start: number): { stack: Int32Array; time: Float64Array; duration: Float64Array; cpu: Float64Array } {
    return {
      stack: this.sampleStack.sliceFrom(start),
      time: this.sampleTime.sliceFrom(start),
      duration: this.sampleDuration.sliceFrom(start),
      cpu: this.sampleCpu.sliceFrom(start),
    };
  }

  /** The samples so far as a session's table (a copy). */
  sampleTable(): SampleTable {
    return { stack: this.sampleStack.toArray(), time: this.sampleTime.toArray(), duration: this.sampleDuration.toArray(), cpu: this.sampleCpu.toArray() };
  }

  private addLabel(labelSet: number): void {
    // Earlier samples had none.
    this.labels ??= { sets: [], sample: Int32Column.filled(this.sampleCount, -1), indexById: new Map() };
    const { sets, indexById } = this.labels;
    let index = labelSet === 0 ? -1 : indexById.get(labelSet);
    if (index === undefined) {
      index = sets.length;
      sets.push({ ...this.labelSetOf(labelSet) });
      indexById.set(labelSet, index);
    }
    this.labels.sample.push(index);
  }

  /**
   * threads: the recording's threads, indexed as addSample's `thread`; kept
   * when more than one was listed (a profile of one thread has no thread table).
   */
  build(meta: SessionMeta, memory?: MemorySeries, threads?: readonly ThreadInfo[]): Session {
    let table: SessionThreads | undefined;
    if (threads && threads.length > 1) {
      table = { list: [...threads], sample: this.threadOfSample?.toArray() ?? new Array<number>(this.sampleCount).fill(0) };
    }
    const labels = this.labels && { sets: [...this.labels.sets], sample: this.labels.sample.toArray() };
    // Frames and stacks as they are: the builder only ever appends to them.
    return new Session(meta, this.frames, this.stacks, this.sampleTable(), memory, labels, undefined, table);
  }
}

// ---------------------------------------------------------------------------
// Validation of untrusted session files.

const FRAME_KINDS: ReadonlySet<FrameKind> = new Set(['js', 'builtin', 'native', 'special']);

function fail(message: string): never {
  throw new SessionFormatError(message);
}

/** A value from the file, for a message: JSON, short, control characters escaped (the message may reach a terminal). */
export function quoted(value: unknown): string {
  return escapeControl((JSON.stringify(value) ?? String(value)).slice(0, 40));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberArray(value: unknown, what: string): number[] {
  if (!Array.isArray(value)) fail(`${what} must be an array`);
  for (const item of value) {
    if (typeof item !== 'number' || !Number.isFinite(item)) fail(`${what} must hold only finite numbers`);
  }
  return value as number[];
}

function field<T>(object: Record<string, unknown>, key: string, type: 'string' | 'number', fallback: T): T {
  const value = Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
  if (value === undefined) return fallback;
  if (typeof value !== type || (type === 'number' && !Number.isFinite(value))) {
    fail(`meta.${key} must be a ${type}`);
  }
  return value as T;
}

function validateMeta(value: unknown): SessionMeta {
  if (!isObject(value)) fail('meta must be an object');
  const strings = (key: string): string[] => {
    const list = value[key];
    if (list === undefined) return [];
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) fail(`meta.${key} must be an array of strings`);
    return [...(list as string[])];
  };
  return {
    startTime: field(value, 'startTime', 'number', 0),
    duration: field(value, 'duration', 'number', 0),
    cpuTime: field(value, 'cpuTime', 'number', 0),
    sampleCount: field(value, 'sampleCount', 'number', 0),
    requestedInterval: field(value, 'requestedInterval', 'number', 0),
    achievedInterval: field(value, 'achievedInterval', 'number', 0),
    droppedSamples: field(value, 'droppedSamples', 'number', 0),
    unresolvedFrames: field(value, 'unresolvedFrames', 'number', 0),
    totalFrames: field(value, 'totalFrames', 'number', 0),
    nodeVersion: field(value, 'nodeVersion', 'string', ''),
    v8Version: field(value, 'v8Version', 'string', ''),
    platform: field(value, 'platform', 'string', ''),
    arch: field(value, 'arch', 'string', ''),
    pid: field(value, 'pid', 'number', 0),
    cwd: field(value, 'cwd', 'string', ''),
    argv: strings('argv'),
    signal: field(value, 'signal', 'number', 0),
    // Sessions from before modes existed have none: wall (modeOf).
    ...(value.mode === undefined ? {} : { mode: validMode(value.mode) }),
    notes: strings('notes'),
    ...optionalModeFields(value),
    ...optionalProfilerScripts(value.profilerScripts),
    ...optionalProfilerLibraries(value.profilerLibraries),
    ...optionalWaitedForCpu(value.waitedForCpu),
    ...optionalInterruptSamples(value.interruptSamples),
  };
}

/** meta.interruptSamples, kept only when present. */
function optionalInterruptSamples(value: unknown): Pick<SessionMeta, 'interruptSamples'> {
  if (value === undefined) return {};
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail('meta.interruptSamples must be a non-negative integer');
  return { interruptSamples: value };
}

/** meta.waitedForCpu, kept only when present. */
function optionalWaitedForCpu(value: unknown): Pick<SessionMeta, 'waitedForCpu'> {
  if (value === undefined) return {};
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail('meta.waitedForCpu must be a non-negative number');
  return { waitedForCpu: value };
}

/** meta.profilerScripts, kept only when present (recordings since it was added). */
function optionalProfilerScripts(value: unknown): Pick<SessionMeta, 'profilerScripts'> {
  if (value === undefined) return {};
  if (typeof value !== 'string') fail('meta.profilerScripts must be a string');
  return value === '' ? {} : { profilerScripts: value };
}

/** meta.profilerLibraries, kept only when present. */
function optionalProfilerLibraries(value: unknown): Pick<SessionMeta, 'profilerLibraries'> {
  if (value === undefined) return {};
  if (!Array.isArray(value) || !value.every((dir) => typeof dir === 'string')) fail('meta.profilerLibraries must be an array of strings');
  return value.length === 0 ? {} : { profilerLibraries: value as string[] };
}

/** meta.allocation, kept only when present (alloc sessions). */
function optionalModeFields(meta: Record<string, unknown>): Pick<SessionMeta, 'allocation'> {
  const fields: Pick<SessionMeta, 'allocation'> = {};
  const allocation = Object.prototype.hasOwnProperty.call(meta, 'allocation') ? meta.allocation : undefined;
  if (allocation !== undefined) {
    if (!isObject(allocation)) fail('meta.allocation must be an object');
    const interval = allocation.interval;
    if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) fail('meta.allocation.interval must be a number of bytes');
    if (typeof allocation.live !== 'boolean') fail('meta.allocation.live must be a boolean');
    fields.allocation = { interval, live: allocation.live };
  }
  return fields;
}

function validMode(value: unknown): ProfileMode {
  if (!isProfileMode(value)) fail(`meta.mode ${quoted(value)} is not a mode this nodeinstrument knows`);
  return value;
}

function validateFrame(value: unknown, index: number): FrameInfo {
  if (!isObject(value)) fail(`frames[${index}] must be an object`);
  const { name, file, line, column, kind, inlined } = value;
  if (typeof name !== 'string' || typeof file !== 'string') fail(`frames[${index}] needs string name and file`);
  if (!Number.isInteger(line) || !Number.isInteger(column)) fail(`frames[${index}] needs integer line and column`);
  if (typeof kind !== 'string' || !FRAME_KINDS.has(kind as FrameKind)) fail(`frames[${index}].kind is not a known kind`);
  if (inlined !== undefined && typeof inlined !== 'boolean') fail(`frames[${index}].inlined must be a boolean`);
  const frame: FrameInfo = { name, file, line: line as number, column: column as number, kind: kind as FrameKind };
  return inlined === true ? { ...frame, inlined } : frame;
}

/** The optional labels table (sessions written before labels have none). */
function validateLabels(value: unknown, sampleCount: number): SessionLabels {
  if (!isObject(value) || !Array.isArray(value.sets)) fail('labels must be an object with a sets array');
  const sets = value.sets.map((set: unknown, index: number) => {
    if (!isObject(set)) fail(`labels.sets[${index}] must be an object`);
    const entries = Object.entries(set);
    if (!entries.every(([, item]) => typeof item === 'string')) fail(`labels.sets[${index}] must map keys to strings`);
    // fromEntries defines own properties: a '__proto__' key stays data.
    return Object.fromEntries(entries) as Record<string, string>;
  });
  const sample = numberArray(value.sample, 'labels.sample');
  if (sample.length !== sampleCount) fail('labels.sample and samples.stack differ in length');
  for (let i = 0; i < sample.length; i++) {
    if (!Number.isInteger(sample[i]) || sample[i]! < -1 || sample[i]! >= sets.length) fail(`labels.sample[${i}] is out of range`);
  }
  return { sets, sample };
}

function validateSession(data: unknown): Session {
  if (!isObject(data) || data.format !== SESSION_FORMAT) {
    fail('not a nodeinstrument session (no "format": "nodeinstrument-session")');
  }
  if (data.version !== SESSION_VERSION) {
    fail(`session format version ${quoted(data.version)} is not supported (this nodeinstrument reads version ${SESSION_VERSION})`);
  }
  const meta = validateMeta(data.meta);
  if (!Array.isArray(data.frames)) fail('frames must be an array');
  const frames = data.frames.map(validateFrame);
  if (!isObject(data.stacks)) fail('stacks must be an object');
  const parent = numberArray(data.stacks.parent, 'stacks.parent');
  const frame = numberArray(data.stacks.frame, 'stacks.frame');
  if (parent.length !== frame.length) fail('stacks.parent and stacks.frame differ in length');
  for (let i = 0; i < parent.length; i++) {
    // Parents come before children, so every stack walk ends.
    if (!Number.isInteger(parent[i]) || parent[i]! < -1 || parent[i]! >= i) fail(`stacks.parent[${i}] is out of range`);
    if (!Number.isInteger(frame[i]) || frame[i]! < 0 || frame[i]! >= frames.length) fail(`stacks.frame[${i}] is out of range`);
  }
  if (!isObject(data.samples)) fail('samples must be an object');
  const stack = numberArray(data.samples.stack, 'samples.stack');
  const time = numberArray(data.samples.time, 'samples.time');
  const duration = numberArray(data.samples.duration, 'samples.duration');
  const cpu = numberArray(data.samples.cpu, 'samples.cpu');
  if (time.length !== stack.length || duration.length !== stack.length || cpu.length !== stack.length) {
    fail('samples.stack, time, duration and cpu differ in length');
  }
  for (let i = 0; i < stack.length; i++) {
    if (!Number.isInteger(stack[i]) || stack[i]! < -1 || stack[i]! >= parent.length) fail(`samples.stack[${i}] is out of range`);
    if (duration[i]! < 0) fail(`samples.duration[${i}] is negative`);
  }
  const memory = data.memory === undefined ? undefined : validateMemorySeries(data.memory, fail);
  const labels = data.labels === undefined ? undefined : validateLabels(data.labels, stack.length);
  const lines = data.lines === undefined ? undefined : validateLines(data.lines, parent, stack);
  const threads = data.threads === undefined ? undefined : validateThreads(data.threads, stack.length);
  return new Session(meta, frames, { parent, frame }, { stack, time, duration, cpu }, memory, labels, lines, threads);
}

/** The optional thread table (profiles of one thread have none). */
function validateThreads(value: unknown, sampleCount: number): SessionThreads {
  if (!isObject(value) || !Array.isArray(value.list) || value.list.length === 0) fail('threads must be an object with a non-empty list');
  const list = value.list.map((thread: unknown, index: number): ThreadInfo => {
    if (!isObject(thread)) fail(`threads.list[${index}] must be an object`);
    const { name, threadId, start, end, cpuTime, exited } = thread;
    if (typeof name !== 'string') fail(`threads.list[${index}].name must be a string`);
    if (!Number.isInteger(threadId) || (threadId as number) < 0) fail(`threads.list[${index}].threadId must be a non-negative integer`);
    for (const [key, number] of [['start', start], ['end', end], ['cpuTime', cpuTime]] as const) {
      if (typeof number !== 'number' || !Number.isFinite(number)) fail(`threads.list[${index}].${key} must be a number`);
    }
    if (typeof exited !== 'boolean') fail(`threads.list[${index}].exited must be a boolean`);
    return { name, threadId: threadId as number, start: start as number, end: end as number, cpuTime: cpuTime as number, exited };
  });
  const sample = numberArray(value.sample, 'threads.sample');
  if (sample.length !== sampleCount) fail('threads.sample and samples.stack differ in length');
  for (let i = 0; i < sample.length; i++) {
    if (!Number.isInteger(sample[i]) || sample[i]! < 0 || sample[i]! >= list.length) fail(`threads.sample[${i}] is out of range`);
  }
  return { list, sample };
}
function validateLines(value: unknown, stackParent: readonly number[], sampleStack: readonly number[]): LineTable {
  if (!isObject(value)) fail('lines must be an object');
  const parent = numberArray(value.parent, 'lines.parent');
  const line = numberArray(value.line, 'lines.line');
  const sample = numberArray(value.sample, 'lines.sample');
  if (parent.length !== line.length) fail('lines.parent and lines.line differ in length');
  if (sample.length !== sampleStack.length) fail('lines.sample and samples.stack differ in length');
  for (let i = 0; i < parent.length; i++) {
    if (!Number.isInteger(parent[i]) || parent[i]! < -1 || parent[i]! >= i) fail(`lines.parent[${i}] is out of range`);
    if (!Number.isInteger(line[i]) || line[i]! < 0) fail(`lines.line[${i}] must be a line number`);
  }
  // Each sample's line stack is as deep as its frame stack (parents come first, so depths fill in one pass).
  const depths = (parents: readonly number[]): Int32Array => {
    const out = new Int32Array(parents.length);
    for (let i = 0; i < parents.length; i++) out[i] = parents[i] === -1 ? 1 : out[parents[i]!]! + 1;
    return out;
  };
  const lineDepth = depths(parent);
  const stackDepth = depths(stackParent);
  for (let i = 0; i < sample.length; i++) {
    if (!Number.isInteger(sample[i]) || sample[i]! < -1 || sample[i]! >= parent.length) fail(`lines.sample[${i}] is out of range`);
    const a = sample[i] === -1 ? 0 : lineDepth[sample[i]!]!;
    const b = sampleStack[i] === -1 ? 0 : stackDepth[sampleStack[i]!]!;
    if (a !== b) fail(`lines.sample[${i}] does not match its stack's depth`);
  }
  return { parent, line, sample };
}
