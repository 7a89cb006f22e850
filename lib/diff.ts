/**
 * Compares two profiles of the same program: which call paths (branches) and
 * which functions got faster or slower, in seconds and in share of the total
 * (or of a chosen root function), and whether each change is beyond sampling
 * noise (lib/diff-stats.ts, docs/optimization-loop.md). Pure: sessions in, a SessionDiff
 * out; renderers in lib/renderers/diff-*.ts.
 */
import { FrameInfo, frameKey } from './frame';
import { criticalZ, noiseTest } from './diff-stats';
import { DEFAULT_MIN_SHARE, mergeSiblingsInPlace, ProcessorOptions, processTree } from './processors';
import { Session, SessionMeta } from './session';
import { CallNode, buildCallTree, createRootNode, sortTree } from './tree';
import { ProfileWarning, profileWarnings } from './warnings';

export interface DiffOptions {
  /** Hiding rules, applied to both profiles alike (their minShare is ignored: see `minShare`). */
  processor?: ProcessorOptions;
  /** Compare only the time under the function of this name (all its outermost calls), as shares of it. */
  root?: string;
  /** Rows under this share of the root in both profiles are left out. Default 1% (0 with processor.showAll). */
  minShare?: number;
  /**
   * Smallest change of share (of the root) reported as a change, however many
   * samples. Default 0.02 (2 points): two runs of the same program differ by
   * that much now and then (JIT and GC timing), evenly over the run.
   */
  minChange?: number;
  /** Family-wise false-positive rate for the noise test (Bonferroni over all rows). Default 0.05. */
  alpha?: number;
  /**
   * `wall` (default): wall time, as the profiles show it. `cpu`: the time the
   * thread was on a CPU, from each sample's CPU clock; robust when the machine
   * is busier in one run than in the other, and waiting (idle, I/O) drops out.
   */
  time?: 'wall' | 'cpu';
}

export const DEFAULT_MIN_CHANGE = 0.02;
export const DEFAULT_ALPHA = 0.05;

/**
 * - `faster`, `slower`: the time and the share both changed beyond sampling
 *   noise, in the same direction, and the share by at least minChange.
 * - `noise`: the change in time is within sampling noise.
 * - `minor`: the time changed beyond noise, but the share did not (enough):
 *   the node moved with the total (a busier machine, an even speed-up) or
 *   with a change further down its branch, which is marked there.
 */
export type Verdict = 'faster' | 'slower' | 'noise' | 'minor';

export interface DiffSide {
  /** Seconds (total time of a branch; self time of a function). */
  time: number;
  /** Share of the root's time in that profile, 0..1. */
  share: number;
}

export interface DiffMeasure {
  before: DiffSide;
  after: DiffSide;
  /** after - before, seconds. */
  timeChange: number;
  /** after - before, share of the root. */
  shareChange: number;
  /** timeChange / before.time; undefined when the node is new. */
  relativeChange: number | undefined;
  zTime: number;
  zShare: number;
  verdict: Verdict;
}

export interface DiffNode extends DiffMeasure {
  /** The frame as the after profile has it (the before one's when it is gone). */
  frame: FrameInfo;
  children: DiffNode[];
}

export interface FunctionDiff extends DiffMeasure {
  frame: FrameInfo;
}

export interface DiffProfileInfo {
  meta: SessionMeta;
  /** Why this profile may mislead (lib/warnings.ts): a diff is only as good as its two profiles. */
  warnings: ProfileWarning[];
  /** Seconds under the root. */
  total: number;
  /** Samples under the root. */
  samples: number;
}

export interface SessionDiff {
  before: DiffProfileInfo;
  after: DiffProfileInfo;
  /** Branches: total time per call path. The root is the whole profile, or the chosen root function. */
  root: DiffNode;
  /** The `root` option, when given. */
  rootName: string | undefined;
  /** Functions by self time, biggest change first. */
  functions: FunctionDiff[];
  /** Rows judged faster / slower (tree and function rows). */
  faster: number;
  slower: number;
  model: { alpha: number; tests: number; zCritical: number; minChange: number; minShare: number };
  time: 'wall' | 'cpu';
}

export class DiffError extends Error {
  override name = 'DiffError';
}

