import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCallTree } from '../internals.cjs';
import { renderText, renderTreeLines, formatDuration, displayLocation, escapeControl, MAX_TREE_DEPTH } from '../internals.cjs';
import { makeSession, testMeta } from '../sessions.mjs';

const startTime = Date.UTC(2026, 10, 26, 12, 3, 4);
const baseMeta = { ...testMeta, duration: 2.514, cpuTime: 2.301, achievedInterval: 0.001002, unresolvedFrames: 1, totalFrames: 100, argv: ['/usr/bin/node', '/app/app.js', '--flag'] };
const app = (name, line, file = 'app.js') => ({ name, file: `/app/${file}`, line, column: 1, kind: 'js' });
const lib = (pkg, name, line = 3) => ({ name, file: `/app/node_modules/${pkg}/lib/index.js`, line, column: 1, kind: 'js' });
const gc = { name: '(garbage collection)', file: '', line: 0, column: 0, kind: 'special' };

const sessionOf = (samples, meta = {}) => makeSession(samples, { ...baseMeta, ...meta });

const example = () => sessionOf([
  [[app('main', 12), app('parse', 30), lib('express', 'handle', 45), lib('body-parser', 'json'), lib('@scope/b', 'run'), app('cb', 50)], 1],
  [[app('main', 12), app('parse', 30), app('tokenize', 40)], 0.5],
  [[app('main', 12), app('render', 60)], 0.25],
  [[gc], 0.25],
]);

/** The lines after the header (the header ends at the first blank line after the first). */
const treePart = (text) => text.split('\n').slice(text.split('\n').indexOf('', 1) + 1);

test('the tree is drawn with box characters, the root left out, hidden frames under their entry', () => {
  assert.deepEqual(treePart(renderText(example())), [
    '1.750 main  app.js:12',
    '├─ 1.500 parse  app.js:30',
    '│  ├─ 1.000 handle  node_modules/express/lib/index.js:45',
    '│  │  │  [2 frames hidden]  body-parser, @scope/b',
    '│  │  └─ 1.000 cb  app.js:50',
    '│  └─ 0.500 tokenize  app.js:40',
    '└─ 0.250 render  app.js:60',
    '0.250 (garbage collection)',
    '',
  ]);
});

test('ASCII branches when unicode is off; percent timing', () => {
  const text = renderText(example(), { unicode: false, timing: 'percent' });
  assert.ok(!/[├└│─]/.test(text), 'no box drawing characters');
  assert.deepEqual(treePart(text).slice(0, 7), [
    '87.5% main  app.js:12',
    '|- 75.0% parse  app.js:30',
    '|  |- 50.0% handle  node_modules/express/lib/index.js:45',
    '|  |  |  [2 frames hidden]  body-parser, @scope/b',
    '|  |  `- 50.0% cb  app.js:50',
    '|  `- 25.0% tokenize  app.js:40',
    '`- 12.5% render  app.js:60',
  ]);
});

