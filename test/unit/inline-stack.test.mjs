// Inline-stack recovery and line mapping on fixed inputs: script offsets from
// a TurboFan line position table -> the function (and line) they belong to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScriptFunctions, TOP_LEVEL } from '../internals.cjs';
import { InlineResolver, readScriptSource, startsToken } from '../internals.cjs';
import { scriptOffsetAt } from '../internals.cjs';
import { expandPositions } from '../internals.cjs';
import { PositionRecorder } from '../internals.cjs';
import { SessionBuilder, Session } from '../internals.cjs';

const APP = [
  "'use strict';", //                                      line 1
  'function hash(x) {', //                                 line 2
  '  return Math.imul(x, 31) >>> 0;', //                   line 3
  '}', //                                                  line 4
  'const helper = (a, b) => a.indexOf(b);', //             line 5
  'class Box {', //                                        line 6
  '  constructor(v) { this.v = v; }', //                   line 7
  '  get size() { return this.v.length; }', //             line 8
  '}', //                                                  line 9
  'function outer(list) {', //                             line 10
  '  let sum = 0;', //                                     line 11
  '  for (const item of list) sum += hash(item);', //      line 12
  '  list.forEach(function each(v) { sum += v; });', //    line 13
  '  return sum + helper(list, 3);', //                    line 14
  '}', //                                                  line 15
  'module.exports = { outer, Box };', //                   line 16
].join('\n');

const LIB = [
  'exports.now = function now() {', //  line 1
  '  return process.hrtime();', //      line 2
  '};', //                              line 3
].join('\n');

const offsetOf = (source, text) => {
  const at = source.indexOf(text);
  assert.ok(at >= 0, `${text} is in the source`);
  return at;
};

test('functions are found where V8 names them (the parameter list, an arrow\'s first parameter, the class)', () => {
  const script = ScriptFunctions.parse(APP);
  const named = (line, column) => {
    const index = script.functionNamed(line, column);
    return index === undefined ? undefined : index === TOP_LEVEL ? '(top)' : script.functions[index].name;
  };
  assert.equal(named(2, 14), 'hash'); // function hash(  <- the '('
  assert.equal(named(5, 16), 'helper'); // (a, b) =>
  assert.equal(named(6, 1), 'constructor'); // V8 names a class constructor by its class
  assert.equal(named(8, 11), 'size'); // get size(
  assert.equal(named(10, 15), 'outer');
  assert.equal(named(13, 29), 'each');
  assert.equal(named(1, 1), '(top)');
  assert.equal(named(2, 1), undefined, 'no function is named by a position inside its keyword');
});

test('innermost function, lines and columns of an offset', () => {
  const script = ScriptFunctions.parse(APP);
  const inHash = offsetOf(APP, 'Math.imul');
  assert.equal(script.functions[script.innermostAt(inHash)].name, 'hash');
  assert.equal(script.lineOf(inHash), 3);
  assert.equal(script.columnOf(inHash), 10);
  const inEach = offsetOf(APP, 'sum += v');
  assert.equal(script.functions[script.innermostAt(inEach)].name, 'each');
  const outerIndex = script.functionNamed(10, 15);
  assert.ok(script.contains(outerIndex, script.innermostAt(inEach)), 'each is nested in outer');
  assert.equal(script.innermostAt(offsetOf(APP, 'module.exports')), TOP_LEVEL);
  assert.equal(ScriptFunctions.parse('function ( {'), undefined, 'a source that does not parse gives no table');
});

test('scriptOffsetAt: the pc takes the entry at or before it, a return address the one before it', () => {
  // (code offset, script offset) pairs, as V8 sends them.
  const table = Uint32Array.from([0, 100, 10, 200, 20, 300]);
  assert.equal(scriptOffsetAt(table, 10, true), 200);
  assert.equal(scriptOffsetAt(table, 10, false), 100, 'a return address belongs to the call before it');
  assert.equal(scriptOffsetAt(table, 15, false), 200);
  assert.equal(scriptOffsetAt(table, 99, true), 300);
  assert.equal(scriptOffsetAt(table, 0, false), 0xffffffff, 'nothing before the first entry');
});

