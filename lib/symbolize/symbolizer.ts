/**
 * Turns raw samples (addresses) into stacks of frames, replaying V8's code
 * events in sequence order so that every sample is looked up in the code map
 * as it was when the sample was taken.
 */
import { CodeListing } from './code-listing';
import { CodeMap } from './code-map';
import { AT_STACK_CHECK, InterruptSites } from './interrupt-site';
import { isInterpretedCodeName, isOptimizedCodeName, isTieredCodeName, parseCodeName } from './code-name';
import { CodeEvent, CodeType, decodeName, NO_SCRIPT_OFFSET, RawSample, SampleFlag, VmState } from '../drain/decode';
import { FrameInfo, SpecialFrame, specialFrame } from '../session/frame';
import { ProfileMode } from '../session/mode';
import { PositionRecorder, scriptOffsetAt } from '../inline/positions';
import type { InlineEvidence } from '../inline/recover';
import { CodeCatalog, CodeEntry, detachedCodeEntry, loggedCodeEntry } from './code-entry';
import { SessionBuilder } from '../session/session';

/** An entry whose name has been parsed (by Symbolizer.lookup). */
type ParsedCodeEntry = CodeEntry & { frame: FrameInfo };

/** Names machine code outside V8's code space. */
export interface NativeResolver {
  /** Path of the shared object holding the address; '' if none. Called for many addresses: must be cheap. */
  objectOf(address: number): string;
  /** Demangled symbol at the address; '' if none. Called for few addresses (API callbacks). */
  symbolOf(address: number): string;
  /** The native function holding an interrupted pc, where its object's symbols name one (see NativeObjects.functionOf). */
  functionOf?(address: number): { key: string; name: string } | undefined;
}

export interface SymbolizerCounts {
  /** Walked frame addresses (not the pc) that matched neither known code nor a shared object. */
  unresolvedFrames: number;
  totalFrames: number;
}

/** CPU mode: how recent the last running sample must be to take an off-CPU sample's time (addCpuSample). */
const CARRY_WITHIN_NS = 100e6;

export class Symbolizer {
  counts: SymbolizerCounts = { unresolvedFrames: 0, totalFrames: 0 };
  /** What V8 reported during this recording: authoritative. */
  readonly codeMap: CodeCatalog = new CodeMap<CodeEntry>();
  /** The script offset each sampled frame was at, in stacks parallel to the session's (see inline-positions.ts). */
  positions = new PositionRecorder();
  /**
   * Names of code V8 compiled beyond bytecode, each once (the latest last):
   * the candidates for inlined functions. A set of decoded names: over a long
   * recording V8 compiles the same functions again and again, and a list of
   * the drained bytes grew by every compilation, each keeping its whole
   * drained buffer alive (docs/benchmarks.md, section 9).
   */
  private readonly tieredNames = new Set<string>();
  /**
   * V8's listing of the code that existed when the recording started, whose
   * entries move into the code map as samples land in them.
   */
  private listing: CodeListing | undefined;
  /** Line tables wait here for the 'added' event of their code (V8 sends them just before). */
  private readonly pendingLines = new Map<number, Uint32Array>();
  /** Frame ids of interrupted pcs outside V8's code, by library (per window). */
  private readonly libraryFrames = new Map<string, number>();
  /** Frame ids of API callbacks, by address (per window), and their names (kept). */
  private readonly callbackFrames = new Map<number, number>();
  private readonly callbackInfos = new Map<number, FrameInfo>();
  /** Where interrupt samples were served (the hybrid sampler): at a check, or in which C++. */
  private readonly interruptSites = new InterruptSites(
    (address) => this.resolveNative.functionOf?.(address)?.name,
    (address) => this.lookup(address) !== undefined,
  );
  private special: Record<keyof typeof SpecialFrame, number>;
  /** Bumped by startWindow: frame ids cached in code entries are valid for one window's builder. */
  private window = 0;
  private previousTimeNs: number;
  private previousCpuNs: number;
  /** The last walk symbolized, root first, kept to start the next one from their common root part. */
  private readonly lastWalk = new WalkPrefix();

