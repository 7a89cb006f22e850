/**
 * The few places a reader should look first, for a summary that fits in a
 * ticket: the biggest branches (total time) and the functions that ran the
 * most (self time), each with its call path. Pure; docs/optimization-loop.md#hotspot-summary says how
 * they are chosen.
 */
import { FrameInfo, frameKey } from '../session/frame';
import { CallNode } from '../session/tree';

export interface Hotspot {
  frame: FrameInfo;
  /** Seconds: total time (branch) or self time (function). */
  time: number;
  /** Of the root's time, 0..1. */
  share: number;
  /** Frames from the top of the tree down to and including `frame`. */
  path: FrameInfo[];
  /** For frames without a file (native, builtin): the nearest JavaScript caller on the path. */
  caller?: FrameInfo;
}

/** A child holding this much of its parent's time makes the two one hotspot. */
export const PASS_THROUGH_SHARE = 0.9;

/** Synthetic frames that are never a hotspot: waiting, and frames that name a gap. */
const NOT_HOTSPOTS = new Set(['(idle)', '(truncated stack)', '(unresolved)', '(root)']);

/**
 * Branches by total time. A chain of calls that hand almost all their time
 * (PASS_THROUGH_SHARE) to one JavaScript callee is one hotspot, named by the
 * deepest call; a builtin or native callee that takes almost all of its
 * caller's time is named by the caller (its file:line is what to edit).
 */
export function branchHotspots(root: CallNode, count = 3): Hotspot[] {
  const candidates: Link[] = [];
  walk(root, (link) => {
    const node = link.node;
    if (NOT_HOTSPOTS.has(node.frame.name) && node.frame.kind === 'special') return;
    const biggest = node.children.reduce<CallNode | undefined>((best, child) => (best && best.totalTime >= child.totalTime ? best : child), undefined);
    if (biggest && biggest.frame.kind === 'js' && biggest.totalTime >= PASS_THROUGH_SHARE * node.totalTime) return;
    const parent = link.up?.node;
    if (parent && node.frame.kind !== 'js' && node.totalTime >= PASS_THROUGH_SHARE * parent.totalTime) return;
    candidates.push(link);
  });
  return candidates
    .sort((a, b) => b.node.totalTime - a.node.totalTime)
    .slice(0, count)
    .map((link) => hotspot(link.node.frame, link.node.totalTime, root.totalTime, pathOf(link)));
}

/** A node and the way up to the top of the tree (paths are built only for the few nodes chosen). */
interface Link {
  node: CallNode;
  up: Link | undefined;
}

/** Visits every node below the root with its link up, without recursion. */
function walk(root: CallNode, visit: (link: Link) => void): void {
  const pending: Link[] = root.children.map((node) => ({ node, up: undefined }));
  for (let link = pending.pop(); link; link = pending.pop()) {
    for (const child of link.node.children) pending.push({ node: child, up: link });
    visit(link);
  }
}

function pathOf(link: Link): CallNode[] {
  const path: CallNode[] = [];
  for (let at: Link | undefined = link; at; at = at.up) path.push(at.node);
  return path.reverse();
}

/** Functions by self time (summed over every place they run), each with the call path where most of it was. */
export function selfHotspots(root: CallNode, count = 3): Hotspot[] {
  const byFunction = new Map<string, { time: number; best: Link }>();
  walk(root, (link) => {
    const node = link.node;
    if (node.selfTime <= 0 || (NOT_HOTSPOTS.has(node.frame.name) && node.frame.kind === 'special')) return;
    const key = frameKey(node.frame);
    const entry = byFunction.get(key);
    if (!entry) byFunction.set(key, { time: node.selfTime, best: link });
    else {
      entry.time += node.selfTime;
      if (node.selfTime > entry.best.node.selfTime) entry.best = link;
    }
  });
  return [...byFunction.values()]
    .sort((a, b) => b.time - a.time)
    .slice(0, count)
    .map(({ time, best }) => hotspot(best.node.frame, time, root.totalTime, pathOf(best)));
}

function hotspot(frame: FrameInfo, time: number, total: number, path: readonly CallNode[]): Hotspot {
  const result: Hotspot = { frame, time, share: total > 0 ? time / total : 0, path: path.map((node) => node.frame) };
  if (!frame.file || frame.kind !== 'js') {
    for (let i = path.length - 2; i >= 0; i--) {
      if (path[i]!.frame.kind === 'js' && path[i]!.frame.file) {
        result.caller = path[i]!.frame;
        break;
      }
    }
  }
  return result;
}