test('startsToken: V8 positions start tokens, never a blank or the inside of a word', () => {
  const source = 'return now();';
  assert.equal(startsToken(source, source.indexOf('now')), true);
  assert.equal(startsToken(source, source.indexOf('ow')), false);
  assert.equal(startsToken(source, source.indexOf(' ')), false);
  assert.equal(startsToken(source, source.indexOf('(')), true);
});

function resolver(sources = { '/app.js': APP, '/lib.js': LIB }) {
  return new InlineResolver((file) => sources[file]);
}
const outerFrame = { name: 'outer', file: '/app.js', line: 10, column: 15, kind: 'js' };
const describe = (expanded) => expanded.map(({ frame, line }) => `${frame.inlined ? '[inlined] ' : ''}${frame.name}:${line}`);

test('an offset in the function\'s own code is its own line; in a function elsewhere in its script, an inlined frame', () => {
  const r = resolver();
  assert.deepEqual(describe(r.expand(outerFrame, offsetOf(APP, 'sum + helper'), false)), ['outer:14']);
  // hash is defined outside outer: its offset in outer's optimized code means hash was inlined.
  const inHash = r.expand(outerFrame, offsetOf(APP, 'Math.imul'), false);
  assert.deepEqual(describe(inHash), ['outer:0', '[inlined] hash:3']);
  assert.deepEqual(inHash[1].frame, { name: 'hash', file: '/app.js', line: 2, column: 14, kind: 'js', inlined: true });
  // A closure nested in outer.
  assert.deepEqual(describe(r.expand(outerFrame, offsetOf(APP, 'sum += v'), false)), ['outer:0', '[inlined] each:13']);
  assert.deepEqual(r.counts, { own: 1, inlined: 2, ambiguous: 0, noSource: 0 });
});

test('bytecode offsets are always the function\'s own', () => {
  const r = resolver();
  assert.deepEqual(describe(r.expand(outerFrame, offsetOf(APP, 'sum += hash'), true)), ['outer:12']);
});

test('an offset from another script goes to the one tiered-up function holding it; ambiguity gives no frame', () => {
  // Beyond the end of app.js: only another script can hold it.
  const padded = `${' '.repeat(APP.length)}\n${LIB}`;
  // Another script with a function at the very same offsets.
  const twin = padded.replace('exports.now = function now()', 'exports.xyz = function xyz()');
  const cross = resolver({ '/app.js': APP, '/lib.js': padded, '/twin.js': twin });
  const position = offsetOf(padded, 'process.hrtime');
  // No tiered function holds it yet: unknown, not guessed.
  assert.deepEqual(describe(cross.expand(outerFrame, position, false)), ['outer:0']);
  assert.equal(cross.counts.ambiguous, 1);
  // V8 names now at line 2, column 27 (its parameter list).
  cross.addTieredFunction({ name: 'now', file: '/lib.js', line: 2, column: 27, kind: 'js' });
  const expanded = cross.expand(outerFrame, position, false);
  assert.deepEqual(describe(expanded), ['outer:0', '[inlined] now:3']);
  assert.deepEqual(expanded[1].frame, { name: 'now', file: '/lib.js', line: 2, column: 27, kind: 'js', inlined: true });
  // The same offset also inside a tiered function of a third script: ambiguous, no frame.
  cross.addTieredFunction({ name: 'xyz', file: '/twin.js', line: 2, column: 27, kind: 'js' });
  assert.deepEqual(describe(cross.expand(outerFrame, position, false)), ['outer:0']);
  assert.equal(cross.counts.ambiguous, 2);
  // An offset inside a word of the other script cannot be one of V8's positions there.
  const midWord = offsetOf(padded, 'hrtime') + 2;
  assert.deepEqual(describe(cross.expand(outerFrame, midWord, false)), ['outer:0']);
});

