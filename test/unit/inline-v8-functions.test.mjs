// V8's own function tables (lib/inline/v8-functions.ts) must give inline
// recovery the answers a parse gives: the same functions, ranges and nesting,
// read without parsing where V8 lists them fully.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ScriptFunctions, ScriptIndex, TOP_LEVEL, V8ScriptTable, asParsed, isMemberInitializer, mergeFunctionTables, takeV8FunctionTables } from '../internals.cjs';

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const require = createRequire(import.meta.url);
const FIXTURE = fileURLToPath(new URL('../fixtures/function-kinds.js', import.meta.url));
require(FIXTURE)();
// As at the end of a run: closures no longer used are collected, and V8 stops listing what only they kept.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
gc();
gc();
const SOURCE = readFileSync(FIXTURE, 'utf8');
const PARSED = ScriptFunctions.parse(SOURCE);
const TABLES = takeV8FunctionTables();
const TABLE = TABLES?.get(FIXTURE);

const rangeOf = (script, index) => (index === TOP_LEVEL ? 'top' : `${script.functions[index].start}-${script.functions[index].end}@${script.functions[index].v8Start}`);

test('V8 lists the loaded scripts by path, and node: modules by name', () => {
  assert.ok(TABLES, 'the inspector answered');
  assert.ok(TABLE && TABLE.length > 10, `the fixture is listed (${TABLE?.length} functions)`);
  assert.ok([...TABLES.keys()].some((file) => file.startsWith('node:internal/')));
});

test("an ES module is listed by its file: URL too, the name its code events give", async () => {
  const url = new URL('../fixtures/esm-functions.mjs', import.meta.url);
  const { double } = await import(url.href);
  assert.equal(double(2), 4);
  const tables = takeV8FunctionTables();
  const byUrl = tables.get(url.href);
  assert.ok(byUrl?.some((fn) => fn.name === 'double'), 'listed by its URL');
  assert.equal(tables.get(fileURLToPath(url)), byUrl, 'and by its path');
});