  constructor(
    private builder: SessionBuilder,
    private readonly resolveNative: NativeResolver,
    /** CLOCK_MONOTONIC and thread CPU time at the start of the session, ns. */
    private startTimeNs: number,
    startCpuNs: number,
    /** The code map an earlier recording ended with, for code V8 does not enumerate. */
    private readonly inherited?: CodeCatalog,
    /** 'cpu': a sample weighs the CPU time since the previous one, not the wall time. */
    private readonly mode: ProfileMode = 'wall',
  ) {
    this.previousTimeNs = startTimeNs;
    this.previousCpuNs = startCpuNs;
    this.special = specialFrames(builder);
  }

  /** Monotonic and thread CPU time of the last sample added (the start, before any). */
  get lastSampleTime(): { timeNs: number; cpuNs: number } {
    return { timeNs: this.previousTimeNs, cpuNs: this.previousCpuNs };
  }

  /**
   * Continues into a new, empty builder (continuous profiling: one session
   * per window) without losing anything the sampler carries: the code map,
   * which only V8's events since the start describe, stays. The window starts
   * at the last sample added, so the next sample's duration counts from it as
   * in one long recording, and no time falls between two windows. Constant
   * time: frame ids cached in code entries are re-interned lazily.
   */
  startWindow(builder: SessionBuilder): void {
    this.builder = builder;
    this.lastRunningSample = -1;
    this.window++;
    this.startTimeNs = this.previousTimeNs;
    this.counts = { unresolvedFrames: 0, totalFrames: 0 };
    this.special = specialFrames(builder);
    this.libraryFrames.clear();
    this.callbackFrames.clear();
    this.lastWalk.forget(0);
    // Position stacks name this window's frame ids, and only its samples.
    this.positions = new PositionRecorder();
  }

  /** Adds one drained batch. Samples and events each come in sequence order. */
  process(samples: Iterable<RawSample>, events: readonly CodeEvent[]): void {
    let next = 0;
    for (const sample of samples) {
      while (next < events.length && events[next]!.seq < sample.seq) this.apply(events[next++]!);
      this.addSample(sample);
    }
    while (next < events.length) this.apply(events[next++]!);
  }

  /**
   * The recording's first listing is kept as it is. A later one (V8 lists
   * all code again when another listener joins) is newer than everything
   * applied so far, so it is added to the code map, as its events would have been.
   */
  private useListing(listing: CodeListing): void {
    if (this.listing === undefined && this.codeMap.size === 0) {
      this.listing = listing;
      return;
    }
    for (const { start, end, entry } of listing.remaining()) {
      this.listing?.evict(start, end);
      this.codeMap.add(start, end - start, entry);
      this.noteTiered(entry.nameBytes);
    }
  }

  private apply(event: CodeEvent): void {
    // What an address of the last walk stands for changes only where code appears, moves or goes.
    if (event.kind === 'listing') {
      this.lastWalk.forget(0);
      this.useListing(new CodeListing(event.payload));
      return;
    }
    if (event.kind === 'moved') {
      this.adoptListed(event.start);
      this.adoptInherited(event.start);
      const size = this.codeMap.move(event.start, event.newStart);
      const span = Math.max(size, event.size, 1);
      this.lastWalk.forgetIn(event.start, event.start + span);
      this.lastWalk.forgetIn(event.newStart, event.newStart + span);
      if (size > 0) this.listing?.evict(event.newStart, event.newStart + size);
      return;
    }
    if (event.kind === 'lines') {
      this.pendingLines.set(event.start, event.table);
      return;
    }
    // No view of the name kept per entry: most code is never sampled (lib/symbolize/code-entry.ts).
    const entry = loggedCodeEntry(event.nameBytes, event.codeType === CodeType.wasm);
    this.noteTiered(event.nameBytes);
    const lines = this.pendingLines.get(event.start);
    if (lines !== undefined) {
      entry.lines = lines;
      entry.isBytecode = event.codeType === CodeType.bytecode;
      this.pendingLines.delete(event.start);
    }
    this.lastWalk.forgetIn(event.start, event.start + Math.max(event.size, 1));
    this.listing?.evict(event.start, event.start + Math.max(event.size, 1));
    this.codeMap.add(event.start, event.size, entry);
  }