export function diffSessions(before: Session, after: Session, options: DiffOptions = {}): SessionDiff {
  const processor = { ...options.processor, minShare: 0 };
  const time = options.time ?? 'wall';
  const sideBefore = new Side(time === 'cpu' ? onCpuTime(before) : before, processor, options.root, 'before');
  const sideAfter = new Side(time === 'cpu' ? onCpuTime(after) : after, processor, options.root, 'after');
  const treeBefore = sideBefore.tree;
  const treeAfter = sideAfter.tree;
  const minShare = options.minShare ?? (options.processor?.showAll ? 0 : DEFAULT_MIN_SHARE);
  const minChange = options.minChange ?? DEFAULT_MIN_CHANGE;
  const alpha = options.alpha ?? DEFAULT_ALPHA;

  const pairs = pairTrees(treeBefore, treeAfter, minShare);
  const functionPairs = pairFunctions(treeBefore, treeAfter, minShare);
  // Every row shown is one comparison; the root (both 100%) is not tested.
  const tests = pairs.count - 1 + functionPairs.length;
  const zCritical = criticalZ(alpha, tests);
  const judge = new Judge(sideBefore, sideAfter, zCritical, minChange);

  const root = judge.tree(pairs.root);
  const functions = functionPairs
    .map(([a, b]) => ({ frame: (b ?? a)!.frame, ...judge.measure(sideBefore.functionInput(a), sideAfter.functionInput(b)) }))
    .sort(byChange);
  let faster = 0;
  let slower = 0;
  const count = (measure: DiffMeasure): void => {
    if (measure.verdict === 'faster') faster++;
    if (measure.verdict === 'slower') slower++;
  };
  forEachDiffNode(root, (node) => node !== root && count(node));
  functions.forEach(count);
  return {
    before: { meta: before.meta, warnings: profileWarnings(before), total: treeBefore.totalTime, samples: treeBefore.sampleCount },
    after: { meta: after.meta, warnings: profileWarnings(after), total: treeAfter.totalTime, samples: treeAfter.sampleCount },
    root,
    rootName: options.root,
    functions,
    faster,
    slower,
    model: { alpha, tests, zCritical, minChange, minShare },
    time,
  };
}

/** The session with each sample standing for the CPU time the thread used, not the wall time. */
export function onCpuTime(session: Session): Session {
  const { samples } = session;
  return new Session(session.meta, session.frames, session.stacks, { ...samples, duration: samples.cpu });
}

/** Visits every node of a diff tree, parents first, without recursion. */
export function forEachDiffNode(root: DiffNode, visit: (node: DiffNode, depth: number) => void): void {
  const pending: Array<[DiffNode, number]> = [[root, 0]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [node, depth] = item;
    visit(node, depth);
    for (let i = node.children.length - 1; i >= 0; i--) pending.push([node.children[i]!, depth + 1]);
  }
}

/** Whether a verdict is a reported change. */
export function isChange(verdict: Verdict): boolean {
  return verdict === 'faster' || verdict === 'slower';
}

// ---------------------------------------------------------------------------
// Trees.

/** Time slices a profile is cut into for the batch-means variance (lib/diff-stats.ts). */
export const DIFF_BATCHES = 10;
/** Profiles with fewer samples are not sliced (binomial noise only). */
const MIN_BATCHED_SAMPLES = 200;

