/**
 * One thread's part of a recording within the current window: the session
 * builder its samples go into, the symbolizer that turns them into stacks,
 * and where the window started. The recorder keeps one for its own thread and
 * one per sampled worker (lib/threads/worker-recordings.ts); every window of
 * either ends through finish() and goes on through nextWindow().
 */
import { decodeCodeEvents, samplesOf } from '../drain/decode';
import { type InlineEvidence, InlineRecovery, type KeptFunctionTables } from '../inline/recover';
import { takeV8FunctionTables } from '../inline/v8-functions';
import { asProfilerWork } from './profiler-work';
import { labelSetById } from '../labels/registry';
import type { MemorySeries } from '../memory/series';
import type { ProfileMode } from '../session/mode';
import { Session, SessionBuilder, SessionMeta } from '../session/session';
import type { CodeCatalog } from '../symbolize/code-entry';
import { NativeResolver, Symbolizer } from '../symbolize/symbolizer';

export class ThreadRecording {
  builder = new SessionBuilder(labelSetById);
  readonly symbolizer: Symbolizer;
  /** Where the current window starts (ns, CLOCK_MONOTONIC), and the thread's CPU time then. */
  windowStartNs: number;
  windowStartCpuNs: number;
  /** The current window's recovery of inlined frames, once prepareInline() began it. */
  private inline: InlineRecovery | undefined;
  /** V8's function tables taken during the current window (keepFunctionTables), and the drains since (the taking one included). */
  private kept: { tables: KeptFunctionTables['tables']; afterSampling: boolean; drains: number } | undefined;

  constructor(resolver: NativeResolver, startNs: number, startCpuNs: number, inherited: CodeCatalog | undefined, mode: ProfileMode) {
    this.symbolizer = new Symbolizer(this.builder, resolver, startNs, startCpuNs, inherited, mode);
    this.windowStartNs = startNs;
    this.windowStartCpuNs = startCpuNs;
  }

  /**
   * Takes V8's function tables now, for this window's recovery of inlined
   * frames (once a window). V8 lists a function only while a closure of it
   * lives: after a long synchronous stretch (a compiler's whole run) the
   * closures that ran are often garbage already, and the collection that the
   * next drain's work brings would drop them from the tables at stop, leaving
   * their functions to be parsed (TypeScript's checker: 4,525 functions listed
   * here, 2,385 at stop). `afterSampling`: sampling has stopped (the last
   * drain), so the recovery need not take them again.
   */
  keepFunctionTables(afterSampling: boolean): void {
    if (this.kept !== undefined) return;
    const tables = takeV8FunctionTables();
    if (tables !== undefined) this.kept = { tables, afterSampling, drains: 0 };
  }

  /** Symbolizes the samples and code events a drain brought. */
  add(samples: ArrayBuffer, codeEvents: ArrayBuffer): void {
    if (this.kept !== undefined) this.kept.drains++;
    this.symbolizer.process(samplesOf(samples), decodeCodeEvents(codeEvents));
  }

  get sampleCount(): number {
    return this.builder.sampleCount;
  }

  /**
   * Resolves the inlined frames of the samples so far in slices, the event
   * loop running in between, so that finish() is left only the newest.
   * Resolves to how many positions it resolved.
   */
  prepareInline(): Promise<number> {
    this.inline ??= new InlineRecovery(this.evidence());
    return this.inline.prepare(this.builder.frames, asProfilerWork);
  }

  /** The current window as a session, with inlined frames recovered when asked. */
  finish(meta: SessionMeta, inlinedFrames: boolean, memory?: MemorySeries): Session {
    const built = this.builder.build(meta, memory);
    const inline = this.inline ?? new InlineRecovery(this.evidence());
    this.inline = undefined;
    if (!inlinedFrames) {
      inline.cancel();
      return built;
    }
    return inline.recover(built).session;
  }

  /**
   * The current window so far as a session, the window going on: the
   * inlined frames are recovered with the window's own recovery, which keeps
   * what it resolved for the window's end (finish).
   */
  peek(meta: SessionMeta, inlinedFrames: boolean): Session {
    const built = this.builder.build(meta);
    if (!inlinedFrames) return built;
    this.inline ??= new InlineRecovery(this.evidence());
    return this.inline.recover(built, { final: false }).session;
  }

  private evidence(): InlineEvidence {
    // Read when the recovery runs: tables kept after it began (prepareInline) still count.
    // Two drains: the one that took them and the last (no drain interval of the program's between).
    const kept = (): KeptFunctionTables | undefined => this.kept && { tables: this.kept.tables, current: this.kept.afterSampling || this.kept.drains <= 2 };
    return { ...this.symbolizer.inlineEvidence(), keptFunctionTables: kept };
  }

  /** Starts the next window at the last sample: no time is lost or counted twice. Code carries over. */
  nextWindow(): void {
    const last = this.symbolizer.lastSampleTime;
    this.builder = new SessionBuilder(labelSetById);
    this.kept = undefined;
    this.symbolizer.startWindow(this.builder);
    this.windowStartNs = last.timeNs;
    this.windowStartCpuNs = last.cpuNs;
  }
}
