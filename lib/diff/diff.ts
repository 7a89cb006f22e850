/**
 * Compares two profiles of the same program: which call paths (branches) and
 * which functions got faster or slower, in seconds and in share of the total
 * (or of a chosen root function), and whether each change is beyond sampling
 * noise (lib/diff/stats.ts, docs/optimization-loop.md). Pure: sessions in, a SessionDiff
 * out; renderers in lib/renderers/diff-*.ts.
 */
import { FrameInfo } from '../session/frame';
import { Pair, pairFunctions, pairTrees } from './pairs';
import { DiffError, Side, SideInput } from './side';
import { criticalZ, noiseTest } from './stats';
import { DEFAULT_MIN_SHARE, ProcessorOptions } from '../processors/processors';
import { modeOf, MODES } from '../session/mode';
import { Session, SessionMeta } from '../session/session';
import { findThread, hasThreads, sessionOfThread, ThreadFilterError, threadsOf } from '../threads/threads';
import { ProfileWarning, profileWarnings } from '../processors/warnings';
import { withoutProfilerWork } from '../processors/profiler-work';

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
  /**
   * Profiles with worker threads: compare this thread of each (a name,
   * threadId or unique part of a name, lib/threads/threads.ts). Default: the main
   * thread. Threads are never added together.
   */
  thread?: string;
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
  /** Why this profile may mislead (lib/processors/warnings.ts): a diff is only as good as its two profiles. */
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
  /** The thread compared, when either profile had worker threads (or one was chosen). */
  thread?: string;
}

export { DiffError };

/** The two profiles measure different things (wall or CPU seconds, allocated bytes): no comparison means anything. */
export class DiffModeError extends DiffError {
  override name = 'DiffModeError';
}

/** Throws DiffModeError unless both profiles are of one mode (a V8 .cpuprofile is wall). */
export function checkSameMode(before: Session, after: Session): void {
  const [a, b] = [modeOf(before.meta), modeOf(after.meta)];
  if (a === b) return;
  throw new DiffModeError(
    `the before profile measures ${MODES[a].label} (--mode ${a}) and the after profile ${MODES[b].label} (--mode ${b}); compare two profiles of the same mode`,
  );
}
export { matchFrames } from './pairs';
export { effectiveShare, selectRoot } from './side';

export function diffSessions(before: Session, after: Session, options: DiffOptions = {}): SessionDiff {
  checkSameMode(before, after);
  // As every report: the profiler's own drains are left out (their weight varies from run to run).
  if (!options.processor?.showAll) {
    before = withoutProfilerWork(before);
    after = withoutProfilerWork(after);
  }
  const thread = comparedThread(before, after, options.thread);
  if (thread !== undefined) {
    before = threadOfSide(before, options.thread, 'before');
    after = threadOfSide(after, options.thread, 'after');
  }
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
    ...(thread !== undefined ? { thread } : {}),
  };
}

/** The name of the thread compared: the chosen one, or main when either profile has worker threads. */
function comparedThread(before: Session, after: Session, selector: string | undefined): string | undefined {
  if (selector === undefined) return hasThreads(before) || hasThreads(after) ? threadsOf(before)[0]!.name : undefined;
  const side = hasThreads(after) ? after : before;
  return threadsOf(side)[threadIndex(side, selector, hasThreads(after) ? 'after' : 'before')]!.name;
}

/** One thread of a profile: the chosen one, or the main thread. */
function threadOfSide(session: Session, selector: string | undefined, label: string): Session {
  return sessionOfThread(session, selector === undefined ? 0 : threadIndex(session, selector, label));
}

function threadIndex(session: Session, selector: string, label: string): number {
  try {
    return findThread(session, selector);
  } catch (error) {
    if (error instanceof ThreadFilterError) throw new DiffError(`the ${label} profile: ${error.message}`);
    throw error;
  }
}

/** The session with each sample standing for the CPU time the thread used, not the wall time. */
export function onCpuTime(session: Session): Session {
  const { samples } = session;
  return session.with({ samples: { ...samples, duration: samples.cpu } });
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
