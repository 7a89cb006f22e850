/**
 * What a stack frame is, once symbolized. One function is one frame whatever
 * tier V8 runs it in (interpreted, Sparkplug, Maglev, TurboFan).
 */

export type FrameKind =
  /** JavaScript (or WebAssembly) code of the program, Node or a library. */
  | 'js'
  /** A V8 builtin such as ArrayForEach or JsonParse. */
  | 'builtin'
  /** Machine code outside V8's code space: Node's C++, libuv, libc. */
  | 'native'
  /** A synthetic frame: (garbage collection), (idle), (program), ... */
  | 'special';

export interface FrameInfo {
  /** Function name; '(anonymous)' when V8 knows none. */
  readonly name: string;
  /** Path or URL of the script (`node:internal/...` for Node's own), the shared object for native frames, '' if unknown. */
  readonly file: string;
  /** 1-based line where the function is defined; 0 when unknown. */
  readonly line: number;
  /** 1-based column where the function is defined; 0 when unknown. */
  readonly column: number;
  readonly kind: FrameKind;
  /**
   * Set on a function TurboFan inlined into its caller: recovered from the
   * caller's optimized code (lib/inline/stack.ts), not a frame on the stack.
   */
  readonly inlined?: boolean;
}

/** Names of the synthetic frames. */
export const SpecialFrame = {
  gc: '(garbage collection)',
  idle: '(idle)',
  program: '(program)',
  truncated: '(truncated stack)',
  unresolved: '(unresolved)',
} as const;

/**
 * The root a profiled request's report puts the rest of its thread's work
 * under (lib/production/middleware/request-work.ts); reports show it as one
 * line, its frames hidden as a group.
 */
export const OTHER_WORK = '(other work on this thread)';

export function isOtherWork(frame: FrameInfo): boolean {
  return frame.kind === 'special' && frame.name === OTHER_WORK;
}

export function isIdleFrame(frame: FrameInfo): boolean {
  return frame.kind === 'special' && frame.name === SpecialFrame.idle;
}

/**
 * The leaf under which the time a profiled context waited at an `await` is
 * shown, below the stack of the await (lib/session/awaits.ts).
 */
export const AWAIT = '[await]';

export function isAwaitFrame(frame: FrameInfo): boolean {
  return frame.kind === 'special' && frame.name === AWAIT;
}

export function specialFrame(name: string): FrameInfo {
  return { name, file: '', line: 0, column: 0, kind: 'special' };
}

/** A key that is equal for frames that are the same function. */
export function frameKey(frame: FrameInfo): string {
  const key = `${frame.kind}\u0000${frame.name}\u0000${frame.file}\u0000${frame.line}\u0000${frame.column}`;
  return frame.inlined ? `${key}\u0000inlined` : key;
}

/** `file:line` as reports show it ('' when the frame has no file). */
export function frameLocation(frame: FrameInfo): string {
  if (!frame.file) return '';
  return frame.line > 0 ? `${frame.file}:${frame.line}` : frame.file;
}
