/**
 * The entries of the code map: what a code object is to the symbolizer, and
 * the entry made from a drained code event.
 *
 * A code map entry's name stays in the drained code event log until it
 * is read. A recording's first drain brings V8's listing of all existing code
 * (about 3,000 code objects in a small program), and samples land in few of
 * them: a Uint8Array view per entry made the code map about 180 bytes per
 * range, which the young-generation GC copied twice on its way to the old
 * generation (about 1 ms of GC per recording, docs/benchmarks.md "Where the
 * 1 kHz overhead went"). This entry holds the log and the name's place in it
 * instead, and makes the view when asked.
 */
import type { FrameInfo } from '../session/frame';
import type { CodeMap } from './code-map';

/**
 * A code object in the map. Its name is parsed when a sample first lands in
 * it: most code V8 reports (thousands of builtins and functions at start) is
 * never sampled.
 */
export interface CodeEntry {
  /** The UTF-8 name as V8 gave it, decoded when first needed. */
  nameBytes: Uint8Array;
  isWasm: boolean;
  /** The frame's id in the window's tables: -1 until a stack first uses it (see Symbolizer.frameIdOf). */
  frameId: number;
  interpreterPlumbing: boolean;
  /** The line position table (pairs of code offset, script offset), for Ignition and TurboFan code compiled while recording. */
  lines?: Uint32Array;
  isBytecode?: boolean;
  /** The window whose builder frameId belongs to (see Symbolizer.startWindow). */
  window?: number;
  /** The parsed frame, kept so a new window re-interns it without parsing again. */
  frame?: FrameInfo;
}

/**
 * V8 reports existing code when a recording starts, but not code it keeps in
 * a function's OSR cache (the code of a hot loop). A recording therefore
 * inherits the optimized code that earlier recordings in this process saw,
 * and looks there for addresses the fresh map does not know.
 */
export type CodeCatalog = CodeMap<CodeEntry>;

/** A copy of an entry that keeps nothing of a drained log alive (its name and line table copied). */
export function detachedCodeEntry(entry: CodeEntry): CodeEntry {
  return {
    nameBytes: entry.nameBytes.slice(),
    isWasm: entry.isWasm,
    frameId: -1,
    interpreterPlumbing: false,
    ...(entry.lines ? { lines: entry.lines.slice(), isBytecode: entry.isBytecode } : {}),
  };
}


export class LoggedCodeEntry implements CodeEntry {
  frameId = -1;
  interpreterPlumbing = false;
  // lines, isBytecode, window and frame are added when needed (most entries never get them).

  constructor(
    private readonly log: ArrayBuffer,
    private readonly nameOffset: number,
    private readonly nameLength: number,
    readonly isWasm: boolean,
  ) {}

  /** The UTF-8 name: a fresh view of the log each time (read once per sampled entry, and at stop). */
  get nameBytes(): Uint8Array {
    return new Uint8Array(this.log, this.nameOffset, this.nameLength);
  }
}

/** An entry for the name bytes of a drained 'added' event (a view of the drained log). */
export function loggedCodeEntry(nameBytes: Uint8Array, isWasm: boolean): CodeEntry {
  return new LoggedCodeEntry(nameBytes.buffer as ArrayBuffer, nameBytes.byteOffset, nameBytes.byteLength, isWasm);
}
