/** The call tree of the samples that carry one label pair (the label selector). */
import type { FrameInfo } from '../session/frame';
import type { HtmlReportData } from '../renderers/html-format';
import type { CallNode } from '../session/tree';
import { buildAggregateTree } from './call-tree';

export function buildLabelTree(data: HtmlReportData, frames: readonly FrameInfo[], pair: number): CallNode {
  const table = data.labels!.self[pair]!;
  const count = data.stacks.parent.length;
  const time = new Array<number>(count).fill(0);
  const samples = new Array<number>(count).fill(0);
  table.stack.forEach((stackId, i) => {
    time[stackId] = table.time[i]!;
    samples[stackId] = table.samples[i]!;
  });
  return buildAggregateTree({ ...data, self: { time, samples }, emptyStack: table.emptyStack }, frames);
}
