/**
 * Recovers the inline stack of a frame in TurboFan code from public
 * information only: the script offset V8's line position table gives for the
 * sampled address, and the functions' source ranges (inline-functions.ts).
 *
 * TurboFan code of a function F holds the code of the functions it inlined,
 * and its line position table maps their instructions to their own script
 * offsets, unmarked: V8 does not say which function, nor which script, an
 * offset belongs to. So:
 *
 * - an offset inside F's own source, outside any function nested in F, is
 *   F's own code;
 * - an offset inside a function G nested in F is G, inlined (F -> [inlined] G);
 * - an offset outside F may be a function G of F's script or of another
 *   script. V8 inlines only functions that ran often enough to collect type
 *   feedback, and such functions (nearly always) got Sparkplug, Maglev or
 *   TurboFan code of their own first, which the code events report. So the
 *   candidates are the innermost function holding the offset in F's script,
 *   and in each other script the innermost one holding it if that function
 *   was tiered up. F's script's innermost function is a candidate too when
 *   F calls it by name: V8 can inline a function before it tiers up on its
 *   own (Node 22 compiled a loop with its helper inlined before the helper's
 *   own Sparkplug code, in about half the runs), and then it never does. One
 *   candidate: that is G. Several: F's script's if it is among them, else the
 *   one F calls by name if only one is (a library's function inlined into
 *   another library's, as markdown-it's linkify calling linkify-it's test),
 *   else the offset is ambiguous and no inlined frame is shown.
 *
 * What cannot be recovered: the functions between F and G when G was inlined
 * into a function that was itself inlined into F (shown as F -> [inlined] G),
 * and the line in F of the call that led to G.
 */
import { FrameInfo } from '../session/frame';
import { ScriptFunctions, TOP_LEVEL } from './functions';
import { SourceReader, isNodeBuiltinScript, readScriptSource } from './sources';
import { ScriptIndex, sameFunction, sameRange, scriptIndexFor } from './script-index';
import type { V8FunctionTables } from './v8-functions';

/** One frame of an expansion, root first. */
export interface ExpandedFrame {
  frame: FrameInfo;
  /** 1-based line executing in this frame; 0 when unknown. */
  line: number;
}

export interface InlineCounts {
  /** Positions resolved to the function's own code. */
  own: number;
  /** Positions resolved to an inlined function. */
  inlined: number;
  /** Positions outside the function that matched no single candidate. */
  ambiguous: number;
  /** Positions in scripts without a readable, matching source. */
  noSource: number;
}

/** A function that may hold an offset of inlined code: in which file, and its parse. */
interface Candidate {
  file: string;
  script: ScriptFunctions;
  index: number;
}

export class InlineResolver {
  readonly counts: InlineCounts = { own: 0, inlined: 0, ambiguous: 0, noSource: 0 };
  private readonly scripts = new Map<string, ScriptIndex | null>();
  /** Per file, the V8 names of tiered-up functions by `line:column`. */
  private readonly tiered = new Map<string, Map<string, string>>();
  /** Per file, the names a call of its tiered-up functions would use (callName). */
  private readonly tieredCallNames = new Map<string, Set<string>>();
  /** The names function A of a file calls, by `A's start:file` (namesCalledBy). */
  private readonly namesCalled = new Map<string, ReadonlySet<string>>();

  /** V8's tables of the scripts' functions, when taken (useV8Functions). */
  private v8Tables: V8FunctionTables | undefined;

  constructor(private readonly readSource: SourceReader) {}

  /** Whether the file is one of Node's own modules, read from this binary (readScriptSource): V8 compiled it from that very text. */
  private isNodeSource(file: string): boolean {
    return this.readSource === readScriptSource && isNodeBuiltinScript(file);
  }

  /** Lets scripts answer from V8's own function tables (v8-functions.ts) before parsing. */
  useV8Functions(tables: V8FunctionTables): void {
    this.v8Tables = tables;
    for (const [file, script] of this.scripts) {
      const functions = tables.get(file);
      if (script !== null && functions !== undefined) script.useV8Functions(functions);
    }
  }