test('the header shows when, how many samples at what rate, duration, CPU time and the program', () => {
  const text = renderText(example());
  const lines = text.split('\n');
  const date = new Date(startTime);
  const two = (n) => String(n).padStart(2, '0');
  const recorded = `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  assert.equal(lines[0], '');
  assert.match(lines[1], /^ {2}nodeinstrument {2}Recorded: /);
  assert.ok(lines[1].includes(`Recorded: ${recorded}`), lines[1]);
  assert.ok(lines[1].includes('Samples: 4 (1.00 ms interval, 99.8% of requested rate)'), lines[1]);
  assert.match(lines[2], /Duration: 2\.514 s +CPU time: 2\.301 s$/);
  assert.equal(lines[2].indexOf('Duration'), lines[1].indexOf('Recorded'), 'columns line up');
  assert.equal(lines[2].indexOf('CPU time'), lines[1].indexOf('Samples'), 'columns line up');
  assert.match(lines[3], /^ +Program: node app\.js --flag$/);
  assert.ok(!/warning: .*(dropped|resolved)/.test(text), '1% unresolved and no drops is not worth a warning');

  // A thread that waited for a CPU (no sample can be taken then) says so beside the rate; a short wait does not.
  const waited = (seconds, mode) => renderText(example().with({ meta: { ...example().meta, waitedForCpu: seconds, ...(mode ? { mode } : {}) } })).split('\n')[1];
  assert.ok(waited(0.8).includes('Samples: 4 (1.00 ms interval, 99.8% of requested rate, the thread waited 0.80 s for a CPU)'), waited(0.8));
  assert.ok(!waited(0.1).includes('waited'), 'under 5% of the run is not worth saying');
  assert.ok(!waited(0.8, 'cpu').includes('waited'), 'CPU mode counts only time on a CPU');
  // The hybrid sampler says how many samples an interrupt took; the signal sampler says nothing.
  const hybrid = renderText(example().with({ meta: { ...example().meta, sampleCount: 4, interruptSamples: 3, waitedForCpu: 0.8 } })).split('\n')[1];
  assert.ok(hybrid.includes('(1.00 ms interval, 99.8% of requested rate, hybrid sampler: 75% by interrupt, the thread waited 0.80 s for a CPU)'), hybrid);
  assert.ok(!renderText(example()).includes('hybrid'));

  const titled = renderText(example(), { title: 'my job' });
  assert.match(titled, /Program: my job\n/);
});

test('dropped samples, unresolved frames and notes get their own lines', () => {
  const session = sessionOf([[[app('main', 1)], 1]], {
    droppedSamples: 7, unresolvedFrames: 3, totalFrames: 100, notes: ['worker threads were not profiled', 'bell\x07'],
    argv: ['/usr/bin/node', '/app/src/a b.js'],
  });
  const text = renderText(session);
  assert.match(text, /\n {2}warning: 7 samples were dropped/);
  assert.match(text, /\n {2}warning: 3\.0% of frames \(3 of 100\) could not be resolved/);
  assert.match(text, /\n {2}note: worker threads were not profiled\n {2}note: bell\\x07\n/);
  assert.match(text, /Program: node 'src\/a b\.js'\n/);
});

test('no escape codes without colour; heat colours, bold application names and dim locations with it', () => {
  assert.ok(!renderText(example()).includes('\x1b'));
  assert.ok(!renderText(example(), { color: false, timing: 'percent' }).includes('\x1b'));
  const text = renderText(example(), { color: true });
  const tree = treePart(text);
  assert.equal(tree[0], '\x1b[31m1.750\x1b[0m \x1b[1mmain\x1b[0m  \x1b[2mapp.js:12\x1b[0m');
  assert.ok(tree[2].includes('\x1b[33m1.000\x1b[0m handle  '), 'library names are not bold; 57% is yellow');
  assert.ok(tree[5].includes('\x1b[32m0.500\x1b[0m \x1b[1mtokenize'), '29% is green');
  assert.ok(tree[6].includes('\x1b[32m0.250'), '14% is green');
  const small = renderTreeLines(buildCallTree(sessionOf([[[app('a', 1)], 0.95], [[app('b', 1)], 0.05]])), { color: true });
  assert.ok(small[1].startsWith('\x1b[2m0.050\x1b[0m'), 'under 10% is dim');
});

test('control characters from the program are shown escaped, never emitted', () => {
  const evil = { name: 'evil\x1b[2J\x9bname\u202e', file: '/app/\x07bad.js', line: 1, column: 1, kind: 'js' };
  for (const color of [false, true]) {
    const text = renderText(sessionOf([[[evil], 1]], { argv: ['node', '\x1b]0;title\x07'] }), { color });
    assert.ok(text.includes('evil\\x1b[2J\\x9bname\\u202e'), text);
    assert.ok(text.includes('\\x07bad.js:1'));
    assert.ok(text.includes("Program: node '\\x1b]0;title\\x07'"));
    const withoutOurs = text.replace(/\x1b\[[0-9;]*m/g, '');
    assert.ok(!/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/.test(withoutOurs), 'only our own SGR sequences remain');
  }
  assert.equal(escapeControl('a\tb\nc\u2028'), 'a\\x09b\\x0ac\\u2028');
});

test('an empty session renders the header and says no samples were recorded', () => {
  const text = renderText(sessionOf([], { duration: 0.0004, cpuTime: 0.0004, achievedInterval: 0 }));
  assert.match(text, /nodeinstrument {2}Recorded: /);
  assert.match(text, /Samples: 0 \(1\.00 ms interval\)/);
  assert.match(text, /\nNo samples were recorded\.\n.*smaller sampling interval/);
});

test('processor options reach the tree', () => {
  const session = sessionOf([
    [[app('main', 1), { name: 'tick', file: 'node:internal/timers', line: 5, column: 1, kind: 'js' }, app('work', 2)], 1],
  ]);
  assert.ok(!renderText(session).includes('tick'));
  assert.ok(renderText(session, { processor: { showAll: true } }).includes('tick  node:internal/timers:5'));
});

test('locations are shortened for reading', () => {
  const at = (frame) => displayLocation(frame, '/app');
  assert.equal(at(app('f', 3, 'src/x.js')), 'src/x.js:3');
  assert.equal(at({ name: 'f', file: '/other/x.js', line: 3, column: 1, kind: 'js' }), '/other/x.js:3');
  assert.equal(at({ name: 'f', file: '/app/node_modules/.pnpm/a@1/node_modules/a/i.js', line: 2, column: 1, kind: 'js' }), 'node_modules/a/i.js:2');
  assert.equal(at({ name: 'f', file: 'file:///app/src/m.mjs', line: 4, column: 1, kind: 'js' }), 'src/m.mjs:4');
  assert.equal(at({ name: 'f', file: 'node:fs', line: 441, column: 1, kind: 'js' }), 'node:fs:441');
  assert.equal(at({ name: 'node::fs::Read', file: '/usr/bin/node', line: 0, column: 0, kind: 'native' }), '[native] node');
  assert.equal(at({ name: '[native] libc.so.6', file: '/lib/libc.so.6', line: 0, column: 0, kind: 'native' }), '', 'already named after its library');
  assert.equal(at({ name: 'ArrayForEach', file: '', line: 0, column: 0, kind: 'builtin' }), '[builtin]');
  assert.equal(at(gc), '');
  assert.equal(at({ name: 'f', file: '', line: 0, column: 0, kind: 'js' }), '');
});

test('formatDuration uses three decimals; a single hidden frame is singular', () => {
  assert.equal(formatDuration(1.23456), '1.235');
  assert.equal(formatDuration(0), '0.000');
  const lines = renderTreeLines(buildCallTree(sessionOf([[[app('main', 1)], 1]])), { unicode: true });
  assert.deepEqual(lines, ['1.000 main  /app/app.js:1'], 'no cwd given: full paths');
  const root = buildCallTree(sessionOf([[[app('main', 1), lib('a', 'x')], 1]]));
  root.children[0].children[0].hidden = { frameCount: 1, libraries: ['b'] };
  assert.deepEqual(renderTreeLines(root, { cwd: '/app' }), [
    '1.000 main  app.js:1',
    '└─ 1.000 x  node_modules/a/lib/index.js:3',
    '      [1 frame hidden]  b',
  ]);
});

test('very deep trees are cut at MAX_TREE_DEPTH levels with a line saying so', () => {
  const frames = Array.from({ length: 20000 }, (_, i) => app(`f${i % 3}`, 1));
  const tree = treePart(renderText(sessionOf([[frames, 1]]), { unicode: false }));
  assert.equal(MAX_TREE_DEPTH, 1000);
  assert.equal(tree.length, 1002);
  assert.match(tree[999], /^ {2994}`- 1\.000 f0  app\.js:1$/);
  assert.equal(tree[1000], `${' '.repeat(2997)}[19000 deeper frames not shown]`);
  const shallow = buildCallTree(sessionOf([[[app('a', 1), app('b', 1), app('c', 1)], 1]]));
  assert.deepEqual(renderTreeLines(shallow, { maxDepth: 2, unicode: false }), ['1.000 a  /app/app.js:1', '`- 1.000 b  /app/app.js:1', '   [1 deeper frame not shown]']);
});

