/**
 * Turns raw samples (addresses) into stacks of frames, replaying V8's code
 * events in sequence order so that every sample is looked up in the code map
 * as it was when the sample was taken.
 */
import { CodeMap } from './code-map';
import { isOptimizedCodeName, parseCodeName } from './code-name';
import { CodeEvent, CodeType, decodeName, RawSample, SampleFlag, VmState } from './drain';
import { FrameInfo, SpecialFrame, specialFrame } from './frame';
import { SessionBuilder } from './session';

/**
 * A code object in the map. Its name is parsed when a sample first lands in
 * it: most code V8 reports (thousands of builtins and functions at start) is
 * never sampled.
 */
export interface CodeEntry {
  /** The UTF-8 name as V8 gave it, decoded when first needed. */
  nameBytes: Uint8Array;
  isWasm: boolean;
  /** -1 until parsed. */
  frameId: number;
  interpreterPlumbing: boolean;
}

/** Names machine code outside V8's code space. */
export interface NativeResolver {
  /** Path of the shared object holding the address; '' if none. Called for many addresses: must be cheap. */
  objectOf(address: number): string;
  /** Demangled symbol at the address; '' if none. Called for few addresses (API callbacks). */
  symbolOf(address: number): string;
}

/**
 * V8 reports existing code when a recording starts, but not code it keeps in
 * a function's OSR cache (the code of a hot loop). A recording therefore
 * inherits the optimized code that earlier recordings in this process saw,
 * and looks there for addresses the fresh map does not know.
 */
export type CodeCatalog = CodeMap<CodeEntry>;

export interface SymbolizerCounts {
  /** Walked frame addresses (not the pc) that matched neither known code nor a shared object. */
  unresolvedFrames: number;
  totalFrames: number;
}

export class Symbolizer {
  readonly counts: SymbolizerCounts = { unresolvedFrames: 0, totalFrames: 0 };
  /** What V8 reported during this recording: authoritative. */
  readonly codeMap: CodeCatalog = new CodeMap<CodeEntry>();
  private readonly nativeFrames = new Map<number, number>();
  private readonly callbackFrames = new Map<number, number>();
  private readonly special: Record<keyof typeof SpecialFrame, number>;
  private previousTimeNs: number;
  private previousCpuNs: number;
  /** Bumped by every code event applied: cached walks are only valid within one epoch. */
  private codeEpoch = 0;
  private lastWalk: { frames: Float64Array; truncated: boolean; epoch: number; stack: number; unresolved: number } | undefined;

  constructor(
    private readonly builder: SessionBuilder,
    private readonly resolveNative: NativeResolver,
    /** CLOCK_MONOTONIC and thread CPU time at the start of the session, ns. */
    private readonly startTimeNs: number,
    startCpuNs: number,
    /** The code map an earlier recording ended with, for code V8 does not enumerate. */
    private readonly inherited?: CodeCatalog,
  ) {
    this.previousTimeNs = startTimeNs;
    this.previousCpuNs = startCpuNs;
    const intern = (name: string): number => builder.internFrame(specialFrame(name));
    this.special = {
      gc: intern(SpecialFrame.gc),
      idle: intern(SpecialFrame.idle),
      program: intern(SpecialFrame.program),
      truncated: intern(SpecialFrame.truncated),
      unresolved: intern(SpecialFrame.unresolved),
    };
  }

  /** Adds one drained batch. Samples and events each come in sequence order. */
  process(samples: readonly RawSample[], events: readonly CodeEvent[]): void {
    let next = 0;
    for (const sample of samples) {
      while (next < events.length && events[next]!.seq < sample.seq) this.apply(events[next++]!);
      this.addSample(sample);
    }
    while (next < events.length) this.apply(events[next++]!);
  }

  private apply(event: CodeEvent): void {
    this.codeEpoch++;
    if (event.kind === 'moved') {
      this.adoptInherited(event.start);
      this.codeMap.move(event.start, event.newStart);
      return;
    }
    this.codeMap.add(event.start, event.size, {
      nameBytes: event.nameBytes,
      isWasm: event.codeType === CodeType.wasm,
      frameId: -1,
      interpreterPlumbing: false,
    });
  }

  /** The code at an address, its name parsed. */
  private lookup(address: number): CodeEntry | undefined {
    const entry = this.codeMap.lookup(address) ?? this.adoptInherited(address);
    if (entry !== undefined && entry.frameId === -1) {
      const parsed = parseCodeName(decodeName(entry.nameBytes), entry.isWasm);
      entry.frameId = this.builder.internFrame(parsed.frame);
      entry.interpreterPlumbing = parsed.interpreterPlumbing;
    }
    return entry;
  }

  /**
   * Copies the inherited range holding `address` into this recording's map
   * (so that moves apply to it from now on), if the fresh map has nothing there.
   */
  private adoptInherited(address: number): CodeEntry | undefined {
    if (this.inherited === undefined || this.codeMap.lookup(address) !== undefined) return undefined;
    const range = this.inherited.rangeAt(address);
    if (range === undefined) return undefined;
    const { nameBytes, isWasm } = range.value;
    const entry: CodeEntry = { nameBytes, isWasm, frameId: -1, interpreterPlumbing: false };
    this.codeMap.add(range.start, range.end - range.start, entry);
    return entry;
  }

