// Functions parsed on their own (ScriptFunctions.parseFunctionAt, ScriptIndex)
// must give what the whole-script parse gives: same ranges, same nested
// functions, same answers about offsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLASS_WITHOUT_CONSTRUCTOR, ScriptFunctions, TOP_LEVEL, textStartsFor } from '../internals.cjs';
import { ScriptIndex, mayBeFunctionHead } from '../internals.cjs';

const SOURCE = [
  "'use strict';",
  'function hash(x) { return Math.imul(x, 31) >>> 0; }',
  '[1, 2].map((v) => v);', // a declaration followed by `[`: must not read on as hash[...]
  'async function load(url) { return await fetch(url); }',
  'const quick = async() => { await null; };',
  'const later = async (a, b) => a + b;',
  'const one = x => y => x + y;',
  'function functionName(a) { return a; }',
  'const table = {',
  '  get: function (key) { return key; },', // a property's function expression, then a comma
  '  set(value) { this.v = value; },',
  '  async fetchIt() { return await this.get(1); },',
  '  *walk() { yield 1; },',
  '};',
  'class Store extends Object {',
  '  #items = [];',
  '  constructor(seed) { super(); this.#items.push(seed); }',
  '  get size() { return this.#items.length; }',
  '  add(item) { const wrap = () => this.#items.push(item); wrap(); }',
  '  static of(...items) { return items.map(function each(i) { return i; }); }',
  '}',
  'function outer(list) {',
  '  let sum = 0;',
  '  list.forEach(function inner(v) { sum += (() => v)(); });',
  '  return sum;',
  '}',
  // Classes without a constructor of their own: V8 names their default one by the class.
  'class Plain extends Store { m() { return 2; } }',
  'const Fields = class { x = 1; y = () => this.x; };',
  'function last() { return new Plain().m(); }',
].join('\n');

const key = (fn) => `${fn.start}-${fn.end}-${fn.v8Start}-${fn.name}`;

/** The whole parse's functions at or nested in `fn`, as parseFunctionAt lists them (its first one is unnamed unless it has its own name). */
function expectedAlone(whole, fn) {
  return whole.functions.filter((g) => g.start >= fn.start && g.end <= fn.end);
}

function checkEveryFunction(source) {
  const whole = ScriptFunctions.parse(source);
  assert.ok(whole, 'the source parses');
  let alone = 0;
  for (const fn of whole.functions) {
    // A class constructor is listed twice (by its `(` and by its class); V8 names it by the class.
    if (whole.functions.some((g) => g !== fn && g.start === fn.start && g.end === fn.end && g.v8Start < fn.v8Start)) continue;
    const parsed = ScriptFunctions.parseFunctionAt(source, fn.v8Start);
    if (parsed === undefined) continue;
    alone++;
    const expected = expectedAlone(whole, fn);
    assert.deepEqual(parsed.functions.map((g) => `${g.start}-${g.end}-${g.v8Start}`), expected.map((g) => `${g.start}-${g.end}-${g.v8Start}`), `function at ${fn.v8Start} (${fn.name})`);
    // Nested functions keep their names (the function itself is named by V8's name for it).
    assert.deepEqual(parsed.functions.slice(1).map(key), expected.slice(1).map(key));
  }
  return { alone, total: whole.functions.length };
}

test('every function parsed on its own has the range and nested functions of the whole parse', () => {
  const { alone, total } = checkEveryFunction(SOURCE);
  assert.equal(alone, total - 1, 'all but the constructor\'s duplicate parse on their own');
});

test('functions of Node\'s own modules parse on their own as in the whole script', () => {
  const natives = process.binding('natives');
  for (const name of ['events', '_http_server', 'internal/streams/readable', 'internal/url', 'fs']) {
    const { alone, total } = checkEveryFunction(natives[name]);
    assert.ok(alone > total * 0.95, `${name}: ${alone} of ${total} parse on their own`);
  }
});