  private noteTiered(nameBytes: Uint8Array): void {
    if (!isTieredCodeName(nameBytes)) return;
    const name = decodeName(nameBytes);
    // Moved to the end: the resolver keeps the last name given for a location.
    this.tieredNames.delete(name);
    this.tieredNames.add(name);
  }

  /** The code at an address, its name parsed. */
  private lookup(address: number): ParsedCodeEntry | undefined {
    const entry = this.codeMap.lookup(address) ?? this.adoptListed(address) ?? this.adoptInherited(address);
    if (entry !== undefined && entry.frame === undefined) {
      const parsed = parseCodeName(decodeName(entry.nameBytes), entry.isWasm);
      entry.frame = parsed.frame;
      entry.interpreterPlumbing = parsed.interpreterPlumbing;
    }
    return entry as ParsedCodeEntry | undefined;
  }

  /**
   * The entry's frame id in this window's tables, interned when a stack first
   * uses it: code that is looked up and then left out (a bytecode handler under
   * its interpreted function, a top-of-stack word that is no caller) adds no
   * frame to the window.
   */
  private frameIdOf(entry: ParsedCodeEntry): number {
    if (entry.frameId === -1 || entry.window !== this.window) {
      entry.frameId = this.builder.internFrame(entry.frame);
      entry.window = this.window;
    }
    return entry.frameId;
  }

  /** Moves the listed range holding `address` into the code map (where moves apply to it from now on). */
  private adoptListed(address: number): CodeEntry | undefined {
    const range = this.listing?.take(address);
    if (range === undefined) return undefined;
    this.codeMap.add(range.start, range.end - range.start, range.entry);
    return range.entry;
  }

  /**
   * Copies the inherited range holding `address` into this recording's map
   * (so that moves apply to it from now on), if the fresh map has nothing there.
   */
  private adoptInherited(address: number): CodeEntry | undefined {
    if (this.inherited === undefined || this.codeMap.lookup(address) !== undefined) return undefined;
    const range = this.inherited.rangeAt(address);
    if (range === undefined) return undefined;
    const { nameBytes, isWasm, lines, isBytecode } = range.value;
    this.noteTiered(nameBytes);
    const entry: CodeEntry = { nameBytes, isWasm, frameId: -1, interpreterPlumbing: false };
    if (lines) {
      entry.lines = lines;
      entry.isBytecode = isBytecode;
    }
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
    const keep = which === 'all' ? () => true : (entry: CodeEntry) => isOptimizedCodeName(entry.nameBytes);
    let older = this.inherited ?? new CodeMap<CodeEntry>();
    if (this.listing !== undefined) {
      // What is left of the listing is newer than anything inherited, and older than the code map.
      const listed = new CodeMap<CodeEntry>();
      for (const { start, end, entry } of this.listing.remaining()) listed.add(start, end - start, entry);
      older = CodeMap.merge(listed, older, keep, (entry) => entry);
    }
    return CodeMap.merge(this.codeMap, older, keep, detachedCodeEntry);
  }

  /**
   * What inlined-frame recovery (lib/inline/recover.ts) needs of this window:
   * the positions recorded with the samples, and the functions that had
   * optimized code, from the listing, the events and inherited code.
   */
  inlineEvidence(): InlineEvidence {
    const { listing, tieredNames, inherited } = this;
    return {
      positions: this.positions,
      *tieredFunctions() {
        // The listing's names first: every later name for the same function is newer.
        for (const nameBytes of listing?.names() ?? []) {
          if (isTieredCodeName(nameBytes)) yield parseCodeName(decodeName(nameBytes)).frame;
        }
        for (const name of tieredNames) yield parseCodeName(name).frame;
        // Code from before this recording (a code watcher's, which this recording did not list again).
        for (const entry of inherited?.entries() ?? []) {
          if (isTieredCodeName(entry.nameBytes)) yield parseCodeName(decodeName(entry.nameBytes)).frame;
        }
      },
    };
  }

