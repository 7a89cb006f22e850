/**
 * A profiled request's own work, told apart from the rest of its thread
 * (issue 17): the sampler sees the whole thread, and while one request is
 * profiled other requests, timers and callbacks run between its awaits.
 *
 * The middleware runs the request's handler under a reserved label
 * (tagRequest), which the labels machinery carries across `await`, timers and
 * I/O callbacks started from it (lib/labels/labels.ts); setLabels in the
 * handler keeps it. At the end, separateRequestWork keeps the request's
 * samples as they are and moves every other sample that ran code under one
 * root frame, `(other work on this thread)`, which reports show as one line
 * (its frames hidden as a group: opened in the HTML report, listed with
 * --show-all). Idle samples stay `(idle)`: the thread was waiting, for this
 * request or not; those after an await of the request show where it waited
 * (`[await]`, lib/session/awaits.ts) and are the request's.
 */
import { withLabels } from '../../labels/labels';
import { profilerWorkSamples } from '../../processors/profiler-work';
import { REQUEST_LABEL } from '../../labels/registry';
import { FrameInfo, isAwaitFrame, OTHER_WORK, specialFrame } from '../../session/frame';
import { isIdleStack } from '../../session/awaits';
import type { LineTable, Session, SessionLabels } from '../../session/session';

/**
 * Runs `fn` (the request's handler and what follows from it) as the profiled
 * request's work. Body parsers keep the context across the request stream's
 * events (raw-body, behind Express's and Koa's, binds its callbacks to it).
 */
export function tagRequest<T>(fn: () => T): T {
  return withLabels({ [REQUEST_LABEL]: 'profiled' }, fn);
}

/** The session with the samples of other work moved under one `(other work on this thread)` frame, and a note. */
export function separateRequestWork(session: Session): Session {
  const { samples, labels } = session;
  const isRequest = requestSets(labels);
  const other = samples.stack.map((stack, i) => stack !== -1 && !isIdleStack(session, stack) && !isAwait(session, stack) && !isRequest[labels?.sample[i] ?? -1]);
  // The note counts what reports show: the profiler's own drains are left out of both (profiler-work.ts).
  const profilers = profilerWorkSamples(session);
  let otherTime = 0;
  let total = 0;
  for (let i = 0; i < samples.stack.length; i++) {
    if (profilers?.[i]) continue;
    total += samples.duration[i]!;
    if (other[i]) otherTime += samples.duration[i]!;
  }
  const cleanLabels = labels && withoutRequestLabel(labels);
  if (otherTime === 0) return session.with({ labels: cleanLabels });

  const frames: FrameInfo[] = [...session.frames, specialFrame(OTHER_WORK)];
  const otherFrame = frames.length - 1;
  const parent = [...session.stacks.parent];
  const frame = [...session.stacks.frame];
  parent.push(-1);
  frame.push(otherFrame);
  const otherRoot = parent.length - 1;
  const move = copierUnder(parent, otherRoot, (id) => frame.push(session.stacks.frame[id]!));
  const stack = samples.stack.map((id, i) => (other[i] ? move(id) : id));
  const share = total > 0 ? ` (${((otherTime / total) * 100).toFixed(1)}%)` : '';
  const note =
    `${otherTime.toFixed(3)} s${share} of this thread's time went to work other than this request ` +
    '(other requests, timers): shown as one line, (other work on this thread)';
  return session.with({
    frames,
    stacks: { parent, frame },
    samples: { ...samples, stack },
    labels: cleanLabels,
    lines: session.lines && movedLines(session.lines, other),
    meta: { ...session.meta, notes: [...session.meta.notes, note] },
  });
}

/** Per label-set index: whether the set is the profiled request's. */
function requestSets(labels: SessionLabels | undefined): Record<number, boolean> {
  const result: Record<number, boolean> = {};
  labels?.sets.forEach((set, index) => {
    if (set[REQUEST_LABEL] !== undefined) result[index] = true;
  });
  return result;
}

/** A sample of the request waiting at an await: its leaf is `[await]`. */
function isAwait(session: Session, stack: number): boolean {
  return isAwaitFrame(session.frames[session.stacks.frame[stack]!]!);
}


/** The label sets without the request's tag (an empty set becomes no labels). */
function withoutRequestLabel(labels: SessionLabels): SessionLabels | undefined {
  const sets: Array<Record<string, string>> = [];
  const index = new Map<string, number>();
  const renumbered = labels.sets.map((set) => {
    const { [REQUEST_LABEL]: _tag, ...rest } = set;
    if (Object.keys(rest).length === 0) return -1;
    const key = JSON.stringify(Object.entries(rest));
    let at = index.get(key);
    if (at === undefined) {
      sets.push(rest);
      at = sets.length - 1;
      index.set(key, at);
    }
    return at;
  });
  const sample = labels.sample.map((at) => (at === -1 ? -1 : renumbered[at]!));
  return sets.length === 0 ? undefined : { sets, sample };
}

/** The line table kept parallel to the moved stacks: a root entry of unknown line (0) under each moved sample. */
function movedLines(lines: LineTable, other: readonly boolean[]): LineTable {
  const parent = [...lines.parent];
  const line = [...lines.line];
  parent.push(-1);
  line.push(0);
  const move = copierUnder(parent, parent.length - 1, (id) => line.push(lines.line[id]!));
  return { parent, line, sample: lines.sample.map((id, i) => (other[i] && id !== -1 ? move(id) : id)) };
}

/**
 * Copies entries of a prefix table (`parent`, with its other columns added by
 * `copyEntry`) under a new root `root`, as needed and once each, a parent
 * before its children as sessions keep them; returns id -> its copy's id.
 * Iterative: stacks can be thousands of frames deep.
 */
function copierUnder(parent: number[], root: number, copyEntry: (id: number) => void): (id: number) => number {
  const copies = new Map<number, number>();
  return (id) => {
    const chain: number[] = [];
    let at = id;
    for (; at !== -1 && !copies.has(at); at = parent[at]!) chain.push(at);
    let above = at === -1 ? root : copies.get(at)!;
    for (let i = chain.length - 1; i >= 0; i--) {
      parent.push(above);
      copyEntry(chain[i]!);
      above = parent.length - 1;
      copies.set(chain[i]!, above);
    }
    return copies.get(id)!;
  };
}
