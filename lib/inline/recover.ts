/**
 * After a recording: recovers inlined frames and executing lines from the
 * script positions the symbolizer recorded with each sampled frame
 * (./positions.ts). Reads and parses the sampled scripts' sources, so it runs
 * after sampling, never in a drain: all at once at stop(), or, for a live
 * service, mostly beforehand in slices between which the event loop runs
 * (InlineRecovery.prepare), so that stopping only looks the answers up.
 */
import type { FrameInfo } from '../session/frame';
import type { Session } from '../session/session';
import { expandPositions } from './expand';
import type { PositionRecorder } from './positions';
import { readScriptSource, SourceReader } from './sources';
import { ExpandedFrame, InlineResolver } from './stack';
import { mergeFunctionTables, takeV8FunctionTables, type V8FunctionTables } from './v8-functions';

/** What a recording gathered for the recovery: the positions, and which functions had optimized code. */
export interface InlineEvidence {
  positions: PositionRecorder;
  /** The functions that had optimized (tiered) code during the window, older code first. */
  tieredFunctions(): Iterable<FrameInfo>;
  /** V8's function tables taken during the window, when they were (ThreadRecording.keepFunctionTables). */
  keptFunctionTables?(): KeptFunctionTables | undefined;
}

export interface KeptFunctionTables {
  tables: V8FunctionTables;
  /**
   * No later take is worth its cost (75 ms for TypeScript's 9 MB script): they were taken
   * after sampling stopped, or the program ran for less than a drain interval after them
   * (a synchronous program's end: the drain that took them, then the last). A function
   * a later take would add is parsed instead: the answers are the same.
   */
  current: boolean;
}

export type InlineCounts = InlineResolver['counts'];

/**
 * recover() takes V8's function tables (v8-functions.ts) when at least this
 * many positions are left to resolve: one call of about 35 ms against a
 * parse per sampled function. Fewer are left after a prepared window (a live
 * service), where a pause that grows with the heap is not worth it.
 */
const V8_TABLES_FROM_TAGS = 64;

/** Work done per slice before prepare() lets the event loop run (ms). */
const DEFAULT_SLICE_MS = 4;

/** One window's recovery: positions resolved ahead of time (prepare), then applied to the session (recover). */
export class InlineRecovery {
  private readonly resolver: InlineResolver;
  /** Expansions by position tag id, resolved ahead of recover(). */
  private readonly expansions = new Map<number, ExpandedFrame[]>();
  private cancelled = false;
  /** Tag ids below this one are resolved (tag 0 is "no position"). */
  private prepared = 1;

  constructor(
    private readonly evidence: InlineEvidence,
    readSource: SourceReader = readScriptSource,
  ) {
    this.resolver = new InlineResolver(readSource);
  }

  /**
   * Resolves the positions recorded since the last call, `sliceMs` of work at
   * a time with the event loop running in between; returns how many it
   * resolved. Recording goes on meanwhile; the positions it adds are left
   * for the next call or for recover(). A failure is left for recover() to
   * meet and report. `guard` runs each piece of work (the recorder marks it
   * as the profiler's, so that a terminating signal waits for it).
   */
  async prepare(frames: readonly FrameInfo[], guard: <T>(work: () => T) => T = (work) => work(), sliceMs = DEFAULT_SLICE_MS): Promise<number> {
    const { positions } = this.evidence;
    const known = positions.tags.length;
    const first = this.prepared;
    if (known <= first) return 0;
    try {
      // Once per window here (it decodes every tiered code name); recover() takes the newest again.
      if (first === 1) for (const frame of this.evidence.tieredFunctions()) this.resolver.addTieredFunction(frame);
      let sliceEnd = performance.now() + sliceMs;
      for (; this.prepared < known && !this.cancelled; this.prepared++) {
        const tag = positions.tags[this.prepared]!;
        const frame = frames[tag.frameId];
        if (frame !== undefined) this.expansions.set(this.prepared, guard(() => this.resolver.expand(frame, tag.position, tag.interpreted)));
        if (performance.now() >= sliceEnd) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          sliceEnd = performance.now() + sliceMs;
        }
      }
    } catch {
      this.expansions.clear();
      this.cancel();
    }
    return this.prepared - first;
  }

  /** Stops a prepare() in progress (its window ended some other way). */
  cancel(): void {
    this.cancelled = true;
  }

  /**
   * The session with inlined frames recovered and executing lines added. A
   * failure leaves the session whole, with a note saying why they are missing.
   */
  recover(session: Session, { final = true } = {}): { session: Session; counts?: InlineCounts } {
    // Not final (a copy of a window that goes on): what is resolved here stays for later calls.
    if (final) this.cancel();
    const { positions } = this.evidence;
    if (!positions.hasPositions) return { session };
    try {
      // Again: functions may have tiered up since prepare() (adding one twice is harmless).
      for (const frame of this.evidence.tieredFunctions()) this.resolver.addTieredFunction(frame);
      const kept = this.evidence.keptFunctionTables?.();
      const takeOwn = kept?.current !== true && positions.tags.length - this.prepared >= V8_TABLES_FROM_TAGS;
      const tables = takeOwn ? mergeFunctionTables(kept?.tables, takeV8FunctionTables()) : kept?.tables;
      if (tables !== undefined) this.resolver.useV8Functions(tables);
      return { session: expandPositions(session, positions, this.resolver, this.expansions), counts: this.resolver.counts };
    } catch (error) {
      const note = `inlined frames and lines were not recovered: ${(error as Error).message}`;
      return { session: session.with({ meta: { ...session.meta, notes: [...session.meta.notes, note] } }) };
    }
  }
}

/** recover() without preparation: all the work now. */
export function recoverInlineFrames(session: Session, evidence: InlineEvidence, readSource: SourceReader = readScriptSource): { session: Session; counts?: InlineCounts } {
  return new InlineRecovery(evidence, readSource).recover(session);
}
