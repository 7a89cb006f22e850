/**
 * The flame chart's rectangles: for each depth, the runs of consecutive
 * segments that share the same visible stack down to that depth (the same
 * call, not only the same function), in time order.
 */
import type { Segments } from './data';
import type { VisibleStacks } from './visible-stacks';

export interface TimelineRow {
  readonly count: number;
  readonly start: Float64Array;
  /** Ascending, as runs do not overlap: binary searches use it. */
  readonly end: Float64Array;
  /** The visible stack each run is the leaf of at this depth. */
  readonly stack: Int32Array;
}

export interface TimelineRows {
  readonly rows: TimelineRow[];
  /** Time span of the samples, seconds since the session start. */
  readonly start: number;
  readonly end: number;
}

/** Segments further apart than this (seconds) do not continue each other's runs. */
const CONTIGUOUS = 1e-6;

class RowBuilder {
  start: number[] = [];
  end: number[] = [];
  stack: number[] = [];

  finish(): TimelineRow {
    return { count: this.start.length, start: Float64Array.from(this.start), end: Float64Array.from(this.end), stack: Int32Array.from(this.stack) };
  }
}

export function buildTimelineRows(segments: Segments, visible: VisibleStacks): TimelineRows {
  const builders: RowBuilder[] = [];
  const chains = new Map<number, Int32Array>();
  const chainOf = (stack: number): Int32Array => {
    let chain = chains.get(stack);
    if (!chain) {
      chain = new Int32Array(visible.depth[stack]! + 1);
      for (let id = stack; id !== -1; id = visible.parent[id]!) chain[visible.depth[id]!] = id;
      chains.set(stack, chain);
    }
    return chain;
  };
  const empty = new Int32Array(0);

  // The runs in progress, one per depth: their stack and start.
  const openStack: number[] = [];
  const openStart: number[] = [];
  const close = (fromDepth: number, end: number): void => {
    for (let depth = openStack.length - 1; depth >= fromDepth; depth--) {
      const builder = (builders[depth] ??= new RowBuilder());
      builder.start.push(openStart[depth]!);
      builder.end.push(end);
      builder.stack.push(openStack[depth]!);
    }
    openStack.length = Math.min(openStack.length, fromDepth);
    openStart.length = openStack.length;
  };

  let lastEnd = segments.count > 0 ? segments.start[0]! : 0;
  for (let i = 0; i < segments.count; i++) {
    const start = segments.start[i]!;
    const stackId = segments.stack[i]!;
    const visibleId = stackId === -1 ? -1 : visible.ofStack[stackId]!;
    const chain = visibleId === -1 ? empty : chainOf(visibleId);
    let same = 0;
    if (start - lastEnd <= CONTIGUOUS) {
      while (same < chain.length && same < openStack.length && openStack[same] === chain[same]) same++;
    }
    close(same, lastEnd);
    for (let depth = same; depth < chain.length; depth++) {
      openStack.push(chain[depth]!);
      openStart.push(start);
    }
    lastEnd = segments.end[i]!;
  }
  close(0, lastEnd);
  return {
    rows: builders.map((builder) => builder.finish()),
    start: segments.count > 0 ? segments.start[0]! : 0,
    end: lastEnd,
  };
}

/** Index of the first run whose end is after `time` (runs.count if none). */
export function firstRunEndingAfter(row: TimelineRow, time: number, from = 0): number {
  let low = from;
  let high = row.count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (row.end[middle]! <= time) low = middle + 1;
    else high = middle;
  }
  return low;
}
