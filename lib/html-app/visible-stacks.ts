/**
 * The timeline's stacks with the same hiding as the call tree (Node's
 * internals hidden, library runs collapsed into their entry frame), applied
 * to the stack table once rather than to every sample: each session stack
 * maps to a visible stack in a new prefix table.
 */
import type { FrameInfo } from '../session/frame';
import { FrameRules, frameRole } from '../processors/processors';

export interface VisibleStacks {
  /** The visible stack of each session stack id; -1 when none of its frames is shown. */
  readonly ofStack: Int32Array;
  /** Prefix table of the visible stacks: parent (-1 at the root), leaf frame, depth (0 for one frame). */
  readonly parent: number[];
  readonly frame: number[];
  readonly depth: number[];
}

export function visibleStacks(stacks: { parent: readonly number[]; frame: readonly number[] }, frames: readonly FrameInfo[], rules: FrameRules): VisibleStacks {
  const count = stacks.parent.length;
  const ofStack = new Int32Array(count);
  /** Whether the stack ends inside a library run (as hideFrames's `group`). */
  const inGroup = new Uint8Array(count);
  const parent: number[] = [];
  const frame: number[] = [];
  const depth: number[] = [];
  const interned = new Map<string, number>();
  const roles = new Map<number, ReturnType<typeof frameRole>>();
  for (let id = 0; id < count; id++) {
    const parentId = stacks.parent[id]!;
    const frameId = stacks.frame[id]!;
    const visibleParent = parentId === -1 ? -1 : ofStack[parentId]!;
    const parentInGroup = parentId === -1 ? 0 : inGroup[parentId]!;
    let role = roles.get(frameId);
    if (role === undefined) {
      role = frameRole(frames[frameId]!, rules);
      roles.set(frameId, role);
    }
    if (role === 'internal' || (role === 'library' && parentInGroup)) {
      ofStack[id] = visibleParent;
      inGroup[id] = parentInGroup;
      continue;
    }
    const key = `${visibleParent},${frameId}`;
    let visible = interned.get(key);
    if (visible === undefined) {
      visible = parent.length;
      parent.push(visibleParent);
      frame.push(frameId);
      depth.push(visibleParent === -1 ? 0 : depth[visibleParent]! + 1);
      interned.set(key, visible);
    }
    ofStack[id] = visible;
    inGroup[id] = role === 'library' ? 1 : 0;
  }
  return { ofStack, parent, frame, depth };
}