test('flat view: functions by their own self time; builtins and native code charged to the JavaScript that called them', () => {
  const internal = { name: 'listOnTimeout', file: 'node:internal/timers', line: 1, column: 1, kind: 'js' };
  const builtin = { name: 'JsonParse', file: '', line: 0, column: 0, kind: 'builtin' };
  const native = { name: '[native] node', file: '', line: 0, column: 0, kind: 'native' };
  const unresolved = { name: '(unresolved)', file: '', line: 0, column: 0, kind: 'special' };
  const session = sessionOf([
    [[app('main', 1), app('parse', 5)], 0.4],
    [[app('main', 1), app('parse', 5), builtin, native], 0.1],
    [[app('main', 1), app('render', 9), app('parse', 5)], 0.2],
    [[app('main', 1), app('render', 9)], 0.2],
    [[app('main', 1), internal], 0.1],
    // Code that could not be named between a function and native code: the function's, too.
    [[app('main', 1), app('render', 9), unresolved, native], 0.05],
    // With no JavaScript above it, it keeps its own row.
    [[unresolved], 0.01],
  ]);
  const lines = renderText(session, { view: 'flat', color: false }).trim().split('\n').slice(-4);
  assert.deepEqual(lines, ['  0.700 parse  app.js:5', '  0.250 render  app.js:9', '  0.100 listOnTimeout  node:internal/timers:1', '  0.010 (unresolved)']);
  // `mode` is the option's old name, still read when `view` is not given.
  assert.equal(renderText(session, { mode: 'flat', color: false }), renderText(session, { view: 'flat', color: false }));
  const percent = renderText(session, { view: 'flat', color: false, timing: 'percent' });
  assert.match(percent, / 66\.0% parse {2}app\.js:5/);
  // With --show-all every frame keeps its own self time.
  const all = renderText(session, { view: 'flat', color: false, processor: { showAll: true } });
  assert.match(all, / 0\.600 parse {2}app\.js:5\n {2}0\.200 render {2}app\.js:9\n {2}0\.150 \[native\] node\n/);
});