  private addSample(sample: RawSample): void {
    const stack = this.stackOf(sample);
    const duration = Math.max(0, sample.timeNs - this.previousTimeNs) / 1e9;
    const cpu = Math.max(0, sample.cpuTimeNs - this.previousCpuNs) / 1e9;
    this.previousTimeNs = sample.timeNs;
    if (sample.cpuTimeNs > 0) this.previousCpuNs = sample.cpuTimeNs;
    if (this.mode === 'cpu') {
      // The sampling thread's signal (no cpuTimer flag) may have come after
      // the thread blocked, or went back to its event loop: a burst shorter
      // than the interval used the time, not the wait. The kernel's timer
      // signals only while the thread runs.
      const offCpu = (sample.flags & SampleFlag.cpuTimer) === 0 && ((sample.flags & SampleFlag.blocked) !== 0 || this.stackWasIdle);
      this.addCpuSample(stack, sample.timeNs, cpu, offCpu, sample.labelSet);
      this.positions.addSample(this.positionStack);
      return;
    }
    this.builder.addSample(stack, (sample.timeNs - this.startTimeNs) / 1e9, duration, cpu, sample.labelSet);
    this.positions.addSample(this.positionStack);
  }

  /**
   * CPU mode: a sample weighs the CPU time since the previous one. A sample
   * that found the thread off the CPU (blocked in a system call, or waiting in
   * its event loop when the signal came late) used none of it there: the time
   * goes to the last sample that found code running, the code that ran most
   * recently before the thread stopped.
   */
  private addCpuSample(stack: number, timeNs: number, cpu: number, offCpu: boolean, labelSet: number): void {
    const time = (timeNs - this.startTimeNs) / 1e9;
    const running = this.lastRunningSample;
    // A running sample long before is no better a guess than where this one landed.
    if (offCpu && running >= 0 && running < this.builder.sampleCount && timeNs - this.lastRunningNs <= CARRY_WITHIN_NS) {
      this.builder.addToSample(running, cpu, cpu);
      this.builder.addSample(stack, time, 0, 0, labelSet);
      return;
    }
    if (!offCpu) {
      this.lastRunningSample = this.builder.sampleCount;
      this.lastRunningNs = timeNs;
    }
    this.builder.addSample(stack, time, cpu, cpu, labelSet);
  }

  /** CPU mode: the index in this window's samples of the last one that found code running (-1: none yet), and its time. */
  private lastRunningSample = -1;
  private lastRunningNs = 0;
  /** Whether stackOf last gave the idle stack (the loop waiting, no JavaScript). */
  private stackWasIdle = false;

  /** Position stack of the sample last built by stackOf (parallel to its stack). */
  private positionStack = -1;

