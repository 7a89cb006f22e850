import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderCpuProfile } from '../internals.cjs';
import { rendererForPath } from '../internals.cjs';
import { cli, fixture, root, runNode } from '../helpers.mjs';
import { makeSession, testMeta } from '../sessions.mjs';

const startTime = Date.UTC(2026, 10, 26, 12, 3, 4);
const baseMeta = { ...testMeta, startTime };
const app = (name, line, column = 3) => ({ name, file: '/app/app.js', line, column, kind: 'js' });
const special = (name) => ({ name, file: '', line: 0, column: 0, kind: 'special' });

const sessionOf = (samples, meta = {}) => makeSession(samples, { ...baseMeta, ...meta });

const main = app('main', 10, 1);
const parse = app('parse', 20, 15);
const anonymous = app('(anonymous)', 40, 7);
const internal = { name: 'runMain', file: 'node:internal/modules/run_main', line: 155, column: 31, kind: 'js' };
const builtin = { name: 'JsonParse', file: '', line: 0, column: 0, kind: 'builtin' };
const example = () => sessionOf([
  [[internal, main, parse], 0.002],
  [[internal, main, parse, builtin], 0.001],
  [[special('(garbage collection)')], 0.0005],
  [[internal, main, anonymous], 0.003],
  [[special('(idle)')], 0.004],
  [[special('(program)')], 0.0002],
  [[internal, main, parse], 0.001],
  [[], 0.0013],
]);

/** Throws unless ids, children, samples, hit counts and times agree. Returns the parent of each node id. */
function assertConsistent(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  assert.equal(byId.size, profile.nodes.length, 'node ids are unique');
  assert.equal(profile.nodes[0].callFrame.functionName, '(root)');
  const parentOf = new Map();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      assert.ok(byId.has(child), `child ${child} of ${node.id} exists`);
      assert.ok(!parentOf.has(child), `node ${child} has one parent`);
      parentOf.set(child, node.id);
    }
  }
  for (const node of profile.nodes.slice(1)) assert.ok(parentOf.has(node.id), `node ${node.id} is reachable from the root`);
  assert.equal(profile.samples.length, profile.timeDeltas.length);
  const hits = new Map();
  for (const id of profile.samples) {
    assert.ok(byId.has(id), `sample node ${id} exists`);
    hits.set(id, (hits.get(id) ?? 0) + 1);
  }
  for (const node of profile.nodes) assert.equal(node.hitCount, hits.get(node.id) ?? 0, `hitCount of node ${node.id}`);
  for (const delta of profile.timeDeltas) assert.ok(Number.isInteger(delta) && delta >= 0, `time delta ${delta}`);
  assert.ok(Number.isInteger(profile.startTime) && Number.isInteger(profile.endTime));
  const sum = profile.timeDeltas.reduce((total, delta) => total + delta, 0);
  assert.ok(sum <= profile.endTime - profile.startTime, 'samples fall between startTime and endTime');
  return parentOf;
}

/** Self time per node id as DevTools weighs samples: each one until the next, the last until endTime. */
function devtoolsSelfTimes(profile) {
  const self = new Map();
  let at = profile.startTime;
  const stamps = profile.timeDeltas.map((delta) => (at += delta));
  stamps.forEach((stamp, i) => {
    const next = i + 1 < stamps.length ? stamps[i + 1] : profile.endTime;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + next - stamp);
  });
  return self;
}

const nameOf = (node) => node.callFrame.functionName || '(anonymous)';

test('cpuprofile: ids, children, samples, hit counts and time deltas are consistent', () => {
  const profile = JSON.parse(renderCpuProfile(example()));
  assertConsistent(profile);
  assert.deepEqual(Object.keys(profile), ['nodes', 'startTime', 'endTime', 'samples', 'timeDeltas']);
  assert.equal(profile.startTime, startTime * 1000, 'microseconds');
  // Samples sit at the start of the interval they stand for; the last one lasts until endTime.
  assert.deepEqual(profile.timeDeltas, [0, 2000, 1000, 500, 3000, 4000, 200, 1000]);
  assert.equal(profile.endTime - profile.startTime, 13_000);
});

test('cpuprofile: DevTools-style weighting gives every stack its wall time', () => {
  const session = example();
  const profile = JSON.parse(renderCpuProfile(session));
  const parentOf = assertConsistent(profile);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const pathOf = (id) => {
    const names = [];
    for (let at = id; at !== 1; at = parentOf.get(at)) names.unshift(nameOf(byId.get(at)));
    return names.join(';');
  };
  const selfByPath = {};
  for (const [id, micros] of devtoolsSelfTimes(profile)) selfByPath[pathOf(id)] = micros;
  assert.deepEqual(selfByPath, {
    'runMain;main;parse': 3000,
    'runMain;main;parse;JsonParse': 1000,
    '(garbage collector)': 500,
    'runMain;main;(anonymous)': 3000,
    '(idle)': 4000,
    '(program)': 200,
    '': 1300,
  });
});

