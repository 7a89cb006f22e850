/**
 * The pprof renderer: a gzipped profile.proto, as `go tool pprof`, pprof's
 * web UI and most continuous-profiling services read it.
 *
 * Each distinct frame becomes one pprof function and one location (at the
 * function's start line: the sampler does not record the line executing), and
 * each distinct stack one pprof sample carrying three values: the number of
 * samples, their wall time and their CPU time, in nanoseconds. An alloc
 * session's samples carry two: the number of allocation samples and their
 * bytes, as `alloc_space` (every sampled allocation) or `inuse_space` (with
 * --live: only what was live at the end), the names Go's heap profiles use.
 * Samples with labels (withLabels) are kept apart per label set, each with
 * its labels as pprof string labels.
 */
import { gzipSync } from 'node:zlib';
import { Function as PprofFunction, Label, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { FrameInfo } from '../frame';
import { isAllocSession } from '../profile-mode';
import { Session } from '../session';

const NS_PER_SECOND = 1e9;
/** The one mapping every location is in: the node executable. */
const MAPPING_ID = 1;
const NS_PER_MS = 1_000_000n;

/** Sample counts and summed seconds of the samples that share one stack and label set. */
interface StackTotals {
  stackId: number;
  /** Index into session.labels.sets, -1 for none. */
  labelSet: number;
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
  const locations = new LocationTable(session.frames, strings);
  const labelsOfSet = (session.labels?.sets ?? []).map((set) =>
    Object.entries(set).map(([key, value]) => new Label({ key: strings.dedup(key), str: strings.dedup(value) })),
  );
  const labelsOf = (total: StackTotals): Label[] => (total.labelSet === -1 ? [] : labelsOfSet[total.labelSet]!);
  if (isAllocSession(session.meta)) return buildAllocProfile(session, totals, locations, strings, valueType, labelsOf);
  const samples = [...totals.values()].map((total) => {
    // pprof lists a sample's locations leaf first; an empty stack keeps its time with no locations.
    const leafFirst = total.stackId === -1 ? [] : session.stackFrames(total.stackId).reverse();
    return new Sample({
      locationId: leafFirst.map((frameId) => locations.idOf(frameId)),
      value: [total.count, toNanoseconds(total.wallSeconds), toNanoseconds(total.cpuSeconds)],
      label: labelsOf(total),
    });
  });
  const wall = valueType('wall', 'nanoseconds');
  return new Profile({
    sampleType: [valueType('samples', 'count'), wall, valueType('cpu', 'nanoseconds')],
    sample: samples,
    mapping: [nodeMapping(session, strings)],
    location: locations.locations,
    function: locations.functions,
    stringTable: strings,
    timeNanos: epochMsToNanoseconds(session.meta.startTime),
    durationNanos: toNanoseconds(session.meta.duration),
    periodType: wall,
    period: toNanoseconds(session.meta.requestedInterval),
    // Wall time is what the text report shows; without this pprof would default to the last type, cpu.
    defaultSampleType: strings.dedup('wall'),
  });
}

/** An alloc session: samples/count and bytes, the period being the mean sampling interval in bytes. */
function buildAllocProfile(
  session: Session,
  totals: Map<number, StackTotals>,
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
      locationId: leafFirst.map((frameId) => locations.idOf(frameId)),
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
function totalsByStack(session: Session): Map<number, StackTotals> {
  const { stack, duration, cpu } = session.samples;
  const labelOf = session.labels?.sample;
  const sets = session.labels?.sets.length ?? 0;
  const totals = new Map<number, StackTotals>();
  for (let i = 0; i < stack.length; i++) {
    const stackId = stack[i]!;
    const labelSet = labelOf ? labelOf[i]! : -1;
    // One number per (stack, label set): stack ids and set indexes are small integers.
    const key = (stackId + 1) * (sets + 1) + (labelSet + 1);
    let total = totals.get(key);
    if (!total) {
      total = { stackId, labelSet, count: 0, wallSeconds: 0, cpuSeconds: 0 };
      totals.set(key, total);
    }
    total.count += 1;
    total.wallSeconds += duration[i]!;
    total.cpuSeconds += cpu[i]!;
  }
  return totals;
}

/** One function and one location per session frame that a sample uses, numbered from 1 as pprof requires. */
class LocationTable {
  readonly functions: PprofFunction[] = [];
  readonly locations: Location[] = [];
  private readonly locationIds = new Map<number, number>();

  constructor(
    private readonly frames: readonly FrameInfo[],
    private readonly strings: StringTable,
  ) {}

  idOf(frameId: number): number {
    let id = this.locationIds.get(frameId);
    if (id === undefined) {
      id = this.locations.length + 1;
      this.add(id, this.frames[frameId]!);
      this.locationIds.set(frameId, id);
    }
    return id;
  }

  private add(id: number, frame: FrameInfo): void {
    const name = this.strings.dedup(frame.name);
    this.functions.push(
      new PprofFunction({ id, name, systemName: name, filename: this.strings.dedup(frame.file), startLine: frame.line }),
    );
    this.locations.push(new Location({ id, mappingId: MAPPING_ID, line: [new Line({ functionId: id, line: frame.line, column: frame.column })] }));
  }
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
