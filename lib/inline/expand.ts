/**
 * After a recording: turns the positions recorded with each sampled frame
 * (inline-positions.ts) into inlined frames (inline-stack.ts) and executing
 * lines. Rebuilds the session's stacks with the inlined frames in place and
 * adds its line table. Runs once, after sampling has stopped, so reading and
 * parsing sources costs nothing inside the profile.
 */
import { ExpandedFrame, InlineResolver } from './stack';
import { PositionTable } from './positions';
import { PrefixTable } from '../session/prefix-index';
import { LineTable, Session, SessionBuilder } from '../session/session';

/**
 * `resolved`: expansions by tag id found beforehand (InlineRecovery.prepare);
 * the others are resolved here and added to it, for a later call on the same
 * positions (a window copied before its end).
 */
export function expandPositions(session: Session, positions: PositionTable, resolver: InlineResolver, resolved = new Map<number, ExpandedFrame[]>()): Session {
  if (positions.tags.length <= 1 || positions.sampleStack.length !== session.samples.stack.length) return session;
  // About as many stacks as before, and as many line stacks: sized so, their indexes do not grow as they fill.
  const builder = new SessionBuilder(undefined, session.stacks.parent.length);
  // The same frames first, so frame ids stay what they were.
  for (const frame of session.frames) builder.internFrame(frame);
  const lines = new LineStacks(session.stacks.parent.length);
  const expansions = resolved;
  // Per position tag, its expansion as pairs of frame id and line, interned once.
  const tagFrames = new Array<Int32Array | undefined>(positions.tags.length);
  const framesOf = (tagId: number): Int32Array => {
    let pairs = tagFrames[tagId];
    if (pairs === undefined) {
      let expanded = expansions.get(tagId);
      if (expanded === undefined) {
        const tag = positions.tags[tagId]!;
        expanded = resolver.expand(session.frames[tag.frameId]!, tag.position, tag.interpreted);
        expansions.set(tagId, expanded);
      }
      pairs = new Int32Array(expanded.length * 2);
      for (let i = 0; i < expanded.length; i++) {
        pairs[i * 2] = builder.internFrame(expanded[i]!.frame);
        pairs[i * 2 + 1] = expanded[i]!.line;
      }
      tagFrames[tagId] = pairs;
    }
    return pairs;
  };

  // (old stack, position stack) -> (new stack, line stack), memoised per prefix. A stack nearly
  // always comes with one position stack: that pair is kept by stack id, others in a map
  // (by number: string keys cost 10% of a stop).
  const { parent: stackParent, frame: stackFrame } = session.stacks;
  const UNSET = -2;
  const firstPosition = new Int32Array(stackParent.length).fill(UNSET);
  const firstNew = new Int32Array(stackParent.length);
  const firstLine = new Int32Array(stackParent.length);
  const others = new Map<number, [number, number]>();
  const keyOf = (stackId: number, positionStack: number): number => stackId * (positions.parent.length + 1) + positionStack + 1;
  // The converted pair, set by lookUp and convert.
  let newStack = -1;
  let lineStack = -1;
  const lookUp = (s: number, p: number): boolean => {
    if (firstPosition[s] === p) {
      newStack = firstNew[s]!;
      lineStack = firstLine[s]!;
      return true;
    }
    const other = firstPosition[s] === UNSET ? undefined : others.get(keyOf(s, p));
    if (other === undefined) return false;
    [newStack, lineStack] = other;
    return true;
  };
  const remember = (s: number, p: number): void => {
    if (firstPosition[s] === UNSET) {
      firstPosition[s] = p;
      firstNew[s] = newStack;
      firstLine[s] = lineStack;
    } else {
      others.set(keyOf(s, p), [newStack, lineStack]);
    }
  };
  const pendingStacks: number[] = [];
  const pendingPositions: number[] = [];
  const convert = (stackId: number, positionStack: number): void => {
    // Walk up to a converted prefix (or past the root), then back down.
    newStack = -1;
    lineStack = -1;
    let depth = 0;
    for (let s = stackId, p = positionStack; s !== -1; s = stackParent[s]!, p = p === -1 ? -1 : positions.parent[p]!) {
      if (lookUp(s, p)) break;
      pendingStacks[depth] = s;
      pendingPositions[depth] = p;
      depth++;
    }
    for (let i = depth - 1; i >= 0; i--) {
      const s = pendingStacks[i]!;
      const p = pendingPositions[i]!;
      const tagId = p === -1 ? 0 : positions.tagOf[p]!;
      const expanded = tagId === 0 ? null : framesOf(tagId);
      if (expanded === null) {
        newStack = builder.internStack(newStack, stackFrame[s]!);
        lineStack = lines.extend(lineStack, 0);
      } else {
        for (let k = 0; k < expanded.length; k += 2) {
          newStack = builder.internStack(newStack, expanded[k]!);
          lineStack = lines.extend(lineStack, expanded[k + 1]!);
        }
      }
      remember(s, p);
    }
  };

  const { stack, time, duration, cpu } = session.samples;
  for (let i = 0; i < stack.length; i++) {
    convert(stack[i]!, positions.sampleStack.get(i));
    builder.addSample(newStack, time[i]!, duration[i]!, cpu[i]!);
    lines.sample.push(lineStack);
  }
  const built = builder.build(session.meta);
  // Samples keep their order: labels, threads and memory carry over as they are.
  return session.with({ frames: built.frames, stacks: built.stacks, samples: built.samples, lines: lines.table() });
}

/** Builds a LineTable's prefix stacks. */
class LineStacks extends PrefixTable {
  readonly sample: number[] = [];

  constructor(expected: number) {
    super([], [], expected);
  }

  table(): LineTable {
    return { parent: this.parent, line: this.value, sample: this.sample };
  }
}
