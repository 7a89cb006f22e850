/**
 * V8's own table of each script's functions (where each begins and ends),
 * read through the inspector's best-effort coverage in one synchronous call:
 * about 35 ms at the end of a TypeScript type-check, where parsing the
 * sampled functions with acorn took over half a second (docs/benchmarks.md,
 * section 18; docs/design.md, "V8's own function tables"). The ranges are
 * V8's, so they agree with the offsets in its line position tables by
 * construction.
 *
 * The table is not complete: V8 lists a function only if it ran with a
 * closure still alive, or if the function around it is so listed. A function
 * that is listed but not covered may hold functions the table lacks; such
 * functions are parsed on their own (script-index.ts), as are functions V8
 * does not list and the kinds whose V8 name position cannot be read off the
 * table (class constructors, computed method names). With that, answers are
 * the ones a parse gives (checked against acorn on the corpus:
 * scripts/experiments/v8-functions-check.js).
 */
import { fileURLToPath } from 'node:url';
import { lastStartingBy, type ScriptFunction } from './functions';

/** A function as V8's coverage lists it. */
export interface V8Function {
  /** Offset of its first character (`function`, `async`, a method's name, an arrow's parameters). */
  start: number;
  /** Offset just past its last character. */
  end: number;
  name: string;
  /** It ran, with a closure still alive: every function nested directly in it is listed too. */
  covered: boolean;
}

/** The listed functions of each loaded script, by file name as code events give it (a path, or `node:...`). */
export type V8FunctionTables = ReadonlyMap<string, readonly V8Function[]>;

interface CoverageResult {
  result: Array<{ url: string; functions: Array<{ functionName: string; ranges: Array<{ startOffset: number; endOffset: number; count: number }> }> }>;
}

/**
 * V8's function tables of every script now loaded, from one inspector call
 * (Profiler.getBestEffortCoverage, which changes nothing in the program);
 * undefined when this Node has no inspector or the call fails. A file loaded
 * as two scripts is left out: which one a code event meant is not known.
 */
export function takeV8FunctionTables(): V8FunctionTables | undefined {
  let inspector: typeof import('node:inspector');
  try {
    inspector = require('node:inspector') as typeof import('node:inspector');
  } catch {
    return undefined; // Node built without the inspector
  }
  let session: InstanceType<typeof inspector.Session> | undefined;
  let coverage: CoverageResult | undefined;
  try {
    session = new inspector.Session();
    session.connect();
    // A session on this thread answers synchronously.
    session.post('Profiler.getBestEffortCoverage', (error, result) => {
      if (!error) coverage = result as unknown as CoverageResult;
    });
  } catch {
    return undefined;
  } finally {
    try {
      session?.disconnect();
    } catch {
      // Not connected.
    }
  }
  if (coverage === undefined) return undefined;
  const tables = new Map<string, V8Function[]>();
  const twice = new Set<string>();
  for (const script of coverage.result) {
    const functions = script.functions.map(({ functionName, ranges: [range] }) => ({
      start: range!.startOffset,
      end: range!.endOffset,
      name: functionName,
      covered: range!.count > 0,
    }));
    for (const file of namesOf(script.url)) {
      if (tables.has(file)) twice.add(file);
      tables.set(file, functions);
    }
  }
  for (const file of twice) tables.delete(file);
  return tables;
}

/**
 * Two takes of the tables as one: every function either listed (V8 lists a
 * function only while a closure of it lives, so an earlier take can hold
 * what a later one lost). A function's range never changes, so the union is
 * still a table: sorted by start, outer functions first.
 */
export function mergeFunctionTables(earlier: V8FunctionTables | undefined, later: V8FunctionTables | undefined): V8FunctionTables | undefined {
  if (earlier === undefined || later === undefined) return later ?? earlier;
  const merged = new Map<string, readonly V8Function[]>(earlier);
  for (const [file, functions] of later) {
    const before = earlier.get(file);
    if (before === undefined) {
      merged.set(file, functions);
      continue;
    }
    const byRange = new Map<string, V8Function>();
    for (const fn of [...before, ...functions]) {
      const key = `${fn.start}:${fn.end}:${fn.name}`;
      const seen = byRange.get(key);
      byRange.set(key, seen === undefined ? fn : { ...fn, covered: fn.covered || seen.covered });
    }
    merged.set(file, [...byRange.values()].sort((a, b) => a.start - b.start || b.end - a.end));
  }
  return merged;
}

/**
 * The file names code events may use for a script the inspector calls by a
 * URL: a CommonJS module's code is named by its path, an ES module's by its
 * file: URL (the inspector gives both as URLs), so both are kept.
 */
