/**
 * V8's listing of the code that exists when a recording starts, kept in
 * columns over the drained log until a sample lands in it.
 *
 * Every recording starts with this listing: about 3,000 code objects in a
 * small program (builtins, bytecode, compiled functions), of which samples
 * land in a few dozen. Applying it to the code map made an entry object per
 * code object in the recording's first drain, on the JS thread and inside the
 * profiled work, plus the garbage collections that copied those objects (about
 * a point of a 300 ms recording at 1 kHz, docs/benchmarks.md sections 10 and
 * 12). Here the listing is a few typed arrays, sorted once; the symbolizer
 * takes an entry out (into its code map, where later moves apply to it) when a
 * sample first lands in it, and newer code evicts what it overlaps, as in the
 * code map.
 */
import { CODE_EVENT_HEADER_BYTES, CodeEvent, CodeEventFlag, CodeEventKind, CodeType, decodeCodeEvents, readU64 } from './drain';
import { CodeMap } from './code-map';
import { LoggedCodeEntry } from './logged-code-entry';
import type { CodeEntry } from './symbolizer';

const align8 = (n: number): number => (n + 7) & ~7;

/** One live range of the listing, for whoever copies what is left of it (Symbolizer.catalog). */
export interface ListedRange {
  start: number;
  end: number;
  entry: CodeEntry;
}

export class CodeListing {
  /** Sequence number of the listing's first event: samples before it did not see it. */
  readonly firstSeq: number;
  /** Ranges in address order, none overlapping. */
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  /** Byte offset and length of each name in the drained log. */
  private readonly nameOffsets: Uint32Array;
  private readonly nameLengths: Uint32Array;
  /** Byte offset and length of each line position table in the log (length 0: none). */
  private readonly lineOffsets: Uint32Array;
  private readonly lineLengths: Uint32Array;
  private readonly codeTypes: Uint8Array;
  /** 1 once taken by the symbolizer or evicted by newer code. */
  private readonly gone: Uint8Array;
  private live: number;

  private constructor(
    private readonly log: ArrayBuffer,
    firstSeq: number,
    columns: Columns,
  ) {
    this.firstSeq = firstSeq;
    this.starts = columns.starts;
    this.ends = columns.ends;
    this.nameOffsets = columns.nameOffsets;
    this.nameLengths = columns.nameLengths;
    this.lineOffsets = columns.lineOffsets;
    this.lineLengths = columns.lineLengths;
    this.codeTypes = columns.codeTypes;
    this.gone = new Uint8Array(columns.starts.length);
    this.live = columns.starts.length;
  }

