/**
 * The `--lines` text view: the hot lines within each function. Each sample's
 * time goes to the line executing in its leaf-most JavaScript frame (time in
 * builtins and C++ goes to the line that called them); functions by that
 * self time, and under each its lines, with the line's source text when the
 * script can be read.
 *
 * Lines are exact for call sites and for TurboFan code at the interrupted
 * pc; for an interpreted function in a loop without calls the line can be
 * stale (V8 saves the bytecode offset only at calls); code compiled before
 * the recording started, Sparkplug and Maglev code carry no line table, and
 * their time shows under "line unknown".
 */
import { FrameInfo, frameKey } from '../session/frame';
import { readScriptSource } from '../inline/sources';
import { sampleLines } from '../session/lines';
import { Session } from '../session/session';

export interface HotLine {
  line: number;
  seconds: number;
}

export interface HotFunction {
  frame: FrameInfo;
  seconds: number;
  /** Biggest first; line 0 is "unknown". */
  lines: HotLine[];
}

export interface HotLinesOptions {
  /** Leave out Node's own functions (`node:`), their time going to the JavaScript that called them. Default true. */
  hideNodeInternals?: boolean;
}

/** Self time per function and line, biggest first, and the session's total time. */
export function hotLines(session: Session, options: HotLinesOptions = {}): { total: number; functions: HotFunction[] } {
  const hideInternals = options.hideNodeInternals ?? true;
  const byFunction = new Map<string, { frame: FrameInfo; seconds: number; lines: Map<number, number> }>();
  let total = 0;
  const { stack, duration } = session.samples;
  for (let i = 0; i < stack.length; i++) {
    const seconds = duration[i]!;
    total += seconds;
    if (stack[i] === -1) continue;
    const ids = session.stackFrames(stack[i]!);
    const lines = sampleLines(session, i);
    let depth = ids.length - 1;
    for (; depth >= 0; depth--) {
      const frame = session.frames[ids[depth]!]!;
      if (frame.kind === 'js' && !(hideInternals && frame.file.startsWith('node:'))) break;
    }
    if (depth < 0) continue;
    const frame = session.frames[ids[depth]!]!;
    // The same function inlined and not is one entry here.
    const key = frameKey({ ...frame, inlined: false });
    let entry = byFunction.get(key);
    if (entry === undefined) byFunction.set(key, (entry = { frame, seconds: 0, lines: new Map() }));
    entry.seconds += seconds;
    const line = lines[depth] ?? 0;
    entry.lines.set(line, (entry.lines.get(line) ?? 0) + seconds);
  }
  const functions = [...byFunction.values()]
    .map(({ frame, seconds, lines }) => ({
      frame,
      seconds,
      lines: [...lines].map(([line, s]) => ({ line, seconds: s })).sort((a, b) => b.seconds - a.seconds || a.line - b.line),
    }))
    .sort((a, b) => b.seconds - a.seconds);
  return { total, functions };
}

export interface HotLinesRenderOptions {
  /** Functions and lines under this share of the total are left out. */
  minShare: number;
  timing: 'seconds' | 'percent';
  hideNodeInternals: boolean;
  /** Formats a function's heading (name and location, styled). */
  heading(frame: FrameInfo, time: string, share: number): string;
  formatSeconds(seconds: number): string;
  dim(text: string): string;
}

const MAX_SOURCE_TEXT = 72;

export function renderHotLines(session: Session, options: HotLinesRenderOptions): string[] {
  const { total, functions } = hotLines(session, { hideNodeInternals: options.hideNodeInternals });
  const format = (seconds: number): string =>
    options.timing === 'percent' ? `${((total > 0 ? seconds / total : 0) * 100).toFixed(1)}%` : options.formatSeconds(seconds);
  const sources = new Map<string, string[] | undefined>();
  const sourceLine = (file: string, line: number): string => {
    if (!sources.has(file)) sources.set(file, readScriptSource(file)?.split('\n'));
    const text = sources.get(file)?.[line - 1]?.trim() ?? '';
    // Only printable text: the source is the profiled program's.
    const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
    return clean.length > MAX_SOURCE_TEXT ? `${clean.slice(0, MAX_SOURCE_TEXT - 1)}…` : clean;
  };
  const out: string[] = [];
  for (const fn of functions) {
    if (total <= 0 || fn.seconds / total < options.minShare) continue;
    out.push(options.heading(fn.frame, format(fn.seconds).padStart(7), fn.seconds / total));
    for (const { line, seconds } of fn.lines) {
      if (seconds / total < options.minShare) continue;
      const text = line > 0 ? sourceLine(fn.frame.file, line) : '';
      const label = line > 0 ? `line ${line}` : 'line unknown';
      out.push(`        ${format(seconds).padStart(7)}  ${text ? `${label.padEnd(10)}  ${options.dim(text)}` : label}`);
    }
  }
  return out;
}