test('each function read off the table starts and is named where a parse says', () => {
  let read = 0;
  const functions = TABLE.filter((fn) => !isMemberInitializer(fn));
  for (const fn of functions) {
    const parsed = asParsed(SOURCE, fn.start, fn.end);
    if (parsed === undefined) continue;
    read++;
    const match = PARSED.functions.find((other) => other.v8Start === parsed.v8Start);
    assert.ok(match, `${fn.name} at ${fn.start}: a parse has a function named at ${parsed.v8Start}`);
    assert.deepEqual([parsed.start, fn.end], [match.start, match.end], `${fn.name}: the same range`);
  }
  // Only class constructors and computed names are left to a parse.
  const left = functions.filter((fn) => asParsed(SOURCE, fn.start, fn.end) === undefined).map((fn) => SOURCE.slice(fn.start, fn.start + 12));
  assert.ok(left.every((text) => /^(?:constructor|\[)/.test(text)), `left to a parse: ${JSON.stringify(left)}`);
  assert.ok(read >= 20, `read ${read} of ${TABLE.length}`);
});

test('a script index with the table answers as a parse does, for every function and offset', () => {
  const lineStarts = [0];
  for (let i = SOURCE.indexOf('\n'); i !== -1; i = SOURCE.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const withTable = new ScriptIndex(SOURCE);
  withTable.useV8Functions(TABLE);
  const parsing = new ScriptIndex(SOURCE);
  for (const fn of PARSED.functions) {
    const line = PARSED.lineOf(fn.v8Start);
    const column = PARSED.columnOf(fn.v8Start);
    const a = withTable.functionNamed(line, column);
    const b = parsing.functionNamed(line, column);
    assert.equal(a === undefined, b === undefined, `function at ${line}:${column}`);
    if (a === undefined) continue;
    assert.equal(rangeOf(a.script, a.index), rangeOf(b.script, b.index), `function at ${line}:${column}`);
    for (let offset = fn.start; offset < fn.end; offset++) {
      const inA = withTable.innermostIn(a, offset);
      const inB = parsing.innermostIn(b, offset);
      assert.equal(rangeOf(inA.script, inA.index), rangeOf(inB.script, inB.index), `offset ${offset} in the function at ${line}:${column}`);
      assert.equal(withTable.contains(a, inA), parsing.contains(b, inB), `offset ${offset}: nested in the function at ${line}:${column}`);
    }
    assert.equal(withTable.namesFunction(line, column), parsing.namesFunction(line, column));
  }
});

test('functions V8 lists fully are read without parsing; what it may not list fully is parsed', () => {
  const named = (name) => PARSED.functions.find((fn) => fn.name === name);
  const at = (fn) => [PARSED.lineOf(fn.v8Start), PARSED.columnOf(fn.v8Start)];
  const listed = (fn) => TABLE.some((entry) => entry.end === fn.end && entry.start <= fn.start);

  const index = new ScriptIndex(SOURCE);
  index.useV8Functions(TABLE);
  assert.ok(index.functionNamed(...at(named('decl'))));
  assert.equal(index.partialChars, 0, 'decl() came from the table');

  // outer() is listed, and inner() in it, but inner() ran with no closure left: its arrow is not listed.
  const outer = named('outer');
  const inner = named('inner');
  const innerArrow = PARSED.functions.find((fn) => fn.parent === PARSED.functions.indexOf(inner));
  assert.ok(listed(outer) && listed(inner) && !listed(innerArrow), 'the fixture is listed as this test expects');
  const found = new V8ScriptTable(SOURCE, TABLE).subtree(outer.v8Start);
  assert.deepEqual(found.toParse.map((fn) => fn.v8Start), [inner.v8Start], 'inner() is left to a parse');
  const ref = index.functionNamed(...at(outer));
  const ownCode = outer.start + SOURCE.slice(outer.start, outer.end).indexOf('{') + 1;
  assert.equal(rangeOf(ref.script, index.innermostIn(ref, ownCode).index), rangeOf(PARSED, PARSED.functions.indexOf(outer)), "outer()'s own code");
  assert.equal(index.partialChars, 0, 'outer() and inner() came from the table, nothing parsed');
  const inArrow = index.innermostIn(ref, innerArrow.start + 4);
  assert.equal(rangeOf(inArrow.script, inArrow.index), rangeOf(PARSED, PARSED.innermostAt(innerArrow.start + 4)), "the arrow in inner() is found");
  assert.ok(index.contains(ref, inArrow), 'nested in outer()');
  assert.equal(index.partialChars, inner.end - inner.start, 'only inner() was parsed, when an offset fell in it');
  const inInner = index.innermostIn(ref, inner.start + 1);
  assert.equal(inInner.script.functions[inInner.index].name, 'inner', "inner() keeps V8's name");
  assert.equal(index.partialChars, inner.end - inner.start, 'and only once');
});

test('tables taken earlier in the recording are merged in: what they listed is read, not parsed', (t) => {
  // dead() and keeps() ran and were dropped: V8 no longer lists them (checked here), as at the end
  // of a compiler's run. A table taken while their closures lived lists them (made here from a parse).
  const dead = PARSED.functions.find((fn) => fn.name === 'dead');
  const keeps = PARSED.functions.find((fn) => fn.name === 'keeps');
  const listedNow = (fn) => TABLE.some((entry) => entry.end === fn.end && entry.start <= fn.start);
  assert.ok(!listedNow(dead) && !listedNow(keeps), 'the fixture is listed as this test expects');
  const earlier = PARSED.functions
    .filter((fn) => fn.start >= dead.start && fn.end <= dead.end)
    .map((fn) => ({ start: fn.start, end: fn.end, name: fn.name, covered: true }));
  const merged = mergeFunctionTables(new Map([[FIXTURE, earlier]]), TABLES);
  const table = merged.get(FIXTURE);
  assert.equal(table.length, TABLE.length + earlier.length, 'the union of both');
  assert.ok(table.every((fn, i) => i === 0 || table[i - 1].start < fn.start || (table[i - 1].start === fn.start && table[i - 1].end >= fn.end)), 'sorted, outer first');
  assert.equal(merged.get('node:internal/modules/cjs/loader'), TABLES.get('node:internal/modules/cjs/loader'), 'a script only one take has is kept as it is');
  assert.equal(mergeFunctionTables(undefined, TABLES), TABLES);

  const parse = t.mock.method(ScriptFunctions, 'parseFunctionAt');
  const at = (fn) => [PARSED.lineOf(fn.v8Start), PARSED.columnOf(fn.v8Start)];
  const withEarlier = new ScriptIndex(SOURCE);
  withEarlier.useV8Functions(table);
  const ref = withEarlier.functionNamed(...at(keeps));
  assert.equal(rangeOf(ref.script, ref.index), rangeOf(PARSED, PARSED.functions.indexOf(keeps)));
  assert.equal(parse.mock.callCount(), 0, 'keeps() came from the earlier table');
  const withoutEarlier = new ScriptIndex(SOURCE);
  withoutEarlier.useV8Functions(TABLE);
  withoutEarlier.functionNamed(...at(keeps));
  assert.ok(parse.mock.callCount() > 0, 'without it, keeps() is parsed');
});

test('tieredInnermostAt with the table answers as the whole parse does, and parses no function the table ends before the offset', (t) => {
  // Every function tiered up, as V8 names it (a class constructor by its `(` and by its class).
  const locationOf = (offset) => `${PARSED.lineOf(offset)}:${PARSED.columnOf(offset)}`;
  const tiered = new Map(PARSED.functions.map((fn) => [locationOf(fn.v8Start), fn.name]));
  const withTable = new ScriptIndex(SOURCE);
  withTable.useV8Functions(TABLE);
  const parsing = new ScriptIndex(SOURCE);
  const table = new V8ScriptTable(SOURCE, TABLE);
  const parsed = [];
  let asking = -1;
  const parseAt = ScriptFunctions.parseFunctionAt;
  t.mock.method(ScriptFunctions, 'parseFunctionAt', (source, v8Start, ...rest) => {
    parsed.push({ v8Start, asking });
    return parseAt.call(ScriptFunctions, source, v8Start, ...rest);
  });
  // From the end: an offset after a function is asked before any in it (then its parse would be kept).
  for (let offset = SOURCE.length - 1; offset >= 0; offset--) {
    asking = offset;
    const a = withTable.tieredInnermostAt(offset, tiered);
    asking = -1;
    const b = parsing.tieredInnermostAt(offset, tiered);
    assert.equal(a && rangeOf(a.script, a.index), b && rangeOf(b.script, b.index), `offset ${offset}`);
  }
  const withTableParses = parsed.filter((call) => call.asking !== -1);
  assert.ok(withTableParses.length > 0, 'some functions are left to a parse (constructors, functions the table may not list fully)');
  for (const { v8Start, asking: offset } of withTableParses) {
    const end = table.endAround(v8Start);
    assert.ok(end === undefined || offset < end, `the function at ${v8Start} was parsed for offset ${offset}, past its end ${end} in V8's table`);
  }
});