test('a class constructor is found by its class; no function where V8 names none', () => {
  const at = SOURCE.indexOf('class Store');
  const parsed = ScriptFunctions.parseFunctionAt(SOURCE, at);
  assert.ok(parsed);
  const ctor = parsed.functions.find((fn) => fn.v8Start === at);
  assert.equal(SOURCE.slice(ctor.start, ctor.start + 6), '(seed)');
  assert.equal(ScriptFunctions.parseFunctionAt(SOURCE, SOURCE.indexOf('Math.imul')), undefined);
  assert.equal(ScriptFunctions.parseFunctionAt(SOURCE, SOURCE.indexOf('let sum')), undefined);
});

test('textStartsFor: `async` first, then the arrow or the `function` keywords before a `(`', () => {
  const paren = SOURCE.indexOf('(url)');
  assert.deepEqual(textStartsFor(SOURCE, paren).slice(0, 3), [paren, SOURCE.indexOf('async function load'), SOURCE.indexOf('function load')]);
  const quick = SOURCE.indexOf('() => { await');
  assert.deepEqual(textStartsFor(SOURCE, quick).slice(0, 2), [SOURCE.indexOf('async() =>'), quick]);
  const named = SOURCE.indexOf('(a) { return a; }');
  assert.ok(textStartsFor(SOURCE, named).includes(SOURCE.indexOf('function functionName')), 'a name containing "function" is skipped');
});

test('mayBeFunctionHead: only words, blanks, * and comments lie between a function\'s start and its (', () => {
  const source = 'async function* gen(a) {}';
  assert.equal(mayBeFunctionHead(source, 0, source.indexOf('(')), true);
  assert.equal(mayBeFunctionHead('x = f(a); function g(b) {}', 5, 20), false);
});

/**
 * The whole parse's answer: the range of the innermost function at the offset
 * if it is tiered up (a class constructor is listed twice, by its `(` and by
 * its class: either name counts).
 */
function wholeAnswer(whole, offset, tiered) {
  const index = whole.innermostAt(offset);
  if (index === TOP_LEVEL) return undefined;
  const fn = whole.functions[index];
  const named = whole.functions.filter((g) => g.start === fn.start && g.end === fn.end);
  return named.some((g) => tiered.has(`${whole.lineOf(g.v8Start)}:${whole.columnOf(g.v8Start)}`)) ? `${fn.start}-${fn.end}` : undefined;
}

test('tieredInnermostAt answers as the whole parse does, for every offset and several tiered sets', () => {
  const whole = ScriptFunctions.parse(SOURCE);
  const locations = [...new Set(whole.functions.map((fn) => `${whole.lineOf(fn.v8Start)}:${whole.columnOf(fn.v8Start)}`))];
  // Deterministic subsets: every function, none, every other one, each third one, each alone.
  const subsets = [locations, [], locations.filter((_, i) => i % 2 === 0), locations.filter((_, i) => i % 3 === 1), ...locations.map((l) => [l])];
  for (const subset of subsets) {
    const tiered = new Map(subset.map((l) => [l, 'name']));
    const index = new ScriptIndex(SOURCE);
    for (let offset = 0; offset < SOURCE.length; offset++) {
      const found = index.tieredInnermostAt(offset, tiered);
      const fn = found?.script.functions[found.index];
      assert.equal(fn && `${fn.start}-${fn.end}`, wholeAnswer(whole, offset, tiered), `offset ${offset} with ${subset.length} tiered`);
      if (fn) assert.ok(tiered.has(`${whole.lineOf(fn.v8Start)}:${whole.columnOf(fn.v8Start)}`), 'the answer is named as V8 named it');
    }
  }
});

