/**
 * One side of a comparison as the diff sees it: one or several runs of the
 * program, each processed like the call tree (optionally cut down to a root
 * function), merged into one tree of call paths and one table of functions
 * that hold, per run, the seconds each had. A function TurboFan inlined in
 * some samples and called in others is one row: inlining is the compiler's
 * decision, not a change in the program.
 */
import { basename } from 'node:path';
import { FrameInfo, frameKey } from '../session/frame';
import { mergeSiblingsInPlace, ProcessorOptions, processTree } from '../processors/processors';
import { CallNode, createRootNode, sortTree } from '../session/tree';

export class DiffError extends Error {
  override name = 'DiffError';
}

/** A call path over the runs of one side. */
export interface RunNode {
  /** The function, without the inlined mark. */
  frame: FrameInfo;
  /** Seconds in this call path and below, per run (0 in a run that never took it). */
  times: number[];
  children: RunNode[];
}

/** A function's self time over the runs of one side. */
export interface RunFunction {
  frame: FrameInfo;
  /** Seconds the function was the one running, per run. */
  times: number[];
}

/**
 * One run as a comparison's settings see it: its call tree processed (hiding,
 * the thread, wall or CPU time, the root function), and what the noise model
 * needs of its samples. Undefined tree: the root function is not in it.
 */
export interface PreparedRun {
  tree: CallNode | undefined;
  /** Kish's effective sample size as a share of the count (effectiveShare). */
  effectiveShare: number;
}

export class Side {
  /** The merged call tree; its `times` are the runs' totals under the root. */
  readonly root: RunNode;
  readonly functions: RunFunction[];
  /** Seconds under the root, per run. */
  readonly totals: number[] = [];
  /** Samples under the root, per run. */
  readonly sampleCounts: number[] = [];
  /**
   * Samples under the root per run, discounted for uneven sample weights: a
   * sample stands for the time since the previous one, and one that stands
   * for 40 ms (the sampler was held up) weighs as much as 80 regular ones at
   * 500 us. Kish's effective sample size, (sum w)^2 / sum w^2, scaled to the root.
   */
  readonly samples: number[] = [];

  constructor(runs: readonly PreparedRun[], rootName: string | undefined, label: string) {
    const count = runs.length;
    this.root = { frame: createRootNode().frame, times: new Array<number>(count).fill(0), children: [] };
    const functions = new Map<string, RunFunction>();
    const merger = new TreeMerger(this.root, count);
    runs.forEach(({ tree, effectiveShare: share }, run) => {
      const which = count > 1 ? `run ${run + 1} of the ${label} profiles` : `the ${label} profile`;
      if (tree === undefined) throw new DiffError(`no function named '${rootName}' in ${which} (after hiding; try --show-all)`);
      if (tree.sampleCount === 0 || !(tree.totalTime > 0)) {
        throw new DiffError(`${which} has no samples${tree.sampleCount > 0 ? ' with time in them' : ''}`);
      }
      if (run === 0) this.root.frame = tree.frame; // (root), or the function chosen as the root
      this.totals.push(tree.totalTime);
      this.sampleCounts.push(tree.sampleCount);
      this.samples.push(tree.sampleCount * share);
      merger.add(tree, run);
      // Self time per function, summed over every place it runs (functionKey: inlined or not).
      const pending: CallNode[] = [...tree.children];
      for (let node = pending.pop(); node; node = pending.pop()) {
        pending.push(...node.children);
        if (node.selfTime <= 0) continue;
        const key = functionKey(node.frame);
        let row = functions.get(key);
        if (!row) functions.set(key, (row = { frame: functionFrame(node.frame), times: new Array<number>(count).fill(0) }));
        row.times[run]! += node.selfTime;
      }
    });
    this.functions = [...functions.values()];
  }

  get runs(): number {
    return this.totals.length;
  }

  /** The mean over runs of a row's seconds. */
  meanTime(times: readonly number[]): number {
    return times.reduce((sum, time) => sum + time, 0) / times.length;
  }

  /** A row's share of the root, pooled over the runs (its seconds over all runs' seconds). */
  share(times: readonly number[]): number {
    const total = this.totals.reduce((sum, time) => sum + time, 0);
    return total > 0 ? times.reduce((sum, time) => sum + time, 0) / total : 0;
  }

  /** Zeros: the row of a call path or function this side never had. */
  absent(): number[] {
    return new Array<number>(this.runs).fill(0);
  }
}

/** Adds processed trees into one tree of call paths, children matched by function (inlined or not). */
class TreeMerger {
  private readonly index = new Map<RunNode, Map<string, RunNode>>();

  constructor(
    private readonly root: RunNode,
    private readonly runs: number,
  ) {}

  add(tree: CallNode, run: number): void {
    this.root.times[run]! += tree.totalTime;
    const pending: Array<[CallNode, RunNode]> = [[tree, this.root]];
    for (let item = pending.pop(); item; item = pending.pop()) {
      const [node, into] = item;
      let children = this.index.get(into);
      if (!children) this.index.set(into, (children = new Map()));
      for (const child of node.children) {
        const key = functionKey(child.frame);
        let merged = children.get(key);
        if (!merged) {
          merged = { frame: withoutInlined(child.frame), times: new Array<number>(this.runs).fill(0), children: [] };
          children.set(key, merged);
          into.children.push(merged);
        }
        merged.times[run]! += child.totalTime;
        pending.push([child, merged]);
      }
    }
  }
}

/**
 * A key equal for frames of one function, whether TurboFan inlined it there
 * or not. Native code is one row per shared object (under each caller): the
 * processor names a block of it by its busiest functions (lib/processors/
 * processors.ts), and which those are, and whether a caller's native time is
 * one function or a block, differs between runs of the same program.
 */
export function functionKey(frame: FrameInfo): string {
  if (frame.kind === 'native') return `native\u0000${frame.file}`;
  return frame.inlined ? frameKey(withoutInlined(frame)) : frameKey(frame);
}

function withoutInlined(frame: FrameInfo): FrameInfo {
  if (!frame.inlined) return frame;
  const { name, file, line, column, kind } = frame;
  return { name, file, line, column, kind };
}

/** A function row's frame: native code as its shared object (`[native] node`), since its rows merge every function of it. */
function functionFrame(frame: FrameInfo): FrameInfo {
  if (frame.kind !== 'native') return withoutInlined(frame);
  return { name: `[native] ${basename(frame.file) || '?'}`, file: frame.file, line: 0, column: 0, kind: 'native' };
}

/** A raw call tree processed (hiding, collapsing) and cut down to the root function if one is given. */
export function processedTree(raw: CallNode, processor: ProcessorOptions, rootName: string | undefined): CallNode | undefined {
  const tree = processTree(raw, processor);
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
