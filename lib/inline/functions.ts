/**
 * The functions of one script, from its source text: where each begins and
 * ends, the position V8 names it by, and a name. Script offsets from V8's
 * line position tables are looked up here to find the function whose code
 * they belong to.
 *
 * V8 names a function (`JS:*fn file:line:column`) by its SharedFunctionInfo's
 * start position: the `(` of the parameter list for `function f(...)` and
 * methods, the first character of an arrow function (its parameters, or `async`), the `class` keyword for
 * a class constructor.
 */
import type * as Acorn from 'acorn';

let acornModule: typeof Acorn | undefined;

/** acorn, loaded on first use: a recording may need no parse (V8's tables answer, or nothing was sampled in optimized code), and loading it costs the profiled program 250 KB of heap and milliseconds at its start. */
function acorn(): typeof Acorn {
  acornModule ??= require('acorn') as typeof Acorn;
  return acornModule;
}

export interface ScriptFunction {
  /** Offset of the function's first character (`function`, `async`, the method name...). */
  readonly start: number;
  /** Offset just past its last character. */
  readonly end: number;
  /** The offset V8 reports the function at. */
  readonly v8Start: number;
  /** The name as written (or assigned to), '(anonymous)' when none. */
  readonly name: string;
  /** Index of the innermost function around it, -1 for top level. */
  readonly parent: number;
}

/** The script's top-level code, as a function index. */
export const TOP_LEVEL = -1;

/**
 * parseFunctionAt's answer for a class with no constructor of its own: V8
 * names the class's default constructor (or its fields' initializer) by the
 * `class` keyword, and no function of a parse starts there, as in a parse of
 * the whole script. Known from the class alone, so that a question about it
 * need not parse the script.
 */
export const CLASS_WITHOUT_CONSTRUCTOR = Symbol('class without constructor');

interface AstNode {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

export class ScriptFunctions {
  /** Sorted by start; a function comes before the functions nested in it. */
  readonly functions: readonly ScriptFunction[];
  private readonly lineStarts: number[];
  private readonly byV8Start = new Map<number, number>();

  private constructor(readonly source: string, functions: ScriptFunction[], lineStarts?: number[]) {
    this.functions = functions;
    this.lineStarts = lineStarts ?? lineStartsOf(source);
    functions.forEach((fn, index) => {
      if (!this.byV8Start.has(fn.v8Start)) this.byV8Start.set(fn.v8Start, index);
    });
  }

  /** Parses a script (module or classic); undefined when it does not parse. */
  static parse(source: string, lineStarts?: number[]): ScriptFunctions | undefined {
    const program = parseProgram(source);
    return program === undefined ? undefined : new ScriptFunctions(source, collectFunctions(source, program), lineStarts);
  }

  /** Functions found some other way (V8's own table: v8-functions.ts), sorted and linked here. */
  static of(source: string, functions: Array<Omit<ScriptFunction, 'parent'>>, lineStarts?: number[]): ScriptFunctions {
    return new ScriptFunctions(source, linkParents(functions), lineStarts);
  }

  /**
   * Parses only the function V8 names by `v8Start`, with the functions nested
   * in it: function 0 is that function, and every offset outside it is
   * TOP_LEVEL here. Much cheaper than parsing the script when the script is
   * large. Undefined when the function cannot be parsed on its own: methods,
   * getters and class constructors (whose text is not an expression), or no
   * function starting there; the caller then parses the whole script.
   *
   * Exact where it answers: the function's text is parsed by the same grammar
   * as within the script, and the function found must start where V8 says.
   * Its own name is not known (it depends on the code around it): callers
   * name function 0 by V8's name for it. CLASS_WITHOUT_CONSTRUCTOR when
   * `v8Start` is a class that has none.
   */
  static parseFunctionAt(source: string, v8Start: number, lineStarts?: number[]): ScriptFunctions | typeof CLASS_WITHOUT_CONSTRUCTOR | undefined {
    const found = findFunctionAt(source, v8Start, false);
    if (found === CLASS_WITHOUT_CONSTRUCTOR) return found;
    return found === undefined ? undefined : new ScriptFunctions(source, found, lineStarts ?? lineStartsOf(source));
  }

