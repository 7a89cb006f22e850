/**
 * Walks two processed profiles together: call paths and functions that stand
 * for the same code are paired, rows too small in both are left out.
 */
import { FrameInfo } from '../session/frame';
import { functionKey, RunFunction, RunNode, Side } from './side';

export interface Pair {
  before: RunNode | undefined;
  after: RunNode | undefined;
  children: Pair[];
}

/** Both sides' call trees walked together, children matched by function; rows under minShare on both sides left out. */
export function pairTrees(before: Side, after: Side, minShare: number): { root: Pair; count: number } {
  const root: Pair = { before: before.root, after: after.root, children: [] };
  let count = 1;
  const pending: Pair[] = [root];
  for (let pair = pending.pop(); pair; pair = pending.pop()) {
    for (const [a, b] of matchFrames(pair.before?.children ?? [], pair.after?.children ?? [])) {
      if (!bigEnough(before, a, after, b, minShare)) continue;
      const child: Pair = { before: a, after: b, children: [] };
      pair.children.push(child);
      pending.push(child);
      count++;
    }
  }
  return { root, count };
}

/** Self time per function (the time each was the one running, after hiding), matched across the two sides. */
export function pairFunctions(before: Side, after: Side, minShare: number): Array<[RunFunction | undefined, RunFunction | undefined]> {
  return matchFrames(before.functions, after.functions).filter(([a, b]) => bigEnough(before, a, after, b, minShare));
}

function bigEnough(before: Side, a: { times: number[] } | undefined, after: Side, b: { times: number[] } | undefined, minShare: number): boolean {
  const share = Math.max(a ? before.share(a.times) : 0, b ? after.share(b.times) : 0);
  return share > 0 && share >= minShare;
}

/**
 * Pairs items of two lists that stand for the same function: first the same
 * name, file, line and column (functionKey: inlined or not; native code by
 * its shared object); then, among the rest, the same name and file
 * when that is unique on both sides (an edit moved the function).
 */
export function matchFrames<T extends { frame: FrameInfo }>(before: readonly T[], after: readonly T[]): Array<[T | undefined, T | undefined]> {
  const pairs: Array<[T | undefined, T | undefined]> = [];
  const afterByKey = new Map<string, T>();
  for (const item of after) afterByKey.set(functionKey(item.frame), item);
  const restBefore: T[] = [];
  for (const item of before) {
    const key = functionKey(item.frame);
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
      afterByKey.delete(functionKey(match.frame));
    } else {
      pairs.push([item, undefined]);
    }
  }
  for (const item of afterByKey.values()) pairs.push([undefined, item]);
  return pairs;
}
