/**
 * Turns raw samples (addresses) into stacks of frames, replaying V8's code
 * events in sequence order so that every sample is looked up in the code map
 * as it was when the sample was taken.
 */
import { CodeMap } from './code-map';
import { parseCodeName } from './code-name';
import { CodeEvent, CodeType, RawSample, SampleFlag, VmState } from './drain';
import { FrameInfo, SpecialFrame, specialFrame } from './frame';
import { SessionBuilder } from './session';

interface CodeEntry {
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

export interface SymbolizerCounts {
  /** JavaScript frame addresses (not the pc) that matched no known code. */
  unresolvedFrames: number;
  totalFrames: number;
}

export class Symbolizer {
  readonly counts: SymbolizerCounts = { unresolvedFrames: 0, totalFrames: 0 };
  private readonly codeMap = new CodeMap<CodeEntry>();
  private readonly nativeFrames = new Map<number, number>();
  private readonly callbackFrames = new Map<number, number>();
  private readonly special: Record<keyof typeof SpecialFrame, number>;
  private previousTimeNs: number;
  private previousCpuNs: number;

  constructor(
    private readonly builder: SessionBuilder,
    private readonly resolveNative: NativeResolver,
    /** CLOCK_MONOTONIC and thread CPU time at the start of the session, ns. */
    private readonly startTimeNs: number,
    startCpuNs: number,
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
    if (event.kind === 'moved') {
      this.codeMap.move(event.start, event.newStart);
      return;
    }
    const parsed = parseCodeName(event.name, event.codeType === CodeType.wasm);
    this.codeMap.add(event.start, event.size, {
      frameId: this.builder.internFrame(parsed.frame),
      interpreterPlumbing: parsed.interpreterPlumbing,
    });
  }

  private addSample(sample: RawSample): void {
    const leafFirst = this.leafFirstFrames(sample);
    let stack = -1;
    for (let i = leafFirst.length - 1; i >= 0; i--) stack = this.builder.internStack(stack, leafFirst[i]!);
    const duration = Math.max(0, sample.timeNs - this.previousTimeNs) / 1e9;
    const cpu = Math.max(0, sample.cpuTimeNs - this.previousCpuNs) / 1e9;
    this.previousTimeNs = sample.timeNs;
    if (sample.cpuTimeNs > 0) this.previousCpuNs = sample.cpuTimeNs;
    this.builder.addSample(stack, (sample.timeNs - this.startTimeNs) / 1e9, duration, cpu);
  }

  /** Frame ids of the sample, leaf first. */
  private leafFirstFrames(sample: RawSample): number[] {
    if (sample.vmState === VmState.gc) return [this.special.gc];
    const { frames } = sample;
    const result: number[] = [];

    // frames[1..]: what GetStackSample walked, leaf first.
    const js: number[] = [];
    for (let i = 1; i < frames.length; i++) {
      this.counts.totalFrames++;
      const entry = this.codeMap.lookup(frames[i]!);
      if (entry === undefined) {
        this.counts.unresolvedFrames++;
        js.push(this.special.unresolved);
      } else {
        js.push(entry.frameId);
      }
    }

    // frames[0]: the interrupted pc, which GetStackSample leaves out.
    const pc = frames[0]!;
    const pcEntry = this.codeMap.lookup(pc);
    if (pcEntry !== undefined) {
      if (!(pcEntry.interpreterPlumbing && js.length > 0)) result.push(pcEntry.frameId);
    } else {
      result.push(this.nativeFrame(pc, false));
    }
    // Inside the C++ callback of an API function (an fs binding, ...): name it.
    if (sample.externalCallback !== 0 && js.length > 0) {
      result.push(this.nativeFrame(sample.externalCallback, true));
    }
    result.push(...js);

    if (js.length === 0 && pcEntry === undefined) {
      // No JavaScript on the stack: the loop waiting for I/O, or Node/V8 work.
      if (sample.flags & SampleFlag.idle) return [this.special.idle];
      result.push(this.special.program);
    }
    if (sample.flags & SampleFlag.truncated) result.push(this.special.truncated);
    return result;
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