test('of several scripts\' tiered functions holding an offset, the one the frame calls by name is taken', () => {
  // markdown-it's linkify calls linkify-it's test and pretest, which TurboFan inlines across packages.
  const app = APP.replace('return sum + helper(list, 3);', 'return sum + helper(list, 3) + lib.now()[0];');
  const padded = `${' '.repeat(app.length)}\n${LIB}`;
  const twin = padded.replace('exports.now = function now()', 'exports.xyz = function xyz()');
  const r = resolver({ '/app.js': app, '/lib.js': padded, '/twin.js': twin });
  r.addTieredFunction({ name: 'now', file: '/lib.js', line: 2, column: 27, kind: 'js' });
  r.addTieredFunction({ name: 'xyz', file: '/twin.js', line: 2, column: 27, kind: 'js' });
  const position = offsetOf(padded, 'process.hrtime');
  assert.deepEqual(describe(r.expand(outerFrame, position, false)), ['outer:0', '[inlined] now:3']);
  // Called by name by neither: still ambiguous (the previous test), and both called: ambiguous too.
  const both = app.replace('lib.now()[0]', 'lib.now()[0] + lib.xyz()');
  const r2 = resolver({ '/app.js': both, '/lib.js': padded, '/twin.js': twin });
  r2.addTieredFunction({ name: 'now', file: '/lib.js', line: 2, column: 27, kind: 'js' });
  r2.addTieredFunction({ name: 'xyz', file: '/twin.js', line: 2, column: 27, kind: 'js' });
  assert.deepEqual(describe(r2.expand(outerFrame, position, false)), ['outer:0']);
  assert.equal(r2.counts.ambiguous, 1);
});

test('scripts with a function the frame calls by name are read first; the others only while the choice is open', () => {
  // Each script probed parses its functions around the offset: with hundreds of scripts (ESLint's), most of
  // a recovery's time. A function the frame calls by name wins over any number of others.
  const app = APP.replace('return sum + helper(list, 3);', 'return sum + helper(list, 3) + lib.now()[0];');
  const padded = `${' '.repeat(app.length)}\n${LIB}`;
  const sources = { '/app.js': app, '/lib.js': padded };
  for (const name of ['xyz', 'abc', 'qrs']) sources[`/${name}.js`] = padded.replace('exports.now = function now()', `exports.${name} = function ${name}()`);
  const read = [];
  const r = new InlineResolver((file) => (read.push(file), sources[file]));
  for (const name of ['xyz', 'abc', 'now', 'qrs']) r.addTieredFunction({ name, file: `/${name === 'now' ? 'lib' : name}.js`, line: 2, column: 27, kind: 'js' });
  assert.deepEqual(describe(r.expand(outerFrame, offsetOf(padded, 'process.hrtime'), false)), ['outer:0', '[inlined] now:3']);
  // lib.js's now is called, and holds the offset: xyz.js, abc.js and qrs.js (whose functions hold it too)
  // could not change the answer, and are never read.
  assert.deepEqual(read, ['/app.js', '/lib.js']);
  // Without a called candidate, the others are read (in the order their functions tiered up) until two
  // hold the offset, which leaves it ambiguous: qrs.js is never read.
  const read3 = [];
  const r3 = new InlineResolver((file) => (read3.push(file), sources[file]));
  for (const name of ['xyz', 'abc', 'qrs']) r3.addTieredFunction({ name, file: `/${name}.js`, line: 2, column: 27, kind: 'js' });
  assert.deepEqual(describe(r3.expand(outerFrame, offsetOf(padded, 'process.hrtime'), false)), ['outer:0']);
  assert.equal(r3.counts.ambiguous, 1);
  assert.deepEqual(read3, ['/app.js', '/xyz.js', '/abc.js']);
  // Two called candidates: ambiguous, and no script after them is read.
  const read4 = [];
  const r4 = new InlineResolver((file) => (read4.push(file), file === '/now2.js' ? sources['/lib.js'] : sources[file]));
  r4.addTieredFunction({ name: 'now', file: '/lib.js', line: 2, column: 27, kind: 'js' });
  r4.addTieredFunction({ name: 'now', file: '/now2.js', line: 2, column: 27, kind: 'js' });
  for (const name of ['xyz', 'qrs']) r4.addTieredFunction({ name: `now`, file: `/${name}.js`, line: 2, column: 27, kind: 'js' });
  assert.deepEqual(describe(r4.expand(outerFrame, offsetOf(padded, 'process.hrtime'), false)), ['outer:0']);
  assert.deepEqual(read4, ['/app.js', '/lib.js', '/now2.js']);
  // Fewer than two candidates: every script is read (the one that holds it is taken whatever its name).
  const read2 = [];
  const r2 = new InlineResolver((file) => (read2.push(file), sources[file]));
  r2.addTieredFunction({ name: 'qrs', file: '/qrs.js', line: 2, column: 27, kind: 'js' });
  r2.addTieredFunction({ name: 'now', file: '/lib.js', line: 1, column: 1, kind: 'js' });
  assert.deepEqual(describe(r2.expand(outerFrame, offsetOf(padded, 'process.hrtime'), false)), ['outer:0', '[inlined] qrs:3']);
  assert.deepEqual(read2.sort(), ['/app.js', '/lib.js', '/qrs.js']);
});

