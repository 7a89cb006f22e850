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
  /** frames[0] is the interrupted pc; then the frames GetStackSample found, leaf first. */
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

export function decodeSamples(buffer: ArrayBuffer): RawSample[] {
  return [...samplesOf(buffer)];
}

/**
 * The samples of a drained buffer, decoded one at a time as they are asked
 * for: a drain of 40,000 samples held as objects all at once took 13 MB of
 * the profiled program's heap, enough to end a program that fits a small
 * --max-old-space-size.
 */
export function* samplesOf(buffer: ArrayBuffer): Generator<RawSample, void, undefined> {
  const view = new DataView(buffer);
  let offset = 0;
  while (offset + SAMPLE_HEADER_BYTES <= buffer.byteLength) {
    const frameCount = view.getUint16(offset + 36, true);
    const frames = new Float64Array(frameCount);
    const framesOffset = offset + SAMPLE_HEADER_BYTES;
    for (let i = 0; i < frameCount; i++) frames[i] = readU64(view, framesOffset + i * 8);
    const flags = view.getUint16(offset + 38, true);
    const hasTop = (flags & SampleFlag.topOfStack) !== 0;
    const chainLength = view.getUint32(offset + 44, true);
    const afterFrames = framesOffset + frameCount * 8;
    let nativeChain: Float64Array | undefined;
    if (chainLength > 0) {
      nativeChain = new Float64Array(chainLength);
      for (let i = 0; i < chainLength; i++) nativeChain[i] = readU64(view, afterFrames + i * 8);
    }
    yield {
      seq: readU64(view, offset),
      timeNs: readU64(view, offset + 8),
      cpuTimeNs: readU64(view, offset + 16),
      externalCallback: readU64(view, offset + 24),
      vmState: view.getUint32(offset + 32, true),
      flags,
      labelSet: view.getUint32(offset + 40, true),
      frames,
      topOfStack: hasTop ? readU64(view, afterFrames) : 0,
      nativeChain,
    };
    offset = afterFrames + ((hasTop ? 1 : 0) + chainLength) * 8;
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