  /** The sample's stack id: root first, the walked frames, the API callback, the pc. */
  private stackOf(sample: RawSample): number {
    const builder = this.builder;
    const positions = this.positions;
    this.stackWasIdle = false;
    if (sample.vmState === VmState.gc) {
      this.positionStack = positions.extend(-1, 0);
      return builder.internStack(-1, this.special.gc);
    }
    const { frames } = sample;
    const walkedStack = this.walkedStack(frames, (sample.flags & SampleFlag.truncated) !== 0);
    const walkedPositionStack = this.positionStack;
    const hasWalked = frames.length > 1;

    // frames[0]: the interrupted pc, which GetStackSample leaves out. An
    // interrupt sample has none: served at a stack-guard check, the walk's
    // first frame is the leaf; served inside C++, that C++ is the pc.
    let pc = frames[0]!;
    if ((sample.flags & SampleFlag.interrupt) !== 0) {
      pc = this.interruptSites.servedAt(sample.nativeChain);
      if (pc === AT_STACK_CHECK && hasWalked) {
        return walkedStack;
      }
    }
    const pcEntry = this.lookup(pc);
    if (!hasWalked && pcEntry === undefined) {
      // No JavaScript on the stack: the loop waiting for I/O, or Node/V8 work.
      if (sample.flags & SampleFlag.idle) {
        this.stackWasIdle = true;
        this.positionStack = positions.extend(-1, 0);
        return builder.internStack(-1, this.special.idle);
      }
      this.positionStack = positions.extend(positions.extend(-1, 0), 0);
      return builder.internStack(builder.internStack(-1, this.special.program), this.nativeFrame(pc, false));
    }
    let stack = walkedStack;
    let positionStack = walkedPositionStack;
    const skipped = this.callerSkippedAt(sample, pcEntry);
    if (skipped !== undefined) {
      stack = builder.internStack(stack, this.frameIdOf(skipped));
      positionStack = positions.extend(positionStack, this.positionTag(skipped, sample.topOfStack, false));
    }
    // Inside the C++ callback of an API function (an fs binding, ...): name it.
    if (sample.externalCallback !== 0 && hasWalked) {
      stack = builder.internStack(stack, this.nativeFrame(sample.externalCallback, true));
      positionStack = positions.extend(positionStack, 0);
    }
    if (pcEntry === undefined) {
      this.positionStack = positions.extend(positionStack, 0);
      // Outside every shared object, with JavaScript below it: V8 code that
      // no event described (a hot loop's OSR code compiled before the first
      // recording), not native code.
      const leaf = this.resolveNative.objectOf(pc) === '' ? this.special.unresolved : this.nativeFrame(pc, false);
      return builder.internStack(stack, leaf);
    }
    // In a bytecode handler, the interpreted function (the walked leaf) is what runs.
    if (pcEntry.interpreterPlumbing && hasWalked) {
      this.positionStack = positionStack;
      return stack;
    }
    this.positionStack = positions.extend(positionStack, this.positionTag(pcEntry, pc, true));
    return builder.internStack(stack, this.frameIdOf(pcEntry));
  }

  /**
   * The position tag of a frame in code with a line position table: which
   * script offset the address is at. `exact` for the interrupted pc; walked
   * addresses of compiled code are return addresses, which belong to the
   * call just before them (as V8's profiler reads them). An interpreted
   * frame's address is its current bytecode's.
   */
  /**
   * The caller V8's stack walk skipped, if any. A builtin that runs without
   * a frame of its own (V8 13's ArrayIndexOfSmi) leaves the frame pointer at
   * its caller's frame, so the walk starts at the caller's caller; the
   * caller's return address is then the word on top of the stack. Taken only
   * when the pc is in such a builtin (V8's embedded code, not regular
   * expression code), that word is in the compiled code of a JS function (a
   * return address there, not data), and it is not the walk's first frame
   * already. Not for a pc in C/C++ code: there V8 walks from its exit frame,
   * and the top word (a C local) added frames V8's CpuProfiler does not show
   * (measured on marked: self overlap with V8 0.83-0.84 with it, 0.88 without).
   */
  private callerSkippedAt(sample: RawSample, pcEntry: ParsedCodeEntry | undefined): ParsedCodeEntry | undefined {
    const top = sample.topOfStack;
    const { frames } = sample;
    if (!top || sample.externalCallback !== 0 || frames.length < 2 || top === frames[1]) return undefined;
    if (pcEntry === undefined || pcEntry.frame.kind !== 'builtin' || pcEntry.frame.name.startsWith('RegExp:')) return undefined;
    const entry = this.lookup(top);
    if (entry === undefined || !isTieredCodeName(entry.nameBytes)) return undefined;
    return entry;
  }

