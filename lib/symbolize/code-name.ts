/**
 * Parses the names V8's JIT code event handler gives code objects, such as
 *   `JS:*parse /app/parser.js:12:5`   (TurboFan code of parse)
 *   `JS:~ node:internal/main/run_main_module:1:1`
 *   `Builtin:ArrayForEach`, `BytecodeHandler:Add`, `RegExp:\d+`
 * into the frame they stand for. The tier marker (~ interpreted, ^ Sparkplug,
 * + Maglev, * TurboFan, and `+'` `*'` for context-specialized code) is dropped:
 * every tier of a function is one frame.
 */
import { FrameInfo } from '../session/frame';

export interface CodeName {
  frame: FrameInfo;
  /**
   * Interpreter plumbing (bytecode handlers, the interpreter entry): when the
   * pc is here, the interpreted function itself is the next frame of the
   * sample, so this code is not a frame of its own.
   */
  interpreterPlumbing: boolean;
}

const JS_TAGS = new Set(['JS', 'LazyCompile', 'Function', 'Script', 'Eval']);
const TIER_MARKERS = '~^+*';
const LOCATION = /:(\d+):(\d+)$/;
/** What a script name can start with: a path, a URL, `node:`, or nothing at all. */
const FILE_START = /^(?:$|\/|\.|node:|file:|[A-Za-z][\w+.-]*:\/\/|[A-Za-z]:[\\/]|\[|<|evalmachine|wasm)/;

const INTERPRETER_PLUMBING = /^(?:InterpreterEntryTrampoline|InterpreterEnterAtBytecode|InterpreterEnterAtNextBytecode)/;

export function parseCodeName(raw: string, isWasm = false): CodeName {
  const colon = raw.indexOf(':');
  const tag = colon > 0 ? raw.slice(0, colon) : '';
  const rest = colon > 0 ? raw.slice(colon + 1) : raw;

  // The code event names wasm code `JS:wasm-function[0]-0-liftoff` (a JS tag, for V8's log).
  if (isWasm) return { frame: wasmFrame(JS_TAGS.has(tag) ? rest : raw), interpreterPlumbing: false };
  if (JS_TAGS.has(tag)) return { frame: parseScriptCode(tag, rest), interpreterPlumbing: false };
  if (tag === 'BytecodeHandler') {
    return { frame: builtin(`BytecodeHandler:${rest}`), interpreterPlumbing: true };
  }
  if (tag === 'Builtin') {
    return { frame: builtin(rest), interpreterPlumbing: INTERPRETER_PLUMBING.test(rest) };
  }
  if (tag === 'RegExp') return { frame: builtin(`RegExp: ${rest}`), interpreterPlumbing: false };
  return { frame: builtin(raw), interpreterPlumbing: false };
}

/** V8 names wasm code `<function>-<index>-<tier>`: `wasm-function[0]-0-liftoff`, `spin-3-turbofan`. */
const WASM_TIER_SUFFIX = /-(\d+)-(?:liftoff|turbofan|none)(?:-debug)?$/;

/** Where wasm functions are placed: V8's code events do not say which module a function is of. */
export const WASM_FILE = 'wasm://wasm';

/**
 * A wasm function as one frame whatever its tier (Liftoff's code and
 * TurboFan's used to be two rows), under a wasm:// location as V8's
 * CpuProfiler shows them; the function index is its column.
 */
function wasmFrame(raw: string): FrameInfo {
  const tier = WASM_TIER_SUFFIX.exec(raw);
  if (tier === null) return { name: raw, file: WASM_FILE, line: 0, column: 0, kind: 'js' };
  return { name: raw.slice(0, tier.index), file: WASM_FILE, line: 0, column: Number(tier[1]) + 1, kind: 'js' };
}

function builtin(name: string): FrameInfo {
  return { name, file: '', line: 0, column: 0, kind: 'builtin' };
}

function parseScriptCode(tag: string, text: string): FrameInfo {
  let body = text;
  if (body.length > 0 && TIER_MARKERS.includes(body[0]!)) {
    // Newer V8 (Node 24) marks context-specialized Maglev and TurboFan code with a quote: `*'`, `+'`.
    body = body.slice(body[1] === "'" && (body[0] === '*' || body[0] === '+') ? 2 : 1);
  }
  let line = 0;
  let column = 0;
  const location = LOCATION.exec(body);
  if (location) {
    line = Number(location[1]);
    column = Number(location[2]);
    body = body.slice(0, location.index);
  } else if (tag === 'Script') {
    // A script's top-level code; the same function as `JS:~ file:1:1`.
    line = 1;
    column = 1;
  }
  const { name, file } = splitNameAndFile(body);
  return { name: displayName(name, line, column), file, line, column, kind: 'js' };
}

/**
 * `name file`, where both may contain spaces (`get [Symbol.iterator] /my dir/a.js`):
 * the file starts at the last space after which the text looks like a script
 * name. From the right, as names hold ` [`, ` /`, ` <` more often than paths
 * hold a space (a path's own space is passed over: `dir/a.js` starts no name).
 */
function splitNameAndFile(body: string): { name: string; file: string } {
  for (let space = body.lastIndexOf(' '); space !== -1; space = space > 0 ? body.lastIndexOf(' ', space - 1) : -1) {
    const file = body.slice(space + 1);
    if (FILE_START.test(file) && file !== '') return { name: body.slice(0, space), file };
  }
  const last = body.lastIndexOf(' ');
  if (last === -1) return { name: body, file: '' };
  return { name: body.slice(0, last), file: body.slice(last + 1) };
}

function displayName(name: string, line: number, column: number): string {
  if (name) return name;
  return line === 1 && column === 1 ? '(module)' : '(anonymous)';
}

const JS_TAG_BYTES = ['JS:', 'LazyCompile:', 'Function:'].map((tag) => Buffer.from(tag, 'latin1'));
const TURBOFAN = 0x2a; // '*'
const MAGLEV = 0x2b; // '+'
const SPARKPLUG = 0x5e; // '^'
const INTERPRETED = 0x7e; // '~'

/** The tier marker byte of a JavaScript function's code name (`JS:*fn ...`), from the undecoded name; -1 for other code. */
function tierMarker(name: Uint8Array): number {
  for (const tag of JS_TAG_BYTES) {
    if (name.length <= tag.length) continue;
    let matches = true;
    for (let i = 0; i < tag.length && matches; i++) matches = name[i] === tag[i];
    if (matches) return name[tag.length]!;
  }
  return -1;
}

/**
 * Optimized code (TurboFan `*`, Maglev `+`), from the undecoded name: what V8
 * leaves out when it enumerates existing code, if it sits in a function's OSR
 * cache.
 */
export function isOptimizedCodeName(name: Uint8Array): boolean {
  const marker = tierMarker(name);
  return marker === TURBOFAN || marker === MAGLEV;
}

/**
 * Code V8 compiled beyond bytecode (Sparkplug `^`, Maglev `+`, TurboFan `*`),
 * from the undecoded name: functions that ran often, the only ones V8 inlines.
 */
export function isTieredCodeName(name: Uint8Array): boolean {
  const marker = tierMarker(name);
  return marker === TURBOFAN || marker === MAGLEV || marker === SPARKPLUG;
}

/** A function's bytecode (`~`), from the undecoded name. */
export function isInterpretedCodeName(name: Uint8Array): boolean {
  return tierMarker(name) === INTERPRETED;
}
