/** Everything the views share, decoded once from the embedded data. */
import type { FrameInfo } from '../session/frame';
import type { HtmlReportData, HtmlThread } from '../renderers/html-format';
import type { CallNode } from '../session/tree';
import { buildAggregateTree } from './call-tree';
import { frameColor } from './colors';
import { decodeFrames, decodeSegments, Segments } from './data';
import type { Unit } from './format';

export interface ReportModel {
  data: HtmlReportData;
  frames: FrameInfo[];
  /** Display names and locations, by frame id. */
  labels: readonly string[];
  locations: readonly string[];
  colors: readonly string[];
  /** The unprocessed call tree. */
  tree: CallNode;
  /** What the tree's weights are: seconds, or bytes for an alloc session. */
  unit: Unit;
  /** The timeline's segments, decoded on first use. */
  segments(): Segments;
  /** Profiles with worker threads: the thread this model shows (data is that thread's view, lib/html-app/threads.ts). */
  thread?: HtmlThread;
}

/** What the views show for each frame id: the report's frames, then a view's own (its native blocks). */
export interface FrameText {
  labels: readonly string[];
  locations: readonly string[];
  colors: readonly string[];
}

/** The model's labels, locations and colours, with those of `blocks` (view-tree.ts) after them. */
export function frameText(model: ReportModel, blocks: readonly FrameInfo[]): FrameText {
  if (blocks.length === 0) return model;
  return {
    labels: [...model.labels, ...blocks.map((block) => block.name)],
    // A block's frame names its library by path, as the text report's `[native] node`.
    locations: [...model.locations, ...blocks.map((block) => `[native] ${block.file.slice(block.file.lastIndexOf('/') + 1)}`)],
    colors: [...model.colors, ...blocks.map(frameColor)],
  };
}

export function createModel(data: HtmlReportData, thread?: HtmlThread): ReportModel {
  const frames = decodeFrames(data);
  let segments: Segments | undefined;
  return {
    data,
    frames,
    labels: data.frames.label,
    locations: data.frames.location,
    colors: frames.map(frameColor),
    tree: buildAggregateTree(data, frames),
    unit: data.meta.mode === 'alloc' ? 'bytes' : 'seconds',
    segments: () => (segments ??= decodeSegments(data)),
    ...(thread ? { thread } : {}),
  };
}
