/**
 * `attach` to a process stuck in a synchronous loop. The loop runs in the
 * optimized code V8 compiled for it while it ran (OSR code), before the
 * recording began, and V8 never lists that code when a recording asks for
 * the existing code: its samples come out `(unresolved)`, and "what is it
 * stuck in" goes unanswered.
 *
 * But the agent itself runs inside that loop: the inspector's commands run
 * from V8 interrupts between the loop's iterations. So at the start the
 * agent (1) reads the JavaScript stack there, which names the interrupted
 * function, and (2) stays in a marker function until the sampler has taken
 * samples of that moment, whose stacks show the loop's code as an
 * `(unresolved)` frame below the agent. After the recording, the samples in
 * unlisted code under the same callers are the loop's: that frame is named
 * after the interrupted functions.
 */
import type { FrameInfo } from '../../session/frame';
import { frameKey, SpecialFrame } from '../../session/frame';
import type { LineTable, Session } from '../../session/session';
import { DIST_DIR } from '../../util/package-root';

/** What the agent saw of the code it interrupted. */
export interface InterruptedCode {
  /** The JavaScript functions on the stack below the agent, root first (V8 shows functions inlined into optimized code as frames of their own). */
  functions: FrameInfo[];
  /** The name of the function the marker samples are in. */
  marker: string;
}

const MARKER = 'nodeinstrumentAttachMarker';

/** Samples the marker waits for, and how long it waits for them at most (a busy machine delivers signals late). */
const MARKER_SAMPLES = 3;
const MARKER_MAX_MS = 250;

/**
 * Called by the agent right after the recording started: the functions below
 * the agent, and samples of this moment in the recording. It stays in the
 * marker for at least `spinMs` (a few sampling intervals) and until
 * `samplesRecorded()` has grown by MARKER_SAMPLES, at most MARKER_MAX_MS.
 */
export function interruptedCode(spinMs: number, samplesRecorded: () => number): InterruptedCode {
  return { functions: nodeinstrumentAttachMarker(spinMs, samplesRecorded), marker: MARKER };
}

function nodeinstrumentAttachMarker(spinMs: number, samplesRecorded: () => number): FrameInfo[] {
  const functions = callerFunctions();
  const start = performance.now();
  const first = samplesRecorded();
  // Samples of this frame, above the interrupted code, are what nameUnlistedCode looks for.
  for (let now = start; now - start < MARKER_MAX_MS; now = performance.now()) {
    if (now - start >= spinMs && samplesRecorded() - first >= MARKER_SAMPLES) break;
  }
  return functions;
}

/** The program's functions on this stack, root first, up to the first one that is not the program's (the inspector's evaluation, this agent). */
function callerFunctions(): FrameInfo[] {
  const previous = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  let sites: NodeJS.CallSite[];
  try {
    Error.prepareStackTrace = (_, structured) => structured;
    Error.stackTraceLimit = 1000;
    sites = new Error().stack as unknown as NodeJS.CallSite[];
  } finally {
    Error.prepareStackTrace = previous;
    Error.stackTraceLimit = limit;
  }
  if (!Array.isArray(sites)) return [];
  const rootFirst = [...sites].reverse();
  const functions: FrameInfo[] = [];
  for (const site of rootFirst) {
    const file = site.getScriptNameOrSourceURL?.() ?? site.getFileName() ?? '';
    if (file === '' || file.startsWith(DIST_DIR)) break;
    const line = site.getEnclosingLineNumber?.() ?? site.getLineNumber() ?? 0;
    const column = site.getEnclosingColumnNumber?.() ?? site.getColumnNumber() ?? 0;
    const name = site.getFunctionName() ?? (line === 1 && column === 1 ? '(module)' : '(anonymous)');
    functions.push({ name, file, line, column, kind: 'js' });
  }
  return functions;
}

/**
 * The session with the `(unresolved)` frame of the interrupted loop replaced
 * by the functions the agent saw the loop in (those above the callers the
 * samples show below it: the optimized function, and the functions inlined
 * into it), wherever it sits under the same callers; with a note. Unchanged
 * when no marker sample shows unlisted code.
 */
