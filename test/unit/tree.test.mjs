import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionBuilder } from '../internals.cjs';
import { buildCallTree, cloneTree, sortTree, forEachNode } from '../internals.cjs';

const meta = {
  startTime: 0, duration: 0, cpuTime: 0, sampleCount: 0, requestedInterval: 0.001, achievedInterval: 0.001,
  droppedSamples: 0, unresolvedFrames: 0, totalFrames: 0, nodeVersion: 'v20', v8Version: '11', platform: 'linux',
  arch: 'x64', pid: 1, cwd: '/app', argv: ['node', 'app.js'], signal: 39, notes: [],
};
const fn = (name, line = 1) => ({ name, file: '/app/a.js', line, column: 1, kind: 'js' });

/** samples: [[frame names root first], duration]. */
function sessionOf(samples) {
  const builder = new SessionBuilder();
  let time = 0;
  for (const [names, duration] of samples) {
    const stack = builder.internStackOf(names.map((name) => builder.internFrame(fn(name))));
    time += duration;
    builder.addSample(stack, time, duration, duration);
  }
  return builder.build({ ...meta, sampleCount: samples.length, duration: time });
}

const child = (node, name) => node.children.find((c) => c.frame.name === name);

test('totals, self times and sample counts add up; empty stacks are root self time', () => {
  const root = buildCallTree(sessionOf([
    [['main', 'a'], 0.25],
    [['main', 'a'], 0.25],
    [['main', 'b'], 0.125],
    [['main'], 0.5],
    [[], 0.125],
  ]));
  assert.equal(root.frame.name, '(root)');
  assert.equal(root.frameId, -1);
  assert.equal(root.totalTime, 1.25);
  assert.equal(root.selfTime, 0.125);
  assert.equal(root.sampleCount, 5);
  assert.equal(root.children.length, 1);
  const main = root.children[0];
  assert.deepEqual([main.totalTime, main.selfTime, main.sampleCount], [1.125, 0.5, 4]);
  const a = child(main, 'a');
  const b = child(main, 'b');
  assert.deepEqual([a.totalTime, a.selfTime, a.sampleCount, a.children.length], [0.5, 0.5, 2, 0]);
  assert.deepEqual([b.totalTime, b.selfTime, b.sampleCount], [0.125, 0.125, 1]);
  assert.equal(main.frameId, 0);
  assert.deepEqual(main.frame, fn('main'));
});

test('children are sorted by total time, ties by name', () => {
  const root = buildCallTree(sessionOf([
    [['main', 'small'], 0.125],
    [['main', 'zeta'], 0.25],
    [['main', 'big'], 0.5],
    [['main', 'alpha'], 0.25],
  ]));
  assert.deepEqual(root.children[0].children.map((c) => c.frame.name), ['big', 'alpha', 'zeta', 'small']);
});

test('recursion makes a chain; a session without samples makes an empty root', () => {
  const root = buildCallTree(sessionOf([[['f', 'f', 'f'], 0.5]]));
  let depth = 0;
  for (let node = root.children[0]; node; node = node.children[0]) {
    depth++;
    assert.equal(node.totalTime, 0.5);
  }
  assert.equal(depth, 3);
  const empty = buildCallTree(sessionOf([]));
  assert.deepEqual([empty.totalTime, empty.selfTime, empty.sampleCount, empty.children.length], [0, 0, 0, 0]);
});

test('matches a naive per-sample count on a pseudo-random profile', () => {
  let seed = 7;
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const samples = [];
  for (let i = 0; i < 400; i++) {
    const depth = random(6);
    const names = Array.from({ length: depth }, () => 'fghij'[random(5)]);
    samples.push([names, (1 + random(8)) / 1024]);
  }
  const session = sessionOf(samples);
  const root = buildCallTree(session);

  const expected = new Map(); // path -> [total, self, count]
  for (const [names, duration] of samples) {
    for (let i = 0; i <= names.length; i++) {
      const key = names.slice(0, i).join('/');
      const entry = expected.get(key) ?? [0, 0, 0];
      entry[0] += duration;
      entry[2] += 1;
      if (i === names.length) entry[1] += duration;
      expected.set(key, entry);
    }
  }
  const seen = new Map();
  const walk = (node, path) => {
    seen.set(path, [node.totalTime, node.selfTime, node.sampleCount]);
    const childTotal = node.children.reduce((sum, c) => sum + c.totalTime, 0);
    assert.ok(Math.abs(node.totalTime - node.selfTime - childTotal) < 1e-9, `total = self + children at ${path}`);
    for (let i = 1; i < node.children.length; i++) {
      assert.ok(node.children[i - 1].totalTime >= node.children[i].totalTime, `sorted at ${path}`);
    }
    for (const c of node.children) walk(c, path ? `${path}/${c.frame.name}` : c.frame.name);
  };
  walk(root, '');
  assert.equal(seen.size, expected.size);
  for (const [path, [total, self, count]] of expected) {
    const [t, s, c] = seen.get(path);
    assert.ok(Math.abs(t - total) < 1e-9 && Math.abs(s - self) < 1e-9 && c === count, `node ${path}`);
  }
});

test('cloneTree is deep; sortTree sorts in place; forEachNode visits parents first', () => {
  const root = buildCallTree(sessionOf([[['main', 'a'], 0.25], [['main', 'b'], 0.5]]));
  const copy = cloneTree(root);
  assert.deepEqual(copy, root);
  copy.children[0].children[0].selfTime = 99;
  copy.children[0].children.reverse();
  assert.equal(root.children[0].children[0].selfTime, 0.5);
  assert.equal(root.children[0].children[0].frame.name, 'b');
  assert.deepEqual(copy.children[0].children.map((c) => c.frame.name), ['a', 'b']);
  sortTree(copy);
  assert.deepEqual(copy.children[0].children.map((c) => c.frame.name), ['b', 'a']);
  const visited = [];
  forEachNode(root, (node, depth) => visited.push(`${depth}:${node.frame.name}`));
  assert.deepEqual(visited, ['0:(root)', '1:main', '2:b', '2:a']);
});

test('very deep stacks do not overflow', () => {
  const names = Array.from({ length: 20000 }, (_, i) => `f${i % 3}`);
  const root = buildCallTree(sessionOf([[names, 0.5]]));
  let depth = 0;
  forEachNode(root, (_node, d) => { depth = Math.max(depth, d); });
  assert.equal(depth, 20000);
  assert.equal(cloneTree(root).children[0].totalTime, 0.5);
});
