/**
 * Where in its script each sampled frame was, recorded while sampling and
 * turned into lines and inlined frames after the recording (inline-expand.ts):
 * that needs the scripts' sources, which are read and parsed only then, so
 * the work never shows in the profile it serves.
 *
 * A position stack parallels a session stack frame for frame (same depth):
 * each node holds a tag, 0 when the frame has no position (builtins, C++,
 * Sparkplug and Maglev code, code compiled before the recording started).
 */

import { Int32Column, type NumberColumn } from '../session/columns';
import { PrefixTable } from '../session/prefix-index';

/** One sampled (function, script offset) pair. */
export interface PositionTag {
  /** Frame id of the function whose code held the address. */
  frameId: number;
  /** Script offset V8's line position table gave for the address. */
  position: number;
  /** Ignition bytecode: the position is the function's own, never an inlined function's. */
  interpreted: boolean;
}

export interface PositionTable {
  /** Tags by id; id 0 is "no position". */
  readonly tags: readonly (PositionTag | undefined)[];
  /** Prefix table: parent position stack and tag of each node. */
  readonly parent: readonly number[];
  readonly tagOf: readonly number[];
  /** Position stack of each sample, parallel to the session's samples. */
  readonly sampleStack: NumberColumn;
}

export class PositionRecorder implements PositionTable {
  readonly tags: (PositionTag | undefined)[] = [undefined];
  readonly parent: number[] = [];
  readonly tagOf: number[] = [];
  /** Outside the V8 heap: one entry per sample (../session/columns.ts). */
  readonly sampleStack = new Int32Column();
  /** Tag ids by frame id, then by position * 2 + interpreted (numbers: a string key per sampled frame cost 20% of symbolizing). */
  private readonly tagIds = new Map<number, Map<number, number>>();
  private readonly nodes = new PrefixTable(this.parent, this.tagOf);

  /** The tag id of a (function, offset) pair. */
  tagFor(frameId: number, position: number, interpreted: boolean): number {
    let byPosition = this.tagIds.get(frameId);
    if (byPosition === undefined) this.tagIds.set(frameId, (byPosition = new Map()));
    const key = position * 2 + (interpreted ? 1 : 0);
    let id = byPosition.get(key);
    if (id === undefined) {
      id = this.tags.length;
      this.tags.push({ frameId, position, interpreted });
      byPosition.set(key, id);
    }
    return id;
  }

  /** The position stack `parent` extended by a frame with tag `tagId` (0: none). */
  extend(parent: number, tagId: number): number {
    return this.nodes.extend(parent, tagId);
  }

  addSample(positionStack: number): void {
    this.sampleStack.push(positionStack);
  }

  /** Whether any frame carries a position (otherwise there is nothing to expand). */
  get hasPositions(): boolean {
    return this.tags.length > 1;
  }
}

/**
 * The script offset at a code offset, from a line position table (pairs of
 * code offset and script offset, in code offset order). `inclusive`: the
 * entry at exactly this offset counts (the interrupted pc, a bytecode
 * offset); otherwise only entries before it (a return address belongs to the
 * call instruction before it, as V8's CpuProfiler reads it). Returns
 * 0xffffffff when no entry applies.
 */
export function scriptOffsetAt(table: Uint32Array, offset: number, inclusive: boolean): number {
  let low = 0;
  let high = table.length >>> 1;
  // First pair whose code offset is past the target.
  while (low < high) {
    const mid = (low + high) >>> 1;
    const at = table[mid * 2]!;
    if (at < offset || (inclusive && at === offset)) low = mid + 1;
    else high = mid;
  }
  return low === 0 ? 0xffffffff : table[(low - 1) * 2 + 1]!;
}
