/**
 * Decodes the binary buffers the native drain hands over. The layouts are
 * SampleHeader and CodeEventHeader in native/sample_record.h.
 */

export const SAMPLE_HEADER_BYTES = 48;
export const CODE_EVENT_HEADER_BYTES = 40;

/**
 * kSampleFlag* in native/sample_record.h; blocked: the signal interrupted a
 * blocking system call (x86_64); cpuTimer: CPU mode's signal came from the
 * kernel's timer while the thread ran; interrupt: taken in a V8 interrupt
 * at a stack-guard check (no pc: the walk's first frame is the leaf).
 */
export const SampleFlag = { idle: 1, truncated: 2, blocked: 4, topOfStack: 8, cpuTimer: 16, interrupt: 32 } as const;

/** v8::StateTag values that matter here. */
export const VmState = { js: 0, gc: 1, idle: 8 } as const;

export interface RawSample {
  seq: number;
  timeNs: number;
  cpuTimeNs: number;
  externalCallback: number;
  vmState: number;
  flags: number;
  /** The label-set id (lib/labels/registry.ts) current on the JS thread when captured; 0: none. */
  labelSet: number;
  /**
   * frames[0] is the interrupted pc; then the frames GetStackSample found, leaf first.
   * From samplesOf, valid until the next sample is asked for (see there).
   */
  frames: Float64Array;
  /** The word at the top of the stack (*sp) when interrupted, 0 if not recorded (see kSampleFlagTopOfStack). */
  topOfStack: number;
  /** Interrupt samples: the return addresses of the native callers of the interrupt callback, innermost first (see kSampleFlagInterrupt). */
  nativeChain?: Float64Array;
}

export const CodeType = { bytecode: 0, jit: 1, wasm: 2 } as const;

export type CodeEvent =
  /** nameBytes: the UTF-8 name, undecoded (decodeName): most names are never needed. */
  | { kind: 'added'; seq: number; codeType: number; start: number; size: number; nameBytes: Uint8Array }
  | { kind: 'moved'; seq: number; codeType: number; start: number; size: number; newStart: number }
  /**
   * The line position table of the code that starts at `start`, sent just
   * before its 'added' event (Ignition and TurboFan code only): pairs of
   * (code offset, script offset), NO_SCRIPT_OFFSET where V8 has none.
   */
  | { kind: 'lines'; seq: number; codeType: number; start: number; table: Uint32Array }
  /**
   * V8's listing of the code that existed before `seq` (when a recording
   * starts, or when V8 lists all code again), in columns sorted by address
   * (native/code_listing.h; viewed by lib/symbolize/code-listing.ts).
   */
  | { kind: 'listing'; seq: number; payload: Uint8Array };

export const NO_SCRIPT_OFFSET = 0xffffffff;

function readU64(view: DataView, offset: number): number {
  // Addresses, nanoseconds and sequence numbers all fit a double exactly
  // (or to within nanoseconds after 104 days of uptime).
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 0x1_0000_0000;
}

const align8 = (n: number): number => (n + 7) & ~7;

/** The samples of a drained buffer, each an object with arrays of its own (samplesOf's are rewritten sample by sample). */
export function decodeSamples(buffer: ArrayBuffer): RawSample[] {
  const samples: RawSample[] = [];
  for (const sample of samplesOf(buffer)) samples.push({ ...sample, frames: sample.frames.slice(), nativeChain: sample.nativeChain?.slice() });
  return samples;
}

/**
 * The samples of a drained buffer, decoded one at a time as they are asked
 * for: a drain of 40,000 samples held as objects all at once took 13 MB of
 * the profiled program's heap, enough to end a program that fits a small
 * --max-old-space-size.
 *
 * Each step rewrites the same sample object, and its `frames` and
 * `nativeChain` are views of arrays that the next step overwrites: what must
 * outlive a step is copied (decodeSamples). A drain allocated about 250 bytes
 * a sample here (the object, its boxed numbers, the arrays, the iterator's
 * results), and garbage in a drain is paid in the program's own collections:
 * on TypeScript's parser at 10 kHz, whose young objects mostly survive, each
 * extra scavenge took 15-20 ms. An array of its own per sample, for a stack
 * deeper than 8 frames, also took memory outside V8's heap, allocated and
 * released one by one (about a fifth of a drain's time there).
 */
export function samplesOf(buffer: ArrayBuffer): IterableIterator<RawSample> {
  return new SampleCursor(buffer);
}

