/**
 * After a recording: turns the positions recorded with each sampled frame
 * (inline-positions.ts) into inlined frames (inline-stack.ts) and executing
 * lines. Rebuilds the session's stacks with the inlined frames in place and
 * adds its line table. Runs once, after sampling has stopped, so reading and
 * parsing sources costs nothing inside the profile.
 */
import { ExpandedFrame, InlineResolver } from './stack';
import { PositionTable } from './positions';
import { LineTable, Session, SessionBuilder } from '../session/session';

/**
 * `resolved`: expansions by tag id found beforehand (InlineRecovery.prepare);
 * the others are resolved here and added to it, for a later call on the same
 * positions (a window copied before its end).
 */
export function expandPositions(session: Session, positions: PositionTable, resolver: InlineResolver, resolved = new Map<number, ExpandedFrame[]>()): Session {
  if (positions.tags.length <= 1 || positions.sampleStack.length !== session.samples.stack.length) return session;
  const builder = new SessionBuilder();
  // The same frames first, so frame ids stay what they were.
  for (const frame of session.frames) builder.internFrame(frame);
  const lines = new LineStacks();
  const expansions = resolved;
  const expansionOf = (tagId: number): ExpandedFrame[] | undefined => {
    let expanded = expansions.get(tagId);
    if (expanded === undefined) {
      const tag = positions.tags[tagId]!;
      expanded = resolver.expand(session.frames[tag.frameId]!, tag.position, tag.interpreted);
      expansions.set(tagId, expanded);
    }
    return expanded;
  };

  // (old stack, position stack) -> (new stack, line stack), memoised per prefix (keyed by number: string keys cost 10% of a stop).
  const done = new Map<number, [number, number]>();
  const keyOf = (stackId: number, positionStack: number): number => stackId * (positions.parent.length + 1) + positionStack + 1;
  const convert = (stackId: number, positionStack: number): [number, number] => {
    if (stackId === -1) return [-1, -1];
    const key = keyOf(stackId, positionStack);
    const cached = done.get(key);
    if (cached !== undefined) return cached;
    // Walk up to a converted prefix, then back down.
    const pending: Array<[number, number]> = [];
    let base: [number, number] = [-1, -1];
    for (let s = stackId, p = positionStack; s !== -1; s = session.stacks.parent[s]!, p = p === -1 ? -1 : positions.parent[p]!) {
      const known = done.get(keyOf(s, p));
      if (known !== undefined) {
        base = known;
        break;
      }
      pending.push([s, p]);
    }
    let [newStack, lineStack] = base;
    for (let i = pending.length - 1; i >= 0; i--) {
      const [s, p] = pending[i]!;
      const frameId = session.stacks.frame[s]!;
      const tagId = p === -1 ? 0 : positions.tagOf[p]!;
      const expanded = tagId === 0 ? undefined : expansionOf(tagId);
      if (expanded === undefined) {
        newStack = builder.internStack(newStack, frameId);
        lineStack = lines.extend(lineStack, 0);
      } else {
        for (const { frame, line } of expanded) {
          newStack = builder.internStack(newStack, builder.internFrame(frame));
          lineStack = lines.extend(lineStack, line);
        }
      }
      done.set(keyOf(s, p), [newStack, lineStack]);
    }
    return [newStack, lineStack];
  };

  const { stack, time, duration, cpu } = session.samples;
  for (let i = 0; i < stack.length; i++) {
    const [newStack, lineStack] = convert(stack[i]!, positions.sampleStack.get(i));
    builder.addSample(newStack, time[i]!, duration[i]!, cpu[i]!);
    lines.sample.push(lineStack);
  }
  const built = builder.build(session.meta);
  // Samples keep their order: labels, threads and memory carry over as they are.
  return session.with({ frames: built.frames, stacks: built.stacks, samples: built.samples, lines: lines.table() });
}

/** Builds a LineTable's prefix stacks. */
class LineStacks {
  readonly parent: number[] = [];
  readonly line: number[] = [];
  readonly sample: number[] = [];
  private readonly children: Array<Map<number, number>> = [new Map()];

  extend(parent: number, line: number): number {
    const children = this.children[parent + 1]!;
    let id = children.get(line);
    if (id === undefined) {
      id = this.parent.length;
      this.parent.push(parent);
      this.line.push(line);
      this.children.push(new Map());
      children.set(line, id);
    }
    return id;
  }

  table(): LineTable {
    return { parent: this.parent, line: this.line, sample: this.sample };
  }
}