  private positionTag(entry: ParsedCodeEntry, address: number, exact: boolean): number {
    if (entry.lines === undefined) return 0;
    const start = this.codeMap.startAt(address);
    if (start === -1) return 0;
    const offset = address - start;
    const position = scriptOffsetAt(entry.lines, offset, exact || entry.isBytecode === true);
    if (position === NO_SCRIPT_OFFSET) return 0;
    return this.positions.tagFor(this.frameIdOf(entry), position, entry.isBytecode === true);
  }

  /**
   * The stack id of frames[1..], what GetStackSample walked (leaf first); its
   * position stack is left in this.positionStack (no object per sample).
   * Consecutive samples in a loop usually walk the very same frames, so the
   * last result is reused while the addresses match and no code event came
   * in between.
   */
  private walkedStack(frames: Float64Array, truncated: boolean): number {
    // Consecutive samples share most of a deep stack from its root (73% of TypeScript's frames):
    // those frames' stacks, position stacks and counts are the last walk's, so only the rest is symbolized.
    const walk = this.lastWalk;
    const count = frames.length - 1; // frames[0] is the pc
    const depth = walk.commonDepth(frames, truncated);
    let stack = depth > 0 ? walk.stacks[depth - 1]! : truncated ? this.builder.internStack(-1, this.special.truncated) : -1;
    let positionStack = depth > 0 ? walk.positionStacks[depth - 1]! : truncated ? this.positions.extend(-1, 0) : -1;
    let unresolved = depth > 0 ? walk.unresolved[depth - 1]! : 0;
    walk.begin(frames, truncated, depth);
    for (let j = depth; j < count; j++) {
      let address = frames[count - j]!;
      let entry = this.lookup(address);
      if (entry === undefined) {
        const atEntry = this.atFunctionEntry(address);
        if (atEntry !== undefined) [address, entry] = [address + 1, atEntry];
      }
      const frameId = entry !== undefined ? this.frameIdOf(entry) : this.walkedFrame(address);
      if (frameId === this.special.unresolved) unresolved++;
      stack = this.builder.internStack(stack, frameId);
      positionStack = this.positions.extend(positionStack, entry !== undefined ? this.positionTag(entry, address, false) : 0);
      walk.set(j, stack, positionStack, unresolved);
    }
    this.counts.totalFrames += count;
    this.counts.unresolvedFrames += unresolved;
    this.positionStack = positionStack;
    return stack;
  }


  /**
   * An interpreted frame stopped at its function-entry stack check (where
   * V8 serves interrupts, so nearly every interrupt sample of a function just
   * called) has the bytecode offset -1: its address is one byte before the
   * first bytecode, outside the bytecode's range. Its function, if so.
   */
  private atFunctionEntry(address: number): ParsedCodeEntry | undefined {
    const entry = this.lookup(address + 1);
    return entry !== undefined && isInterpretedCodeName(entry.nameBytes) && this.codeMap.startAt(address + 1) === address + 1 ? entry : undefined;
  }

  /**
   * One walked address outside known code. Besides JavaScript, the walk reports the C++ callback
   * where JavaScript was re-entered from C++ (vm.runInThisContext:
   * node::contextify::ContextifyScript::RunInContext).
   */
  private walkedFrame(address: number): number {
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
    if (!withSymbol) {
      // Named by the function its object's symbol table puts there, else by
      // the library; keyed by either, not by the (ever-varying) pc, so the
      // cache stays as small as the set of native functions sampled.
      const object = this.resolveNative.objectOf(address);
      const fn = this.resolveNative.functionOf?.(address);
      const key = fn?.key ?? object;
      let id = this.libraryFrames.get(key);
      if (id === undefined) {
        id = this.builder.internFrame(nativeFrameInfo(object, fn?.name ?? ''));
        this.libraryFrames.set(key, id);
      }
      return id;
    }
    let id = this.callbackFrames.get(address);
    if (id === undefined) {
      // What an address is named stays valid across windows (dladdr is slow); its id is per window.
      let info = this.callbackInfos.get(address);
      if (info === undefined) {
        info = nativeFrameInfo(this.resolveNative.objectOf(address), this.resolveNative.symbolOf(address));
        if (this.callbackInfos.size > 1 << 16) this.callbackInfos.clear();
        this.callbackInfos.set(address, info);
      }
      id = this.builder.internFrame(info);
      if (this.callbackFrames.size > 1 << 16) this.callbackFrames.clear();
      this.callbackFrames.set(address, id);
    }
    return id;
  }
}