export function nameUnlistedCode(session: Session, interrupted: InterruptedCode): Session {
  const { frames, stacks } = session;
  const unresolved = frames.findIndex((frame) => frame.kind === 'special' && frame.name === SpecialFrame.unresolved);
  if (unresolved < 0 || interrupted.functions.length === 0) return session;
  const target = unlistedStackUnderMarker(session, interrupted.marker, unresolved);
  if (target === undefined) return session;
  // The callers below the unlisted code, as the agent's stack shows them: what lies above them is the loop.
  const callers = stackFunctions(session, stacks.parent[target]!);
  const lastCaller = callers.at(-1);
  let from = 0;
  if (lastCaller !== undefined) {
    for (let i = interrupted.functions.length - 1; i >= 0; i--) {
      const fn = interrupted.functions[i]!;
      if (fn.name === lastCaller.name && fn.file === lastCaller.file) {
        from = i + 1;
        break;
      }
    }
  }
  const loop = interrupted.functions.slice(from);
  if (loop.length === 0) return session;

  // The unresolved frame becomes the loop's functions, outermost first; what was under it goes under the innermost.
  const newFrames = [...frames];
  const frameIds = loop.map((fn) => {
    const known = newFrames.findIndex((frame) => frameKey(frame) === frameKey(fn));
    if (known >= 0) return known;
    newFrames.push(fn);
    return newFrames.length - 1;
  });
  // Stacks rebuilt in their order (a parent before its children, as sessions keep them).
  const parent: number[] = [];
  const frame: number[] = [];
  const renumbered: number[] = [];
  for (let old = 0; old < stacks.parent.length; old++) {
    const oldParent = stacks.parent[old]!;
    let id = oldParent === -1 ? -1 : renumbered[oldParent]!;
    for (const frameId of old === target ? frameIds : [stacks.frame[old]!]) {
      parent.push(id);
      frame.push(frameId);
      id = parent.length - 1;
    }
    renumbered.push(id);
  }

  // The samples in the loop's code, and in what it calls.
  const isUnder = underTarget(session, target);
  const affected = session.samples.stack.map((stack) => stack !== -1 && isUnder(stack));
  const count = affected.filter(Boolean).length;
  const path = loop.map((fn) => fn.name).join(' > ');
  const note =
    `${count} samples ran in optimized code that V8 compiled before the attach and never lists (a hot loop's); ` +
    `they are named after the functions the loop was in when the recording began: ${path}`;
  return session.with({
    frames: newFrames,
    stacks: { parent, frame },
    samples: { ...session.samples, stack: session.samples.stack.map((stack) => (stack === -1 ? -1 : renumbered[stack]!)) },
    lines: session.lines && insertUnknownLines(session.lines, affected, session.stackFrames(target).length, loop.length - 1),
    meta: { ...session.meta, unresolvedFrames: Math.max(0, session.meta.unresolvedFrames - count), notes: [...session.meta.notes, note] },
  });
}

/**
 * The line table kept parallel to the stacks: `added` frames of unknown line
 * (0) inserted at `depth` into the line stacks of the affected samples.
 */
function insertUnknownLines(lines: LineTable, affected: readonly boolean[], depth: number, added: number): LineTable {
  if (added === 0) return lines;
  const parent = [...lines.parent];
  const line = [...lines.line];
  const converted = new Map<number, number>();
  const sample = lines.sample.map((lineStack, i) => {
    if (!affected[i]) return lineStack;
    let id = converted.get(lineStack);
    if (id === undefined) {
      const path: number[] = [];
      for (let at = lineStack; at !== -1; at = lines.parent[at]!) path.push(lines.line[at]!);
      path.reverse().splice(depth, 0, ...new Array<number>(added).fill(0));
      id = -1;
      for (const value of path) {
        parent.push(id);
        line.push(value);
        id = parent.length - 1;
      }
      converted.set(lineStack, id);
    }
    return id;
  });
  return { parent, line, sample };
}

/** The stack id of an `(unresolved)` frame below a marker frame in some sample, if any. */
function unlistedStackUnderMarker(session: Session, marker: string, unresolved: number): number | undefined {
  const { frames, stacks } = session;
  const markerIds = new Set(frames.flatMap((frame, id) => (frame.kind === 'js' && frame.name === marker ? [id] : [])));
  if (markerIds.size === 0) return undefined;
  for (const stack of new Set(session.samples.stack)) {
    let sawMarker = false;
    let found: number | undefined;
    for (let id = stack; id !== -1; id = stacks.parent[id]!) {
      if (markerIds.has(stacks.frame[id]!)) sawMarker = true;
      else if (sawMarker && stacks.frame[id] === unresolved) found = id; // the deepest one: the interrupted loop
    }
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The JavaScript functions of a stack, root first. */
function stackFunctions(session: Session, stack: number): FrameInfo[] {
  if (stack === -1) return [];
  return session.stackFrames(stack).map((id) => session.frames[id]!).filter((frame) => frame.kind === 'js');
}

/** Whether a stack is `target` or lies under it (memoised per stack). */
function underTarget(session: Session, target: number): (stack: number) => boolean {
  const known = new Map<number, boolean>();
  const { parent } = session.stacks;
  return (stack) => {
    const path: number[] = [];
    let answer = false;
    for (let id = stack; id !== -1; id = parent[id]!) {
      const seen = known.get(id);
      if (seen !== undefined || id === target) {
        answer = seen ?? true;
        break;
      }
      path.push(id);
    }
    for (const id of path) known.set(id, answer);
    return answer;
  };
}
