// V8 CPU profiles (.cpuprofile) as diff input: read back what we write,
// read what `node --cpu-prof` writes, refuse what is not a profile.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCpuProfile } from '../internals.cjs';
import { loadProfile } from '../internals.cjs';
import { buildCpuProfile } from '../internals.cjs';
import { diffSessions } from '../internals.cjs';
import { buildCallTree, forEachNode } from '../internals.cjs';
import { SessionFormatError } from '../internals.cjs';
import { cli, fixture, runNode } from '../helpers.mjs';
import { makeSession } from '../sessions.mjs';

const made = [];
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const temporary = (prefix) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};

const app = (name, line) => ({ name, file: '/app/app.js', line, column: 3, kind: 'js' });
const special = (name) => ({ name, file: '', line: 0, column: 0, kind: 'special' });

/** Every call path with its total time (microseconds, rounded) and samples. */
function paths(session) {
  const out = [];
  const path = [];
  forEachNode(buildCallTree(session), (node, depth) => {
    path.length = depth;
    path[depth] = `${node.frame.kind}:${node.frame.name}@${node.frame.file}:${node.frame.line}:${node.frame.column}`;
    out.push(`${path.join(' > ')} ${Math.round(node.totalTime * 1e6)}us ${node.sampleCount}`);
  });
  return out.sort();
}

test('a session written as .cpuprofile reads back with the same call tree, times and frames', () => {
  const session = makeSession([
    [[app('(module)', 1), app('main', 5), app('parse', 10)], 0.002],
    [[app('(module)', 1), app('main', 5), { name: 'JsonParse', file: '', line: 0, column: 0, kind: 'builtin' }], 0.001],
    [[special('(garbage collection)')], 0.0005],
    [[special('(idle)')], 0.003],
    [[app('(module)', 1), app('main', 5), app('(anonymous)', 20)], 0.001],
  ]);
  const loaded = loadCpuProfile(JSON.parse(JSON.stringify(buildCpuProfile(session))), { name: 'x.cpuprofile' });
  assert.deepEqual(paths(loaded), paths(session));
  assert.equal(loaded.samples.cpu[3], 0, 'idle is off CPU');
  assert.equal(loaded.samples.cpu[0], loaded.samples.duration[0]);
  assert.match(loaded.meta.notes[0], /loaded from the V8 CPU profile x\.cpuprofile/);
  const diff = diffSessions(session, loaded);
  assert.equal(diff.faster + diff.slower, 0);
});

test('deep profiles load without recursion', () => {
  const frames = Array.from({ length: 20000 }, (_, i) => app(`f${i % 5}`, 1 + (i % 5)));
  const session = makeSession([[frames, 0.001]]);
  const loaded = loadCpuProfile(buildCpuProfile(session), { name: 'deep' });
  assert.equal(loaded.stackFrames(loaded.samples.stack[0]).length, 20000);
});

test('what node --cpu-prof writes loads, and diff reads it', () => {
  const dir = temporary('nodeinstrument-cpuprof-');
  copyFileSync(fixture('diff/before.js'), join(dir, 'app.js'));
  const run = runNode(['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '500', 'app.js', '20'], { cwd: dir });
  assert.equal(run.status, 0, run.stderr);
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  const session = loadProfile(join(dir, file));
  const tree = buildCallTree(session);
  let main;
  forEachNode(tree, (node) => {
    if (node.frame.name === 'main' && node.frame.file === join(dir, 'app.js')) main = node;
  });
  assert.ok(main, 'main, at its path (file: URL read as a path)');
  const children = Object.fromEntries(main.children.map((child) => [child.frame.name, child]));
  assert.equal(children.checksum.frame.line, 18);
  assert.ok((children.checksum.totalTime + children.render.totalTime) / main.totalTime > 0.8, 'checksum and render are where main spends its time');
  assert.ok(session.meta.requestedInterval > 0 && session.meta.requestedInterval < 0.01, String(session.meta.requestedInterval));

  const same = runNode([cli, 'diff', file, file], { cwd: dir });
  assert.equal(same.status, 0, same.stderr);
  assert.match(same.stdout, /No significant differences/);
  assert.match(same.stdout, /checksum {2}app\.js:18/);
});

test('anything else is refused with the reason, never a crash', () => {
  const dir = temporary('nodeinstrument-cpuprof-bad-');
  const good = { nodes: [{ id: 1, callFrame: { functionName: '(root)', url: '' }, children: [2] }, { id: 2, callFrame: { functionName: 'f', url: 'file:///a.js', lineNumber: 0, columnNumber: 0 } }], samples: [2], timeDeltas: [5], startTime: 0, endTime: 10 };
  assert.equal(loadCpuProfile(good, { name: 'ok' }).samples.stack.length, 1);
  const cases = [
    [{ ...good, nodes: 'x' }, /"nodes" must be an array/],
    [{ ...good, timeDeltas: [] }, /differ in length/],
    [{ ...good, startTime: 'x' }, /"startTime" and "endTime" must be numbers/],
    [{ ...good, nodes: [...good.nodes, { id: 2, callFrame: good.nodes[1].callFrame }] }, /node id 2 appears twice/],
    [{ ...good, nodes: [{ ...good.nodes[0], children: [3] }, good.nodes[1]] }, /child 3, which is not a node/],
    [{ ...good, nodes: [{ ...good.nodes[0], children: [2, 2] }, good.nodes[1]] }, /node 2 has two parents/],
    [{ ...good, nodes: [{ ...good.nodes[0], children: [2] }, { ...good.nodes[1], children: [1] }] }, /a cycle/],
    [{ ...good, samples: [7] }, /samples\[0\] is not a node id/],
    [{ ...good, nodes: [good.nodes[0], { id: 2, callFrame: { functionName: 1, url: '' } }] }, /needs string functionName and url/],
    [{ ...good, nodes: [good.nodes[0], { id: 2, callFrame: { ...good.nodes[1].callFrame, lineNumber: 1e300 } }] }, /integer lineNumber/],
    [{ ...good, timeDeltas: [null] }, /timeDeltas\[0\] is not a number/],
  ];
  for (const [data, message] of cases) {
    assert.throws(() => loadCpuProfile(data, { name: 'bad' }), (error) => error instanceof SessionFormatError && message.test(error.message), message.source);
  }
  const write = (name, text) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  assert.throws(() => loadProfile(write('a.json', '{')), /is neither a nodeinstrument session nor a V8 \.cpuprofile \(not JSON/);
  assert.throws(() => loadProfile(write('b.json', '{"hello":1}')), /b\.json is neither a nodeinstrument session nor a V8 \.cpuprofile$/);
  assert.throws(() => loadProfile(write('c.json', '{"format":"nodeinstrument-session","version":99}')), /c\.json: session format version 99 is not supported/);
  assert.throws(() => loadProfile(join(dir, 'missing.json')), /cannot read .*missing\.json/);
  const diff = runNode([cli, 'diff', join(dir, 'b.json'), join(dir, 'b.json')]);
  assert.equal(diff.status, 1);
  assert.match(diff.stderr, /b\.json is neither a nodeinstrument session nor a V8 \.cpuprofile/);
});