  /** A function V8 compiled beyond bytecode (Sparkplug, Maglev, TurboFan): a candidate inlinee, with its V8 name. */
  addTieredFunction(frame: FrameInfo): void {
    if (frame.kind !== 'js' || !frame.file || frame.line < 1) return;
    let byLocation = this.tiered.get(frame.file);
    if (byLocation === undefined) this.tiered.set(frame.file, (byLocation = new Map()));
    byLocation.set(`${frame.line}:${frame.column}`, frame.name);
    let callNames = this.tieredCallNames.get(frame.file);
    if (callNames === undefined) this.tieredCallNames.set(frame.file, (callNames = new Set()));
    callNames.add(callName(frame.name));
  }

  /**
   * The frames a sampled (function, script offset) stands for, root first:
   * the function itself with the line executing in it, then the inlined
   * function the offset belongs to, if any. `interpreted`: bytecode, whose
   * offsets are always the function's own.
   */
  expand(frame: FrameInfo, position: number, interpreted: boolean): ExpandedFrame[] {
    const file = this.scriptOf(frame.file);
    // Bytecode: its own line, with no need to parse the function (nor the script, for top-level code),
    // once its head says the source is the one V8 compiled; Node's own modules need not say (at the end
    // of a short program, that check alone loaded acorn: about 20 ms).
    if (file !== undefined && interpreted && position < file.source.length && (this.isNodeSource(frame.file) || file.namesFunction(frame.line, frame.column))) {
      this.counts.own++;
      return [{ frame, line: file.lineOf(position) }];
    }
    const named = file?.functionNamed(frame.line, frame.column);
    if (file === undefined || named === undefined) {
      this.counts.noSource++;
      return [{ frame, line: 0 }];
    }
    // `own` lists the function and all nested in it (the whole script, the function parsed alone, or
    // V8's table, whose gaps innermostIn fills).
    const { script: own, index } = named;
    if (interpreted || position >= own.source.length) {
      if (position >= own.source.length) {
        // Bytecode offsets are always in range; for compiled code this is another script's offset.
        return this.elsewhere(frame, file, position);
      }
      this.counts.own++;
      return [{ frame, line: own.lineOf(position) }];
    }
    const innermost = file.innermostIn(named, position);
    const plausible = startsToken(own.source, position);
    // (A class constructor is listed twice, by its `(` and by its class: either one is the function itself.)
    if (sameRange(innermost, named)) {
      // V8's positions start tokens; one inside a word or on a blank belongs to another script.
      if (!plausible) {
        const found = this.elsewhere(frame, file, position);
        if (found.length > 1) return found;
        this.counts.ambiguous--;
      }
      this.counts.own++;
      return [{ frame, line: plausible ? own.lineOf(position) : 0 }];
    }
    if (plausible && index !== TOP_LEVEL && file.contains(named, innermost)) {
      // A function nested in this one, so in the same script: inlined.
      this.counts.inlined++;
      return [{ frame, line: 0 }, { frame: this.frameOf(frame.file, innermost.script, innermost.index), line: own.lineOf(position) }];
    }
    return this.elsewhere(frame, file, position);
  }

  /** An offset outside the function's own source: find which function it is. */
  private elsewhere(frame: FrameInfo, ownFile: ScriptIndex, position: number): ExpandedFrame[] {
    // The frame's own script decides when one of its functions holds the offset (tiered up, or
    // called by name), so the other scripts are probed only when it does not: those probes
    // parse functions of every script with tiered-up code, most of a recovery's time.
    const own = this.ownScriptCandidate(frame, ownFile, position);
    if (own !== undefined) return this.inlinedAt(frame, own, position);
    const { candidates, called } = this.otherScriptCandidates(frame, ownFile, position);
    let chosen: Candidate | undefined;
    if (candidates.length === 1) chosen = candidates[0];
    else if (candidates.length > 1) {
      // Several scripts' functions hold the offset: the one the frame's function calls by name, if only one is
      // (markdown-it's linkify calling linkify-it's test and pretest, inlined across packages).
      if (called.length === 1) chosen = called[0];
    } else if (position < ownFile.source.length && startsToken(ownFile.source, position)) {
      // No tiered-up function anywhere holds it: the innermost function of the frame's own script, if not the frame's.
      const sameScript = ownFile.innermostAt(position, WHOLE_PARSE_FOR_AN_OFFSET_CHARS);
      const own = sameScript === undefined || sameScript === TOP_LEVEL ? undefined : ownFile.functionNamed(frame.line, frame.column);
      if (sameScript !== undefined && sameScript !== TOP_LEVEL && !(own && sameFunction(own, sameScript))) {
        chosen = { file: frame.file, ...sameScript };
      }
    }
    if (chosen === undefined) {
      this.counts.ambiguous++;
      return [{ frame, line: 0 }];
    }
    return this.inlinedAt(frame, chosen, position);
  }