  /**
   * Whether parseFunctionAt would find a function named by `v8Start`, from
   * its head alone (name and parameters): its body is not read. Enough to
   * check that V8's function starts there when only lines are asked of it.
   * False for a class constructor (V8 names it by its class): ask parseFunctionAt.
   */
  static startsFunctionAt(source: string, v8Start: number): boolean {
    if (source.startsWith('class', v8Start)) return false;
    const found = findFunctionAt(source, v8Start, true);
    return found !== undefined && found !== CLASS_WITHOUT_CONSTRUCTOR;
  }

  /** 1-based line of an offset. */
  lineOf(offset: number): number {
    return lineAt(this.lineStarts, offset);
  }

  /** 1-based column of an offset (in UTF-16 units, as V8 counts). */
  columnOf(offset: number): number {
    return offset - this.lineStarts[this.lineOf(offset) - 1]! + 1;
  }

  /** Offset of a 1-based line and column; -1 when the line does not exist. */
  offsetOf(line: number, column: number): number {
    if (line < 1 || line > this.lineStarts.length) return -1;
    return this.lineStarts[line - 1]! + column - 1;
  }

  /** The function V8 names by this line and column, TOP_LEVEL for line 1 column 1 when no function starts there, else undefined. */
  functionNamed(line: number, column: number): number | undefined {
    const index = this.byV8Start.get(this.offsetOf(line, column));
    if (index !== undefined) return index;
    return line === 1 && column === 1 ? TOP_LEVEL : undefined;
  }

  /** Index of the function V8 names by `v8Start`; undefined when none is. */
  indexAt(v8Start: number): number | undefined {
    return this.byV8Start.get(v8Start);
  }

  /** The innermost function whose source holds the offset; TOP_LEVEL when none. */
  innermostAt(offset: number): number {
    // The last function starting at or before the offset, then out through its parents.
    let index = lastStartingBy(this.functions, offset);
    while (index !== TOP_LEVEL && offset >= this.functions[index]!.end) index = this.functions[index]!.parent;
    return index;
  }

