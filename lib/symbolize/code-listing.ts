/**
 * V8's listing of the code that exists when a recording starts, kept in
 * columns until a sample lands in it.
 *
 * Every recording starts with this listing: about 3,000 code objects in a
 * small program (builtins, bytecode, compiled functions), of which samples
 * land in a few dozen. Applying it to the code map made an entry object per
 * code object in the recording's first drain, on the JS thread and inside the
 * profiled work, plus the garbage collections that copied those objects
 * (docs/benchmarks.md, sections 10 and 12). The native log now collects the
 * listing as V8 sends it and hands it over sorted by address, in columns
 * (native/code_listing.h), which this class views as typed arrays. The
 * symbolizer takes an entry out (into its code map, where later moves apply to
 * it) when a sample first lands in it, and newer code evicts what it overlaps,
 * as in the code map.
 */
import { CodeType } from '../drain/decode';
import { CodeEntry, LoggedCodeEntry } from './code-entry';

/** A range of the listing, with a code map entry made for it. */
export interface ListedRange {
  start: number;
  end: number;
  entry: CodeEntry;
}

export class CodeListing {
  /** Ranges in address order, none overlapping. */
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  /** Byte offset (from the payload's start) and length of each name. */
  private readonly nameOffsets: Uint32Array;
  private readonly nameLengths: Uint32Array;
  /** Byte offset and length of each line position table (length 0: none). */
  private readonly lineOffsets: Uint32Array;
  private readonly lineLengths: Uint32Array;
  private readonly codeTypes: Uint8Array;
  /** 1 once taken by the symbolizer or evicted by newer code. */
  private readonly gone: Uint8Array;
  /** The drained log, and where the payload starts in it: name and line offsets count from there. */
  private readonly log: ArrayBuffer;
  private readonly base: number;
  private live: number;

  /** Views the payload of a listing event (the layout of native/code_listing.h) without copying it. */
  constructor(payload: Uint8Array) {
    const log = payload.buffer as ArrayBuffer;
    const base = payload.byteOffset;
    const n = new DataView(log, base, 8).getUint32(0, true);
    let at = base + 8;
    const doubles = (): Float64Array => {
      const view = new Float64Array(log, at, n);
      at += 8 * n;
      return view;
    };
    const words = (): Uint32Array => {
      const view = new Uint32Array(log, at, n);
      at += 4 * n;
      return view;
    };
    this.log = log;
    this.starts = doubles();
    this.ends = doubles();
    this.nameOffsets = words();
    this.nameLengths = words();
    this.lineOffsets = words();
    this.lineLengths = words();
    this.codeTypes = new Uint8Array(log, at, n);
    this.base = base;
    this.gone = new Uint8Array(n);
    this.live = n;
  }

  /** Ranges not yet taken or evicted. */
  get size(): number {
    return this.live;
  }

  /** Takes out the entry of the live range holding `address`, with its bounds; undefined if none. */
  take(address: number): ListedRange | undefined {
    const index = this.lastStartingAtOrBefore(address);
    if (index < 0 || this.gone[index] === 1 || this.ends[index]! <= address) return undefined;
    this.gone[index] = 1;
    this.live--;
    return { start: this.starts[index]!, end: this.ends[index]!, entry: this.entryAt(index) };
  }

  /** Evicts every live range overlapping [start, end): newer code is there now. */
  evict(start: number, end: number): void {
    // Ranges do not overlap, so their ends are in order too: walk back from the last one starting before `end`.
    for (let i = this.lastStartingAtOrBefore(end - 1); i >= 0 && this.ends[i]! > start; i--) {
      if (this.gone[i] === 0) {
        this.gone[i] = 1;
        this.live--;
      }
    }
  }

  /** The ranges not taken or evicted, in address order, each with an entry of its own. */
  remaining(): ListedRange[] {
    const left: ListedRange[] = [];
    for (let i = 0; i < this.starts.length; i++) {
      if (this.gone[i] === 0) left.push({ start: this.starts[i]!, end: this.ends[i]!, entry: this.entryAt(i) });
    }
    return left;
  }

  /** The undecoded names of every range, taken or not, in the order of the listing's addresses. */
  *names(): IterableIterator<Uint8Array> {
    for (let i = 0; i < this.starts.length; i++) yield this.nameBytesAt(i);
  }

  private nameBytesAt(index: number): Uint8Array {
    return new Uint8Array(this.log, this.base + this.nameOffsets[index]!, this.nameLengths[index]!);
  }

  private entryAt(index: number): CodeEntry {
    const codeType = this.codeTypes[index]!;
    const entry: CodeEntry = new LoggedCodeEntry(this.log, this.base + this.nameOffsets[index]!, this.nameLengths[index]!, codeType === CodeType.wasm);
    const lineLength = this.lineLengths[index]!;
    if (lineLength > 0) {
      entry.lines = new Uint32Array(this.log, this.base + this.lineOffsets[index]!, lineLength >>> 2);
      entry.isBytecode = codeType === CodeType.bytecode;
    }
    return entry;
  }

  /** Index of the last range starting at or before `address`; -1 if none. */
  private lastStartingAtOrBefore(address: number): number {
    let low = 0;
    let high = this.starts.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.starts[mid]! <= address) low = mid + 1;
      else high = mid;
    }
    return low - 1;
  }
}

