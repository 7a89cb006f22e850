#!/usr/bin/env node
'use strict';
// Checks that the import graph of lib/ (or of the directory given as the only
// argument) has no cycles. An import cycle makes module load order matter: in
// the CommonJS output one side of the cycle sees the other's half-filled
// exports. Type-only imports are erased at compile time but still count here,
// since a cycle of types is still a tangle between the files; the output marks
// which edges of a cycle are type-only.
//
// Every .ts/.tsx file under the directory is a node (lib/html-app included);
// edges come from `import`, `import type`, `export ... from`, `import x =
// require()`, `typeof import()`, and import()/require() calls whose argument
// is a relative string literal. Cycles are the strongly connected components
// (Tarjan); one chain is printed per component. Exit code 1 if any.
//
// Usage: node scripts/check-import-cycles.js [dir]

const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'lib'));
const isSource = (file) => /\.tsx?$/.test(file) && !file.endsWith('.d.ts');
const files = fs.readdirSync(root, { recursive: true })
  .map((file) => file.split(path.sep).join('/'))
  .filter(isSource)
  .sort();
const known = new Set(files);

/** './x' from 'dir/a.ts' -> 'dir/x.ts' (or x.tsx, x/index.ts, x/index.tsx; a .js suffix maps to .ts). */
function resolve(from, specifier) {
  const base = path.posix.join(path.posix.dirname(from), specifier);
  const stem = base.replace(/\.[cm]?jsx?$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${base}/index.ts`, `${base}/index.tsx`];
  return candidates.find((candidate) => known.has(candidate));
}

/** Relative imports of one file: [{ specifier, typeOnly }]. */
function importsOf(file) {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const kind = file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, kind);
  const found = [];
  const add = (literal, typeOnly) => {
    if (literal && ts.isStringLiteralLike(literal) && literal.text.startsWith('.')) found.push({ specifier: literal.text, typeOnly });
  };
  const allTypes = (elements) => elements.length > 0 && elements.every((element) => element.isTypeOnly);
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly = !!clause && (clause.isTypeOnly ||
        (!clause.name && !!clause.namedBindings && ts.isNamedImports(clause.namedBindings) && allTypes(clause.namedBindings.elements)));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node)) {
      const typeOnly = node.isTypeOnly || (!!node.exportClause && ts.isNamedExports(node.exportClause) && allTypes(node.exportClause.elements));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true); // typeof import('./x')
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

// graph: file -> Map(target -> typeOnly); an edge is type-only if every import along it is.
const graph = new Map();
let edgeCount = 0;
const warned = new Set();
for (const file of files) {
  const edges = new Map();
  for (const { specifier, typeOnly } of importsOf(file)) {
    const target = resolve(file, specifier);
    const asset = fs.statSync(path.join(root, path.dirname(file), specifier), { throwIfNoEntry: false })?.isFile(); // .css, .json
    if (!target && !asset && !warned.has(`${file} ${specifier}`)) {
      warned.add(`${file} ${specifier}`);
      console.error(`warning: ${file}: cannot resolve '${specifier}' to a .ts file under ${path.relative(process.cwd(), root) || '.'}`);
    }
    if (target) edges.set(target, (edges.get(target) ?? true) && typeOnly);
  }
  graph.set(file, new Map([...edges].sort(([a], [b]) => (a < b ? -1 : 1))));
  edgeCount += edges.size;
}

// Tarjan's strongly connected components.
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const components = [];
function strongConnect(file) {
  index.set(file, index.size);
  low.set(file, index.get(file));
  stack.push(file);
  onStack.add(file);
  for (const target of graph.get(file).keys()) {
    if (!index.has(target)) {
      strongConnect(target);
      low.set(file, Math.min(low.get(file), low.get(target)));
    } else if (onStack.has(target)) {
      low.set(file, Math.min(low.get(file), index.get(target)));
    }
  }
  if (low.get(file) === index.get(file)) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || graph.get(file).has(file)) components.push(component.sort());
  }
}
for (const file of files) if (!index.has(file)) strongConnect(file);

/** Shortest cycle through the component's first file (breadth-first within the component). */
function cycleIn(component) {
  const members = new Set(component);
  const start = component[0];
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift();
    for (const target of graph.get(file).keys()) {
      if (!members.has(target)) continue;
      if (target === start) {
        const chain = [start];
        for (let at = file; at !== start; at = previous.get(at)) chain.splice(1, 0, at);
        return [...chain, start];
      }
      if (!previous.has(target)) {
        previous.set(target, file);
        queue.push(target);
      }
    }
  }
  throw new Error(`no cycle through ${start}`); // unreachable: a component of 2+ files or a self-import has one
}

const summary = `${files.length} files, ${edgeCount} imports`;
if (components.length === 0) {
  console.log(`${summary}, no cycles`);
  process.exit(0);
}
const show = ([from, to]) => `${from} -> ${to}`;
const typeOnly = ([from, to]) => graph.get(from).get(to);
for (const component of components.sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
  const chain = cycleIn(component);
  const steps = chain.slice(1).map((to, i) => [chain[i], to]);
  console.error(`cycle: ${chain.join(' -> ')}`);
  if (steps.some(typeOnly)) console.error(`  type-only: ${steps.filter(typeOnly).map(show).join(', ')}`);
  if (component.length > steps.length) { // the chain leaves out files of the component: list the imports it did not show
    const shown = new Set(steps.map(show));
    const others = component.flatMap((from) => [...graph.get(from).keys()].filter((to) => component.includes(to)).map((to) => [from, to]))
      .filter((step) => !shown.has(show(step)))
      .map((step) => show(step) + (typeOnly(step) ? ' (type-only)' : ''));
    console.error(`  the component has ${component.length} files; its other imports: ${others.join(', ')}`);
  }
}
console.error(`${summary}, ${components.length} import cycle${components.length === 1 ? '' : 's'}`);
process.exit(1);