  /** Whether function `inner` is `outer` or nested in it (TOP_LEVEL holds everything). */
  contains(outer: number, inner: number): boolean {
    for (let index = inner; ; index = this.functions[index]!.parent) {
      if (index === outer) return true;
      if (index === TOP_LEVEL) return false;
    }
  }
}

/** Index of the last of `functions` (sorted by start) that starts at or before `offset`; -1 when none. */
export function lastStartingBy(functions: ReadonlyArray<{ readonly start: number }>, offset: number): number {
  let low = 0;
  let high = functions.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (functions[mid]!.start <= offset) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}

/** 1-based line of an offset, from the offsets at which lines begin. */
export function lineAt(lineStarts: readonly number[], offset: number): number {
  let low = 0;
  let high = lineStarts.length;
  while (high - low > 1) {
    const mid = (low + high) >>> 1;
    if (lineStarts[mid]! <= offset) low = mid;
    else high = mid;
  }
  return low + 1;
}

/** Offsets at which each line begins. */
export function lineStartsOf(source: string): number[] {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

const PARSE_OPTIONS = {
    ecmaVersion: 'latest' as const,
    allowHashBang: true,
    allowReturnOutsideFunction: true,
    allowAwaitOutsideFunction: true,
    allowImportExportEverywhere: true,
    allowSuperOutsideMethod: true,
};

function parseProgram(source: string): AstNode | undefined {
  for (const sourceType of ['module', 'script'] as const) {
    try {
      return acorn().parse(source, { ...PARSE_OPTIONS, sourceType }) as unknown as AstNode;
    } catch {
      // Sloppy-mode scripts (with, octal literals...) fail as modules: try as a script.
    }
  }
  return undefined;
}

/** The expression starting at `start` (module grammar first, as parseProgram); undefined when none parses. */
function parseExpressionFrom(source: string, start: number, headOnly = false): AstNode | undefined {
  for (const sourceType of ['module', 'script'] as const) {
    try {
      // The function alone (acorn's atom: a function, class or arrow), not what follows it:
      // `function f() {}\n[a, b].map(...)` must not read on as `f[...]`.
      const parser = newParser(sourceType, source, start);
      if (typeof parser.parseExprAtom !== 'function' || typeof parser.nextToken !== 'function' || !Array.isArray(parser.privateNameStack)) {
        return acorn().parseExpressionAt(source, start, { ...PARSE_OPTIONS, sourceType }) as unknown as AstNode;
      }
      if (headOnly) stopAtBody(parser, start);
      parser.nextToken();
      // As acorn's parseMaybeAssign does before an atom that may be an arrow's parameters.
      parser.potentialArrowAt = parser.start;
      insideClass(parser);
      if (!source.startsWith('async', start) || typeof parser.parseExprSubscripts !== 'function') return parser.parseExprAtom() as AstNode;
      // `async (a) => ...` reads as a call of `async` first: acorn makes it an arrow with its subscripts (none follow an arrow).
      return parser.parseExprSubscripts() as AstNode;
    } catch (error) {
      if (error instanceof BodyReached) return error.node;
      // As in parseProgram: sloppy-mode code fails as a module.
    }
  }
  return undefined;
}

/** acorn's parser methods that are not part of its documented interface; checked before use. */
interface MethodParser {
  nextToken(): void;
  parseMethod(isGenerator: boolean, isAsync: boolean, allowDirectSuper: boolean): unknown;
  parseExprAtom(): unknown;
  raise(pos: number, message: string): never;
  raiseRecoverable(pos: number, message: string): never;
  parseFunctionBody(node: AstNode, ...rest: unknown[]): unknown;
  parseExprSubscripts(): unknown;
  potentialArrowAt: number;
  start: number;
  privateNameStack: Array<{ declared: Record<string, string>; used: unknown[] }>;
}

/** Thrown instead of acorn's SyntaxError by parsers made with newParser. */
class NotParsed extends Error {}

/**
 * An acorn parser reading from `start`. Its errors skip acorn's message,
 * which counts lines from the start of the script (milliseconds each, in a
 * 9 MB script): failed guesses are the common case here.
 */
function newParser(sourceType: 'module' | 'script', source: string, start: number): Partial<MethodParser> {
  const parser = new (acorn().Parser as unknown as new (...args: unknown[]) => Partial<MethodParser>)({ ...PARSE_OPTIONS, sourceType }, source, start);
  parser.raise = parser.raiseRecoverable = () => {
    throw new NotParsed();
  };
  return parser;
}

/** Lets `this.#field` parse: the class around the function declares it. */
function insideClass(parser: Partial<MethodParser>): void {
  parser.privateNameStack?.push({ declared: Object.create(null) as Record<string, string>, used: [] });
}

/**
 * A method's function (`(params) { body }`) parsed on its own, with acorn's
 * own method parser; undefined when it does not parse. Whether it is async
 * or a generator is written before its name: each is tried (they change how
 * `await` and `yield` read, not where the function ends).
 */
function parseMethodFrom(source: string, paren: number, headOnly = false): AstNode | undefined {
  for (const sourceType of ['module', 'script'] as const) {
    for (const [isGenerator, isAsync] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      try {
        const parser = newParser(sourceType, source, paren);
        if (typeof parser.parseMethod !== 'function' || typeof parser.nextToken !== 'function' || !Array.isArray(parser.privateNameStack)) return undefined;
        if (headOnly) stopAtBody(parser, paren);
        parser.nextToken();
        insideClass(parser as MethodParser);
        const node = parser.parseMethod(isGenerator, isAsync, true) as AstNode;
        if (node.start === paren) return node;
      } catch (error) {
        if (error instanceof BodyReached) return error.node;
        // Try the next kind of method.
      }
    }
  }
  return undefined;
}

/** Text ending in a `function name` head (then the function starts at `function`, not at its `(`). */
const FUNCTION_HEAD = /(?:^|[^\p{ID_Continue}$])function\s*\*?\s*[\p{ID_Continue}$]*\s*$/u;

const IDENTIFIER_CHAR = /[\p{ID_Continue}$\u200c\u200d]/u;

/**
 * Where the text of a function V8 names by `v8Start` may begin, nearest
 * first: an arrow's start (its parameters or its `async`; an `async` before a
 * parameter is tried too); for `(`, the
 * `function` keywords just before it (`function name(`, `async function* name(`).
 * Each is only a guess that parseFunctionAt checks by parsing.
 */
export function textStartsFor(source: string, v8Start: number): number[] {
  const starts: number[] = [];
  const withAsync = (at: number): void => {
    // `async` first: without it, an async function parses too, starting too late.
    let before = at - 1;
    while (before >= 0 && /\s/.test(source[before]!)) before--;
    const asyncAt = before - 'async'.length + 1;
    if (asyncAt >= 0 && (before < at - 1 || !IDENTIFIER_CHAR.test(source[at]!)) && source.startsWith('async', asyncAt) && (asyncAt === 0 || !IDENTIFIER_CHAR.test(source[asyncAt - 1]!))) {
      starts.push(asyncAt);
    }
    starts.push(at);
  };
  withAsync(v8Start);
  if (source[v8Start] === '(') {
    // A name and `*` at most lie between `function` and `(`; a name may itself contain "function".
    let at = v8Start;
    for (let tries = 0; tries < 3; tries++) {
      at = source.lastIndexOf('function', at - 1);
      if (at < 0 || v8Start - at > 512) break;
      if (at === 0 || !IDENTIFIER_CHAR.test(source[at - 1]!)) withAsync(at);
    }
  }
  return starts;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).type === 'string';
}

/** The functions in an AST, sorted by start with their parents linked. */
function collectFunctions(source: string, program: AstNode): ScriptFunction[] {
  const found: Array<Omit<ScriptFunction, 'parent'>> = [];
  // Iterative walk (deeply nested generated code would overflow a recursive one).
  const stack: Array<{ node: AstNode; parent: AstNode | undefined }> = [{ node: program, parent: undefined }];
  while (stack.length > 0) {
    const { node, parent } = stack.pop()!;
    if (FUNCTION_TYPES.has(node.type)) {
      found.push({ start: node.start, end: node.end, v8Start: v8StartOf(source, node, parent), name: nameOf(source, node, parent) });
      if (parent?.type === 'MethodDefinition' && parent.kind === 'constructor') {
        // V8 names a class constructor by the class, which is not a function node here.
        const classNode = classOfMember.get(parent);
        if (classNode) found.push({ start: node.start, end: node.end, v8Start: classNode.start, name: nameOf(source, node, parent) });
      }
    }
    for (const key of Object.keys(node)) {
      if (key === 'type' || key === 'start' || key === 'end') continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) if (isNode(value[i])) stack.push({ node: value[i] as AstNode, parent: node });
      } else if (isNode(value)) {
        stack.push({ node: value, parent: node });
      }
    }
    if (node.type === 'ClassDeclaration' || node.type === 'ClassExpression') markClass(node);
  }
  return linkParents(found);
}

