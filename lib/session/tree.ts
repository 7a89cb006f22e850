/**
 * The call tree: every distinct root-first stack of a session becomes a path
 * of nodes, and each node knows how much sampled time fell in it and below.
 */
import { FrameInfo, frameLocation, specialFrame } from './frame';
import { Session } from './session';

export const ROOT_NAME = '(root)';

export interface CallNode {
  /** For the root: a special frame named '(root)'. */
  frame: FrameInfo;
  /** Id into session.frames; -1 for the root and synthetic group nodes. */
  frameId: number;
  children: CallNode[];
  /** Seconds of wall time (sum of sample durations) in this node and below. */
  totalTime: number;
  /** Seconds where this node was the leaf. */
  selfTime: number;
  /** Samples in this node and below. */
  sampleCount: number;
  /** Set by the library-collapsing processor: how many frames were hidden into this node and the libraries they came from. */
  hidden?: { frameCount: number; libraries: string[] };
}

export function createRootNode(): CallNode {
  return { frame: specialFrame(ROOT_NAME), frameId: -1, children: [], totalTime: 0, selfTime: 0, sampleCount: 0 };
}

export function buildCallTree(session: Session): CallNode {
  const { parent, frame } = session.stacks;
  const { stack, duration } = session.samples;
  const root = createRootNode();

  // Per stack id: the time and samples whose leaf it is, then (below) in it and its descendants.
  const stackCount = parent.length;
  const selfTime = new Float64Array(stackCount);
  const selfCount = new Float64Array(stackCount);
  for (let i = 0; i < stack.length; i++) {
    const stackId = stack[i]!;
    const seconds = duration[i]!;
    root.totalTime += seconds;
    root.sampleCount += 1;
    if (stackId === -1) {
      root.selfTime += seconds;
    } else {
      selfTime[stackId] += seconds;
      selfCount[stackId] += 1;
    }
  }

  // A parent stack always has a smaller id than its children (SessionBuilder
  // interns parents first and session validation enforces it), so one pass
  // from the highest id down accumulates totals, and one pass up creates
  // every node after its parent.
  const totalTime = Float64Array.from(selfTime);
  const totalCount = Float64Array.from(selfCount);
  for (let id = stackCount - 1; id >= 0; id--) {
    const parentId = parent[id]!;
    if (parentId !== -1) {
      totalTime[parentId] += totalTime[id]!;
      totalCount[parentId] += totalCount[id]!;
    }
  }
  const nodes: Array<CallNode | undefined> = new Array(stackCount);
  for (let id = 0; id < stackCount; id++) {
    if (totalCount[id] === 0) continue; // interned but never sampled
    const frameId = frame[id]!;
    const node: CallNode = {
      frame: session.frames[frameId]!,
      frameId,
      children: [],
      totalTime: totalTime[id]!,
      selfTime: selfTime[id]!,
      sampleCount: totalCount[id]!,
    };
    nodes[id] = node;
    const parentId = parent[id]!;
    (parentId === -1 ? root : nodes[parentId]!).children.push(node);
  }
  sortTree(root);
  return root;
}

/**
 * The call tree in time order, without merging repeated calls: consecutive
 * samples share the nodes of the frames their stacks have in common, and a
 * call that returns and is made again gets a new node (pyinstrument's
 * timeline mode). Children stay in the order they were first sampled.
 */
export function buildTimelineTree(session: Session): CallNode {
  const { stack, duration } = session.samples;
  const root = createRootNode();
  // The nodes and frame ids of the previous sample's stack, root first.
  let pathNodes: CallNode[] = [];
  let pathFrames: number[] = [];
  let pathStack = -2;
  for (let i = 0; i < stack.length; i++) {
    const stackId = stack[i]!;
    const seconds = duration[i]!;
    if (stackId !== pathStack) {
      const frames = stackId === -1 ? [] : session.stackFrames(stackId);
      let common = 0;
      while (common < frames.length && common < pathFrames.length && frames[common] === pathFrames[common]) common++;
      pathNodes = pathNodes.slice(0, common);
      for (let depth = common; depth < frames.length; depth++) {
        const frameId = frames[depth]!;
        const node: CallNode = { frame: session.frames[frameId]!, frameId, children: [], totalTime: 0, selfTime: 0, sampleCount: 0 };
        (depth === 0 ? root : pathNodes[depth - 1]!).children.push(node);
        pathNodes.push(node);
      }
      pathFrames = frames;
      pathStack = stackId;
    }
    root.totalTime += seconds;
    root.sampleCount += 1;
    for (const node of pathNodes) {
      node.totalTime += seconds;
      node.sampleCount += 1;
    }
    (pathNodes.length > 0 ? pathNodes[pathNodes.length - 1]! : root).selfTime += seconds;
  }
  return root;
}

/** Orders siblings: most time first, then by name and location so output is stable. */
export function compareNodes(a: CallNode, b: CallNode): number {
  if (a.totalTime !== b.totalTime) return b.totalTime - a.totalTime;
  if (a.frame.name !== b.frame.name) return a.frame.name < b.frame.name ? -1 : 1;
  const aLocation = frameLocation(a.frame);
  const bLocation = frameLocation(b.frame);
  if (aLocation !== bLocation) return aLocation < bLocation ? -1 : 1;
  return a.frameId - b.frameId;
}

/** Sorts every node's children with compareNodes, in place. Returns `root`. */
export function sortTree(root: CallNode): CallNode {
  forEachNode(root, (node) => node.children.sort(compareNodes));
  return root;
}

/** A deep copy of the tree (frames are shared: they are never mutated). */
export function cloneTree(root: CallNode): CallNode {
  const copy = copyNode(root);
  const pending: Array<[CallNode, CallNode]> = [[root, copy]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [original, clone] = item;
    for (const child of original.children) {
      const childClone = copyNode(child);
      clone.children.push(childClone);
      pending.push([child, childClone]);
    }
  }
  return copy;
}

/** A copy of one node without its children. */
export function copyNode(node: CallNode): CallNode {
  const copy: CallNode = {
    frame: node.frame,
    frameId: node.frameId,
    children: [],
    totalTime: node.totalTime,
    selfTime: node.selfTime,
    sampleCount: node.sampleCount,
  };
  if (node.hidden) copy.hidden = { frameCount: node.hidden.frameCount, libraries: [...node.hidden.libraries] };
  return copy;
}

/** Visits every node, parents before children (without recursion, so deep stacks are fine). */
export function forEachNode(root: CallNode, visit: (node: CallNode, depth: number) => void): void {
  const pending: Array<[CallNode, number]> = [[root, 0]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [node, depth] = item;
    visit(node, depth);
    for (let i = node.children.length - 1; i >= 0; i--) pending.push([node.children[i]!, depth + 1]);
  }
}
