// A profiled request's report: its own samples (tagged with the reserved
// request label) as they are, the thread's other work under one root frame
// that reports show as one line, idle left alone, the tag gone from labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { separateRequestWork, SessionBuilder, processTree, buildCallTree, renderText, REQUEST_LABEL, OTHER_WORK } from '../internals.cjs';
import { withLabels, setLabels, getLabels } from '../../dist/cjs/index.js';
import { testMeta } from '../sessions.mjs';

const app = (name, line) => ({ name, file: '/app/app.js', line, column: 1, kind: 'js' });
const lib = (name, pkg) => ({ name, file: `/app/node_modules/${pkg}/index.js`, line: 3, column: 1, kind: 'js' });
const special = (name) => ({ name, file: '', line: 0, column: 0, kind: 'special' });

/** [frames, seconds, labels] samples; labels {} when none. */
function sessionOf(samples) {
  const sets = [];
  const builder = new SessionBuilder((id) => sets[id - 1]);
  let time = 0;
  for (const [frames, duration, labels] of samples) {
    let id = 0;
    if (labels) {
      const key = JSON.stringify(labels);
      id = sets.findIndex((set) => JSON.stringify(set) === key) + 1;
      if (id === 0) id = sets.push(labels);
    }
    time += duration;
    builder.addSample(builder.internStackOf(frames.map((frame) => builder.internFrame(frame))), time, duration, duration, id);
  }
  return builder.build({ ...testMeta, sampleCount: samples.length });
}

const tag = { [REQUEST_LABEL]: 'profiled' };

test('other work moves under one root; the request\'s own samples, idle and labels without the tag stay', () => {
  const session = separateRequestWork(
    sessionOf([
      [[app('handler', 1), app('parse', 5)], 0.3, { ...tag, route: '/users' }],
      [[app('handler', 1)], 0.1, tag],
      [[app('timer', 9), lib('hashLoop', 'hasher')], 0.4],
      [[special('(idle)')], 0.2],
    ]),
  );
  const stacks = session.samples.stack.map((id) => session.stackFrames(id).map((frame) => session.frames[frame].name));
  assert.deepEqual(stacks, [['handler', 'parse'], ['handler'], [OTHER_WORK, 'timer', 'hashLoop'], ['(idle)']]);
  assert.deepEqual(session.labels, { sets: [{ route: '/users' }], sample: [0, -1, -1, -1] });
  assert.match(session.meta.notes.at(-1), /^0\.400 s \(40\.0%\) of this thread's time went to work other than this request/);

  // The tree: one line for the other work, its frames hidden as a group, listed by package or file.
  const tree = processTree(buildCallTree(session), { minShare: 0 });
  const otherNode = tree.children.find((node) => node.frame.name === OTHER_WORK);
  assert.equal(otherNode.children.length, 0);
  assert.deepEqual(otherNode.hidden, { frameCount: 2, libraries: ['app.js', 'hasher'] });
  assert.equal(otherNode.totalTime.toFixed(3), '0.400');
  // The flat view: one row for it; --show-all lists its functions.
  const flat = renderText(session, { view: 'flat', color: false });
  assert.match(flat, /0\.400 \(other work on this thread\)\n/);
  assert.doesNotMatch(flat, /hashLoop/);
  assert.match(renderText(session, { view: 'flat', color: false, processor: { showAll: true } }), /0\.400 hashLoop/);
  assert.match(renderText(session, { color: false, processor: { showAll: true } }), /hashLoop/);
});

test('nothing else ran: the session is unchanged but for the tag, and no note', () => {
  const original = sessionOf([[[app('handler', 1)], 0.1, tag], [[special('(idle)')], 0.1]]);
  const session = separateRequestWork(original);
  assert.equal(session.labels, undefined);
  assert.deepEqual(session.meta.notes, original.meta.notes);
  assert.deepEqual(session.samples.stack, original.samples.stack);
});

test('the line table follows the moved stacks', () => {
  const base = sessionOf([[[app('handler', 1)], 0.1, tag], [[app('timer', 9), app('tick', 12)], 0.1]]);
  const lines = { parent: [-1, -1, 1], line: [2, 10, 13], sample: [0, 2] };
  const session = separateRequestWork(base.with({ lines }));
  const lineStack = (id) => {
    const out = [];
    for (let at = id; at !== -1; at = session.lines.parent[at]) out.unshift(session.lines.line[at]);
    return out;
  };
  assert.deepEqual(lineStack(session.lines.sample[0]), [2]);
  assert.deepEqual(lineStack(session.lines.sample[1]), [0, 10, 13]);
  assert.equal(session.stackFrames(session.samples.stack[1]).length, 3);
});

test('setLabels in a tagged request keeps the tag; getLabels does not show it', () => {
  withLabels(tag, () => {
    setLabels({ tenant: 'a' });
    assert.deepEqual(getLabels(), { tenant: 'a' });
    setLabels(undefined);
    assert.deepEqual(getLabels(), {});
  });
});