/** Sorts by start, outer before inner (longer first on equal starts), then links parents. */
function linkParents(found: Array<Omit<ScriptFunction, 'parent'>>): ScriptFunction[] {
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const functions: ScriptFunction[] = [];
  const open: number[] = [];
  for (const fn of found) {
    while (open.length > 0 && functions[open[open.length - 1]!]!.end <= fn.start) open.pop();
    const parent = open.length > 0 ? open[open.length - 1]! : TOP_LEVEL;
    functions.push({ ...fn, parent });
    open.push(functions.length - 1);
  }
  return functions;
}

/**
 * Lets the constructor's MethodDefinition find its class (V8 names the
 * constructor by it). A class is visited before its members.
 */
const classOfMember = new WeakMap<AstNode, AstNode>();
function markClass(classNode: AstNode): void {
  const body = classNode.body as AstNode | undefined;
  for (const member of (body?.body as AstNode[] | undefined) ?? []) {
    if (member.type === 'MethodDefinition') classOfMember.set(member, classNode);
  }
}

function v8StartOf(source: string, node: AstNode, parent: AstNode | undefined): number {
  // An arrow, async ones too: V8 names it by its first character (`async`, or its parameters),
  // measured on Node 20, 22 and 24 (`const f = async () => ...` is column 11).
  if (node.type === 'ArrowFunctionExpression') return node.start;
  const id = node.id as AstNode | null | undefined;
  const isMethod = parent !== undefined && (parent.type === 'MethodDefinition' || (parent.type === 'Property' && (parent.method === true || parent.kind !== 'init')));
  const from = isMethod ? node.start : (id?.end ?? node.start);
  const paren = source.indexOf('(', from);
  return paren === -1 || paren > node.end ? node.start : paren;
}

