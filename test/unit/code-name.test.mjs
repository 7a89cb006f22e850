import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCodeName } from '../internals.cjs';

const frame = (raw) => parseCodeName(raw).frame;

test('JS code: tier marker dropped, name, file, line and column parsed', () => {
  for (const tier of ['~', '^', '+', '*', "+'", "*'", '']) {
    assert.deepEqual(frame(`JS:${tier}parse /app/parser.js:12:5`), {
      name: 'parse', file: '/app/parser.js', line: 12, column: 5, kind: 'js',
    });
  }
});

test("a quote that starts a function's own name is kept", () => {
  assert.equal(frame("JS:~'quoted' /app/a.js:1:2").name, "'quoted'");
  assert.equal(frame("JS:*''quoted' /app/a.js:1:2").name, "'quoted'");
});

test('names and paths with spaces, node: and file: URLs', () => {
  assert.deepEqual(frame('JS:~get size /my dir/a b.js:3:4'), { name: 'get size', file: '/my dir/a b.js', line: 3, column: 4, kind: 'js' });
  assert.equal(frame('JS:~next node:internal/per_context/primordials:330:9').file, 'node:internal/per_context/primordials');
  assert.equal(frame('JS:*main file:///srv/app.mjs:1:10').file, 'file:///srv/app.mjs');
  assert.equal(frame('JS:^Module._compile node:internal/modules/cjs/loader:1483:14').name, 'Module._compile');
});

test('names that hold what a file name starts with ( [, /, ., <, node:) keep it: the file is the last such part', () => {
  assert.deepEqual(frame('JS:*get [Symbol.iterator] /app/list.js:7:3'), { name: 'get [Symbol.iterator]', file: '/app/list.js', line: 7, column: 3, kind: 'js' });
  assert.deepEqual(frame('JS:~a /b /app/x.js:1:2'), { name: 'a /b', file: '/app/x.js', line: 1, column: 2, kind: 'js' });
  assert.deepEqual(frame('JS:~route .get /app/x.js:2:2'), { name: 'route .get', file: '/app/x.js', line: 2, column: 2, kind: 'js' });
  assert.deepEqual(frame('JS:^compare <T> node:internal/util:5:1'), { name: 'compare <T>', file: 'node:internal/util', line: 5, column: 1, kind: 'js' });
  assert.deepEqual(frame('JS:~see node:fs file:///app/x.mjs:9:1'), { name: 'see node:fs', file: 'file:///app/x.mjs', line: 9, column: 1, kind: 'js' });
});

test('anonymous functions and top-level code', () => {
  assert.equal(frame('JS:~ /app/x.js:7:12').name, '(anonymous)');
  assert.equal(frame('JS:~ /app/x.js:1:1').name, '(module)');
  // A script's top-level code is the same frame as its 1:1 function.
  assert.deepEqual(frame('Script:~ /app/x.js'), frame('JS:~ /app/x.js:1:1'));
  // eval'd code has no script name.
  assert.deepEqual(frame('JS:~evaluated :1:10'), { name: 'evaluated', file: '', line: 1, column: 10, kind: 'js' });
});

test('builtins, bytecode handlers and regular expressions', () => {
  assert.deepEqual(parseCodeName('Builtin:ArrayForEach'), {
    frame: { name: 'ArrayForEach', file: '', line: 0, column: 0, kind: 'builtin' },
    interpreterPlumbing: false,
  });
  assert.equal(parseCodeName('Builtin:InterpreterEntryTrampoline').interpreterPlumbing, true);
  assert.equal(parseCodeName('BytecodeHandler:Add').interpreterPlumbing, true);
  assert.equal(frame('RegExp:\\d+').name, 'RegExp: \\d+');
  assert.equal(frame('Stub:SomethingNew').name, 'Stub:SomethingNew');
});

test('optimized code is recognised from the undecoded name', async () => {
  const { isOptimizedCodeName } = await import('../internals.cjs');
  const bytes = (text) => new TextEncoder().encode(text);
  assert.equal(isOptimizedCodeName(bytes('JS:*hot /a.js:1:1')), true);
  assert.equal(isOptimizedCodeName(bytes('JS:+hot /a.js:1:1')), true);
  assert.equal(isOptimizedCodeName(bytes('LazyCompile:*hot /a.js:1:1')), true);
  assert.equal(isOptimizedCodeName(bytes('JS:~hot /a.js:1:1')), false);
  assert.equal(isOptimizedCodeName(bytes('JS:^hot /a.js:1:1')), false);
  assert.equal(isOptimizedCodeName(bytes('Builtin:ArrayMap')), false);
  assert.equal(isOptimizedCodeName(bytes('JS:')), false);
});

test("V8 12+'s context-specialized marker (a quote after the tier) is not part of the name", () => {
  const { frame } = parseCodeName("JS:*'scan /app/a.js:23:14");
  assert.equal(frame.name, 'scan');
  assert.equal(frame.line, 23);
  assert.equal(parseCodeName("JS:+'hash /app/a.js:11:14").frame.name, 'hash');
});

test('wasm code: one frame per function whatever the tier, under a wasm:// location', () => {
  const liftoff = parseCodeName('wasm-function[0]-0-liftoff', true).frame;
  const turbofan = parseCodeName('JS:wasm-function[0]-0-turbofan', true).frame; // as the code event names it
  assert.deepEqual(liftoff, { name: 'wasm-function[0]', file: 'wasm://wasm', line: 0, column: 1, kind: 'js' });
  assert.deepEqual(turbofan, liftoff);
  assert.deepEqual(parseCodeName('spin-3-turbofan', true).frame, { name: 'spin', file: 'wasm://wasm', line: 0, column: 4, kind: 'js' });
  assert.deepEqual(parseCodeName('a-b-12-liftoff-debug', true).frame, { name: 'a-b', file: 'wasm://wasm', line: 0, column: 13, kind: 'js' });
  // A name of another shape stays whole.
  assert.equal(parseCodeName('js-to-wasm', true).frame.name, 'js-to-wasm');
});
