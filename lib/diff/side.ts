/**
 * One profile as the diff sees it: processed like the call tree (optionally
 * cut down to a root function), its call paths numbered, its time slices
 * for the batch-means variance, and its effective sample count.
 */
import { FrameInfo, frameKey } from '../session/frame';
import { mergeSiblingsInPlace, ProcessorOptions, processTree } from '../processors/processors';
import { Session } from '../session/session';
import { CallNode, buildCallTree, createRootNode, sortTree } from '../session/tree';

export class DiffError extends Error {
  override name = 'DiffError';
}

/** Time slices a profile is cut into for the batch-means variance (lib/diff/stats.ts). */
export const DIFF_BATCHES = 10;
/** Profiles with fewer samples are not sliced (binomial noise only). */
const MIN_BATCHED_SAMPLES = 200;

/** One profile, processed, with its time slices. */
export class Side {
  readonly tree: CallNode;
  /** Per time slice: the root's seconds, seconds per call path id, self seconds per function key. */
  readonly batches: Array<{ total: number; times: Map<number, number>; self: Map<string, number> }> = [];
  /**
   * Samples under the root, discounted for uneven sample weights: a sample
   * stands for the time since the previous one, and one that stands for 40 ms
   * (the sampler was held up) weighs as much as 80 regular ones at 500 us.
   * Kish's effective sample size, (sum w)^2 / sum w^2, scaled to the root.
   */
  readonly effectiveSamples: number;
  private readonly pathIds = new Map<string, number>();
  private readonly treePaths = new Map<CallNode, number>();

  constructor(session: Session, processor: ProcessorOptions, rootName: string | undefined, label: string) {
    const tree = processedTree(session, processor, rootName);
    if (tree === undefined) throw new DiffError(`no function named '${rootName}' in the ${label} profile (after hiding; try --show-all)`);
    if (tree.sampleCount === 0 || !(tree.totalTime > 0)) {
      throw new DiffError(`the ${label} profile has no samples${tree.sampleCount > 0 ? ' with time in them' : ''}`);
    }
    this.tree = tree;
    this.effectiveSamples = tree.sampleCount * effectiveShare(session.samples.duration);
    this.walk(tree, (node, id) => this.treePaths.set(node, id));
    const count = session.samples.stack.length;
    if (count < MIN_BATCHED_SAMPLES) return;
    for (let b = 0; b < DIFF_BATCHES; b++) {
      const slice = processedTree(sliceSession(session, Math.floor((b * count) / DIFF_BATCHES), Math.floor(((b + 1) * count) / DIFF_BATCHES)), processor, rootName);
      const times = new Map<number, number>();
      const self = new Map<string, number>();
      if (slice !== undefined) {
        this.walk(slice, (node, id) => times.set(id, node.totalTime));
        for (const entry of selfTimes(slice)) self.set(frameKey(entry.frame), entry.selfTime);
      }
      this.batches.push({ total: slice?.totalTime ?? 0, times, self });
    }
  }

  /** A call path's time, and its share in each time slice that has time under the root. */
  nodeInput(node: CallNode | undefined): SideInput {
    const id = node === undefined ? undefined : this.treePaths.get(node);
    return {
      time: node?.totalTime ?? 0,
      batches: this.batches.filter((batch) => batch.total > 0).map((batch) => (id === undefined ? 0 : (batch.times.get(id) ?? 0)) / batch.total),
    };
  }

  functionInput(entry: FunctionTime | undefined): SideInput {
    const key = entry === undefined ? undefined : frameKey(entry.frame);
    return {
      time: entry?.selfTime ?? 0,
      batches: this.batches.filter((batch) => batch.total > 0).map((batch) => (key === undefined ? 0 : (batch.self.get(key) ?? 0)) / batch.total),
    };
  }

  /** Numbers every node by its call path (the same path in any tree of this side gets the same id). */
  private walk(root: CallNode, visit: (node: CallNode, id: number) => void): void {
    const pending: Array<[CallNode, number]> = [[root, -1]];
    for (let item = pending.pop(); item; item = pending.pop()) {
      const [node, parentId] = item;
      const key = `${parentId}\u0000${node === root ? '' : frameKey(node.frame)}`;
      let id = this.pathIds.get(key);
      if (id === undefined) {
        id = this.pathIds.size;
        this.pathIds.set(key, id);
      }
      visit(node, id);
      for (const child of node.children) pending.push([child, id]);
    }
  }
}

export interface SideInput {
  time: number;
  batches: number[];
}

function processedTree(session: Session, processor: ProcessorOptions, rootName: string | undefined): CallNode | undefined {
  const tree = processTree(buildCallTree(session), processor);
  return rootName === undefined ? tree : selectRoot(tree, rootName);
}

/** Kish's effective sample size of weights, as a share of their count (1 when all are equal). */
export function effectiveShare(weights: readonly number[]): number {
  let sum = 0;
  let squares = 0;
  for (const weight of weights) {
    sum += weight;
    squares += weight * weight;
  }
  return squares > 0 && weights.length > 0 ? (sum * sum) / squares / weights.length : 1;
}

/** Samples [start, end) of a session as a session of their own. */
function sliceSession(session: Session, start: number, end: number): Session {
  const { stack, time, duration, cpu } = session.samples;
  const samples = {
    stack: stack.slice(start, end),
    time: time.slice(start, end),
    duration: duration.slice(start, end),
    cpu: cpu.slice(start, end),
  };
  // The batches are only counted: per-sample columns are not needed (nor sliced).
  return session.with({ samples, labels: undefined, lines: undefined, threads: undefined });
}

/**
 * One root made of every outermost node of the function `name` (a function
 * called from several places, or recursively, counts once per sample).
 */
export function selectRoot(tree: CallNode, name: string): CallNode | undefined {
  const found: CallNode[] = [];
  const pending: CallNode[] = [...tree.children];
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (node.frame.name === name) found.push(node);
    else pending.push(...node.children);
  }
  if (found.length === 0) return undefined;
  const root = createRootNode();
  root.frame = found[0]!.frame;
  root.frameId = found[0]!.frameId;
  for (const node of found) {
    root.totalTime += node.totalTime;
    root.selfTime += node.selfTime;
    root.sampleCount += node.sampleCount;
    root.children.push(...node.children);
  }
  return sortTree(mergeSiblingsInPlace(root));
}

export interface FunctionTime {
  frame: FrameInfo;
  selfTime: number;
}

export function selfTimes(root: CallNode): FunctionTime[] {
  const byKey = new Map<string, FunctionTime>();
  const pending: CallNode[] = [root];
  for (let node = pending.pop(); node; node = pending.pop()) {
    pending.push(...node.children);
    if (node === root || node.selfTime <= 0) continue;
    const key = frameKey(node.frame);
    const entry = byKey.get(key);
    if (entry) entry.selfTime += node.selfTime;
    else byKey.set(key, { frame: node.frame, selfTime: node.selfTime });
  }
  return [...byKey.values()];
}