function keyName(source: string, key: AstNode | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (key.type === 'Identifier' || key.type === 'PrivateIdentifier') return key.name as string;
  if (key.type === 'Literal') return String(key.value);
  return source.slice(key.start, key.end);
}

function nameOf(source: string, node: AstNode, parent: AstNode | undefined): string {
  const id = node.id as AstNode | null | undefined;
  if (id?.type === 'Identifier') return id.name as string;
  if (parent !== undefined) {
    if (parent.type === 'VariableDeclarator' && parent.init === node) return keyName(source, parent.id as AstNode) ?? '(anonymous)';
    if ((parent.type === 'AssignmentExpression' || parent.type === 'AssignmentPattern') && parent.right === node) {
      const target = parent.left as AstNode;
      // `A.prototype.f = function` is named `A.f` by V8.
      return source.slice(target.start, target.end).replace(/\.prototype\./g, '.');
    }
    if ((parent.type === 'Property' || parent.type === 'MethodDefinition' || parent.type === 'PropertyDefinition') && parent.value === node) {
      return keyName(source, parent.key as AstNode) ?? '(anonymous)';
    }
  }
  return '(anonymous)';
}

/**
 * The function named by `v8Start` and those nested in it, parsed on its own
 * (see parseFunctionAt). `headOnly`: stop at its body, and give just the
 * function (its end unknown).
 */
function findFunctionAt(source: string, v8Start: number, headOnly: boolean): ScriptFunction[] | typeof CLASS_WITHOUT_CONSTRUCTOR | undefined {
  for (const start of textStartsFor(source, v8Start)) {
    const expression = parseExpressionFrom(source, start, headOnly);
    if (expression === undefined) continue;
    const found = collectFunctions(source, expression);
    // A class expression holds its constructor, which V8 names by the class.
    const isClass = source.startsWith('class', start);
    const root = found.find((fn) => fn.v8Start === v8Start && (fn.start === start || isClass));
    if (root === undefined && isClass && start === v8Start && expression.type === 'ClassExpression' && !hasConstructor(expression)) return CLASS_WITHOUT_CONSTRUCTOR;
    if (root === undefined) continue;
    return headOnly ? [root] : linkParents(found.filter((fn) => fn.start >= root.start && fn.end <= root.end));
  }
  if (source[v8Start] === '(' && !FUNCTION_HEAD.test(source.slice(Math.max(0, v8Start - 512), v8Start))) {
    // A method, getter or setter: its function starts at the `(`.
    const method = parseMethodFrom(source, v8Start, headOnly);
    if (method !== undefined) return headOnly ? [{ start: v8Start, end: 0, v8Start, name: '(anonymous)', parent: TOP_LEVEL }] : collectFunctions(source, method);
  }
  return undefined;
}

/** Whether a class node declares a constructor of its own. */
function hasConstructor(classNode: AstNode): boolean {
  const members = ((classNode.body as AstNode | undefined)?.body as AstNode[] | undefined) ?? [];
  return members.some((member) => member.type === 'MethodDefinition' && member.kind === 'constructor');
}

/** Thrown by a parser told to stop at a function's body, with that function's node. */
class BodyReached {
  constructor(readonly node: AstNode) {}
}

/** Makes a parser stop with BodyReached when it reaches the body of the function starting at `start`. */
function stopAtBody(parser: Partial<MethodParser>, start: number): void {
  const parseBody = parser.parseFunctionBody;
  if (typeof parseBody !== 'function') throw new Error('acorn has no parseFunctionBody');
  parser.parseFunctionBody = function (this: unknown, node: AstNode, ...rest: unknown[]) {
    if (node.start === start) {
      // acorn types a node when it finishes it: say what it is becoming.
      if (!node.type) node.type = rest[0] === true ? 'ArrowFunctionExpression' : 'FunctionExpression';
      // Its end is not known yet: not before its body.
      node.end = Number.MAX_SAFE_INTEGER;
      throw new BodyReached(node);
    }
    return parseBody.call(this, node, ...rest);
  };
}