function specialFrames(builder: SessionBuilder): Record<keyof typeof SpecialFrame, number> {
  const intern = (name: string): number => builder.internFrame(specialFrame(name));
  return {
    gc: intern(SpecialFrame.gc),
    idle: intern(SpecialFrame.idle),
    program: intern(SpecialFrame.program),
    truncated: intern(SpecialFrame.truncated),
    unresolved: intern(SpecialFrame.unresolved),
  };
}

function nativeFrameInfo(object: string, symbol: string): FrameInfo {
  // V8's embedded builtins live in the node executable's text, named
  // Builtins_<name> in its symbol table: the same builtins code events name.
  if (symbol.startsWith('Builtins_')) return { name: symbol.slice('Builtins_'.length), file: '', line: 0, column: 0, kind: 'builtin' };
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
/**
 * The last walk's frames with, for each depth from the root, the stack, the
 * position stack and the count of unresolved frames up to it. What a frame
 * resolves to depends on the frames below it and on its address, so a walk
 * that starts with the same addresses has the same values up to where they
 * part, as long as no code event touched those addresses (forgetIn).
 */
class WalkPrefix {
  stacks: Int32Array = new Int32Array(64);
  positionStacks: Int32Array = new Int32Array(64);
  unresolved: Int32Array = new Int32Array(64);
  /** The last walk's frames (pc first), copied: a drained sample's array is the next one's (samplesOf). */
  private frames = new Float64Array(64);
  /** How many of `frames` are the last walk's; 0 before any. */
  private length = 0;
  private truncated = false;
  /** Depths below this one hold valid values. */
  private valid = 0;

  /** How many frames from the root `frames` shares with the last walk (frames[0], the pc, is not walked). */
  commonDepth(frames: Float64Array, truncated: boolean): number {
    const last = this.frames;
    if (this.length === 0 || truncated !== this.truncated) return 0;
    const lastCount = this.length - 1;
    const count = frames.length - 1;
    const limit = Math.min(this.valid, lastCount, count);
    let depth = 0;
    while (depth < limit && last[lastCount - depth] === frames[count - depth]) depth++;
    return depth;
  }

  /** Starts recording a walk that keeps the last one's values below `depth`. */
  begin(frames: Float64Array, truncated: boolean, depth: number): void {
    if (this.frames.length < frames.length) this.frames = new Float64Array(frames.length * 2);
    this.frames.set(frames);
    this.length = frames.length;
    this.truncated = truncated;
    this.valid = depth;
    if (this.stacks.length < frames.length) {
      const grow = (from: Int32Array): Int32Array => {
        const to = new Int32Array(frames.length * 2);
        to.set(from);
        return to;
      };
      this.stacks = grow(this.stacks);
      this.positionStacks = grow(this.positionStacks);
      this.unresolved = grow(this.unresolved);
    }
  }

  set(depth: number, stack: number, positionStack: number, unresolved: number): void {
    this.stacks[depth] = stack;
    this.positionStacks[depth] = positionStack;
    this.unresolved[depth] = unresolved;
    this.valid = depth + 1;
  }

  /** Keeps only the values below `depth`. */
  forget(depth: number): void {
    this.valid = Math.min(this.valid, depth);
  }

  /** Forgets from the first frame whose address (or the next byte: a function's entry) lies in [start, end). */
  forgetIn(start: number, end: number): void {
    const frames = this.frames;
    const count = this.length - 1;
    for (let depth = 0; depth < this.valid; depth++) {
      const address = frames[count - depth]!;
      if (address + 1 >= start && address < end) {
        this.valid = depth;
        return;
      }
    }
  }
}
