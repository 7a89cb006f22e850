/**
 * Reads a V8 CPU profile (`.cpuprofile`: what `node --cpu-prof`, Chrome
 * DevTools and the inspector's Profiler.stop write) into a Session, so that
 * `nodeinstrument diff` can compare profiles taken with V8's own profiler.
 * The input is untrusted: every field is checked, ids must form a tree, and
 * anything else is a SessionFormatError.
 */
import { FrameInfo, SpecialFrame, specialFrame } from '../session/frame';
import { SessionBuilder, SessionFormatError, Session, SessionMeta } from '../session/session';

/** V8's names of its synthetic nodes, and ours. */
const SPECIAL_NAMES: ReadonlyMap<string, string> = new Map([
  ['(program)', SpecialFrame.program],
  ['(idle)', SpecialFrame.idle],
  ['(garbage collector)', SpecialFrame.gc],
]);
const ROOT_NAME = '(root)';

export interface CpuProfileSource {
  /** Shown in the session's notes. */
  name: string;
  /** When the file was written (epoch ms), for a start time when the profile's clock is not the wall clock. */
  modifiedMs?: number;
}

function fail(message: string): never {
  throw new SessionFormatError(`not a usable V8 CPU profile: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether parsed JSON looks like a V8 CPU profile (before checking it in detail). */
export function looksLikeCpuProfile(data: unknown): boolean {
  return isObject(data) && Array.isArray(data.nodes) && Array.isArray(data.samples);
}

interface ProfileNode {
  frame: FrameInfo | undefined; // undefined: the (root)
  children: number[];
}

export function loadCpuProfile(data: unknown, source: CpuProfileSource): Session {
  if (!isObject(data)) fail('not an object');
  const { nodes, samples, timeDeltas, startTime, endTime } = data;
  if (!Array.isArray(nodes)) fail('"nodes" must be an array');
  if (!Array.isArray(samples) || !Array.isArray(timeDeltas)) fail('"samples" and "timeDeltas" must be arrays');
  if (samples.length !== timeDeltas.length) fail('"samples" and "timeDeltas" differ in length');
  if (typeof startTime !== 'number' || typeof endTime !== 'number' || !Number.isFinite(startTime) || !Number.isFinite(endTime)) {
    fail('"startTime" and "endTime" must be numbers');
  }

  const byId = new Map<number, ProfileNode>();
  nodes.forEach((node: unknown, index: number) => {
    if (!isObject(node) || !Number.isSafeInteger(node.id)) fail(`nodes[${index}] needs an integer id`);
    if (byId.has(node.id as number)) fail(`node id ${String(node.id)} appears twice`);
    const children = node.children ?? [];
    if (!Array.isArray(children) || !children.every((child) => Number.isSafeInteger(child))) fail(`nodes[${index}].children must be integer ids`);
    byId.set(node.id as number, { frame: frameOf(node.callFrame, index), children: children as number[] });
  });

  // Stack ids, parents first, from the nodes no other node lists as a child; iterative, as stacks can be deep.
  const builder = new SessionBuilder();
  const hasParent = new Set<number>();
  for (const node of byId.values()) for (const child of node.children) {
    if (!byId.has(child)) fail(`a node lists child ${child}, which is not a node`);
    if (hasParent.has(child)) fail(`node ${child} has two parents`);
    hasParent.add(child);
  }
  const stackOf = new Map<number, number>();
  const pending: Array<[number, number]> = [];
  for (const id of byId.keys()) if (!hasParent.has(id)) pending.push([id, -1]);
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [id, parentStack] = item;
    const node = byId.get(id)!;
    const stack = node.frame === undefined ? parentStack : builder.internStack(parentStack, builder.internFrame(node.frame));
    stackOf.set(id, stack);
    for (const child of node.children) pending.push([child, stack]);
  }
  if (stackOf.size !== byId.size) fail('the nodes do not form a tree (a cycle)');

  // V8 places each sample at its time; it stands for the time until the next one (the last: until endTime).
  const times: number[] = [];
  let at = startTime;
  for (let i = 0; i < timeDeltas.length; i++) {
    const delta = timeDeltas[i];
    if (typeof delta !== 'number' || !Number.isFinite(delta)) fail(`timeDeltas[${i}] is not a number`);
    at += delta;
    times.push(at);
  }
  let idleSeconds = 0;
  const sortedDeltas: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    const stack = stackOf.get(samples[i] as number);
    if (stack === undefined) fail(`samples[${i}] is not a node id`);
    const next = i + 1 < times.length ? times[i + 1]! : Math.max(endTime, times[i]!);
    const seconds = Math.max(0, next - times[i]!) / 1e6;
    const idle = stack !== -1 && builder.frames[builder.stacks.frame[stack]!]!.name === SpecialFrame.idle;
    if (idle) idleSeconds += seconds;
    // No CPU clock in a cpuprofile: CPU time is taken as the wall time outside (idle).
    builder.addSample(stack, (times[i]! - startTime) / 1e6 + seconds, seconds, idle ? 0 : seconds);
    if (i > 0) sortedDeltas.push(timeDeltas[i] as number);
  }
  sortedDeltas.sort((a, b) => a - b);
  const duration = Math.max(0, endTime - startTime) / 1e6;
  const count = samples.length;
  const interval = sortedDeltas.length > 0 ? sortedDeltas[Math.floor(sortedDeltas.length / 2)]! / 1e6 : 0;
  // V8's clock is monotonic, not the wall clock: when startTime is no plausible date, the file's time stands in.
  const epochMs = startTime / 1000 > Date.UTC(2000, 0, 1) ? startTime / 1000 : (source.modifiedMs ?? Date.now()) - duration * 1000;
  const meta: SessionMeta = {
    startTime: epochMs,
    duration,
    cpuTime: Math.max(0, duration - idleSeconds),
    sampleCount: count,
    requestedInterval: interval,
    achievedInterval: count > 0 ? duration / count : 0,
    droppedSamples: 0,
    unresolvedFrames: 0,
    totalFrames: 0,
    nodeVersion: '',
    v8Version: '',
    platform: '',
    arch: '',
    pid: 0,
    cwd: process.cwd(),
    argv: [],
    signal: 0,
    notes: [`loaded from the V8 CPU profile ${source.name}: no CPU time per sample (taken as the wall time outside idle), interval estimated as the median sample gap`],
  };
  return builder.build(meta);
}

/** The frame of a callFrame, or undefined for the (root). */
function frameOf(value: unknown, index: number): FrameInfo | undefined {
  if (!isObject(value)) fail(`nodes[${index}].callFrame must be an object`);
  const { functionName, url, lineNumber = -1, columnNumber = -1 } = value;
  if (typeof functionName !== 'string' || typeof url !== 'string') fail(`nodes[${index}].callFrame needs string functionName and url`);
  if (!Number.isSafeInteger(lineNumber) || !Number.isSafeInteger(columnNumber)) fail(`nodes[${index}].callFrame needs integer lineNumber and columnNumber`);
  if (functionName === ROOT_NAME && url === '') return undefined;
  const special = url === '' ? SPECIAL_NAMES.get(functionName) : undefined;
  if (special !== undefined) return specialFrame(special);
  const line = (lineNumber as number) >= 0 ? (lineNumber as number) + 1 : 0;
  const column = (columnNumber as number) >= 0 ? (columnNumber as number) + 1 : 0;
  const name = functionName || (line === 1 && column === 1 ? '(module)' : '(anonymous)');
  if (url === '') return { name, file: '', line: 0, column: 0, kind: functionName.startsWith('(') ? 'special' : 'builtin' };
  return { name, file: filePath(url), line, column, kind: 'js' };
}

/** `file:///app/a.js` -> `/app/a.js` (as nodeinstrument names CommonJS files); other URLs stay. */
function filePath(url: string): string {
  if (!url.startsWith('file://')) return url;
  try {
    return decodeURIComponent(new URL(url).pathname);
  } catch {
    return url;
  }
}