test('a function of the frame\'s own script that the frame calls by name wins over a tiered function of another script', () => {
  // lib.js has a tiered-up function at the very offsets of hash (in app.js).
  const other = `${' '.repeat(offsetOf(APP, 'function hash'))}function more(y) {\n  return Math.imul(y, 7) >>> 0;\n}\n`;
  const r = resolver({ '/app.js': APP, '/lib.js': other });
  r.addTieredFunction({ name: 'more', file: '/lib.js', line: 1, column: offsetOf(APP, 'function hash') + 14, kind: 'js' });
  assert.equal(offsetOf(other, 'Math.imul'), offsetOf(APP, 'Math.imul'));
  // outer calls hash(...): V8 can inline hash before hash tiers up (Node 22 did).
  assert.deepEqual(describe(r.expand(outerFrame, offsetOf(APP, 'Math.imul'), false)), ['outer:0', '[inlined] hash:3']);
  // Box's getter is never called by name from outer: a tiered function of lib.js holding the offset is taken.
  const inGetter = offsetOf(APP, 'this.v.length');
  const head = 'function far(z) { ';
  const lib = `${' '.repeat(inGetter - head.length)}${head}return z; }\n`;
  const r2 = resolver({ '/app.js': APP, '/lib.js': lib });
  r2.addTieredFunction({ name: 'far', file: '/lib.js', line: 1, column: inGetter - head.length + 13, kind: 'js' });
  assert.deepEqual(describe(r2.expand(outerFrame, inGetter, false)), ['outer:0', '[inlined] far:1']);
});

test('no source, or a source where V8\'s function does not start: the frame stays as it is', () => {
  const r = resolver({ '/app.js': 'let x = 1;\n'.repeat(20) });
  assert.deepEqual(describe(r.expand(outerFrame, 5, false)), ['outer:0']);
  assert.deepEqual(describe(r.expand({ ...outerFrame, file: '/missing.js' }, 5, false)), ['outer:0']);
  assert.equal(r.counts.noSource, 2);
});