test('cpuprofile: call frames are 0-based, -1 when unknown, special frames named as V8 names them', () => {
  const profile = JSON.parse(renderCpuProfile(example()));
  const frames = Object.fromEntries(profile.nodes.map((node) => [nameOf(node), node.callFrame]));
  const appUrl = pathToFileURL('/app/app.js').href;
  assert.deepEqual(frames.main, { functionName: 'main', scriptId: frames.main.scriptId, url: appUrl, lineNumber: 9, columnNumber: 0 });
  assert.deepEqual(frames['(anonymous)'], { functionName: '', scriptId: frames.main.scriptId, url: appUrl, lineNumber: 39, columnNumber: 6 });
  assert.equal(frames.runMain.url, 'node:internal/modules/run_main');
  assert.notEqual(frames.runMain.scriptId, frames.main.scriptId, 'one script id per url');
  assert.notEqual(frames.main.scriptId, '0');
  assert.deepEqual(frames.JsonParse, { functionName: 'JsonParse', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 });
  for (const name of ['(root)', '(garbage collector)', '(idle)', '(program)']) {
    assert.deepEqual(frames[name], { functionName: name, scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, name);
  }
  assert.ok(!('(garbage collection)' in frames));
});

test('cpuprofile: an empty session is a root node and no samples', () => {
  const profile = JSON.parse(renderCpuProfile(sessionOf([])));
  assert.equal(profile.nodes.length, 1);
  assert.deepEqual(profile.samples, []);
  assert.deepEqual(profile.timeDeltas, []);
  assert.equal(profile.endTime, profile.startTime);
});

test('cpuprofile: a deep stack does not overflow', () => {
  const frames = Array.from({ length: 20_000 }, (_, i) => app(`f${i}`, i + 1));
  const profile = JSON.parse(renderCpuProfile(sessionOf([[frames, 0.001]])));
  assert.equal(profile.nodes.length, 20_001);
  assertConsistent(profile);
});

/** The shape of a value: key sets of objects (sorted) and types of leaves. */
function shapeOf(value) {
  if (Array.isArray(value)) return 'array';
  if (value === null || typeof value !== 'object') return typeof value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, shapeOf(value[key])]));
}

test('cpuprofile: same shape as the one node --cpu-prof writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-cpuprof-'));
  const script = 'function spin() { const end = Date.now() + 50; while (Date.now() < end); } spin();';
  const result = runNode(['--cpu-prof', '--cpu-prof-dir', dir, '-e', script]);
  assert.equal(result.status, 0, result.stderr);
  const [name] = readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'));
  const real = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  const ours = JSON.parse(renderCpuProfile(example()));

  const shapes = (profile) => ({ ...shapeOf(profile), nodes: undefined });
  assert.deepEqual(shapes(ours), shapes(real), 'top-level keys and types');
  // V8 leaves children out of leaves and adds positionTicks (line-level hits, which we do not have).
  const nodeShape = (node) => shapeOf({ ...node, children: undefined, positionTicks: undefined });
  const realNodeShapes = new Set(real.nodes.map((node) => JSON.stringify(nodeShape(node))));
  assert.equal(realNodeShapes.size, 1);
  for (const node of ours.nodes) assert.ok(realNodeShapes.has(JSON.stringify(nodeShape(node))), JSON.stringify(node));
  for (const node of [...real.nodes, ...ours.nodes]) {
    if ('children' in node) assert.ok(Array.isArray(node.children) && node.children.length > 0);
  }
  assert.deepEqual(real.nodes[0].callFrame, ours.nodes[0].callFrame, 'the (root) node');
  // Special frames as V8 writes them (when its run happened to sample one).
  const specialFrames = (profile) => profile.nodes.map((node) => node.callFrame).filter((frame) => /^\(\w[\w ]*\)$/.test(frame.functionName));
  const ourSpecial = new Map(specialFrames(ours).map((frame) => [frame.functionName, frame]));
  for (const frame of specialFrames(real)) {
    if (ourSpecial.has(frame.functionName)) assert.deepEqual(ourSpecial.get(frame.functionName), frame);
  }
});

test('cpuprofile: CLI -o x.cpuprofile picks the renderer by extension and writes a valid profile', () => {
  assert.equal(rendererForPath('/tmp/x.cpuprofile').name, 'cpuprofile');
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-cpuprof-'));
  const out = join(dir, 'x.cpuprofile');
  const result = runNode([cli, '-o', out, fixture('cli-exit3.js')], { cwd: root });
  assert.equal(result.status, 3, result.stderr);
  assert.match(result.stderr, /wrote cpuprofile report/);
  const profile = JSON.parse(readFileSync(out, 'utf8'));
  assertConsistent(profile);
  assert.ok(profile.samples.length > 0);
  const busy = profile.nodes.find((node) => node.callFrame.functionName === 'busy');
  assert.ok(busy, 'the busy function is in the profile');
  assert.equal(busy.callFrame.url, pathToFileURL(fixture('cli-exit3.js')).href);
  assert.equal(busy.callFrame.lineNumber, 0);
  // busy runs ~150 ms; DevTools-style weighting gives it (and what it calls) most of that.
  const self = devtoolsSelfTimes(profile);
  const below = (node) => (self.get(node.id) ?? 0) + (node.children ?? []).reduce((sum, id) => sum + below(profile.nodes[id - 1]), 0);
  assert.ok(below(busy) > 100_000, `busy: ${below(busy)} us`);
});
