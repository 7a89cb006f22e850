/**
 * `[await]`: the idle time of a profiled async context, shown where it waits
 * (issue 17). While the context is suspended at an `await` and the thread has
 * nothing to run, the sampler sees `(idle)`; given the stack of each await
 * the context suspended at (lib/recording/await-tracker.ts), each idle
 * sample after an await becomes that stack with an `[await]` leaf, as
 * pyinstrument shows it. Idle samples before the context's first await stay
 * `(idle)`; samples of other work on the thread stay what they are.
 */
import { AWAIT, FrameInfo, frameKey, isIdleFrame, specialFrame } from './frame';
import type { Session } from './session';

/** One frame of an await stack, as V8's call sites give it. */
export interface AwaitFrame {
  /** The function's name ('' when V8 knows none). */
  name: string;
  /** Path or URL of the script. */
  file: string;
  /** Where the function is defined, 1-based (as the sampler's frames). */
  line: number;
  column: number;
  /** The line executing in it: the await, or the call to the next frame (0 unknown). */
  at: number;
}

export interface SessionWait {
  /** Seconds since the session's start when the context let the thread go. */
  time: number;
  /** Root first; none: not known (idle time after it stays idle). */
  frames: readonly AwaitFrame[];
}

/** Maps generated positions to original ones, as the session's frames were (SourceMapResolver). */
export interface PositionMapper {
  resolve(frame: FrameInfo): FrameInfo;
  originalLine(frame: FrameInfo, file: string, line: number): number;
}

const unmapped: PositionMapper = { resolve: (frame) => frame, originalLine: (_frame, _file, line) => line };

/**
 * The session with each idle sample of its first thread that came after a
 * wait (sorted by time) moved under that wait's stack and an `[await]` frame.
 * A function the sampler saw is the same frame (matched by file, line and
 * column); others are added, named as V8's call sites name them.
 */
export function attributeAwaits(session: Session, waits: readonly SessionWait[], mapper: PositionMapper = unmapped): Session {
  if (waits.length === 0) return session;
  const { samples, stacks, threads } = session;
  const frames = [...session.frames];
  const parent = [...stacks.parent];
  const frameOf = [...stacks.frame];
  const linesTable = session.lines && { parent: [...session.lines.parent], line: [...session.lines.line] };

  // Call sites place a function at its `function` keyword, the sampler at its
  // parameters: a function declaration differs in column. Matched by position,
  // else by file, line and name when one sampled function fits.
  const frameIds = new Map<string, number>();
  const byPosition = new Map<string, number>();
  const byLine = new Map<string, number>();
  const remember = (frame: FrameInfo, id: number): void => {
    frameIds.set(frameKey(frame), id);
    if (frame.kind !== 'js' || frame.inlined) return;
    byPosition.set(positionKey(frame), id);
    const line = lineKey(frame);
    byLine.set(line, byLine.has(line) ? AMBIGUOUS : id);
  };
  frames.forEach(remember);
  const internFrame = (frame: FrameInfo): number => {
    let existing = frameIds.get(frameKey(frame));
    if (existing === undefined && frame.kind === 'js') existing = byPosition.get(positionKey(frame)) ?? byLine.get(lineKey(frame));
    if (existing !== undefined && existing !== AMBIGUOUS) return existing;
    frames.push(frame);
    remember(frame, frames.length - 1);
    return frames.length - 1;
  };
  const awaitFrame = internFrame(specialFrame(AWAIT));

  // Prefix tables: a child is found by (parent, frame) or (parent, line); the
  // session's own entries first, so that a wait's stack reuses them.
  const stackChildren = new Map<string, number>();
  parent.forEach((above, id) => stackChildren.set(`${above}:${frameOf[id]}`, id));
  const internStack = (above: number, frame: number): number => {
    const key = `${above}:${frame}`;
    let id = stackChildren.get(key);
    if (id === undefined) {
      parent.push(above);
      frameOf.push(frame);
      id = parent.length - 1;
      stackChildren.set(key, id);
    }
    return id;
  };
  const lineChildren = new Map<string, number>();
  linesTable?.parent.forEach((above, id) => lineChildren.set(`${above}:${linesTable.line[id]}`, id));
  const internLine = (above: number, line: number): number => {
    const key = `${above}:${line}`;
    let id = lineChildren.get(key);
    if (id === undefined) {
      linesTable!.parent.push(above);
      linesTable!.line.push(line);
      id = linesTable!.parent.length - 1;
      lineChildren.set(key, id);
    }
    return id;
  };

  // Each wait's stack (and line stack), built when a sample first needs it.
  const built = new Map<number, { stack: number; lines: number }>();
  const stackOfWait = (index: number): { stack: number; lines: number } => {
    let result = built.get(index);
    if (result) return result;
    let stack = -1;
    let lines = -1;
    for (const call of waits[index]!.frames) {
      const generated: FrameInfo = { name: call.name || '(anonymous)', file: call.file, line: call.line, column: call.column, kind: 'js' };
      const frame = mapper.resolve(generated);
      stack = internStack(stack, internFrame(frame));
      if (linesTable) {
        const line = frame === generated || call.at < 1 ? call.at : mapper.originalLine(generated, frame.file, call.at);
        lines = internLine(lines, line);
      }
    }
    stack = internStack(stack, awaitFrame);
    if (linesTable) lines = internLine(lines, 0);
    result = { stack, lines };
    built.set(index, result);
    return result;
  };

  const stack = [...samples.stack];
  const lineOf = session.lines && [...session.lines.sample];
  let moved = 0;
  let next = 0;
  // Samples are in time order per thread; the waits' index only moves forward.
  for (let i = 0; i < stack.length; i++) {
    if ((threads?.sample[i] ?? 0) !== 0 || !isIdleStack(session, stack[i]!)) continue;
    const time = samples.time[i]!;
    if (next > 0 && waits[next - 1]!.time > time) next = 0;
    while (next < waits.length && waits[next]!.time <= time) next++;
    if (next === 0 || waits[next - 1]!.frames.length === 0) continue;
    const target = stackOfWait(next - 1);
    stack[i] = target.stack;
    if (lineOf) lineOf[i] = target.lines;
    moved++;
  }
  if (moved === 0) return session;
  return session.with({
    frames,
    stacks: { parent, frame: frameOf },
    samples: { ...samples, stack },
    lines: linesTable && lineOf ? { ...linesTable, sample: lineOf } : session.lines,
  });
}

const AMBIGUOUS = -2;

function positionKey(frame: FrameInfo): string {
  return `${frame.file}\u0000${frame.line}\u0000${frame.column}`;
}

function lineKey(frame: FrameInfo): string {
  return `${frame.file}\u0000${frame.line}\u0000${frame.name}`;
}

/** A sample of the thread waiting: a stack of one `(idle)` frame. */
export function isIdleStack(session: Session, stack: number): boolean {
  return stack !== -1 && session.stacks.parent[stack] === -1 && isIdleFrame(session.frames[session.stacks.frame[stack]!]!);
}
