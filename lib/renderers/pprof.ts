/**
 * The pprof renderer: a gzipped profile.proto, as `go tool pprof`, pprof's
 * web UI and most continuous-profiling services read it.
 *
 * Each distinct frame becomes one pprof function; each distinct frame and
 * executing line one location (at the function's start line where the line is
 * unknown), with the functions TurboFan inlined into it as extra lines of the
 * same location, as pprof represents inlining. Each distinct stack (and lines)
 * is one pprof sample carrying three values: the number of samples, their wall
 * time and their CPU time, in nanoseconds (CPU mode: the count and CPU time).
 * An alloc session's samples carry two: the number of allocation samples and
 * their bytes, as `alloc_space` (every sampled allocation) or `inuse_space`
 * (with --live: only what was live at the end), the names Go's heap profiles
 * use. Samples with labels (withLabels) are kept apart per label set, each
 * with its labels as pprof string labels. With worker threads, samples are
 * kept apart per thread too, labelled thread_name and thread_id (strings, so
 * that `-tagfocus thread_name=main` and continuous-profiling servers use them).
 */
import { gzipSync } from 'node:zlib';
import { Function as PprofFunction, Label, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { FrameInfo } from '../session/frame';
import { isAllocSession } from './weights';
import { modeOf } from '../session/mode';
import { sampleLines } from '../session/lines';
import { Session } from '../session/session';

const NS_PER_SECOND = 1e9;
/** The one mapping every location is in: the node executable. */
const MAPPING_ID = 1;
const NS_PER_MS = 1_000_000n;

/** Sample counts and summed seconds of the samples that share one stack and label set. */
interface StackTotals {
  stackId: number;
  /** Index into session.labels.sets, -1 for none. */
  labelSet: number;
  /** Index into session.threads.list (0 without a thread table). */
  thread: number;
  /** A sample with this stack and lines, to read them from. */
  firstSample: number;
  count: number;
  wallSeconds: number;
  cpuSeconds: number;
}

export function renderPprof(session: Session): Uint8Array {
  return gzipSync(buildPprofProfile(session).encode());
}

/** The profile before encoding, for callers that want to add to it (comments, labels) first. */
export function buildPprofProfile(session: Session): Profile {
  const strings = new StringTable();
  const valueType = (type: string, unit: string): ValueType =>
    new ValueType({ type: strings.dedup(type), unit: strings.dedup(unit) });
  const totals = totalsByStack(session);
  const cpuMode = modeOf(session.meta) === 'cpu';
  const locations = new LocationTable(session.frames, strings);
  const labelsOfSet = (session.labels?.sets ?? []).map((set) =>
    Object.entries(set).map(([key, value]) => new Label({ key: strings.dedup(key), str: strings.dedup(value) })),
  );
  // Worker threads: every sample says which thread it is from, as thread_name and thread_id string labels.
  const labelsOfThread = session.threads
    ? session.threads.list.map((thread) => [
        new Label({ key: strings.dedup('thread_name'), str: strings.dedup(thread.name) }),
        new Label({ key: strings.dedup('thread_id'), str: strings.dedup(String(thread.threadId)) }),
      ])
    : undefined;
  const labelsOf = (total: StackTotals): Label[] => {
    const own = total.labelSet === -1 ? [] : labelsOfSet[total.labelSet]!;
    return labelsOfThread ? [...own, ...labelsOfThread[total.thread]!] : own;
  };
  if (isAllocSession(session.meta)) return buildAllocProfile(session, totals, locations, strings, valueType, labelsOf);
  const samples = [...totals.values()].map((total) => {
    // pprof lists a sample's locations leaf first; an empty stack keeps its time with no locations.
    const rootFirst = total.stackId === -1 ? [] : session.stackFrames(total.stackId);
    const lines = session.lines ? sampleLines(session, total.firstSample) : [];
    // A frame and the frames inlined into it (which follow it) make one location.
    const groups: Array<Array<[number, number]>> = [];
    rootFirst.forEach((frameId, depth) => {
      const entry: [number, number] = [frameId, lines[depth] ?? 0];
      const last = groups[groups.length - 1];
      if (session.frames[frameId]!.inlined && last !== undefined) last.push(entry);
      else groups.push([entry]);
    });
    return new Sample({
      locationId: groups.reverse().map((group) => locations.idOf(group)),
      value: cpuMode
        ? [total.count, toNanoseconds(total.cpuSeconds)]
        : [total.count, toNanoseconds(total.wallSeconds), toNanoseconds(total.cpuSeconds)],
      label: labelsOf(total),
    });
  });
  const wall = valueType('wall', 'nanoseconds');
  const cpu = valueType('cpu', 'nanoseconds');
  return new Profile({
    // CPU mode has no wall time per sample: samples/count and cpu/nanoseconds, as Go's CPU profiles.
    sampleType: cpuMode ? [valueType('samples', 'count'), cpu] : [valueType('samples', 'count'), wall, cpu],
    sample: samples,
    mapping: [nodeMapping(session, strings)],
    location: locations.locations,
    function: locations.functions,
    stringTable: strings,
    timeNanos: epochMsToNanoseconds(session.meta.startTime),
    durationNanos: toNanoseconds(session.meta.duration),
    periodType: cpuMode ? cpu : wall,
    period: toNanoseconds(session.meta.requestedInterval),
    // Wall time is what the text report shows; without this pprof would default to the last type, cpu.
    defaultSampleType: strings.dedup(cpuMode ? 'cpu' : 'wall'),
  });
}

/** An alloc session: samples/count and bytes, the period being the mean sampling interval in bytes. */
function buildAllocProfile(
  session: Session,
  totals: Map<string | number, StackTotals>,
  locations: LocationTable,
  strings: StringTable,
  valueType: (type: string, unit: string) => ValueType,
  labelsOf: (total: StackTotals) => Label[],
): Profile {
  const space = session.meta.allocation?.live ? 'inuse_space' : 'alloc_space';
  const samples = [...totals.values()].map((total) => {
    const leafFirst = total.stackId === -1 ? [] : session.stackFrames(total.stackId).reverse();
    // wallSeconds holds the bytes in an alloc session (samples.duration is the weight column).
    return new Sample({
      locationId: leafFirst.map((frameId) => locations.idOf([[frameId, 0]])),
      value: [total.count, Math.round(total.wallSeconds)],
      label: labelsOf(total),
    });
  });
  const bytes = valueType(space, 'bytes');
  return new Profile({
    sampleType: [valueType('samples', 'count'), bytes],
    sample: samples,
    mapping: [nodeMapping(session, strings)],
    location: locations.locations,
    function: locations.functions,
    stringTable: strings,
    timeNanos: epochMsToNanoseconds(session.meta.startTime),
    durationNanos: toNanoseconds(session.meta.duration),
    periodType: valueType('space', 'bytes'),
    period: session.meta.allocation?.interval ?? 0,
    defaultSampleType: strings.dedup(space),
  });
}

/**
 * Totals per stack id and label set, in order of first appearance. Seconds are
 * summed before rounding, so each pprof value is off by at most half a nanosecond.
 */
function totalsByStack(session: Session): Map<string | number, StackTotals> {
  const { stack, duration, cpu } = session.samples;
  const labelOf = session.labels?.sample;
  const sets = session.labels?.sets.length ?? 0;
  const threadOf = session.threads?.sample;
  const threads = session.threads?.list.length ?? 1;
  const lineStacks = session.lines?.sample;
  const totals = new Map<string | number, StackTotals>();
  for (let i = 0; i < stack.length; i++) {
    const stackId = stack[i]!;
    const labelSet = labelOf ? labelOf[i]! : -1;
    const thread = threadOf ? threadOf[i]! : 0;
    // One number per (stack, label set, thread): stack ids, set and thread indexes
    // are small integers; with executing lines, a string key per (stack, set, thread, lines).
    const key = lineStacks ? `${stackId}:${labelSet}:${thread}:${lineStacks[i]}` : ((stackId + 1) * (sets + 1) + (labelSet + 1)) * threads + thread;
    let total = totals.get(key);
    if (!total) {
      total = { stackId, labelSet, thread, firstSample: i, count: 0, wallSeconds: 0, cpuSeconds: 0 };
      totals.set(key, total);
    }
    total.count += 1;
    total.wallSeconds += duration[i]!;
    total.cpuSeconds += cpu[i]!;
  }
  return totals;
}

/**
 * One function per session frame and one location per distinct (frame, line)
 * group, each numbered from 1 as pprof requires. A group is a frame with the
 * frames inlined into it, root first; pprof lists a location's lines leaf first.
 */
class LocationTable {
  readonly functions: PprofFunction[] = [];
  readonly locations: Location[] = [];
  private readonly functionIds = new Map<number, number>();
  private readonly locationIds = new Map<string, number>();

  constructor(
    private readonly frames: readonly FrameInfo[],
    private readonly strings: StringTable,
  ) {}

  /** group: [frame id, executing line (0 unknown)] root first. */
  idOf(group: ReadonlyArray<readonly [number, number]>): number {
    const key = group.map(([frameId, line]) => `${frameId}:${line}`).join(',');
    let id = this.locationIds.get(key);
    if (id === undefined) {
      id = this.locations.length + 1;
      const lines = group
        .map(([frameId, line]) => {
          const frame = this.frames[frameId]!;
          return new Line({ functionId: this.functionOf(frameId), line: line > 0 ? line : frame.line, column: line > 0 ? 0 : frame.column });
        })
        .reverse();
      this.locations.push(new Location({ id, mappingId: MAPPING_ID, line: lines }));
      this.locationIds.set(key, id);
    }
    return id;
  }

  private functionOf(frameId: number): number {
    let id = this.functionIds.get(frameId);
    if (id === undefined) {
      id = this.functions.length + 1;
      const frame = this.frames[frameId]!;
      const name = this.strings.dedup(pprofFunctionName(frame));
      this.functions.push(
        new PprofFunction({ id, name, systemName: name, filename: this.strings.dedup(frame.file), startLine: frame.line }),
      );
      this.functionIds.set(frameId, id);
    }
    return id;
  }
}

/**
 * A function's name in pprof, where tools group by name alone (`go tool
 * pprof -top`, flame graph servers): anonymous functions and module code get
 * their place in the name, `(anonymous app.js:12)`, so that they do not all
 * add up into one row (as @datadog/pprof does, with the file too).
 */
export function pprofFunctionName(frame: FrameInfo): string {
  if (frame.kind !== 'js' || !frame.file || (frame.name !== '(anonymous)' && frame.name !== '(module)')) return frame.name;
  const file = frame.file.slice(frame.file.lastIndexOf('/') + 1);
  return `${frame.name.slice(0, -1)} ${file}${frame.line > 0 ? `:${frame.line}` : ''})`;
}

/**
 * The process's executable, marked as already symbolized: without a mapping
 * pprof complains that the main binary is unknown, and without the flags it
 * would try to symbolize our addressless locations itself.
 */
function nodeMapping(session: Session, strings: StringTable): Mapping {
  return new Mapping({
    id: MAPPING_ID,
    filename: strings.dedup(session.meta.argv[0] ?? ''),
    hasFunctions: true,
    hasFilenames: true,
    hasLineNumbers: true,
  });
}

function toNanoseconds(seconds: number): number {
  return Math.round(seconds * NS_PER_SECOND);
}

/** Epoch nanoseconds overflow a double's exact integers, so the whole milliseconds go through a bigint. */
function epochMsToNanoseconds(epochMs: number): bigint {
  const wholeMs = Math.floor(epochMs);
  return BigInt(wholeMs) * NS_PER_MS + BigInt(Math.round((epochMs - wholeMs) * 1e6));
}
