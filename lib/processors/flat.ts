/**
 * The flat view: functions by their own self time, each listed once. It is
 * about functions, not the call tree, so library runs are not collapsed (a
 * library's entry point would otherwise take the self time of everything it
 * hides). Time in code that is not JavaScript (builtins, Node's C++, libc)
 * goes to the JavaScript function that called it, as V8's and pprof's
 * function views charge it: that is the function a reader can change. So
 * does `(unresolved)` code under JavaScript: V8's runtime and stubs between
 * a function and the C++ it called (statSync's binding on Node 24), which V8
 * names and charges to that function. An inlined copy of a function counts
 * as the function. In a request's report, the thread's other work is one
 * row, `(other work on this thread)` (request-work.ts).
 *
 * With showAll every frame keeps its own self time, native frames included.
 */
import { FrameInfo, frameKey, isOtherWork, SpecialFrame } from '../session/frame';
import type { Session } from '../session/session';

export interface FlatOptions {
  /** Every frame its own self time: nothing charged to callers. */
  showAll?: boolean;
  /** Frames whose file matches are charged to their caller too. */
  hide?: RegExp;
  /** Rows under this share of the total are left out. By default the first FLAT_ROWS rows are kept instead (all with showAll). */
  minShare?: number;
}

/**
 * How many rows the flat view shows by default. Time in a large program is
 * spread thin (the TypeScript compiler's tenth function by self time holds
 * under 1% of it), so a share threshold would cut the list where it matters.
 */
export const FLAT_ROWS = 40;

export interface FlatRow {
  frame: FrameInfo;
  /** Self time (the sample weights: seconds, or bytes in an alloc session). */
  self: number;
  /** Share of all the samples' weight. */
  share: number;
}

export function flatProfile(session: Session, options: FlatOptions = {}): FlatRow[] {
  const { frames, stacks, samples } = session;
  const hide = options.hide && new RegExp(options.hide.source, options.hide.flags.replace(/[gy]/g, ''));
  const chargesCaller = (frame: FrameInfo): boolean =>
    !options.showAll &&
    (frame.kind === 'builtin' || frame.kind === 'native' || isUnresolved(frame) || (hide !== undefined && hide.test(frame.file)));
  // A request's report: the thread's other work is one row, its root frame's (request-work.ts).
  const otherWork = options.showAll ? -1 : frames.findIndex(isOtherWork);
  const underOtherWork = otherWork === -1 ? undefined : stacksUnder(session, otherWork);
  // The frame each stack's self time goes to, found once per stack.
  const ownerOfStack = new Map<number, number>();
  const ownerOf = (stack: number): number => {
    let owner = ownerOfStack.get(stack);
    if (owner === undefined) {
      owner = stacks.frame[stack]!;
      if (underOtherWork?.[stack]) {
        ownerOfStack.set(stack, otherWork);
        return otherWork;
      }
      for (let id = stack; id !== -1; id = stacks.parent[id]!) {
        const frameId = stacks.frame[id]!;
        if (!chargesCaller(frames[frameId]!)) {
          owner = frameId;
          break;
        }
      }
      // With no JavaScript above it (a native thread start, say), the leaf keeps its time.
      ownerOfStack.set(stack, owner);
    }
    return owner;
  };
  const byFunction = new Map<string, FlatRow>();
  let total = 0;
  for (let i = 0; i < samples.stack.length; i++) {
    const stack = samples.stack[i]!;
    const weight = samples.duration[i]!;
    total += weight;
    if (stack === -1) continue;
    const frame = frames[ownerOf(stack)]!;
    const key = frameKey(frame.inlined ? { ...frame, inlined: false } : frame);
    const row = byFunction.get(key);
    if (row) row.self += weight;
    else byFunction.set(key, { frame: frame.inlined ? { ...frame, inlined: false } : frame, self: weight, share: 0 });
  }
  const minShare = options.minShare ?? 0;
  const rows: FlatRow[] = [];
  for (const row of byFunction.values()) {
    row.share = total > 0 ? row.self / total : 0;
    if (total > 0 && row.share >= minShare && row.self > 0) rows.push(row);
  }
  rows.sort((a, b) => b.self - a.self || a.frame.name.localeCompare(b.frame.name));
  return options.minShare === undefined && !options.showAll ? rows.slice(0, FLAT_ROWS) : rows;
}

const isUnresolved = (frame: FrameInfo): boolean => frame.kind === 'special' && frame.name === SpecialFrame.unresolved;

/** Per stack, whether its root frame is `rootFrame` (stacks list a parent before its children). */
function stacksUnder(session: Session, rootFrame: number): boolean[] {
  const { parent, frame } = session.stacks;
  const under: boolean[] = new Array(parent.length);
  for (let id = 0; id < parent.length; id++) under[id] = parent[id] === -1 ? frame[id] === rootFrame : under[parent[id]!]!;
  return under;
}