  /**
   * The innermost tiered-up function holding `position` in each other script,
   * as far as the choice in elsewhere() needs them, and those of them the
   * frame calls by name (`called`, all of them). Each script probed parses the
   * functions around the offset (for an offset from another script, most of
   * its tiered-up functions): most of a recovery's time, so scripts are probed
   * in the order that settles the choice soonest. A function the frame calls
   * lies in a script with a tiered-up function of a name the frame calls, so
   * those go first; one called candidate, or two candidates with none called,
   * settle it. Else the others are probed until two candidates are found
   * (which two does not matter: with none called, two leave it ambiguous).
   */
  private otherScriptCandidates(frame: FrameInfo, ownFile: ScriptIndex, position: number): { candidates: Candidate[]; called: Candidate[] } {
    const candidates: Candidate[] = [];
    const called: Candidate[] = [];
    const calls = this.namesCalledBy(frame, ownFile);
    const probe = (file: string): void => {
      const script = this.scriptOf(file);
      // Cheap checks on the text before parsing anything.
      if (script === undefined || position >= script.source.length || !startsToken(script.source, position)) return;
      const found = script.tieredInnermostAt(position, this.tiered.get(file)!);
      if (found === undefined) return;
      const candidate = { file, ...found };
      candidates.push(candidate);
      if (calls.has(found.script.functions[found.index]!.name)) called.push(candidate);
    };
    const later: string[] = [];
    for (const [file, names] of this.tieredCallNames) {
      if (called.length >= 2) break; // ambiguous, whatever the others hold
      if (file === frame.file) continue;
      if (callsAny(calls, names)) probe(file);
      else later.push(file);
    }
    if (called.length === 0) {
      // Only how many hold it counts now, so the scripts V8's table bounds (probed with few parses) go first.
      later.sort((a, b) => Number(this.v8Tables?.has(b) ?? false) - Number(this.v8Tables?.has(a) ?? false));
      for (const file of later) {
        if (candidates.length >= 2) break;
        probe(file);
      }
    }
    return { candidates, called };
  }

  /**
   * The function of the frame's own script that holds `position` as an inlinee: the
   * innermost tiered-up one, else the innermost one if the frame calls it by name.
   */
  private ownScriptCandidate(frame: FrameInfo, ownFile: ScriptIndex, position: number): Candidate | undefined {
    const byLocation = this.tiered.get(frame.file);
    if (byLocation !== undefined && position < ownFile.source.length && startsToken(ownFile.source, position)) {
      const found = ownFile.tieredInnermostAt(position, byLocation);
      if (found !== undefined) return { file: frame.file, ...found };
    }
    return this.calledByFrame(frame, ownFile, position);
  }

  private inlinedAt(frame: FrameInfo, chosen: Candidate, position: number): ExpandedFrame[] {
    this.counts.inlined++;
    return [{ frame, line: 0 }, { frame: this.frameOf(chosen.file, chosen.script, chosen.index), line: chosen.script.lineOf(position) }];
  }

  /**
   * The innermost function of the frame's own script holding `position`, if
   * the frame's function calls it by name (`name(` or `.name(` in its source)
   * and the position can start a token there.
   */
  private calledByFrame(frame: FrameInfo, ownFile: ScriptIndex, position: number): Candidate | undefined {
    if (position >= ownFile.source.length || !startsToken(ownFile.source, position)) return undefined;
    // With V8's table, a function it no longer lists (no closure of it or around it is left) is not
    // taken for a callee: finding one would parse the whole script (a second for prettier's bundle).
    if (ownFile.hasV8Functions && !ownFile.inListedFunction(position)) return undefined;
    const callee = ownFile.innermostAt(position, WHOLE_PARSE_FOR_AN_OFFSET_CHARS);
    if (callee === undefined || callee === TOP_LEVEL) return undefined;
    const caller = ownFile.functionNamed(frame.line, frame.column);
    if (caller === undefined || caller.index === TOP_LEVEL || sameFunction(caller, callee)) return undefined;
    return this.namesCalledBy(frame, ownFile).has(callee.script.functions[callee.index]!.name) ? { file: frame.file, ...callee } : undefined;
  }