class SampleCursor implements IterableIterator<RawSample> {
  private readonly view: DataView;
  private offset = 0;
  private readonly sample: RawSample = {
    seq: 0,
    timeNs: 0,
    cpuTimeNs: 0,
    externalCallback: 0,
    vmState: 0,
    flags: 0,
    labelSet: 0,
    frames: new Float64Array(0),
    topOfStack: 0,
    nativeChain: undefined,
  };
  private readonly result: IteratorResult<RawSample> = { value: this.sample, done: false };
  private readonly frames = new ScratchViews();
  private readonly chain = new ScratchViews();

  constructor(buffer: ArrayBuffer) {
    this.view = new DataView(buffer);
  }

  [Symbol.iterator](): IterableIterator<RawSample> {
    return this;
  }

  next(): IteratorResult<RawSample> {
    const { view, offset, sample } = this;
    if (offset + SAMPLE_HEADER_BYTES > view.byteLength) return { value: undefined, done: true };
    const frameCount = view.getUint16(offset + 36, true);
    const flags = view.getUint16(offset + 38, true);
    const hasTop = (flags & SampleFlag.topOfStack) !== 0;
    const chainLength = view.getUint32(offset + 44, true);
    const framesOffset = offset + SAMPLE_HEADER_BYTES;
    const afterFrames = framesOffset + frameCount * 8;
    sample.seq = readU64(view, offset);
    sample.timeNs = readU64(view, offset + 8);
    sample.cpuTimeNs = readU64(view, offset + 16);
    sample.externalCallback = readU64(view, offset + 24);
    sample.vmState = view.getUint32(offset + 32, true);
    sample.flags = flags;
    sample.labelSet = view.getUint32(offset + 40, true);
    sample.frames = this.frames.read(view, framesOffset, frameCount);
    sample.topOfStack = hasTop ? readU64(view, afterFrames) : 0;
    sample.nativeChain = chainLength > 0 ? this.chain.read(view, afterFrames, chainLength) : undefined;
    this.offset = afterFrames + ((hasTop ? 1 : 0) + chainLength) * 8;
    return this.result;
  }
}

/** One array of addresses, read into and handed out as a view of each length asked for (made once per length). */
class ScratchViews {
  private array = new Float64Array(256);
  private views: Float64Array[] = [];

  read(view: DataView, offset: number, count: number): Float64Array {
    if (this.array.length < count) {
      this.array = new Float64Array(2 * count);
      this.views = [];
    }
    const array = this.array;
    for (let i = 0; i < count; i++) array[i] = readU64(view, offset + i * 8);
    return (this.views[count] ??= array.subarray(0, count));
  }
}

const utf8 = new TextDecoder('utf-8');
const KIND_ADDED = 1;
const KIND_MOVED = 2;
const KIND_LINES = 3;
const KIND_LISTING = 4;

export function decodeName(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

export function decodeCodeEvents(buffer: ArrayBuffer): CodeEvent[] {
  const view = new DataView(buffer);
  const events: CodeEvent[] = [];
  let offset = 0;
  while (offset + CODE_EVENT_HEADER_BYTES <= buffer.byteLength) {
    const kind = view.getUint8(offset);
    const codeType = view.getUint8(offset + 1);
    const nameLength = view.getUint32(offset + 4, true);
    const seq = readU64(view, offset + 8);
    const start = readU64(view, offset + 16);
    const size = readU64(view, offset + 24);
    if (kind === KIND_ADDED) {
      const nameBytes = new Uint8Array(buffer, offset + CODE_EVENT_HEADER_BYTES, nameLength);
      events.push({ kind: 'added', seq, codeType, start, size, nameBytes });
    } else if (kind === KIND_MOVED) {
      events.push({ kind: 'moved', seq, codeType, start, size, newStart: readU64(view, offset + 32) });
    } else if (kind === KIND_LINES) {
      // The payload starts 8-aligned in the buffer; pairs of little-endian uint32.
      const table = new Uint32Array(buffer, offset + CODE_EVENT_HEADER_BYTES, nameLength >>> 2);
      events.push({ kind: 'lines', seq, codeType, start, table });
    } else if (kind === KIND_LISTING) {
      events.push({ kind: 'listing', seq, payload: new Uint8Array(buffer, offset + CODE_EVENT_HEADER_BYTES, nameLength) });
    }
    offset += CODE_EVENT_HEADER_BYTES + align8(nameLength);
  }
  return events;
}
