/**
 * Merges sessions into one, frames and stacks shared, samples one part after
 * another, each sample's time on the first part's time axis. Pure. Two uses:
 * the sessions of several threads (the recording's own thread and the worker
 * threads it sampled) become one session with a thread table (mergeThreads);
 * consecutive windows of one recording become one span of time
 * (concatWindows, for a capture taken from a running recording).
 */
import { frameKey } from '../session/frame';
import { LineTable, SampleTable, Session, SessionLabels, SessionMeta, StackTable, ThreadInfo } from '../session/session';

export interface ThreadPart {
  session: Session;
  info: ThreadInfo;
}

/**
 * One session holding every part's samples; `meta` is the merged session's
 * (the first part's, usually), with sample and frame counts summed here.
 * With a single part, that part's session is returned as it is.
 */
export function mergeThreads(parts: readonly ThreadPart[], meta: SessionMeta): Session {
  if (parts.length === 1) return parts[0]!.session;
  return mergeParts(parts.map((part) => ({ session: part.session, start: part.info.start, name: part.info.name })), meta, parts.map((part) => part.info));
}

/** A window of a recording and where it starts, in seconds on the first window's time axis. */
export interface WindowPart {
  session: Session;
  start: number;
}

/**
 * Consecutive windows of one thread's recording as one session (no thread
 * table); `meta` is the result's, with sample and frame counts summed here.
 */
export function concatWindows(parts: readonly WindowPart[], meta: SessionMeta): Session {
  return mergeParts(parts.map((part) => ({ ...part, name: undefined })), meta, undefined);
}

interface Part {
  session: Session;
  start: number;
  /** A thread's name, which prefixes the notes of threads after the first. */
  name: string | undefined;
}

/** `threads`: one per part, for a thread table; undefined to concatenate in time. */
function mergeParts(parts: readonly Part[], meta: SessionMeta, threads: ThreadInfo[] | undefined): Session {
  const frameIds = new Map<string, number>();
  const frameList: Session['frames'][number][] = [];
  const stacks: StackTable = { parent: [], frame: [] };
  const stackIds = new Map<string, number>();
  const samples: SampleTable = { stack: [], time: [], duration: [], cpu: [] };
  const threadOfSample: number[] = [];
  const labels = mergedLabels(parts);
  const lines = parts.some((part) => part.session.lines) ? new LineMerger() : undefined;
  let dropped = 0;
  let unresolved = 0;
  let total = 0;
  const notes = [...meta.notes];

  parts.forEach((part, index) => {
    const { session } = part;
    const frameMap = session.frames.map((frame) => {
      const key = frameKey(frame);
      let id = frameIds.get(key);
      if (id === undefined) {
        id = frameList.push(frame) - 1;
        frameIds.set(key, id);
      }
      return id;
    });
    const stackMap = new Int32Array(session.stacks.parent.length);
    for (let i = 0; i < stackMap.length; i++) {
      const parent = session.stacks.parent[i]!;
      const newParent = parent === -1 ? -1 : stackMap[parent]!;
      const frame = frameMap[session.stacks.frame[i]!]!;
      const key = `${newParent}:${frame}`;
      let id = stackIds.get(key);
      if (id === undefined) {
        id = stacks.parent.length;
        stacks.parent.push(newParent);
        stacks.frame.push(frame);
        stackIds.set(key, id);
      }
      stackMap[i] = id;
    }
    const lineSample = lines?.addPart(session);
    const { stack, time, duration, cpu } = session.samples;
    for (let i = 0; i < stack.length; i++) {
      samples.stack.push(stack[i] === -1 ? -1 : stackMap[stack[i]!]!);
      samples.time.push(time[i]! + part.start);
      samples.duration.push(duration[i]!);
      samples.cpu.push(cpu[i]!);
      threadOfSample.push(index);
      labels?.sample.push(labels.indexOf(index, session.labels?.sample[i] ?? -1));
      lines?.sample.push(lineSample![i]!);
    }
    dropped += session.meta.droppedSamples;
    unresolved += session.meta.unresolvedFrames;
    total += session.meta.totalFrames;
    if (index > 0) {
      for (const note of session.meta.notes) {
        const text = part.name === undefined ? note : `${part.name}: ${note}`;
        // A window repeats what its predecessor said (the same worker problem, the same notes).
        if (part.name !== undefined || !notes.includes(text)) notes.push(text);
      }
    }
  });

  const merged: SessionMeta = {
    ...meta,
    sampleCount: samples.stack.length,
    droppedSamples: dropped,
    unresolvedFrames: unresolved,
    totalFrames: total,
    notes,
  };
  const first = parts[0]!.session;
  return new Session(
    merged,
    frameList,
    stacks,
    samples,
    first.memory,
    labels?.table(),
    lines?.table(),
    threads && { list: threads, sample: threadOfSample },
  );
}

/** The label sets of all parts, each once, and a mapping from each part's indexes. */
function mergedLabels(parts: readonly Part[]) {
  if (!parts.some((part) => part.session.labels)) return undefined;
  const sets: Array<Record<string, string>> = [];
  const byKey = new Map<string, number>();
  const maps = parts.map((part) =>
    (part.session.labels?.sets ?? []).map((set) => {
      const key = JSON.stringify(Object.entries(set).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      let index = byKey.get(key);
      if (index === undefined) {
        index = sets.length;
        sets.push(set);
        byKey.set(key, index);
      }
      return index;
    }),
  );
  const sample: number[] = [];
  return {
    sample,
    indexOf: (thread: number, index: number): number => (index === -1 ? -1 : maps[thread]![index]!),
    table: (): SessionLabels => ({ sets, sample }),
  };
}

/** Concatenates line tables; a part without one gets line stacks of unknown lines (0) as deep as its stacks. */
class LineMerger {
  readonly parent: number[] = [];
  readonly line: number[] = [];
  readonly sample: number[] = [];
  /** Line stacks of n unknown lines, shared by the parts without a table. */
  private readonly unknownChain: number[] = [];

  /** Each of the part's samples' line stack in the merged table. */
  addPart(session: Session): number[] {
    const table = session.lines;
    if (table) {
      const offset = this.parent.length;
      for (let i = 0; i < table.parent.length; i++) {
        this.parent.push(table.parent[i] === -1 ? -1 : table.parent[i]! + offset);
        this.line.push(table.line[i]!);
      }
      return table.sample.map((id) => (id === -1 ? -1 : id + offset));
    }
    const depth = stackDepths(session.stacks);
    return session.samples.stack.map((stack) => (stack === -1 ? -1 : this.unknownLines(depth[stack]!)));
  }

  private unknownLines(depth: number): number {
    while (this.unknownChain.length < depth) {
      const parent = this.unknownChain.length === 0 ? -1 : this.unknownChain[this.unknownChain.length - 1]!;
      this.unknownChain.push(this.parent.length);
      this.parent.push(parent);
      this.line.push(0);
    }
    return this.unknownChain[depth - 1]!;
  }

  table(): LineTable {
    return { parent: this.parent, line: this.line, sample: this.sample };
  }
}

function stackDepths(stacks: Readonly<StackTable>): Int32Array {
  const depth = new Int32Array(stacks.parent.length);
  for (let i = 0; i < depth.length; i++) depth[i] = stacks.parent[i] === -1 ? 1 : depth[stacks.parent[i]!]! + 1;
  return depth;
}