  /** The names the frame's function calls (`name(` or `.name(` in its own source); none for top-level code. */
  private namesCalledBy(frame: FrameInfo, ownFile: ScriptIndex): ReadonlySet<string> {
    const caller = ownFile.functionNamed(frame.line, frame.column);
    if (caller === undefined || caller.index === TOP_LEVEL) return NO_NAMES;
    const callerFn = caller.script.functions[caller.index]!;
    const key = `${callerFn.start}:${frame.file}`;
    let names = this.namesCalled.get(key);
    if (names === undefined) this.namesCalled.set(key, (names = namesCalledIn(ownFile.source.slice(callerFn.start, callerFn.end))));
    return names;
  }

  /** The frame of function `index` of a script, inlined, named as V8 names it where V8 named it. */
  private frameOf(file: string, script: ScriptFunctions, index: number): FrameInfo {
    const fn = script.functions[index]!;
    const line = script.lineOf(fn.v8Start);
    const column = script.columnOf(fn.v8Start);
    const name = this.tiered.get(file)?.get(`${line}:${column}`) ?? fn.name;
    return { name, file, line, column, kind: 'js', inlined: true };
  }

  private scriptOf(file: string): ScriptIndex | undefined {
    let script = this.scripts.get(file);
    if (script === undefined) {
      const source = file ? this.readSource(file) : undefined;
      script = source !== undefined ? scriptIndexFor(file, source) : null;
      const functions = this.v8Tables?.get(file);
      if (script !== null && functions !== undefined) script.useV8Functions(functions);
      this.scripts.set(file, script);
    }
    return script ?? undefined;
  }
}

/**
 * The largest script parsed whole to place one offset that no tiered-up
 * function holds (a callee the frame calls by name, the same-script fallback
 * of elsewhere()): about 0.1 s of acorn's cold code here, where typescript.js
 * (9 MB) took about 2 s, in 2 of 16 runs of tsc. Such an offset of a larger
 * script stays ambiguous unless a parse alone or V8's table places it.
 */
const WHOLE_PARSE_FOR_AN_OFFSET_CHARS = 512 * 1024;

const IDENTIFIER_PART = /[\p{ID_Continue}$\u200c\u200d]/u;

const NO_NAMES: ReadonlySet<string> = new Set();
const CALLED_NAME = /(?<![\p{ID_Continue}$\u200c\u200d])([\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*)\s*\(/gu;

/** The names `source` calls: each `name(` or `.name(`, not as the end of a longer word (and keywords, as `if (`). */
function namesCalledIn(source: string): ReadonlySet<string> {
  return new Set(Array.from(source.matchAll(CALLED_NAME), (match) => match[1]!));
}

/** Whether any of `names` is among `calls`. */
function callsAny(calls: ReadonlySet<string>, names: ReadonlySet<string>): boolean {
  if (calls.size === 0) return false;
  for (const name of names) if (calls.has(name)) return true;
  return false;
}

/** The word of a V8 function name a call would use: `x` of `get x`, `A.x` or `x`. */
function callName(v8Name: string): string {
  return v8Name.slice(Math.max(v8Name.lastIndexOf(' '), v8Name.lastIndexOf('.')) + 1);
}

/**
 * Whether a script offset can be one of V8's source positions: they mark the
 * start of a token (an expression, an operator, a keyword), never a blank
 * or the inside of a word. Cheap evidence against an offset that came from
 * another script.
 */
export function startsToken(source: string, offset: number): boolean {
  const char = source[offset];
  if (char === undefined || /\s/.test(char)) return false;
  if (offset === 0 || !IDENTIFIER_PART.test(char)) return true;
  return !IDENTIFIER_PART.test(source[offset - 1]!);
}