function expandedSession() {
  const builder = new SessionBuilder();
  const root = builder.internFrame({ name: '(module)', file: '/app.js', line: 1, column: 1, kind: 'js' });
  const outer = builder.internFrame(outerFrame);
  const native = builder.internFrame({ name: '[native] node', file: '/usr/bin/node', line: 0, column: 0, kind: 'native' });
  const positions = new PositionRecorder();
  const rootTag = positions.tagFor(root, offsetOf(APP, 'module.exports'), true);
  const ownTag = positions.tagFor(outer, offsetOf(APP, 'sum + helper'), false);
  const hashTag = positions.tagFor(outer, offsetOf(APP, 'Math.imul'), false);
  // Sample 1: outer's own code. Sample 2: in hash's inlined code, calling C++.
  const base = builder.internStack(-1, root);
  const basePositions = positions.extend(-1, rootTag);
  builder.addSample(builder.internStack(base, outer), 0, 0.001, 0.001);
  positions.addSample(positions.extend(basePositions, ownTag));
  builder.addSample(builder.internStack(builder.internStack(base, outer), native), 0.001, 0.001, 0.001);
  positions.addSample(positions.extend(positions.extend(basePositions, hashTag), 0));
  const session = builder.build({
    startTime: 0, duration: 0.002, cpuTime: 0.002, sampleCount: 2, requestedInterval: 0.001, achievedInterval: 0.001,
    droppedSamples: 0, unresolvedFrames: 0, totalFrames: 4, nodeVersion: 'v20', v8Version: '11', platform: 'linux',
    arch: 'x64', pid: 1, cwd: '/', argv: ['node', '/app.js'], signal: 39, notes: [],
  });
  return expandPositions(session, positions, resolver());
}

test('expandPositions puts inlined frames into the stacks and lines beside them', () => {
  const expanded = expandedSession();
  const stackOf = (i) => {
    const frames = expanded.stackFrames(expanded.samples.stack[i]).map((id) => expanded.frames[id]);
    const lines = [];
    for (let id = expanded.lines.sample[i]; id !== -1; id = expanded.lines.parent[id]) lines.unshift(expanded.lines.line[id]);
    return frames.map((frame, depth) => `${frame.inlined ? '[inlined] ' : ''}${frame.name}:${lines[depth]}`);
  };
  assert.deepEqual(stackOf(0), ['(module):16', 'outer:14']);
  assert.deepEqual(stackOf(1), ['(module):16', 'outer:0', '[inlined] hash:3', '[native] node:0']);
  // The result is a valid session, lines included, and survives a save/load.
  const reloaded = Session.fromJSON(JSON.parse(JSON.stringify(expanded)));
  assert.deepEqual(reloaded.lines, expanded.lines);
  assert.equal(reloaded.frames.filter((frame) => frame.inlined).length, 1);
});

test('pprof: a location per executing line, inlined functions as extra lines of their caller\'s location', async () => {
  const { gunzipSync } = await import('node:zlib');
  const { Profile } = await import('pprof-format');
  const { renderPprof } = await import('../internals.cjs');
  const profile = Profile.decode(gunzipSync(renderPprof(expandedSession())));
  const strings = profile.stringTable.strings;
  const fnName = new Map(profile.function.map((fn) => [Number(fn.id), strings[Number(fn.name)]]));
  const location = new Map(profile.location.map((loc) => [Number(loc.id), loc.line.map((line) => `${fnName.get(Number(line.functionId))}:${Number(line.line)}`)]));
  const stacks = profile.sample.map((sample) => sample.locationId.map((id) => location.get(Number(id)).join('+')));
  // Leaf first; an inlined function is the first line of its caller's location, the caller (line unknown: its start line) last.
  assert.deepEqual(stacks, [
    ['outer:14', '(module app.js:1):16'],
    ['[native] node:0', 'hash:3+outer:10', '(module app.js:1):16'],
  ]);
});

test('--lines: hot lines within each function, time in C++ on the line that called it', async () => {
  const { hotLines } = await import('../internals.cjs');
  const { renderText } = await import('../internals.cjs');
  const session = expandedSession();
  const { functions } = hotLines(session);
  assert.deepEqual(
    functions.map((fn) => [fn.frame.name, fn.lines.map(({ line }) => line)]),
    [
      ['outer', [14]],
      ['hash', [3]],
    ],
  );
  const text = renderText(session, { mode: 'lines', processor: { showAll: true } });
  assert.match(text, /outer {2}app\.js:10\n +0\.001 {2}line 14\n/);
  assert.match(text, /hash {2}app\.js:2 \[inlined\]\n +0\.001 {2}line 3\n/);
});

