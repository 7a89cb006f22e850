/**
 * The call tree from the stack table and each stack's self time, which is
 * what the report embeds instead of every sample. Same result as
 * buildCallTree (lib/session/tree.ts) on the samples themselves.
 */
import type { FrameInfo } from '../session/frame';
import type { HtmlReportData } from '../renderers/html-format';
import { CallNode, createRootNode, sortTree } from '../session/tree';

export function buildAggregateTree(data: HtmlReportData, frames: readonly FrameInfo[]): CallNode {
  const { parent, frame } = data.stacks;
  const count = parent.length;
  const root = createRootNode();
  root.selfTime = data.emptyStack.time;
  root.totalTime = data.emptyStack.time;
  root.sampleCount = data.emptyStack.samples;

  const totalTime = Float64Array.from(data.self.time);
  const totalSamples = Float64Array.from(data.self.samples);
  // Parents have smaller ids than their children (the session format
  // guarantees it): one pass down accumulates, one pass up links.
  for (let id = count - 1; id >= 0; id--) {
    const parentId = parent[id]!;
    if (parentId === -1) {
      root.totalTime += totalTime[id]!;
      root.sampleCount += totalSamples[id]!;
    } else {
      totalTime[parentId] += totalTime[id]!;
      totalSamples[parentId] += totalSamples[id]!;
    }
  }
  const nodes: Array<CallNode | undefined> = new Array(count);
  for (let id = 0; id < count; id++) {
    if (totalSamples[id] === 0) continue;
    const frameId = frame[id]!;
    const node: CallNode = {
      frame: frames[frameId]!,
      frameId,
      children: [],
      totalTime: totalTime[id]!,
      selfTime: data.self.time[id]!,
      sampleCount: totalSamples[id]!,
    };
    nodes[id] = node;
    const parentId = parent[id]!;
    (parentId === -1 ? root : nodes[parentId]!).children.push(node);
  }
  return sortTree(root);
}
