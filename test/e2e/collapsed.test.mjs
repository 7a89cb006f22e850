import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderCollapsed, frameLabel } from '../internals.cjs';
import { rendererByName, rendererForPath } from '../internals.cjs';
import { cli, fixture, root, runNode } from '../helpers.mjs';
import { makeSession, testMeta } from '../sessions.mjs';

const baseMeta = { ...testMeta,  };
const app = (name, line) => ({ name, file: '/app/app.js', line, column: 3, kind: 'js' });
const special = (name) => ({ name, file: '', line: 0, column: 0, kind: 'special' });

const sessionOf = (samples, meta = {}) => makeSession(samples, { ...baseMeta, ...meta });

const main = app('main', 10);
const parse = app('parse', 20);
const library = { name: 'handle', file: '/app/node_modules/express/lib/router.js', line: 45, column: 1, kind: 'js' };
const builtin = { name: 'JsonParse', file: '', line: 0, column: 0, kind: 'builtin' };
const native = { name: 'uv_run', file: '/usr/lib/libuv.so.1', line: 0, column: 0, kind: 'native' };

test('collapsed: one sorted line per distinct stack, root first, with its sample count', () => {
  const session = sessionOf([
    [[main, parse], 0.002],
    [[main, library, parse, builtin], 0.0010004],
    [[special('(garbage collection)')], 0.0005],
    [[main, parse], 0.0015],
    [[main, native], 0.003],
    [[special('(idle)')], 0.004],
    [[], 0.0002],
  ]);
  assert.equal(renderCollapsed(session), [
    '(garbage collection) 1',
    '(idle) 1',
    '(root) 1',
    'main app.js:10;handle node_modules/express/lib/router.js:45;parse app.js:20;JsonParse [builtin] 1',
    'main app.js:10;parse app.js:20 2',
    'main app.js:10;uv_run [native] libuv.so.1 1',
    '',
  ].join('\n'));
});

test('collapsed: separators and control characters in names cannot break lines or frames', () => {
  const evil = { name: 'a;b\nc', file: '/app/we;ird.js', line: 3, column: 1, kind: 'js' };
  assert.equal(frameLabel(evil, '/app'), 'a\\x3bb\\x0ac we\\x3bird.js:3');
  const text = renderCollapsed(sessionOf([[[main, evil], 0.001]]));
  assert.equal(text, 'main app.js:10;a\\x3bb\\x0ac we\\x3bird.js:3 1\n');
});

test('collapsed: every sample is counted once', () => {
  const samples = [];
  for (let i = 0; i < 3000; i++) samples.push([[main, i % 2 ? parse : app(`f${i % 17}`, i % 17 + 1)], 0.001 + (i % 7) * 1.37e-7]);
  const session = sessionOf(samples);
  const lines = renderCollapsed(session).trimEnd().split('\n');
  assert.ok(lines.every((line) => /^\S.* \d+$/.test(line)), 'every line ends with an integer value');
  assert.equal(lines.length, 18);
  const total = lines.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  assert.equal(total, 3000);
  assert.ok(lines.includes('main app.js:10;parse app.js:20 1500'));
});

test('collapsed: an empty session renders as nothing; registered for .collapsed and .folded', () => {
  assert.equal(renderCollapsed(sessionOf([])), '');
  assert.equal(rendererByName('collapsed').name, 'collapsed');
  assert.equal(rendererForPath('/tmp/out.collapsed').name, 'collapsed');
  assert.equal(rendererForPath('/tmp/out.folded').name, 'collapsed');
});

test('collapsed: CLI -r collapsed writes folded stacks to stdout', () => {
  const result = runNode([cli, '-r', 'collapsed', fixture('cli-exit3.js')], { cwd: root });
  assert.equal(result.status, 3, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  assert.ok(lines.length > 0);
  for (const line of lines) assert.match(line, /^\S.* \d+$/);
  const busy = lines.filter((line) => /;busy test\/fixtures\/cli-exit3\.js:1(;| )/.test(line));
  const count = (list) => list.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  const busySamples = count(busy);
  const allSamples = count(lines);
  // It spins for 150 ms at 1 ms after starting up; a loaded machine delivers fewer samples of both.
  assert.ok(busySamples >= 20 && busySamples >= 0.3 * allSamples, `busy: ${busySamples} of ${allSamples} samples`);
});
