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
 *   was tiered up. One candidate: that is G. Several: F's script's if it is
 *   among them, else the offset is ambiguous and no inlined frame is shown.
 *
 * What cannot be recovered: the functions between F and G when G was inlined
 * into a function that was itself inlined into F (shown as F -> [inlined] G),
 * and the line in F of the call that led to G.
 */
import { FrameInfo } from './frame';
import { ScriptFunctions, TOP_LEVEL } from './inline-functions';
import { SourceReader } from './inline-sources';

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

export class InlineResolver {
  readonly counts: InlineCounts = { own: 0, inlined: 0, ambiguous: 0, noSource: 0 };
  private readonly scripts = new Map<string, ScriptFunctions | null>();
  private readonly sources = new Map<string, string | null>();
  /** Per file, the V8 names of tiered-up functions by `line:column`. */
  private readonly tiered = new Map<string, Map<string, string>>();

  constructor(private readonly readSource: SourceReader) {}

  /** A function V8 compiled beyond bytecode (Sparkplug, Maglev, TurboFan): a candidate inlinee, with its V8 name. */
  addTieredFunction(frame: FrameInfo): void {
    if (frame.kind !== 'js' || !frame.file || frame.line < 1) return;
    let byLocation = this.tiered.get(frame.file);
    if (byLocation === undefined) this.tiered.set(frame.file, (byLocation = new Map()));
    byLocation.set(`${frame.line}:${frame.column}`, frame.name);
  }

  /**
   * The frames a sampled (function, script offset) stands for, root first:
   * the function itself with the line executing in it, then the inlined
   * function the offset belongs to, if any. `interpreted`: bytecode, whose
   * offsets are always the function's own.
   */
  expand(frame: FrameInfo, position: number, interpreted: boolean): ExpandedFrame[] {
    const own = this.scriptOf(frame.file);
    const index = own?.functionNamed(frame.line, frame.column);
    if (own === undefined || index === undefined) {
      this.counts.noSource++;
      return [{ frame, line: 0 }];
    }
    if (interpreted || position >= own.source.length) {
      if (position >= own.source.length) {
        // Bytecode offsets are always in range; for compiled code this is another script's offset.
        return this.elsewhere(frame, own, index, position);
      }
      this.counts.own++;
      return [{ frame, line: own.lineOf(position) }];
    }
    const innermost = own.innermostAt(position);
    const plausible = startsToken(own.source, position);
    if (innermost === index) {
      // V8's positions start tokens; one inside a word or on a blank belongs to another script.
      if (!plausible) {
        const found = this.elsewhere(frame, own, index, position);
        if (found.length > 1) return found;
        this.counts.ambiguous--;
      }
      this.counts.own++;
      return [{ frame, line: plausible ? own.lineOf(position) : 0 }];
    }
    if (plausible && index !== TOP_LEVEL && own.contains(index, innermost)) {
      // A function nested in this one, so in the same script: inlined.
      this.counts.inlined++;
      return [{ frame, line: 0 }, { frame: this.frameOf(frame.file, own, innermost), line: own.lineOf(position) }];
    }
    return this.elsewhere(frame, own, index, position);
  }

  /** An offset outside the function's own source: find which function it is. */
  private elsewhere(frame: FrameInfo, own: ScriptFunctions, index: number, position: number): ExpandedFrame[] {
    const sameScript = position < own.source.length ? own.innermostAt(position) : TOP_LEVEL;
    const candidates: Array<{ file: string; script: ScriptFunctions; index: number }> = [];
    let sameScriptIsTiered = false;
    for (const [file, byLocation] of this.tiered) {
      // Cheap checks on the text before parsing a script.
      if (file !== frame.file) {
        const source = this.sourceText(file);
        if (source === undefined || position >= source.length || !startsToken(source, position)) continue;
      }
      const script = file === frame.file ? own : this.scriptOf(file);
      if (script === undefined || position >= script.source.length) continue;
      const inner = script.innermostAt(position);
      if (inner === TOP_LEVEL || !startsToken(script.source, position)) continue;
      const at = script.functions[inner]!.v8Start;
      if (!byLocation.has(`${script.lineOf(at)}:${script.columnOf(at)}`)) continue;
      candidates.push({ file, script, index: inner });
      if (file === frame.file) sameScriptIsTiered = true;
    }
    let chosen: { file: string; script: ScriptFunctions; index: number } | undefined;
    if (candidates.length === 1) chosen = candidates[0];
    else if (sameScriptIsTiered) chosen = candidates.find((candidate) => candidate.file === frame.file);
    else if (candidates.length === 0 && sameScript !== TOP_LEVEL && sameScript !== index && startsToken(own.source, position)) {
      chosen = { file: frame.file, script: own, index: sameScript };
    }
    if (chosen === undefined) {
      this.counts.ambiguous++;
      return [{ frame, line: 0 }];
    }
    this.counts.inlined++;
    return [{ frame, line: 0 }, { frame: this.frameOf(chosen.file, chosen.script, chosen.index), line: chosen.script.lineOf(position) }];
  }

  /** The frame of function `index` of a script, inlined, named as V8 names it where V8 named it. */
  private frameOf(file: string, script: ScriptFunctions, index: number): FrameInfo {
    const fn = script.functions[index]!;
    const line = script.lineOf(fn.v8Start);
    const column = script.columnOf(fn.v8Start);
    const name = this.tiered.get(file)?.get(`${line}:${column}`) ?? fn.name;
    return { name, file, line, column, kind: 'js', inlined: true };
  }

  private scriptOf(file: string): ScriptFunctions | undefined {
    let script = this.scripts.get(file);
    if (script === undefined) {
      const source = this.sourceText(file);
      script = (source !== undefined ? parsedScript(file, source) : undefined) ?? null;
      this.scripts.set(file, script);
    }
    return script ?? undefined;
  }

  private sourceText(file: string): string | undefined {
    let source = this.sources.get(file);
    if (source === undefined) {
      source = (file ? this.readSource(file) : undefined) ?? null;
      this.sources.set(file, source);
    }
    return source ?? undefined;
  }
}

const IDENTIFIER_PART = /[\p{ID_Continue}$\u200c\u200d]/u;

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

/**
 * Parsed scripts kept across recordings in this process: parsing is most of
 * the cost of recovering inlined frames (a 9 MB typescript.js takes about a
 * second), and a service profiled again and again runs the same scripts. An
 * entry is used only while the file still reads the same; the least recently
 * used go first beyond PARSED_CACHE_CHARS of source.
 */
const parsedCache = new Map<string, { source: string; script: ScriptFunctions | undefined }>();
const PARSED_CACHE_CHARS = 64 * 1024 * 1024;
let parsedCacheChars = 0;

function parsedScript(file: string, source: string): ScriptFunctions | undefined {
  const cached = parsedCache.get(file);
  if (cached !== undefined) {
    parsedCache.delete(file);
    parsedCacheChars -= cached.source.length;
  }
  const script = cached !== undefined && cached.source === source ? cached.script : ScriptFunctions.parse(source);
  parsedCache.set(file, { source, script });
  parsedCacheChars += source.length;
  for (const [oldest, entry] of parsedCache) {
    if (parsedCacheChars <= PARSED_CACHE_CHARS || oldest === file) break;
    parsedCache.delete(oldest);
    parsedCacheChars -= entry.source.length;
  }
  return script;
}
