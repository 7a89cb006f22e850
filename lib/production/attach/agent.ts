/**
 * The part of `nodeinstrument attach` that runs inside the profiled process.
 * The CLI loads this file through the process's inspector (Runtime.evaluate
 * with Node's command-line `require`) and drives the returned capture with
 * Runtime.callFunctionOn: stop(), chunk(i) to fetch the session JSON, and
 * dispose() to drop it and close the inspector the CLI opened. It defines no
 * globals; the capture lives as long as the CLI holds a reference to it, and
 * a timer (unref'd) cleans up if the CLI goes away without saying so.
 */
import type { ProfileMode } from '../../session/mode';
import { loadNative } from '../../native/addon';
import { Profiler } from '../../profiler';
import type { Session } from '../../session/session';
import { recompileOptimizedCode, type Recompiled } from '../../symbolize/recompile';
import { InterruptedCode, interruptedCode, nameUnlistedCode } from './unlisted-code';

export interface AgentOptions {
  interval: number;
  mode: ProfileMode;
  maxStackDepth?: number;
  /** How long the CLI means to record; the safety timer allows this plus a grace period. */
  durationMs: number;
  /** Close the inspector when done: the CLI opened it with SIGUSR1. */
  closeInspector: boolean;
  /** Names this capture, so that a CLI's last-resort cleanup disposes its own capture and never another's. */
  token?: string;
  /** How long after the planned end to wait for the CLI before cleaning up alone, ms (default 60 s). */
  graceMs?: number;
  /**
   * Make V8 compile its optimized code again once code events are watched
   * (default true), so that functions inlined into code optimized before the
   * attach are named (../../symbolize/recompile.ts).
   */
  recompile?: boolean;
}

/** Session JSON goes back in pieces of this many characters. */
const CHUNK_CHARS = 1 << 20;
/** How long after the planned end the capture waits for the CLI before cleaning up by itself. */
const GRACE_MS = 60_000;

let active: AttachCapture | undefined;

export class AttachCapture {
  private readonly profiler: Profiler;
  private json: string | undefined;
  private readonly safetyTimer: NodeJS.Timeout;
  private disposed = false;
  /** What the agent interrupted when it started (a stuck loop's function). */
  private readonly interrupted: InterruptedCode;
  /** Whether optimized code was compiled again at the start; undefined when not asked. */
  private readonly recompiled: Recompiled | undefined;

  get token(): string | undefined {
    return this.options.token;
  }

  constructor(private readonly options: AgentOptions) {
    this.profiler = new Profiler({ interval: options.interval, mode: options.mode, maxStackDepth: options.maxStackDepth });
    this.profiler.start();
    // A few sampling intervals in the marker: samples of the interrupted code's stack (./unlisted-code.ts).
    // Allocation profiles take no stack samples: nothing to wait for.
    this.interrupted =
      options.mode === 'alloc'
        ? { functions: [], marker: '' }
        : interruptedCode(Math.min(50, Math.max(5, options.interval * 1000 * 5)), () => loadNative().stats()?.samplesRecorded ?? 0);
    // After the marker: the interrupted loop's own code is what the marker's samples must show.
    this.recompiled = options.mode !== 'alloc' && options.recompile !== false ? recompileOptimizedCode() : undefined;
    this.safetyTimer = setTimeout(() => this.dispose(), options.durationMs + (options.graceMs ?? GRACE_MS));
    this.safetyTimer.unref();
  }

  /** Stops recording (idempotent); the session is then fetched with chunk(). */
  stop(): { chunks: number; length: number } {
    if (this.json === undefined) {
      if (this.disposed) throw new Error('this capture was already cleaned up (the attaching nodeinstrument took too long)');
      this.json = JSON.stringify(withRecompileNote(nameUnlistedCode(this.profiler.stop(), this.interrupted), this.recompiled));
    }
    return { chunks: Math.ceil(this.json.length / CHUNK_CHARS), length: this.json.length };
  }

  chunk(index: number): string {
    if (this.json === undefined) throw new Error('stop() first');
    return this.json.slice(index * CHUNK_CHARS, (index + 1) * CHUNK_CHARS);
  }

  /** Stops the profiler if needed, drops the session, and closes the inspector if attach opened it. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.safetyTimer);
    if (this.profiler.isRunning) this.profiler.stop();
    this.json = undefined;
    if (active === this) active = undefined;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (this.options.closeInspector) (require('node:inspector') as typeof import('node:inspector')).close();
  }
}

/** Says in the report whether code optimized before the attach was compiled again. */
function withRecompileNote(session: Session, recompiled: Recompiled | undefined): Session {
  if (recompiled === undefined) return session;
  const note = recompiled.done
    ? `V8 was asked to compile its optimized code again at the start (${recompiled.ms.toFixed(0)} ms), so that functions it inlines are named; ` +
      'the first moments ran less optimized (--no-recompile keeps the code as it was)'
    : `code optimized before the attach was kept (${recompiled.reason}): functions inlined into it show as their caller`;
  return session.with({ meta: { ...session.meta, notes: [...session.meta.notes, note] } });
}

/**
 * Cleans up the capture in progress that `token` started, if it is the one
 * running (the CLI's last resort after a failure midway). A CLI whose start
 * was refused because another attach records must not end that one.
 */
export function disposeActive(token?: string): void {
  if (active !== undefined && active.token === token) active.dispose();
}

/** Starts recording in this process; one capture at a time. */
export function startCapture(options: AgentOptions): AttachCapture {
  if (active !== undefined) throw new Error('another nodeinstrument attach is recording this process');
  active = new AttachCapture(options);
  return active;
}