test('expandPositions: every sample expands as its own frames and positions do, however stacks and positions pair up', () => {
  // Deep stacks of outer (recursing) sampled at different offsets: one stack comes with several
  // position stacks, and their prefixes are shared; each sample must read as its frames expanded
  // one by one, whatever the rebuild memoised.
  const nativeFrame = { name: '[native] node', file: '/usr/bin/node', line: 0, column: 0, kind: 'native' };
  const offsets = [offsetOf(APP, 'sum + helper'), offsetOf(APP, 'Math.imul'), offsetOf(APP, 'sum += v'), offsetOf(APP, 'a.indexOf'), -1];
  let seed = 7;
  const random = (n) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const builder = new SessionBuilder();
  const outer = builder.internFrame(outerFrame);
  const native = builder.internFrame(nativeFrame);
  const positions = new PositionRecorder();
  const expected = [];
  const reference = resolver();
  for (let sample = 0; sample < 400; sample++) {
    let stack = -1;
    let positionStack = -1;
    const described = [];
    for (let depth = 0, frames = 1 + random(6); depth < frames; depth++) {
      const offset = offsets[random(offsets.length)];
      stack = builder.internStack(stack, outer);
      positionStack = positions.extend(positionStack, offset === -1 ? 0 : positions.tagFor(outer, offset, false));
      described.push(...(offset === -1 ? ['outer:0'] : describe(reference.expand(outerFrame, offset, false))));
    }
    if (random(2) === 0) {
      stack = builder.internStack(stack, native);
      positionStack = positions.extend(positionStack, 0);
      described.push('[native] node:0');
    }
    builder.addSample(stack, sample * 0.001, 0.001, 0.001);
    positions.addSample(positionStack);
    expected.push(described);
  }
  const session = builder.build({
    startTime: 0, duration: 0.4, cpuTime: 0.4, sampleCount: 400, requestedInterval: 0.001, achievedInterval: 0.001,
    droppedSamples: 0, unresolvedFrames: 0, totalFrames: 0, nodeVersion: 'v20', v8Version: '11', platform: 'linux',
    arch: 'x64', pid: 1, cwd: '/', argv: ['node', '/app.js'], signal: 39, notes: [],
  });
  const pairings = new Set(expected.map((_, i) => `${session.samples.stack[i]}:${positions.sampleStack.get(i)}`));
  assert.ok(pairings.size > new Set(session.samples.stack).size, 'some stack comes with more than one position stack');
  const expanded = expandPositions(session, positions, resolver());
  expected.forEach((described, i) => {
    const frames = expanded.stackFrames(expanded.samples.stack[i]).map((id) => expanded.frames[id]);
    const lines = [];
    for (let id = expanded.lines.sample[i]; id !== -1; id = expanded.lines.parent[id]) lines.unshift(expanded.lines.line[id]);
    assert.deepEqual(frames.map((frame, depth) => `${frame.inlined ? '[inlined] ' : ''}${frame.name}:${lines[depth]}`), described, `sample ${i}`);
  });
  // Stacks and line stacks are interned: no node twice.
  const nodes = (parent, value) => new Set(parent.map((up, id) => `${up}:${value[id]}`)).size;
  assert.equal(nodes(expanded.stacks.parent, expanded.stacks.frame), expanded.stacks.parent.length);
  assert.equal(nodes(expanded.lines.parent, expanded.lines.line), expanded.lines.parent.length);
});

