/**
 * Walks two processed profiles together: call paths and functions that stand
 * for the same code are paired, rows too small in both are left out.
 */
import { FrameInfo, frameKey } from '../session/frame';
import { FunctionTime, selfTimes } from './side';
import { CallNode } from '../session/tree';

export interface Pair {
  before: CallNode | undefined;
  after: CallNode | undefined;
  children: Pair[];
}

/** Both trees walked together, children matched by frame; rows under minShare in both left out. */
export function pairTrees(before: CallNode, after: CallNode, minShare: number): { root: Pair; count: number } {
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

/** Self time per function (the time each was the one running, after hiding), matched across the two. */
export function pairFunctions(before: CallNode, after: CallNode, minShare: number): Array<[FunctionTime | undefined, FunctionTime | undefined]> {
  const a = selfTimes(before);
  const b = selfTimes(after);
  return matchFrames(a, b).filter(([x, y]) => {
    const share = Math.max((x?.selfTime ?? 0) / before.totalTime, (y?.selfTime ?? 0) / after.totalTime);
    return share > 0 && share >= minShare;
  });
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
