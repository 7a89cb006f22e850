/**
 * The cpuprofile renderer: V8's CPU profile JSON (`Profiler.Profile` of the
 * DevTools protocol), as `node --cpu-prof` writes it and Chrome DevTools and
 * VS Code open it. Times are microseconds; lines and columns 0-based.
 */
import { pathToFileURL } from 'node:url';
import { FrameInfo, SpecialFrame } from '../session/frame';
import { isAllocSession, UnsupportedModeError } from './weights';
import { Session } from '../session/session';
import { hasThreads, sessionOfThread } from '../threads/threads';
import { CPUPROFILE_ALLOC_MESSAGE } from './limits';


export interface CpuProfileCallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  /** 0-based; -1 when unknown. */
  lineNumber: number;
  /** 0-based; -1 when unknown. */
  columnNumber: number;
}

export interface CpuProfileNode {
  id: number;
  callFrame: CpuProfileCallFrame;
  hitCount: number;
  /** Left out for leaves, as V8 does. */
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  /** Node id of each sample. */
  samples: number[];
  /** Microseconds from the previous sample (the first: from startTime). */
  timeDeltas: number[];
}

const ROOT_NODE_ID = 1;
const US_PER_SECOND = 1e6;

/** Our special frames under the names V8 gives its own. */
const V8_SPECIAL_NAMES: ReadonlyMap<string, string> = new Map([[SpecialFrame.gc, '(garbage collector)']]);

export function renderCpuProfile(session: Session): string {
  return JSON.stringify(buildCpuProfile(session));
}

/**
 * A .cpuprofile holds one thread: with worker threads, this is the main
 * thread's (lib/threads/files.ts writes each worker's beside it).
 */
export function buildCpuProfile(session: Session): CpuProfile {
  if (isAllocSession(session.meta)) throw new UnsupportedModeError(CPUPROFILE_ALLOC_MESSAGE);
  if (hasThreads(session)) session = sessionOfThread(session, 0);
  const tree = new NodeTable(session);
  const samples = session.samples.stack.map((stackId) => tree.nodeIdOf(stackId));
  const { startTime, endTime, timeDeltas } = sampleTimes(session);
  return { nodes: tree.nodes, startTime, endTime, samples, timeDeltas };
}

/**
 * Sample times as cpuprofile readers weigh them. DevTools gives each sample
 * the time until the next one (the last: until endTime), while our samples
 * stand for the time *before* them; so each sample is placed at the start of
 * the interval it stands for, and endTime at the end of the last one. The
 * time deltas then sum to endTime - startTime less the last sample's duration.
 * Times are epoch microseconds (V8 uses a monotonic clock; readers only use
 * differences).
 */
function sampleTimes(session: Session): Pick<CpuProfile, 'startTime' | 'endTime' | 'timeDeltas'> {
  const { time, duration } = session.samples;
  const startTime = Math.round(session.meta.startTime * 1000);
  const timeDeltas: number[] = [];
  let previous = startTime;
  for (let i = 0; i < time.length; i++) {
    // Rounded absolute times, so rounding errors do not add up over the deltas; never backwards.
    const at = Math.max(previous, startTime + Math.round((time[i]! - duration[i]!) * US_PER_SECOND));
    timeDeltas.push(at - previous);
    previous = at;
  }
  const lastEnd = time.length > 0 ? startTime + Math.round(time[time.length - 1]! * US_PER_SECOND) : startTime;
  return { startTime, endTime: Math.max(previous, lastEnd), timeDeltas };
}

/** One node per sampled stack (and its callers), under a `(root)` node; ids from 1 in creation order. */
class NodeTable {
  readonly nodes: CpuProfileNode[];
  private readonly nodeIds = new Map<number, number>();
  private readonly scripts = new ScriptIds();

  constructor(private readonly session: Session) {
    const root: CpuProfileNode = { id: ROOT_NODE_ID, callFrame: this.unknownCallFrame('(root)'), hitCount: 0 };
    this.nodes = [root];
  }

  /** The node of a sample's stack, counting the hit. */
  nodeIdOf(stackId: number): number {
    const id = stackId === -1 ? ROOT_NODE_ID : this.nodeOfStack(stackId);
    this.nodes[id - 1]!.hitCount += 1;
    return id;
  }

  private nodeOfStack(stackId: number): number {
    const known = this.nodeIds.get(stackId);
    if (known !== undefined) return known;
    // Parents first, without recursion: stacks can be thousands of frames deep.
    const missing: number[] = [];
    for (let id = stackId; id !== -1 && !this.nodeIds.has(id); id = this.session.stacks.parent[id]!) missing.push(id);
    for (let i = missing.length - 1; i >= 0; i--) this.addNode(missing[i]!);
    return this.nodeIds.get(stackId)!;
  }

  private addNode(stackId: number): void {
    const parentStack = this.session.stacks.parent[stackId]!;
    const parent = this.nodes[(parentStack === -1 ? ROOT_NODE_ID : this.nodeIds.get(parentStack)!) - 1]!;
    const frame = this.session.frames[this.session.stacks.frame[stackId]!]!;
    const node: CpuProfileNode = { id: this.nodes.length + 1, callFrame: this.callFrame(frame), hitCount: 0 };
    this.nodes.push(node);
    (parent.children ??= []).push(node.id);
    this.nodeIds.set(stackId, node.id);
  }

  private callFrame(frame: FrameInfo): CpuProfileCallFrame {
    if (frame.kind === 'special') return this.unknownCallFrame(V8_SPECIAL_NAMES.get(frame.name) ?? frame.name);
    const url = scriptUrl(frame.file);
    return {
      // V8 leaves anonymous functions unnamed; DevTools shows them as (anonymous).
      functionName: frame.name === '(anonymous)' ? '' : frame.name,
      scriptId: this.scripts.idOf(url),
      url,
      lineNumber: frame.line - 1,
      columnNumber: frame.column - 1,
    };
  }

  private unknownCallFrame(functionName: string): CpuProfileCallFrame {
    return { functionName, scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 };
  }
}

/**
 * Script ids: sessions have none, so each url gets its own, from "1" ("0" is
 * V8's id for no script). Readers use them only to tell scripts apart.
 */
class ScriptIds {
  private readonly ids = new Map<string, string>();

  idOf(url: string): string {
    if (!url) return '0';
    let id = this.ids.get(url);
    if (id === undefined) {
      id = String(this.ids.size + 1);
      this.ids.set(url, id);
    }
    return id;
  }
}

/** Absolute paths become file: URLs, as V8 reports CommonJS scripts; `node:` and other URLs stay. */
function scriptUrl(file: string): string {
  return file.startsWith('/') ? pathToFileURL(file).href : file;
}