test("a class with fields: its constructor's own code is its own, and inlined it is named as the constructor, whichever was parsed first", () => {
  // V8 names the constructor by its `(` and the fields' initializer by the class; a parse lists the
  // constructor twice, by both (older V8 named constructors by the class).
  const source = [
    'class Store {', //                                           line 1
    '  #items = new Map();', //                                   line 2
    '  constructor(seed) {', //                                   line 3
    '    this.#items.set(seed, Object.freeze([seed]));', //       line 4
    '  }', //                                                     line 5
    '}', //                                                       line 6
    'function make(n) { return new Store(n); }', //               line 7
    'module.exports = make;', //                                  line 8
  ].join('\n');
  const ctorFrame = { name: 'Store', file: '/store.js', line: 3, column: 14, kind: 'js' };
  const makeFrame = { name: 'make', file: '/store.js', line: 7, column: 14, kind: 'js' };
  const inBody = offsetOf(source, 'Object.freeze');
  for (const classFirst of [false, true]) {
    const r = new InlineResolver((file) => (file === '/store.js' ? source : undefined));
    r.addTieredFunction({ name: '<instance_members_initializer>', file: '/store.js', line: 1, column: 1, kind: 'js' });
    r.addTieredFunction(ctorFrame);
    // An offset in the fields has the class parsed, which lists both entries in one parse (an order
    // a recovery met in ESLint's: its constructors' lines went to the initializer).
    if (classFirst) r.expand(makeFrame, offsetOf(source, 'new Map()'), false);
    assert.deepEqual(describe(r.expand(ctorFrame, inBody, false)), ['Store:4'], `class parsed first: ${classFirst}`);
    assert.deepEqual(describe(r.expand(makeFrame, inBody, false)), ['make:0', '[inlined] Store:4'], `class parsed first: ${classFirst}`);
  }
});

test("bytecode of Node's own modules gets its line without a parse: V8 compiled it from the text read here", (t) => {
  // node:events, as this Node has it (process.binding('natives'), which readScriptSource reads).
  const source = readScriptSource('node:events');
  assert.ok(source, "this Node lists its modules' sources");
  const at = source.indexOf('function EventEmitter(opts)');
  assert.ok(at > 0);
  const paren = source.indexOf('(', at);
  const line = source.slice(0, paren).split('\n').length;
  const column = paren - source.lastIndexOf('\n', paren - 1);
  const frame = { name: 'EventEmitter', file: 'node:events', line, column, kind: 'js' };
  const inBody = source.indexOf('EventEmitter.init.call', at);
  const expectedLine = source.slice(0, inBody).split('\n').length;
  const parseAt = t.mock.method(ScriptFunctions, 'parseFunctionAt');
  const startsAt = t.mock.method(ScriptFunctions, 'startsFunctionAt');
  const r = new InlineResolver(readScriptSource);
  assert.deepEqual(describe(r.expand(frame, inBody, true)), [`EventEmitter:${expectedLine}`]);
  assert.equal(parseAt.mock.callCount() + startsAt.mock.callCount(), 0, 'nothing parsed');
  // Another reader's node: text is checked as any file is (its head is parsed).
  const r2 = new InlineResolver((file) => (file === 'node:events' ? source : undefined));
  assert.deepEqual(describe(r2.expand(frame, inBody, true)), [`EventEmitter:${expectedLine}`]);
  assert.ok(parseAt.mock.callCount() + startsAt.mock.callCount() > 0, 'its head was parsed');
});

test("an offset no tiered-up function holds is placed in the frame's own script, unless that means parsing a large script whole", (t) => {
  const inGetter = offsetOf(APP, 'this.v.length');
  // Box's size getter is not tiered up and not called by name from outer: only the whole parse places it.
  const small = resolver();
  assert.deepEqual(describe(small.expand(outerFrame, inGetter, false)), ['outer:0', '[inlined] size:8']);
  // The same script with 600 KB of comment after it: the offset stays ambiguous, and nothing is parsed whole.
  const large = `${APP}\n/*${' '.repeat(600 * 1024)}*/\n`;
  const parse = t.mock.method(ScriptFunctions, 'parse');
  const r = resolver({ '/app.js': large, '/lib.js': LIB });
  assert.deepEqual(describe(r.expand(outerFrame, inGetter, false)), ['outer:0']);
  assert.equal(r.counts.ambiguous, 1);
  assert.equal(parse.mock.callCount(), 0, 'the script was not parsed whole');
});
