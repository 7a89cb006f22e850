import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { renderSpeedscope } from '../internals.cjs';
import { rendererByName, rendererForPath, Session, withoutProfilerWork } from '../internals.cjs';
import { cli, fixture, root, runNode } from '../helpers.mjs';
import { makeSession, testMeta } from '../sessions.mjs';

const require = createRequire(import.meta.url);
// The schema speedscope publishes for its file format, from the speedscope package itself.
const schema = require('speedscope/dist/release/file-format-schema.json');
const validate = new Ajv({ allErrors: true }).compile(schema);
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

const baseMeta = { ...testMeta, argv: ['/usr/bin/node', '/app/src/app.js', '--flag'] };
const app = (name, line, column = 3) => ({ name, file: '/app/src/app.js', line, column, kind: 'js' });
const special = (name) => ({ name, file: '', line: 0, column: 0, kind: 'special' });

const sessionOf = (samples, meta = {}) => makeSession(samples, { ...baseMeta, ...meta });

const main = app('main', 10, 1);
const parse = app('parse', 20);
const render = app('render', 30);
const native = { name: 'uv_run', file: '/usr/lib/libuv.so.1', line: 0, column: 0, kind: 'native' };
const example = () => sessionOf([
  [[main, parse], 0.002],
  [[main, parse], 0.001],
  [[main, render, native], 0.003],
  [[special('(garbage collection)')], 0.0005],
  [[main, parse], 0.001],
  [[], 0.0015],
]);

const assertValid = (file) => assert.ok(validate(file), JSON.stringify(validate.errors, null, 2));

test('speedscope: the file validates against speedscope\'s published schema', () => {
  assertValid(JSON.parse(renderSpeedscope(example())));
  assertValid(JSON.parse(renderSpeedscope(sessionOf([]))));
  // The validator does catch mistakes.
  const broken = JSON.parse(renderSpeedscope(example()));
  broken.profiles[0].unit = 'parsecs';
  assert.equal(validate(broken), false);
});

test('speedscope: one sampled profile in seconds; file metadata', () => {
  const file = JSON.parse(renderSpeedscope(example()));
  assert.equal(file.$schema, 'https://www.speedscope.app/file-format-schema.json');
  assert.equal(file.exporter, `nodeinstrument@${version}`);
  assert.equal(file.name, 'src/app.js --flag');
  assert.equal(file.activeProfileIndex, 0);
  assert.equal(file.profiles.length, 1);
  const [profile] = file.profiles;
  assert.equal(profile.type, 'sampled');
  assert.equal(profile.unit, 'seconds');
  assert.equal(profile.name, 'src/app.js --flag');
  assert.equal(profile.startValue, 0);
  assert.ok(Math.abs(profile.endValue - 0.009) < 1e-12);
});

test('speedscope: frames carry name, file, line and col only when known', () => {
  const { shared } = JSON.parse(renderSpeedscope(example()));
  assert.deepEqual(shared.frames, [
    { name: 'main', file: '/app/src/app.js', line: 10, col: 1 },
    { name: 'parse', file: '/app/src/app.js', line: 20, col: 3 },
    { name: 'render', file: '/app/src/app.js', line: 30, col: 3 },
    { name: 'uv_run', file: '/usr/lib/libuv.so.1' },
    { name: '(garbage collection)' },
  ]);
});

test('speedscope: samples root first in time order, consecutive repeats merged, weights are durations', () => {
  const session = example();
  const { profiles: [profile], shared } = JSON.parse(renderSpeedscope(session));
  const names = profile.samples.map((stack) => stack.map((index) => shared.frames[index].name).join(';'));
  assert.deepEqual(names, ['main;parse', 'main;render;uv_run', '(garbage collection)', 'main;parse', '']);
  assert.deepEqual(profile.weights.map((w) => Math.round(w * 1e6)), [3000, 3000, 500, 1000, 1500]);
  const total = profile.weights.reduce((sum, w) => sum + w, 0);
  const expected = session.samples.duration.reduce((sum, d) => sum + d, 0);
  assert.ok(Math.abs(total - expected) < 1e-12, 'no time is lost');
  assert.equal(profile.samples.length, profile.weights.length);
});

test('speedscope: the title option names the profile; a session without argv gets a generic name', () => {
  assert.equal(JSON.parse(renderSpeedscope(example(), { title: 'my run' })).profiles[0].name, 'my run');
  assert.equal(JSON.parse(renderSpeedscope(sessionOf([], { argv: [] }))).name, 'nodeinstrument profile');
});

test('speedscope: .speedscope.json selects speedscope while .json stays the session', () => {
  assert.equal(rendererForPath('/tmp/out.speedscope.json').name, 'speedscope');
  assert.equal(rendererForPath('/tmp/OUT.SPEEDSCOPE.JSON').name, 'speedscope');
  assert.equal(rendererForPath('/tmp/out.json').name, 'session');
  assert.equal(rendererByName('speedscope').extensions[0], '.speedscope.json');
});

test('speedscope: CLI --load session.json -r speedscope -o out.speedscope.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-speedscope-'));
  const sessionPath = join(dir, 'session.json');
  const recorded = runNode([cli, '-o', sessionPath, fixture('cli-exit3.js')], { cwd: root });
  assert.equal(recorded.status, 3, recorded.stderr);
  const out = join(dir, 'out.speedscope.json');
  const converted = runNode([cli, '--load', sessionPath, '-r', 'speedscope', '-o', out], { cwd: root });
  assert.equal(converted.status, 0, converted.stderr);
  assert.match(converted.stderr, /wrote speedscope report/);
  const file = JSON.parse(readFileSync(out, 'utf8'));
  assertValid(file);
  assert.equal(file.name, 'test/fixtures/cli-exit3.js');
  assert.ok(file.shared.frames.some((frame) => frame.name === 'busy' && frame.line === 1 && /cli-exit3\.js$/.test(frame.file)));
  // Every sample's weight, but those of the profiler's own work, which reports leave out.
  const session = withoutProfilerWork(Session.load(sessionPath));
  const total = file.profiles[0].weights.reduce((sum, w) => sum + w, 0);
  const expected = session.samples.duration.reduce((sum, d) => sum + d, 0);
  assert.ok(Math.abs(total - expected) < 1e-9, `${total} against ${expected}`);
});