/** One profile, processed, with its time slices. */
class Side {
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

interface SideInput {
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
  return new Session(session.meta, session.frames, session.stacks, {
    stack: stack.slice(start, end),
    time: time.slice(start, end),
    duration: duration.slice(start, end),
    cpu: cpu.slice(start, end),
  });
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

interface Pair {
  before: CallNode | undefined;
  after: CallNode | undefined;
  children: Pair[];
}

/** Both trees walked together, children matched by frame; rows under minShare in both left out. */
function pairTrees(before: CallNode, after: CallNode, minShare: number): { root: Pair; count: number } {
  const root: Pair = { before, after, children: [] };
  let count = 1;
  const pending: Pair[] = [root];
  for (let pair = pending.pop(); pair; pair = pending.pop()) {
    for (const [a, b] of matchFrames(pair.before?.children ?? [], pair.after?.children ?? [])) {
      const shareBefore = a ? a.totalTime / before.totalTime : 0;
      const shareAfter = b ? b.totalTime / after.totalTime : 0;
      if (Math.max(shareBefore, shareAfter) < minShare || Math.max(shareBefore, shareAfter) === 0) continue;
      const child: Pair = { before: a, after: b, children: [] };
      pair.children.push(child);
      pending.push(child);
      count++;
    }
  }
  return { root, count };
}

interface FunctionTime {
  frame: FrameInfo;
  selfTime: number;
}

/** Self time per function (the time each was the one running, after hiding), matched across the two. */
function pairFunctions(before: CallNode, after: CallNode, minShare: number): Array<[FunctionTime | undefined, FunctionTime | undefined]> {
  const a = selfTimes(before);
  const b = selfTimes(after);
  return matchFrames(a, b).filter(([x, y]) => {
    const share = Math.max((x?.selfTime ?? 0) / before.totalTime, (y?.selfTime ?? 0) / after.totalTime);
    return share > 0 && share >= minShare;
  });
}

function selfTimes(root: CallNode): FunctionTime[] {
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

/**
 * Pairs items of two lists that stand for the same function: first the same
 * name, file, line and column; then, among the rest, the same name and file
 * when that is unique on both sides (an edit moved the function).
 */
export function matchFrames<T extends { frame: FrameInfo }>(before: readonly T[], after: readonly T[]): Array<[T | undefined, T | undefined]> {
  const pairs: Array<[T | undefined, T | undefined]> = [];
  const afterByKey = new Map<string, T>();
  for (const item of after) afterByKey.set(frameKey(item.frame), item);
  const restBefore: T[] = [];
  for (const item of before) {
    const key = frameKey(item.frame);
    const match = afterByKey.get(key);
    if (match) {
      pairs.push([item, match]);
      afterByKey.delete(key);
    } else {
      restBefore.push(item);
    }
  }
  const looseKey = (frame: FrameInfo): string => `${frame.kind}\u0000${frame.name}\u0000${frame.file}`;
  const uniqueByLooseKey = (items: Iterable<T>): Map<string, T | null> => {
    const map = new Map<string, T | null>();
    for (const item of items) {
      const key = looseKey(item.frame);
      map.set(key, map.has(key) ? null : item);
    }
    return map;
  };
  const looseAfter = uniqueByLooseKey(afterByKey.values());
  const looseBefore = uniqueByLooseKey(restBefore);
  for (const item of restBefore) {
    const key = looseKey(item.frame);
    const match = looseBefore.get(key) ? looseAfter.get(key) : undefined;
    if (match) {
      pairs.push([item, match]);
      afterByKey.delete(frameKey(match.frame));
    } else {
      pairs.push([item, undefined]);
    }
  }
  for (const item of afterByKey.values()) pairs.push([undefined, item]);
  return pairs;
}

// ---------------------------------------------------------------------------
// Judging.

class Judge {
  constructor(
    private readonly before: Side,
    private readonly after: Side,
    private readonly zCritical: number,
    private readonly minChange: number,
  ) {}

  measure(inputBefore: SideInput, inputAfter: SideInput): DiffMeasure {
    const treeBefore = this.before.tree;
    const treeAfter = this.after.tree;
    const before = { time: inputBefore.time, share: inputBefore.time / treeBefore.totalTime };
    const after = { time: inputAfter.time, share: inputAfter.time / treeAfter.totalTime };
    const { zTime, zShare } = noiseTest(
      { share: before.share, samples: this.before.effectiveSamples, total: treeBefore.totalTime, batches: inputBefore.batches },
      { share: after.share, samples: this.after.effectiveSamples, total: treeAfter.totalTime, batches: inputAfter.batches },
    );
    const shareChange = after.share - before.share;
    let verdict: Verdict;
    if (Math.abs(zTime) < this.zCritical) verdict = 'noise';
    else if (Math.abs(zShare) >= this.zCritical && Math.sign(zShare) === Math.sign(zTime) && Math.abs(shareChange) >= this.minChange) {
      verdict = zTime < 0 ? 'faster' : 'slower';
    } else verdict = 'minor';
    return {
      before,
      after,
      timeChange: after.time - before.time,
      shareChange,
      relativeChange: before.time > 0 ? (after.time - before.time) / before.time : undefined,
      zTime,
      zShare,
      verdict,
    };
  }

  /** The diff tree of paired nodes; the root is measured but never judged (both are 100%). */
  tree(rootPair: Pair): DiffNode {
    const make = (pair: Pair): DiffNode => ({
      frame: (pair.after ?? pair.before)!.frame,
      ...this.measure(this.before.nodeInput(pair.before), this.after.nodeInput(pair.after)),
      children: [],
    });
    const root = make(rootPair);
    root.verdict = 'minor';
    root.zTime = 0;
    root.zShare = 0;
    const pending: Array<[Pair, DiffNode]> = [[rootPair, root]];
    for (let item = pending.pop(); item; item = pending.pop()) {
      const [pair, node] = item;
      for (const childPair of pair.children) {
        const child = make(childPair);
        node.children.push(child);
        pending.push([childPair, child]);
      }
      node.children.sort(byChange);
    }
    return root;
  }
}

/** Biggest change in seconds first; then the bigger node; then by name for a stable order. */
function byChange(a: DiffMeasure & { frame: FrameInfo }, b: DiffMeasure & { frame: FrameInfo }): number {
  const change = Math.abs(b.timeChange) - Math.abs(a.timeChange);
  if (change !== 0) return change;
  const size = Math.max(b.before.time, b.after.time) - Math.max(a.before.time, a.after.time);
  if (size !== 0) return size;
  return a.frame.name < b.frame.name ? -1 : a.frame.name > b.frame.name ? 1 : 0;
}
