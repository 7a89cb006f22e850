/**
 * The functions of one script, from its source text: where each begins and
 * ends, the position V8 names it by, and a name. Script offsets from V8's
 * line position tables are looked up here to find the function whose code
 * they belong to.
 *
 * V8 names a function (`JS:*fn file:line:column`) by its SharedFunctionInfo's
 * start position: the `(` of the parameter list for `function f(...)` and
 * methods, the first parameter of an arrow function, the `class` keyword for
 * a class constructor.
 */
import { parse } from 'acorn';

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

  private constructor(readonly source: string, functions: ScriptFunction[]) {
    this.functions = functions;
    this.lineStarts = [0];
    for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
    functions.forEach((fn, index) => {
      if (!this.byV8Start.has(fn.v8Start)) this.byV8Start.set(fn.v8Start, index);
    });
  }

  /** Parses a script (module or classic); undefined when it does not parse. */
  static parse(source: string): ScriptFunctions | undefined {
    const collected = collectFunctions(source);
    return collected === undefined ? undefined : new ScriptFunctions(source, collected);
  }

  /** 1-based line of an offset. */
  lineOf(offset: number): number {
    let low = 0;
    let high = this.lineStarts.length;
    while (high - low > 1) {
      const mid = (low + high) >>> 1;
      if (this.lineStarts[mid]! <= offset) low = mid;
      else high = mid;
    }
    return low + 1;
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

  /** The innermost function whose source holds the offset; TOP_LEVEL when none. */
  innermostAt(offset: number): number {
    // The last function starting at or before the offset, then out through its parents.
    let low = 0;
    let high = this.functions.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.functions[mid]!.start <= offset) low = mid + 1;
      else high = mid;
    }
    let index = low - 1;
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

function parseProgram(source: string): AstNode | undefined {
  const common = {
    ecmaVersion: 'latest' as const,
    allowHashBang: true,
    allowReturnOutsideFunction: true,
    allowAwaitOutsideFunction: true,
    allowImportExportEverywhere: true,
    allowSuperOutsideMethod: true,
  };
  for (const sourceType of ['module', 'script'] as const) {
    try {
      return parse(source, { ...common, sourceType }) as unknown as AstNode;
    } catch {
      // Sloppy-mode scripts (with, octal literals...) fail as modules: try as a script.
    }
  }
  return undefined;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).type === 'string';
}

function collectFunctions(source: string): ScriptFunction[] | undefined {
  const program = parseProgram(source);
  if (program === undefined) return undefined;
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
  // Sort by start, outer before inner (longer first on equal starts), then link parents.
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
  if (node.type === 'ArrowFunctionExpression') {
    // `async x => ...`: V8 starts at the parameters.
    if (node.async === true && source.startsWith('async', node.start)) {
      let offset = node.start + 'async'.length;
      while (offset < node.end && /\s/.test(source[offset]!)) offset++;
      return offset;
    }
    return node.start;
  }
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
