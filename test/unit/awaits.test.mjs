// `[await]`: idle samples after an await of the profiled context move under
// that await's stack (lib/session/awaits.ts); the tracker that records the
// awaits (lib/recording/await-tracker.ts) on real promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeAwaits, AwaitTracker, AWAIT, separateRequestWork, SessionBuilder, REQUEST_LABEL } from '../internals.cjs';
import { testMeta } from '../sessions.mjs';

const app = (name, line, column = 10) => ({ name, file: '/app/app.js', line, column, kind: 'js' });
const idle = { name: '(idle)', file: '', line: 0, column: 0, kind: 'special' };
/** A call site of `name` defined at `line` (column 1, where the `function` keyword is), executing line `at`. */
const site = (name, line, at) => ({ name, file: '/app/app.js', line, column: 1, at });

/** Samples [frames, seconds], one after the other from time 0; `labels` per sample (ids into `sets`). */
function sessionOf(samples, { sets = [], labels = [] } = {}) {
  const builder = new SessionBuilder((id) => sets[id - 1]);
  let time = 0;
  samples.forEach(([frames, duration], i) => {
    time += duration;
    builder.addSample(builder.internStackOf(frames.map((frame) => builder.internFrame(frame))), time, duration, duration, labels[i] ?? 0);
  });
  return builder.build({ ...testMeta, sampleCount: samples.length });
}

const names = (session, i) => session.stackFrames(session.samples.stack[i]).map((id) => session.frames[id].name);

test('idle samples after a wait move under its stack and [await]; idle before the first wait and other work stay', () => {
  const session = sessionOf([
    [[idle], 0.01], // before any await: stays idle
    [[app('handler', 5), app('parse', 9)], 0.01],
    [[idle], 0.01],
    [[app('timer', 20)], 0.01], // other work while waiting: stays
    [[idle], 0.01],
    [[idle], 0.01],
  ]);
  const waits = [
    { time: 0.0115, frames: [site('handler', 5, 7), site('load', 12, 14)] },
    { time: 0.055, frames: [site('handler', 5, 8)] },
  ];
  const result = attributeAwaits(session, waits);
  assert.deepEqual(names(result, 0), ['(idle)']);
  assert.deepEqual(names(result, 2), ['handler', 'load', AWAIT]);
  assert.deepEqual(names(result, 3), ['timer']);
  assert.deepEqual(names(result, 4), ['handler', 'load', AWAIT]);
  assert.deepEqual(names(result, 5), ['handler', AWAIT], 'the later wait');
  // handler, sampled at column 10 (its parameters), is the frame the call site at column 1 names: one node.
  const handlers = result.frames.filter((frame) => frame.name === 'handler');
  assert.equal(handlers.length, 1);
  assert.equal(result.stacks.parent[result.samples.stack[2]] !== -1, true);
  // load was never sampled: added as the call site places it.
  assert.deepEqual(result.frames.find((frame) => frame.name === 'load'), { name: 'load', file: '/app/app.js', line: 12, column: 1, kind: 'js' });
  // The wait's stack reuses the session's own entries: [handler] is one stack, not two.
  assert.equal(result.stacks.parent[result.samples.stack[5]], session.stacks.parent[session.samples.stack[1]]);
  // Unchanged: times and durations.
  assert.deepEqual(result.samples.time, session.samples.time);
  assert.deepEqual(result.samples.duration, session.samples.duration);
});

test('no waits, or a wait without frames (the tracker stopped keeping them): idle stays idle', () => {
  const session = sessionOf([[[app('handler', 5)], 0.01], [[idle], 0.01], [[idle], 0.01]]);
  assert.equal(attributeAwaits(session, []), session);
  const result = attributeAwaits(session, [
    { time: 0.01, frames: [site('handler', 5, 6)] },
    { time: 0.015, frames: [] },
  ]);
  assert.deepEqual(names(result, 1), ['(idle)']);
  assert.deepEqual(names(result, 2), ['(idle)']);
});

test('two functions on one line with one name are not guessed: the call site gets a frame of its own', () => {
  const session = sessionOf([[[app('f', 3, 10), app('f', 3, 30)], 0.01], [[idle], 0.01]]);
  const result = attributeAwaits(session, [{ time: 0.01, frames: [site('f', 3, 3)] }]);
  assert.deepEqual(names(result, 1), ['f', AWAIT]);
  assert.equal(result.frames.filter((frame) => frame.name === 'f').length, 3);
});