test('a class without a constructor names no function, and is known so without parsing the whole script', (t) => {
  const whole = ScriptFunctions.parse(SOURCE);
  const classes = [SOURCE.indexOf('class Plain'), SOURCE.indexOf('class {')];
  for (const at of classes) assert.equal(ScriptFunctions.parseFunctionAt(SOURCE, at), CLASS_WITHOUT_CONSTRUCTOR);
  const locationOf = (offset) => `${whole.lineOf(offset)}:${whole.columnOf(offset)}`;
  // Tiered up, as V8 lists them: every function, and the classes' default constructors.
  const tiered = new Map([...whole.functions.map((fn) => fn.v8Start), ...classes].map((offset) => [locationOf(offset), 'name']));
  const parse = t.mock.method(ScriptFunctions, 'parse');
  const index = new ScriptIndex(SOURCE);
  for (let offset = 0; offset < SOURCE.length; offset++) {
    const found = index.tieredInnermostAt(offset, tiered);
    const fn = found?.script.functions[found.index];
    assert.equal(fn && `${fn.start}-${fn.end}`, wholeAnswer(whole, offset, tiered), `offset ${offset}`);
  }
  for (const at of classes) assert.equal(index.functionNamed(whole.lineOf(at), whole.columnOf(at)), undefined);
  assert.equal(parse.mock.callCount(), 0, 'the whole script was not parsed');
});

test('ScriptIndex: a function and top-level code are found without parsing the whole script', (t) => {
  const whole = ScriptFunctions.parse(SOURCE);
  const parse = t.mock.method(ScriptFunctions, 'parse');
  const index = new ScriptIndex(SOURCE);
  const hash = whole.functions.find((fn) => fn.name === 'hash');
  const found = index.functionNamed(whole.lineOf(hash.v8Start), whole.columnOf(hash.v8Start));
  assert.equal(found.script.functions[found.index].end, hash.end);
  assert.equal(index.namesTopLevel(1, 1), true);
  assert.equal(index.namesTopLevel(2, 14), false);
  assert.equal(index.lineOf(SOURCE.indexOf('class Store')), 15);
  assert.equal(parse.mock.callCount(), 0, 'the whole script was not parsed');
  // Line 1 column 1 names an arrow at the very start of a script, not its top-level code.
  assert.equal(new ScriptIndex('x => x + 1;').namesTopLevel(1, 1), false);
  assert.equal(new ScriptIndex('#!/usr/bin/env node\nrun();').namesTopLevel(1, 1), true);
});

test('ScriptIndex.namesTopLevel: as a whole parse says, with no parse where no function can start the script', (t) => {
  const starts = [
    'x => x + 1;', '(a, b) => a + b;', 'async () => 1;', 'async x => x;', 'class A { constructor() { this.a = 1; } }',
    'class A {}', '(function () { return 1; })();', '(a) /* c */ => a;', 'x /* c */ => x;', '\\u0061 => 1;',
    '/* a licence */\nmodule.exports = () => 1;', "'use strict';\nconst f = () => 1;", '"use strict"; x();',
    '// a comment\n(() => 1)();', 'var a = (b) => b;', 'module.exports = 1;', '#!/usr/bin/env node\nrun();',
    'async(1);', 'classy => 1;', 'asyncFn();', '', ' x => x;',
  ];
  for (const source of starts) {
    const whole = ScriptFunctions.parse(source);
    if (whole === undefined) continue;
    assert.equal(new ScriptIndex(source).namesTopLevel(1, 1), whole.functionNamed(1, 1) === TOP_LEVEL, JSON.stringify(source));
  }
  // A script that begins with a comment or a directive is not parsed to know (ESLint: 85 such scripts, 58 ms of parses).
  const parseAt = t.mock.method(ScriptFunctions, 'parseFunctionAt');
  for (const source of ['/**\n * @license\n */\n(function (root, factory) { factory(root); })(this, () => {});', "'use strict';\nexports.a = () => 1;"]) {
    assert.equal(new ScriptIndex(source).namesTopLevel(1, 1), true);
  }
  assert.equal(parseAt.mock.callCount(), 0);
});