test('flat view: a library run is not collapsed into its entry, an inlined copy counts as the function', () => {
  const inlinedParse = { ...app('parse', 5), inlined: true };
  const session = sessionOf([
    [[app('main', 1), lib('framework', 'dispatch', 3), lib('framework', 'route', 20), lib('framework', 'match', 40)], 0.5],
    [[app('main', 1), lib('framework', 'dispatch', 3), app('handler', 7)], 0.3],
    [[app('main', 1), app('handler', 7), inlinedParse], 0.15],
    [[app('main', 1), app('parse', 5)], 0.05],
  ]);
  const text = renderText(session, { view: 'flat', color: false });
  assert.deepEqual(text.trim().split('\n').slice(-3), [
    '  0.500 match  node_modules/framework/lib/index.js:40',
    '  0.300 handler  app.js:7',
    '  0.200 parse  app.js:5',
  ]);
  assert.doesNotMatch(text, /dispatch|\[inlined\]/);
});

test('timeline mode keeps calls in time order and apart when they are made again', () => {
  const session = sessionOf([
    [[app('main', 1), app('parse', 5)], 0.1],
    [[app('main', 1), app('parse', 5)], 0.1],
    [[app('main', 1), app('render', 9)], 0.3],
    [[app('main', 1), app('parse', 5)], 0.2],
  ]);
  const tree = renderText(session, { color: false, unicode: false });
  assert.match(tree, /0\.400 parse[\s\S]*0\.300 render/, 'the tree merges both parse calls and sorts');
  const timeline = renderText(session, { mode: 'timeline', color: false, unicode: false });
  const body = timeline.trim().split('\n').slice(-4);
  assert.deepEqual(body, ['0.700 main  app.js:1', '|- 0.200 parse  app.js:5', '|- 0.300 render  app.js:9', '`- 0.200 parse  app.js:5']);
});

test('timeline mode merges the stretches a dropped sliver kept apart (GC rows are not repeated back to back)', () => {
  const gc = { name: '(garbage collection)', file: '', line: 0, column: 0, kind: 'special' };
  const session = sessionOf([
    [[gc], 0.1],
    [[app('main', 1), app('work', 5)], 0.001],
    [[gc], 0.1],
    [[app('main', 1), app('work', 5)], 0.5],
    [[app('main', 1), app('log', 9)], 0.001],
    [[app('main', 1), app('work', 5)], 0.3],
  ]);
  const timeline = renderText(session, { view: 'timeline', color: false, unicode: false });
  assert.deepEqual(timeline.trim().split('\n').slice(-3), ['0.200 (garbage collection)', '0.801 main  app.js:1', '`- 0.800 work  app.js:5']);
});