test('source maps: call sites are mapped as the sampled frames were, their lines too', () => {
  const session = sessionOf([[[app('handler', 5)], 0.01], [[idle], 0.01]]);
  const lines = { parent: [-1], line: [6], sample: [0, -1] };
  const mapper = {
    resolve: (frame) => ({ ...frame, file: '/app/src/app.ts', line: frame.line * 10 }),
    originalLine: (_frame, file, line) => (file === '/app/src/app.ts' ? line * 10 : 0),
  };
  const result = attributeAwaits(session.with({ lines }), [{ time: 0.01, frames: [site('handler', 3, 4)] }], mapper);
  assert.deepEqual(result.frames.at(-1), { name: 'handler', file: '/app/src/app.ts', line: 30, column: 1, kind: 'js' });
  const lineStack = [];
  for (let at = result.lines.sample[1]; at !== -1; at = result.lines.parent[at]) lineStack.unshift(result.lines.line[at]);
  assert.deepEqual(lineStack, [40, 0], 'the await line mapped; [await] has none');
  assert.equal(result.lines.sample[0], 0);
});

test('samples of other threads are left alone', () => {
  const session = sessionOf([[[idle], 0.01], [[idle], 0.01]]);
  const threads = { list: [{ name: 'main' }, { name: 'worker 1' }], sample: [1, 0] };
  const result = attributeAwaits(session.with({ threads }), [{ time: 0, frames: [site('main', 1, 2)] }]);
  assert.deepEqual(names(result, 0), ['(idle)']);
  assert.deepEqual(names(result, 1), ['main', AWAIT]);
});

test("a request's report: its [await] samples are its own work, not other work on the thread", () => {
  const sets = [{ [REQUEST_LABEL]: 'profiled' }];
  const session = sessionOf([[[app('handler', 5)], 0.01], [[idle], 0.02], [[app('timer', 20)], 0.01]], { sets, labels: [1, 0, 0] });
  const result = separateRequestWork(attributeAwaits(session, [{ time: 0.01, frames: [site('handler', 5, 6)] }]));
  assert.deepEqual(names(result, 1), ['handler', AWAIT]);
  assert.deepEqual(names(result, 2), ['(other work on this thread)', 'timer']);
});

test('the tracker records where its context waits: the first await of each segment, with the async callers after a resume', async () => {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  async function innerWait() {
    await sleep(5);
    await sleep(5);
  }
  async function outerWait() {
    await innerWait();
  }
  let clock = 0;
  const record = await (async () => {
    const tracker = new AwaitTracker(() => ++clock);
    await outerWait();
    return tracker.stop();
  })();
  const stacks = record.waits.map((wait) => wait.frames.map((frame) => frame.name));
  // First segment: outerWait called innerWait, which awaits first (the deepest await).
  assert.deepEqual(stacks[0].slice(-2), ['outerWait', 'innerWait']);
  // After the resume, V8's async frames give the awaiting callers.
  assert.equal(stacks.length, 2, JSON.stringify(stacks));
  assert.deepEqual(stacks[1].slice(-2), ['outerWait', 'innerWait'], JSON.stringify(stacks));
  assert.ok(!stacks[1].includes('runInAsyncScope'), 'after the resume, the awaiting callers only');
  const line = record.waits[0].frames.at(-1);
  assert.equal(line.file, new URL(import.meta.url).href);
  assert.ok(line.at > line.line, 'the executing line is inside the function');
  assert.equal(record.dropped, 0);
  // Times come from the given clock, in order.
  assert.deepEqual(record.waits.map((wait) => wait.timeNs), [...record.waits.map((wait) => wait.timeNs)].sort((a, b) => a - b));
});

test('the tracker captures only its own context: promises of other contexts are not recorded', async () => {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  async function untrackedWork() {
    for (let i = 0; i < 5; i++) await sleep(1);
  }
  async function trackedWork() {
    for (let i = 0; i < 5; i++) await sleep(1);
  }
  const untracked = untrackedWork();
  // A callback of its own: the tracker follows the context it starts in, which the test's is not.
  const record = await new Promise((resolve) =>
    setImmediate(async () => {
      const tracker = new AwaitTracker(() => performance.now() * 1e6);
      await trackedWork();
      resolve(tracker.stop());
    }),
  );
  await untracked;
  const functions = new Set(record.waits.flatMap((wait) => wait.frames.map((frame) => frame.name)));
  assert.ok(functions.has('trackedWork'), [...functions].join(', '));
  assert.ok(!functions.has('untrackedWork'), [...functions].join(', '));
  // Stopped: later promises of the context add nothing.
  const count = record.waits.length;
  await sleep(2);
  assert.equal(record.waits.length, count);
});