function namesOf(url: string): string[] {
  if (url === '') return [];
  if (!url.startsWith('file:')) return [url];
  try {
    return [fileURLToPath(url), url];
  } catch {
    return [];
  }
}

/** `async`, `function`, `*` and a name before a function's `(` (V8 names it by the `(`). */
const FUNCTION_HEAD = /(?:async\s+)?function\s*\*?\s*[\p{ID_Continue}$\u200c\u200d]*\s*\(/uy;
const FUNCTION_KEYWORD = /(?:async\s+)?function(?![\p{ID_Continue}$\u200c\u200d])/uy;
/** A method's modifiers and name before its `(`; computed (`[key]`) names are not read. */
const METHOD_HEAD = /(?:static\s+)?(?:async\s+)?(?:[gs]et\s+)?\*?\s*(?:#?[\p{ID_Continue}$\u200c\u200d]+|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")\s*\(/uy;
/** An async arrow's `async` and blanks, before its parameters. */
const ASYNC_PREFIX = /async\s+/uy;
/** An arrow's single parameter and its `=>`. */
const ARROW_PARAMETER = /[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*\s*=>/uy;

/**
 * How a parse (functions.ts) would list a function V8 lists at `start`: its
 * start and the offset V8 names it by; undefined for what a parse must
 * settle (class constructors, computed method names, comments in a
 * function's head). Not for a class's member initializer (isMemberInitializer).
 */
export function asParsed(source: string, start: number, end: number): Pick<ScriptFunction, 'start' | 'v8Start'> | undefined {
  const matchEnd = (pattern: RegExp, from: number): number => {
    pattern.lastIndex = from;
    return pattern.test(source) && pattern.lastIndex <= end ? pattern.lastIndex : -1;
  };
  let at = matchEnd(FUNCTION_HEAD, start);
  if (at !== -1) return { start, v8Start: at - 1 };
  if (matchEnd(FUNCTION_KEYWORD, start) !== -1 || source.startsWith('constructor', start)) return undefined;
  // An arrow: V8 names it by its first character, `async` or its parameters.
  const params = Math.max(start, matchEnd(ASYNC_PREFIX, start));
  if ((source[params] === '(' && isArrowFrom(source, params, end)) || matchEnd(ARROW_PARAMETER, params) !== -1) return { start, v8Start: start };
  // A method, getter or setter: a parse starts it at its `(`.
  at = matchEnd(METHOD_HEAD, start);
  return at === -1 ? undefined : { start: at - 1, v8Start: at - 1 };
}

/** Whether the `(` at `paren` opens an arrow's parameters: `=>` follows its `)`. Unsure (a string or comment inside) is no. */
function isArrowFrom(source: string, paren: number, end: number): boolean {
  let depth = 0;
  for (let i = paren; i < end; i++) {
    const char = source[i];
    if (char === '(') depth++;
    else if (char === ')' && --depth === 0) return /^\s*=>/.test(source.slice(i + 1, i + 64));
    else if (char === '"' || char === "'" || char === '`' || char === '/') return false;
  }
  return false;
}

/** The function V8 makes of a class's field initializers (its range starts at the class, its body or its first field, by V8 version). */
export function isMemberInitializer(fn: V8Function): boolean {
  return fn.name === '<instance_members_initializer>' || fn.name === '<static_initializer>';
}

/** Text that may hold a function: a parse is needed to know (`if (a) {`, or a comment after a `)`, is enough to be unsure). */
const MAY_HOLD_FUNCTION = /=>|function|class|\)\s*(?:\{|\/[*/])/;

type Unlinked = Omit<ScriptFunction, 'parent'>;

/** One script's V8 table, listed as a parse of the script would list its functions (functions.ts). */
export class V8ScriptTable {
  /** How a parse lists each function, or undefined when a parse must say (asParsed). */
  private readonly parsed: Array<Pick<ScriptFunction, 'start' | 'v8Start'> | undefined>;
  private readonly byV8Start = new Map<number, number>();
  /** Index of the listed function around each one, -1 for none. */
  private readonly parent: number[];

  constructor(
    private readonly source: string,
    private readonly functions: readonly V8Function[],
  ) {
    this.parsed = functions.map((fn) => (isMemberInitializer(fn) ? undefined : asParsed(source, fn.start, fn.end)));
    this.parsed.forEach((parsed, index) => {
      if (parsed !== undefined && !this.byV8Start.has(parsed.v8Start)) this.byV8Start.set(parsed.v8Start, index);
    });
    // V8 lists outer functions before the ones nested in them, by start.
    const open: number[] = [];
    this.parent = functions.map((fn, index) => {
      while (open.length > 0 && functions[open[open.length - 1]!]!.end <= fn.start) open.pop();
      const parent = open.length > 0 ? open[open.length - 1]! : -1;
      open.push(index);
      return parent;
    });
  }

  /**
   * V8's name offset of the innermost function it lists whose text (as a
   * parse gives it) holds `offset`; undefined when none does. Functions
   * asParsed cannot read are passed over for the function around them.
   */
  innermostListed(offset: number): number | undefined {
    for (let index = lastStartingBy(this.functions, offset); index !== -1; index = this.parent[index]!) {
      const parsed = this.parsed[index];
      if (parsed !== undefined && parsed.start <= offset && offset < this.functions[index]!.end) return parsed.v8Start;
    }
    return undefined;
  }

  /**
   * Where the innermost listed function holding `offset` ends (class member
   * initializers passed over); undefined when none does. Any function whose
   * text holds `offset` (one named there too) ends there or before: the
   * bound lets a question about a later offset pass over it unparsed.
   */
  endAround(offset: number): number | undefined {
    for (let index = lastStartingBy(this.functions, offset); index !== -1; index = this.parent[index]!) {
      const fn = this.functions[index]!;
      if (offset < fn.end && !isMemberInitializer(fn)) return fn.end;
    }
    return undefined;
  }

  /** Whether V8 lists a function it names by `v8Start`. */
  names(v8Start: number): boolean {
    return this.byV8Start.has(v8Start);
  }

  /**
   * The function V8 names by `v8Start` and every function nested in it, as a
   * parse of it alone would list them, except inside the functions of
   * `toParse` (listed themselves), which V8 may not list fully: what is
   * nested in them is for a parse of each on its own. Undefined when the
   * table cannot say: the function is not listed or may hold functions the
   * table lacks, or something in it is of a kind asParsed leaves to a parse.
   */
  subtree(v8Start: number): { functions: Unlinked[]; toParse: Unlinked[] } | undefined {
    const root = this.byV8Start.get(v8Start);
    if (root === undefined || this.mayLackNested(root)) return undefined;
    const functions: Unlinked[] = [];
    const toParse: Unlinked[] = [];
    const { end } = this.functions[root]!;
    let skipUntil = -1;
    for (let index = root; index < this.functions.length && this.functions[index]!.start < end; index++) {
      const fn = this.functions[index]!;
      if (fn.start < skipUntil) continue;
      // A class's member initializer is no function to a parse; its nested functions are.
      if (isMemberInitializer(fn)) continue;
      const parsed = this.parsed[index];
      if (parsed === undefined) return undefined;
      if (index !== root && this.mayLackNested(index)) {
        toParse.push({ start: parsed.start, end: fn.end, v8Start: parsed.v8Start, name: fn.name || '(anonymous)' });
        skipUntil = fn.end;
        continue;
      }
      functions.push({ start: parsed.start, end: fn.end, v8Start: parsed.v8Start, name: fn.name || '(anonymous)' });
    }
    return { functions, toParse };
  }

  /** Whether a function may hold functions V8 does not list: it is not covered and its own text (without its listed functions) may. */
  private mayLackNested(index: number): boolean {
    const fn = this.functions[index]!;
    if (fn.covered) return false;
    let from = this.bodyStart(index);
    if (from === -1) return true;
    for (let child = index + 1; child < this.functions.length && this.functions[child]!.start < fn.end; child++) {
      const { start, end } = this.functions[child]!;
      if (start < from) continue; // nested in a listed function already passed
      if (MAY_HOLD_FUNCTION.test(this.source.slice(from, start))) return true;
      from = end;
    }
    return MAY_HOLD_FUNCTION.test(this.source.slice(from, fn.end));
  }

  /** Offset just inside a function's body (past `{` or `=>`), -1 when unsure (its parameters may hold a function). */
  private bodyStart(index: number): number {
    const parsed = this.parsed[index];
    if (parsed === undefined) return -1;
    const { end } = this.functions[index]!;
    let at = parsed.v8Start;
    if (this.source[at] === '(') {
      let depth = 0;
      for (; at < end; at++) {
        const char = this.source[at]!;
        if (char === '(') depth++;
        else if (char === ')' && --depth === 0) break;
        else if (char === '"' || char === "'" || char === '`' || char === '/' || char === '=') return -1; // defaults and strings: unsure
      }
      at++;
    } else {
      while (at < end && /[\p{ID_Continue}$\u200c\u200d]/u.test(this.source[at]!)) at++;
    }
    const arrowOrBrace = /\s*(?:=>|\{)/y;
    arrowOrBrace.lastIndex = at;
    return arrowOrBrace.test(this.source) && arrowOrBrace.lastIndex <= end ? arrowOrBrace.lastIndex : -1;
  }
}