  /**
   * Reads the listing at the head of a drained code event log: the leading
   * run of events the native log flagged as listed ('added' events and their
   * line tables; a move ends the run). Returns the listing (undefined if the
   * log does not start with one) and the offset of the first event after it.
   */
  static read(log: ArrayBuffer): { listing: CodeListing | undefined; end: number } {
    const view = new DataView(log);
    // First pass: where the run ends and how many ranges it lists, so the columns are sized once.
    let count = 0;
    let end = 0;
    while (end + CODE_EVENT_HEADER_BYTES <= log.byteLength) {
      const kind = view.getUint8(end);
      if ((view.getUint16(end + 2, true) & CodeEventFlag.listed) === 0 || kind === CodeEventKind.moved) break;
      if (kind === CodeEventKind.added) count++;
      end += CODE_EVENT_HEADER_BYTES + align8(view.getUint32(end + 4, true));
    }
    if (count === 0) return { listing: undefined, end: 0 };
    const columns = emptyColumns(count);
    const linesOf = new Map<number, number>(); // code start -> offset of its 'lines' event (sent just before its 'added')
    let n = 0;
    for (let offset = 0; offset < end; offset += CODE_EVENT_HEADER_BYTES + align8(view.getUint32(offset + 4, true))) {
      const kind = view.getUint8(offset);
      const start = readU64(view, offset + 16);
      if (kind === CodeEventKind.lines) {
        linesOf.set(start, offset);
        continue;
      }
      if (kind !== CodeEventKind.added) continue;
      const linesAt = linesOf.get(start);
      if (linesAt !== undefined) {
        columns.lineOffsets[n] = linesAt + CODE_EVENT_HEADER_BYTES;
        columns.lineLengths[n] = view.getUint32(linesAt + 4, true);
        linesOf.delete(start);
      }
      columns.starts[n] = start;
      columns.ends[n] = start + Math.max(readU64(view, offset + 24), 1);
      columns.nameOffsets[n] = offset + CODE_EVENT_HEADER_BYTES;
      columns.nameLengths[n] = view.getUint32(offset + 4, true);
      columns.codeTypes[n] = view.getUint8(offset + 1);
      n++;
    }
    return { listing: new CodeListing(log, readU64(view, 8), inAddressOrder(columns)), end };
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

  /** The live ranges whose undecoded name `keep` accepts, in address order (Symbolizer.catalog, at stop). */
  remaining(keep: (nameBytes: Uint8Array) => boolean): ListedRange[] {
    const kept: ListedRange[] = [];
    for (let i = 0; i < this.starts.length; i++) {
      if (this.gone[i] === 1 || !keep(this.nameBytesAt(i))) continue;
      kept.push({ start: this.starts[i]!, end: this.ends[i]!, entry: this.entryAt(i) });
    }
    return kept;
  }

  /** The undecoded names of every range, taken or not, in the order of the listing's addresses. */
  *names(): IterableIterator<Uint8Array> {
    for (let i = 0; i < this.starts.length; i++) yield this.nameBytesAt(i);
  }

  private nameBytesAt(index: number): Uint8Array {
    return new Uint8Array(this.log, this.nameOffsets[index]!, this.nameLengths[index]!);
  }

  private entryAt(index: number): CodeEntry {
    const codeType = this.codeTypes[index]!;
    const entry: CodeEntry = new LoggedCodeEntry(this.log, this.nameOffsets[index]!, this.nameLengths[index]!, codeType === CodeType.wasm);
    const lineLength = this.lineLengths[index]!;
    if (lineLength > 0) {
      entry.lines = new Uint32Array(this.log, this.lineOffsets[index]!, lineLength >>> 2);
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

interface Columns {
  starts: Float64Array;
  ends: Float64Array;
  nameOffsets: Uint32Array;
  nameLengths: Uint32Array;
  lineOffsets: Uint32Array;
  lineLengths: Uint32Array;
  codeTypes: Uint8Array;
}

function emptyColumns(n: number): Columns {
  return {
    starts: new Float64Array(n),
    ends: new Float64Array(n),
    nameOffsets: new Uint32Array(n),
    nameLengths: new Uint32Array(n),
    lineOffsets: new Uint32Array(n),
    lineLengths: new Uint32Array(n),
    codeTypes: new Uint8Array(n),
  };
}

/**
 * The columns (in the order V8 listed the code) sorted by address. Where
 * ranges overlap, the code map's rule decides (newer code evicts what it
 * overlaps). V8 lists a few code objects twice (the same start and size):
 * the later is kept. Other overlaps have not been seen; if there are any,
 * the ranges are added to a code map in the listing's order, which settles them.
 */
function inAddressOrder(columns: Columns): Columns {
  const { starts, ends } = columns;
  const order: number[] = [];
  for (let i = 0; i < starts.length; i++) order.push(i);
  // V8 lists code mostly in address order: TimSort is close to linear on that.
  // Equal starts: in the listing's order, so that the later one replaces the earlier below.
  order.sort((a, b) => starts[a]! - starts[b]! || a - b);
  let kept: readonly number[] = order;
  let count = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const previous = count > 0 ? order[count - 1]! : -1;
    if (previous !== -1 && starts[previous] === starts[i]) {
      order[count - 1] = i;
    } else if (previous !== -1 && ends[previous]! > starts[i]!) {
      const map = new CodeMap<number>();
      for (let j = 0; j < starts.length; j++) map.add(starts[j]!, ends[j]! - starts[j]!, j);
      kept = map.entries();
      count = kept.length;
      break;
    } else {
      order[count++] = i;
    }
  }
  const sorted = emptyColumns(count);
  for (let k = 0; k < count; k++) {
    const i = kept[k]!;
    sorted.starts[k] = starts[i]!;
    sorted.ends[k] = ends[i]!;
    sorted.nameOffsets[k] = columns.nameOffsets[i]!;
    sorted.nameLengths[k] = columns.nameLengths[i]!;
    sorted.lineOffsets[k] = columns.lineOffsets[i]!;
    sorted.lineLengths[k] = columns.lineLengths[i]!;
    sorted.codeTypes[k] = columns.codeTypes[i]!;
  }
  return sorted;
}

/**
 * A drained code event log as the symbolizer takes it: V8's listing of
 * existing code at its head kept in columns (a CodeListing), the rest as
 * events.
 */
export function decodeDrainedCode(buffer: ArrayBuffer): { listing: CodeListing | undefined; events: CodeEvent[] } {
  const { listing, end } = CodeListing.read(buffer);
  return { listing, events: decodeCodeEvents(buffer, end) };
}
