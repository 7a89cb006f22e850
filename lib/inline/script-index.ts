/**
 * What inline-stack.ts knows of one script: its source, line starts, and its
 * functions, parsed as little as the question needs. Parsing is most of the
 * cost of recovering inlined frames (a 9 MB typescript.js takes over a second
 * with acorn, and it runs in Profiler.stop()), yet the questions asked are
 * about few functions: the sampled function itself, and the tiered-up
 * functions around an offset. So a function is parsed on its own
 * (ScriptFunctions.parseFunctionAt), a bytecode function only up to its body
 * (only its lines are asked), and the whole script only when a question needs
 * it (top-level code in optimized code; an offset that no tiered-up function
 * holds and that still has to be placed; a function that does not parse on
 * its own) or when the functions parsed on their own add up to the script's
 * size. Answers are the same either way: a function parsed on its own has the
 * same range and nested functions as in the whole script (docs/design.md says
 * how that was checked).
 */
import { CLASS_WITHOUT_CONSTRUCTOR, ScriptFunctions, TOP_LEVEL, lineAt, lineStartsOf } from './functions';
import { V8Function, V8ScriptTable } from './v8-functions';

/** A function, in a parse that holds it and everything nested in it. */
export interface FunctionRef {
  script: ScriptFunctions;
  index: number;
}

const CLASS_KEYWORD = /^class(?![\p{ID_Continue}$\u200c\u200d])/u;

/**
 * The text a function V8 names by its first character may begin with: an
 * arrow's parameters (`(`, a name, `async`) and a class; a name counts only
 * before its arrow (or a comment, or an escape). A parse says whether it is
 * one; a script that begins otherwise (a comment, a directive, `var`, as
 * ESLint's 85 sampled scripts did: 58 ms of failed parses) needs none.
 */
