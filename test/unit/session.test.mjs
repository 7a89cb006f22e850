import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, SessionBuilder, SessionFormatError } from '../internals.cjs';

const meta = { startTime: 1, duration: 0.003, cpuTime: 0.002, sampleCount: 3, requestedInterval: 0.001, achievedInterval: 0.001,
  droppedSamples: 0, unresolvedFrames: 0, totalFrames: 5, nodeVersion: 'v20', v8Version: '11', platform: 'linux', arch: 'x64',
  pid: 1, cwd: '/app', argv: ['node', 'app.js'], signal: 39, notes: [] };
const js = (name, line) => ({ name, file: '/app/a.js', line, column: 1, kind: 'js' });

function sample() {
  const builder = new SessionBuilder();
  const main = builder.internFrame(js('main', 1));
  const work = builder.internFrame(js('work', 5));
  assert.equal(builder.internFrame(js('main', 1)), main, 'frames are interned');
  const stack = builder.internStackOf([main, work]);
  assert.equal(builder.internStackOf([main, work]), stack, 'stacks are interned');
  builder.addSample(stack, 0.001, 0.001, 0.001);
  builder.addSample(builder.internStackOf([main]), 0.002, 0.001, 0.001);
  builder.addSample(-1, 0.003, 0.001, 0);
  return builder.build(meta);
}

test('stacks come back root first; save and load round-trip', () => {
  const session = sample();
  assert.deepEqual(session.stackFrames(session.samples.stack[0]).map((id) => session.frames[id].name), ['main', 'work']);
  const path = join(mkdtempSync(join(tmpdir(), 'ni-session-')), 'session.json');
  session.save(path);
  const loaded = Session.load(path);
  assert.deepEqual(loaded.toJSON(), JSON.parse(readFileSync(path, 'utf8')));
  assert.deepEqual(loaded.toJSON(), JSON.parse(JSON.stringify(session)));
});

test('malformed, foreign and hostile input gives a SessionFormatError', () => {
  const good = JSON.parse(JSON.stringify(sample()));
  const cases = [
    [null, /not a nodeinstrument session/],
    [{ ...good, format: 'speedscope' }, /not a nodeinstrument session/],
    [{ ...good, version: 99 }, /version 99 is not supported/],
    [{ ...good, frames: [{ name: 1 }] }, /frames\[0\]/],
    [{ ...good, stacks: { parent: [0], frame: [0] } }, /stacks.parent\[0\] is out of range/],
    [{ ...good, stacks: { parent: [-1], frame: [7] } }, /stacks.frame\[0\] is out of range/],
    [{ ...good, samples: { ...good.samples, stack: [0, 0, 99] } }, /samples.stack\[2\] is out of range/],
    [{ ...good, samples: { ...good.samples, duration: [1] } }, /differ in length/],
    [{ ...good, samples: { ...good.samples, duration: [1, -1, 1] } }, /negative/],
    [{ ...good, meta: { ...good.meta, duration: 'long' } }, /meta.duration must be a number/],
    [{ ...good, meta: JSON.parse('{"__proto__": {"polluted": true}, "argv": "x"}') }, /meta.argv/],
  ];
  for (const [data, message] of cases) {
    assert.throws(() => Session.fromJSON(data), (error) => error instanceof SessionFormatError && message.test(error.message));
  }
  assert.equal({}.polluted, undefined);
});

test('concatWindows joins consecutive windows: frames and stacks interned once, times on the first window axis, labels and notes kept', async () => {
  const { concatWindows } = await import('../internals.cjs');
  const window = (names, label, notes) => {
    const builder = new SessionBuilder((id) => ({ route: `/r${id}` }));
    const ids = names.map((name, i) => builder.internFrame(js(name, i + 1)));
    builder.addSample(builder.internStackOf(ids), 0.1, 0.1, 0.05, label);
    builder.addSample(builder.internStackOf(ids.slice(0, 1)), 0.2, 0.1, 0.05, label);
    return builder.build({ ...meta, notes });
  };
  // The second window lists its frames in another order, as a new window's builder would.
  const first = window(['main', 'work'], 1, ['a note']);
  const second = window(['main', 'other'], 2, ['a note', 'a new one']);
  const joined = concatWindows([{ session: first, start: 0 }, { session: second, start: 0.2 }], { ...meta, notes: [...first.meta.notes] });
  assert.deepEqual(joined.frames.map((frame) => frame.name), ['main', 'work', 'other']);
  assert.deepEqual(joined.samples.time.map((t) => +t.toFixed(3)), [0.1, 0.2, 0.3, 0.4]);
  assert.deepEqual(joined.samples.stack.map((stack) => joined.stackFrames(stack).map((id) => joined.frames[id].name).join('>')), ['main>work', 'main', 'main>other', 'main']);
  assert.equal(joined.threads, undefined, 'one thread: no thread table');
  assert.deepEqual(joined.samples.duration, [0.1, 0.1, 0.1, 0.1]);
  assert.deepEqual(joined.labels.sample.map((set) => joined.labels.sets[set].route), ['/r1', '/r1', '/r2', '/r2']);
  // A note each window repeats is said once.
  assert.deepEqual(joined.meta.notes, ['a note', 'a new one']);
  assert.equal(joined.meta.sampleCount, 4);
});
