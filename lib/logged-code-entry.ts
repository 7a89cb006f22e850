/**
 * A code map entry whose name stays in the drained code event log until it
 * is read. A recording's first drain brings V8's listing of all existing code
 * (about 3,000 code objects in a small program), and samples land in few of
 * them: a Uint8Array view per entry made the code map about 180 bytes per
 * range, which the young-generation GC copied twice on its way to the old
 * generation (about 1 ms of GC per recording, docs/benchmarks.md "Where the
 * 1 kHz overhead went"). This entry holds the log and the name's place in it
 * instead, and makes the view when asked.
 */
import type { CodeEntry } from './symbolizer';

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