  /**
   * What the next recording inherits: the optimized code of this recording
   * and of earlier ones that nothing newer overlaps (only optimized code can
   * be missing from a fresh listing), or all of it for a code watcher, whose
   * recordings get no fresh listing. Names are copied: the drained buffers
   * they point into must not outlive this recording.
   */
  catalog(which: 'optimized' | 'all' = 'optimized'): CodeCatalog {
    return CodeMap.merge(
      this.codeMap,
      this.inherited ?? new CodeMap<CodeEntry>(),
      which === 'all' ? () => true : (entry) => isOptimizedCodeName(entry.nameBytes),
      (entry) => ({ nameBytes: entry.nameBytes.slice(), isWasm: entry.isWasm, frameId: -1, interpreterPlumbing: false }),
    );
  }

  private addSample(sample: RawSample): void {
    const stack = this.stackOf(sample);
    const duration = Math.max(0, sample.timeNs - this.previousTimeNs) / 1e9;
    const cpu = Math.max(0, sample.cpuTimeNs - this.previousCpuNs) / 1e9;
    this.previousTimeNs = sample.timeNs;
    if (sample.cpuTimeNs > 0) this.previousCpuNs = sample.cpuTimeNs;
    this.builder.addSample(stack, (sample.timeNs - this.startTimeNs) / 1e9, duration, cpu, sample.labelSet);
  }

  /** The sample's stack id: root first, the walked frames, the API callback, the pc. */
  private stackOf(sample: RawSample): number {
    const builder = this.builder;
    if (sample.vmState === VmState.gc) return builder.internStack(-1, this.special.gc);
    const { frames } = sample;
    const walked = this.walkedStack(frames, (sample.flags & SampleFlag.truncated) !== 0);
    const hasWalked = frames.length > 1;

    // frames[0]: the interrupted pc, which GetStackSample leaves out.
    const pc = frames[0]!;
    const pcEntry = this.lookup(pc);
    if (!hasWalked && pcEntry === undefined) {
      // No JavaScript on the stack: the loop waiting for I/O, or Node/V8 work.
      if (sample.flags & SampleFlag.idle) return builder.internStack(-1, this.special.idle);
      return builder.internStack(builder.internStack(-1, this.special.program), this.nativeFrame(pc, false));
    }
    let stack = walked;
    // Inside the C++ callback of an API function (an fs binding, ...): name it.
    if (sample.externalCallback !== 0 && hasWalked) stack = builder.internStack(stack, this.nativeFrame(sample.externalCallback, true));
    if (pcEntry === undefined) return builder.internStack(stack, this.nativeFrame(pc, false));
    // In a bytecode handler, the interpreted function (the walked leaf) is what runs.
    if (pcEntry.interpreterPlumbing && hasWalked) return stack;
    return builder.internStack(stack, pcEntry.frameId);
  }

  /**
   * The stack id of frames[1..], what GetStackSample walked (leaf first).
   * Consecutive samples in a loop usually walk the very same frames, so the
   * last result is reused while the addresses match and no code event came
   * in between.
   */
  private walkedStack(frames: Float64Array, truncated: boolean): number {
    const last = this.lastWalk;
    if (last !== undefined && last.epoch === this.codeEpoch && last.truncated === truncated && sameWalk(last.frames, frames)) {
      this.counts.totalFrames += frames.length - 1;
      this.counts.unresolvedFrames += last.unresolved;
      return last.stack;
    }
    let stack = truncated ? this.builder.internStack(-1, this.special.truncated) : -1;
    let unresolved = 0;
    for (let i = frames.length - 1; i >= 1; i--) {
      const frameId = this.walkedFrame(frames[i]!);
      if (frameId === this.special.unresolved) unresolved++;
      stack = this.builder.internStack(stack, frameId);
    }
    this.counts.totalFrames += frames.length - 1;
    this.counts.unresolvedFrames += unresolved;
    this.lastWalk = { frames, truncated, epoch: this.codeEpoch, stack, unresolved };
    return stack;
  }

  /**
   * One walked address. Besides JavaScript, the walk reports the C++ callback
   * where JavaScript was re-entered from C++ (vm.runInThisContext:
   * node::contextify::ContextifyScript::RunInContext).
   */
  private walkedFrame(address: number): number {
    const entry = this.lookup(address);
    if (entry !== undefined) return entry.frameId;
    if (this.resolveNative.objectOf(address) !== '') return this.nativeFrame(address, true);
    return this.special.unresolved;
  }

  /**
   * A frame for machine code outside V8's code space. Interrupted pcs are
   * named after their library only (one `[native] libc.so.6` frame, not one per
   * C++ function); API callbacks keep their symbol, which says what Node was
   * asked to do (`node::fs::ReadFileUtf8`).
   */
  private nativeFrame(address: number, withSymbol: boolean): number {
    const cache = withSymbol ? this.callbackFrames : this.nativeFrames;
    let id = cache.get(address);
    if (id === undefined) {
      const object = this.resolveNative.objectOf(address);
      const symbol = withSymbol ? this.resolveNative.symbolOf(address) : '';
      id = this.builder.internFrame(nativeFrameInfo(object, symbol));
      if (cache.size > 1 << 16) cache.clear();
      cache.set(address, id);
    }
    return id;
  }
}

function nativeFrameInfo(object: string, symbol: string): FrameInfo {
  const library = object.slice(object.lastIndexOf('/') + 1) || 'unknown';
  const name = symbol ? shortenSymbol(symbol) : `[native] ${library}`;
  return { name, file: object, line: 0, column: 0, kind: 'native' };
}

/** `node::fs::Read(v8::FunctionCallbackInfo<v8::Value> const&)` -> `node::fs::Read`. */
function shortenSymbol(symbol: string): string {
  const paren = symbol.indexOf('(');
  return paren > 0 ? symbol.slice(0, paren) : symbol;
}

/** Whether two samples walked the same addresses (frames[1..]; frames[0] is the pc). */
function sameWalk(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 1; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