const MAY_START_FUNCTION = /^(?:[(\\]|(?:async|class)(?![\p{ID_Continue}$\u200c\u200d])|[\p{ID_Start}$_\\][\p{ID_Continue}$\u200c\u200d\\]*\s*(?:=>|\/[*/]))/u;

/** Parse functions on their own until their text adds up to this share of the script; then the whole script (bounds the cost at about twice a whole parse when nested functions were parsed before the function holding them). */
const PARTIAL_PARSE_SHARE = 1;

export class ScriptIndex {
  private starts: number[] | undefined;
  /** The whole script parsed; null when it does not parse, undefined when not tried. */
  private whole: ScriptFunctions | null | undefined;
  /** Functions parsed on their own, and every function nested in them, by V8's start; null when one cannot be parsed on its own. */
  private readonly byV8Start = new Map<number, FunctionRef | null>();
  /** V8 starts that a parse alone found to be classes without a constructor: no function of any parse starts there. */
  private readonly classesWithoutConstructor = new Set<number>();
  private partialChars = 0;
  /** Per tiered-up name table, its functions' offsets, sorted. */
  private readonly tieredOffsets = new WeakMap<ReadonlyMap<string, string>, number[]>();
  /** V8's own table of the script's functions, when one was taken (v8-functions.ts): read before parsing. */
  private v8Table: V8ScriptTable | undefined;
  /**
   * Per answer read off V8's table, its functions whose nested functions the
   * table may lack (by index): parsed on their own only when an offset
   * falls in one (innermostIn), as most never hold one (TypeScript's
   * checker: 12 of 97).
   */
  private readonly unparsedNested = new WeakMap<ScriptFunctions, ReadonlySet<number>>();
  /** V8's names of those functions, by V8's start: a parse alone does not know a function's own name (it depends on the code around it). */
  private readonly namesOfUnparsed = new Map<number, string>();
  /**
   * Whether a function's head parses at an offset (namesFunction), by offset: asked once per
   * sampled position of a bytecode function that V8's table does not list (functions that ran
   * once, such as a bundle's module wrappers: 62 of them asked 112 times at TypeScript's end).
   */
  private readonly startsFunction = new Map<number, boolean>();

  constructor(readonly source: string) {}

  /** Whether V8's table of the script's functions was given (useV8Functions). */
  get hasV8Functions(): boolean {
    return this.v8Table !== undefined;
  }

  /** Whether `offset` lies in a function V8's table lists (false without a table). */
  inListedFunction(offset: number): boolean {
    return this.v8Table?.innermostListed(offset) !== undefined;
  }

  /** Answers from V8's table of this script's functions where it can (the newest table taken replaces an older one). */
  useV8Functions(functions: readonly V8Function[]): void {
    this.v8Table = new V8ScriptTable(this.source, functions);
  }

  get lineStarts(): number[] {
    return (this.starts ??= lineStartsOf(this.source));
  }

  /** Offset of a 1-based line and column; -1 when the line does not exist. */
  offsetOf(line: number, column: number): number {
    const starts = this.lineStarts;
    return line < 1 || line > starts.length ? -1 : starts[line - 1]! + column - 1;
  }

  /** 1-based line of an offset. */
  lineOf(offset: number): number {
    return lineAt(this.lineStarts, offset);
  }

  /**
   * Whether V8's line 1 column 1 names the script's top-level code, found
   * without parsing the script: no function is named at offset 0. Only an
   * arrow function or a class can be (a `function`'s name is its `(`, a
   * method's lies in a class or object), and both parse on their own; most
   * scripts begin with a comment or a directive, which neither can.
   * Unlike functionNamed, it does not check that the script parses.
   */
  namesTopLevel(line: number, column: number): boolean {
    if (line !== 1 || column !== 1) return false;
    if (this.whole !== undefined) return this.whole !== null && this.whole.functionNamed(1, 1) === TOP_LEVEL;
    return !MAY_START_FUNCTION.test(this.source.slice(0, 256)) || this.functionAt(0) === null;
  }

  /**
   * Whether functionNamed would find the function V8 names by this line and
   * column, or top-level code; for bytecode, whose offsets are all the
   * function's own, that and lines are all that is needed. Reads only the
   * function's head where it can (a 2 MB function such as TypeScript's
   * createTypeChecker runs in bytecode and is not worth parsing for a line).
   * Unlike functionNamed, it does not check that the function's body parses.
   */
  namesFunction(line: number, column: number): boolean {
    if (this.namesTopLevel(line, column)) return true;
    const offset = this.offsetOf(line, column);
    if (this.whole === undefined && offset >= 0 && offset < this.source.length) {
      if (this.byV8Start.get(offset) || this.v8Table?.names(offset)) return true;
      let starts = this.startsFunction.get(offset);
      if (starts === undefined) this.startsFunction.set(offset, (starts = ScriptFunctions.startsFunctionAt(this.source, offset)));
      if (starts) return true;
      // A class's constructor, named by its `class`: the head is the keyword (a class body can be most of a bundle).
      if (CLASS_KEYWORD.test(this.source.slice(offset, offset + 6))) return true;
    }
    return this.functionNamed(line, column) !== undefined;
  }

  /** The whole script parsed; undefined when it does not parse. */
  full(): ScriptFunctions | undefined {
    if (this.whole === undefined) this.whole = ScriptFunctions.parse(this.source, this.lineStarts) ?? null;
    return this.whole ?? undefined;
  }

  /**
   * The function V8 names by this line and column (TOP_LEVEL for line 1
   * column 1 when no function starts there), as ScriptFunctions.functionNamed;
   * undefined when there is none.
   */
  functionNamed(line: number, column: number): FunctionRef | undefined {
    if (this.whole === undefined && !(line === 1 && column === 1)) {
      const offset = this.offsetOf(line, column);
      const alone = offset >= 0 && offset < this.source.length ? this.functionAt(offset) : null;
      if (alone !== null) return alone;
      // The whole script would not name a function there either.
      if (this.classesWithoutConstructor.has(offset)) return undefined;
    }
    const script = this.full();
    const index = script?.functionNamed(line, column);
    return script === undefined || index === undefined ? undefined : { script, index };
  }

  /**
   * The innermost function holding `offset` if it is tiered up (its
   * `line:column` is in `tiered`), else undefined: what
   * `full().innermostAt(offset)` and a look-up in `tiered` would say.
   * The innermost tiered-up function holding the offset is the first one,
   * going back from the offset, whose range holds it; the offset's innermost
   * function is that one or one nested in it, both in its parse.
   */
  tieredInnermostAt(offset: number, tiered: ReadonlyMap<string, string>): FunctionRef | undefined {
    if (this.whole === undefined) {
      const offsets = this.tieredOffsetsOf(tiered);
      let next = upperBound(offsets, offset);
      let answer: FunctionRef | undefined | null;
      // The offset may lie in the `function name` text before the next function's `(`.
      if (next < offsets.length && mayBeFunctionHead(this.source, offset, offsets[next]!)) {
        const ref = this.functionAt(offsets[next]!);
        if (ref === null) answer = this.classesWithoutConstructor.has(offsets[next]!) ? undefined : null;
        else if (ref.script.functions[ref.index]!.start <= offset) answer = ref;
      }
      for (let i = next - 1; answer === undefined && i >= 0; i--) {
        // A function V8's table bounds before the offset is passed over unparsed (ESLint's
        // probes of other scripts: about a third of their parses).
        if (this.v8Table !== undefined && (this.v8Table.endAround(offsets[i]!) ?? Infinity) <= offset) continue;
        const ref = this.functionAt(offsets[i]!);
        if (ref === null) {
          // A class without a constructor is no function of a parse: the ones before it may hold the offset.
          if (!this.classesWithoutConstructor.has(offsets[i]!)) answer = null;
        } else {
          // (A class constructor, named by its class, starts after it.)
          const fn = ref.script.functions[ref.index]!;
          if (fn.start <= offset && offset < fn.end) answer = this.innermostIn(ref, offset);
        }
      }
      if (answer !== null) return answer === undefined ? undefined : this.tieredOf(answer, tiered);
      // A function that cannot be parsed on its own: ask the whole script.
    }
    const found = this.innermostAt(offset);
    return found === undefined || found === TOP_LEVEL ? undefined : this.tieredOf(found, tiered);
  }

  /**
   * The innermost function holding `offset`, as `full().innermostAt(offset)`
   * says (TOP_LEVEL when none); undefined when the script does not parse, or
   * when that needs the whole parse of a script longer than `maxWholeChars`.
   * Without the whole parse where V8's table places the offset in a function
   * it lists: the innermost one is that function or one nested in it, which
   * its own answer (table or parse) holds whole.
   */
  innermostAt(offset: number, maxWholeChars = Infinity): FunctionRef | typeof TOP_LEVEL | undefined {
    const listed = this.whole === undefined ? this.v8Table?.innermostListed(offset) : undefined;
    const ref = listed === undefined ? null : this.functionAt(listed);
    if (ref) {
      const found = this.innermostIn(ref, offset);
      if (found.index !== TOP_LEVEL) return found;
    }
    if (this.whole === undefined && this.source.length > maxWholeChars) return undefined;
    const script = this.full();
    if (script === undefined) return undefined;
    const index = script.innermostAt(offset);
    return index === TOP_LEVEL ? TOP_LEVEL : { script, index };
  }

  /**
   * The innermost function holding `offset` among those `ref`'s answer
   * lists (`ref.script.innermostAt`), with the functions nested in a function
   * V8's table may not list fully read when the offset falls in one: from a
   * parse of that function alone, else the whole script (TOP_LEVEL: none).
   */
  innermostIn(ref: FunctionRef, offset: number): FunctionRef {
    const index = ref.script.innermostAt(offset);
    if (index === TOP_LEVEL || !this.unparsedNested.get(ref.script)?.has(index)) return { script: ref.script, index };
    // Its own answer (a parse of it, or a newer table's, whose own gaps are read the same way).
    const alone = this.functionAt(ref.script.functions[index]!.v8Start);
    if (alone !== null) return this.innermostIn(alone, offset);
    const whole = this.full();
    return whole === undefined ? { script: ref.script, index } : { script: whole, index: whole.innermostAt(offset) };
  }

  /** Whether `inner` (an answer of innermostIn) is `outer` or nested in it. */
  contains(outer: FunctionRef, inner: FunctionRef): boolean {
    if (inner.script === outer.script) return outer.script.contains(outer.index, inner.index);
    // From another parse (innermostIn's): function ranges nest.
    if (outer.index === TOP_LEVEL) return true;
    if (inner.index === TOP_LEVEL) return false;
    const a = outer.script.functions[outer.index]!;
    const b = inner.script.functions[inner.index]!;
    return a.start <= b.start && b.end <= a.end;
  }

  /**
   * The function if it is tiered up, else undefined. A class constructor is
   * listed twice, by its `(` and by its class (in that order: a parse lists
   * the `(` first), and whichever of the two V8 named counts; when both are,
   * the `(` is the constructor's name and the class its fields' initializer's.
   */
  private tieredOf(ref: FunctionRef, tiered: ReadonlyMap<string, string>): FunctionRef | undefined {
    const { script } = ref;
    const fn = script.functions[ref.index]!;
    for (let index = ref.index - 1; index <= ref.index + 1; index++) {
      const other = script.functions[index];
      if (other === undefined || other.start !== fn.start || other.end !== fn.end) continue;
      if (tiered.has(`${script.lineOf(other.v8Start)}:${script.columnOf(other.v8Start)}`)) return { script, index };
    }
    return undefined;
  }

  private tieredOffsetsOf(tiered: ReadonlyMap<string, string>): number[] {
    let offsets = this.tieredOffsets.get(tiered);
    if (offsets === undefined) {
      offsets = [];
      for (const location of tiered.keys()) {
        const [line, column] = location.split(':').map(Number) as [number, number];
        const offset = this.offsetOf(line, column);
        if (offset >= 0 && offset < this.source.length) offsets.push(offset);
      }
      offsets.sort((a, b) => a - b);
      this.tieredOffsets.set(tiered, offsets);
    }
    return offsets;
  }

  /**
   * The function V8 names by `v8Start` from a parse of it alone (or of a
   * function holding it); null when it cannot be had that way, or when such
   * parses have grown too large a share of the script.
   */
  private functionAt(v8Start: number): FunctionRef | null {
    let ref = this.byV8Start.get(v8Start);
    if (ref !== undefined) return ref;
    const script = this.fromV8Table(v8Start) ?? this.parseAlone(v8Start);
    const unparsed = script && this.unparsedNested.get(script);
    script?.functions.forEach((fn, index) => {
      // A function listed without what is nested in it answers for itself from its own parse.
      if (!this.byV8Start.get(fn.v8Start) && !unparsed?.has(index)) this.byV8Start.set(fn.v8Start, { script, index });
    });
    ref = this.byV8Start.get(v8Start) ?? null;
    this.byV8Start.set(v8Start, ref);
    return ref;
  }

  /** The function V8 names by `v8Start` and those nested in it, parsed on its own; undefined when it does not parse or parses have grown too large a share of the script. */
  private parseAlone(v8Start: number): ScriptFunctions | undefined {
    if (this.partialChars > this.source.length * PARTIAL_PARSE_SHARE) return undefined;
    const script = ScriptFunctions.parseFunctionAt(this.source, v8Start, this.lineStarts);
    if (script === CLASS_WITHOUT_CONSTRUCTOR) {
      this.classesWithoutConstructor.add(v8Start);
      return undefined;
    }
    if (script === undefined) return undefined;
    this.partialChars += script.functions[0]!.end - script.functions[0]!.start;
    const name = this.namesOfUnparsed.get(v8Start);
    if (name === undefined) return script;
    return ScriptFunctions.of(this.source, script.functions.map(({ parent: _parent, ...fn }, index) => (index === 0 ? { ...fn, name } : fn)), this.lineStarts);
  }

  /** The same from V8's table, the functions it may not list fully without what is nested in them (innermostIn reads that); undefined when it cannot say. */
  private fromV8Table(v8Start: number): ScriptFunctions | undefined {
    const found = this.v8Table?.subtree(v8Start);
    if (found === undefined) return undefined;
    const { functions, toParse } = found;
    const script = ScriptFunctions.of(this.source, [...functions, ...toParse], this.lineStarts);
    if (toParse.length > 0) {
      this.unparsedNested.set(script, new Set(toParse.map((fn) => script.indexAt(fn.v8Start)).filter((index) => index !== undefined)));
      for (const fn of toParse) this.namesOfUnparsed.set(fn.v8Start, fn.name);
    }
    return script;
  }
}

/** Whether two answers name the same function (they may come from different parses). */
export function sameFunction(a: FunctionRef, b: FunctionRef): boolean {
  const x = a.script.functions[a.index]!;
  const y = b.script.functions[b.index]!;
  return x.start === y.start && x.end === y.end && x.v8Start === y.v8Start;
}

/** Whether two answers hold the same text (a class constructor is listed twice: by its `(` and by its class). */
export function sameRange(a: FunctionRef, b: FunctionRef): boolean {
  if (a.index === TOP_LEVEL || b.index === TOP_LEVEL) return a.index === b.index && a.script === b.script;
  const x = a.script.functions[a.index]!;
  const y = b.script.functions[b.index]!;
  return x.start === y.start && x.end === y.end;
}

/** Index of the first value greater than `value` in a sorted array. */
function upperBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Whether the text from `offset` to a function's `(` at `paren` can be part of
 * its head (`async function* name`, comments): only words, blanks, `*` and
 * comment characters. Anything else means the offset is not in that head.
 */
export function mayBeFunctionHead(source: string, offset: number, paren: number): boolean {
  if (paren - offset > 512) return false;
  return /^[\p{ID_Continue}$\u200c\u200d\s*/]*$/u.test(source.slice(offset, paren));
}

/**
 * Script indexes kept across recordings in this process (a service profiled
 * again and again runs the same scripts). An entry is used only while the
 * file still reads the same; the least recently used go first beyond
 * INDEX_CACHE_CHARS of source.
 */
const indexCache = new Map<string, ScriptIndex>();
const INDEX_CACHE_CHARS = 64 * 1024 * 1024;
let indexCacheChars = 0;

export function scriptIndexFor(file: string, source: string): ScriptIndex {
  const cached = indexCache.get(file);
  if (cached !== undefined) {
    indexCache.delete(file);
    indexCacheChars -= cached.source.length;
  }
  const index = cached !== undefined && cached.source === source ? cached : new ScriptIndex(source);
  indexCache.set(file, index);
  indexCacheChars += source.length;
  for (const [oldest, entry] of indexCache) {
    if (indexCacheChars <= INDEX_CACHE_CHARS || oldest === file) break;
    indexCache.delete(oldest);
    indexCacheChars -= entry.source.length;
  }
  return index;
}
