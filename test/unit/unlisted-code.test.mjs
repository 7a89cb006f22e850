// attach to a process stuck in a loop (lib/production/attach/unlisted-code.ts):
// the loop's optimized code, compiled before the recording, is never listed by
// V8, so its samples are (unresolved); the agent's own samples, taken inside
// the loop's interrupt, place that frame, and its stack names the function.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameUnlistedCode, Session } from '../internals.cjs';
import { makeSession } from '../sessions.mjs';

const js = (name, file, line = 1, column = 1) => ({ name, file, line, column, kind: 'js' });
const unresolved = { name: '(unresolved)', file: '', line: 0, column: 0, kind: 'special' };
const compile = js('Module._compile', 'node:internal/modules/cjs/loader', 1483, 37);
const main = js('(module)', '/app/stuck.js');
const agent = js('AttachCapture', '/opt/nodeinstrument/dist/cjs/production/attach/agent.js', 40, 3);
const marker = js('nodeinstrumentAttachMarker', '/opt/nodeinstrument/dist/cjs/production/attach/unlisted-code.js', 40, 35);
const evaluate = js('(anonymous)', '', 1, 1);
const interrupted = { marker: 'nodeinstrumentAttachMarker', functions: [compile, main, js('busyWork', '/app/stuck.js', 3, 1)] };

test('the unlisted loop is named after the function the agent interrupted, under the same callers, with a note', () => {
  const session = makeSession([
    [[compile, unresolved, evaluate, agent, marker], 0.005],
    [[compile, unresolved], 0.4],
    [[compile, unresolved, js('sqrt', '/usr/bin/node', 0, 0)], 0.1],
    // Unlisted code elsewhere is left alone.
    [[js('other', '/app/other.js'), unresolved], 0.05],
  ], { unresolvedFrames: 4, totalFrames: 12 });
  const named = nameUnlistedCode(session, interrupted);
  const leafNames = named.samples.stack.map((stack) => named.stackFrames(stack).map((id) => named.frames[id].name).join(' > '));
  // The optimized function and the function inlined into it, in place of the one unresolved frame.
  assert.deepEqual(leafNames, [
    'Module._compile > (module) > busyWork > (anonymous) > AttachCapture > nodeinstrumentAttachMarker',
    'Module._compile > (module) > busyWork',
    'Module._compile > (module) > busyWork > sqrt',
    'other > (unresolved)',
  ]);
  assert.equal(named.meta.unresolvedFrames, 1);
  assert.match(named.meta.notes.at(-1), /^3 samples ran in optimized code that V8 compiled before the attach .*: \(module\) > busyWork$/);
  assert.equal(named.frames.filter((frame) => frame.name === '(module)').length, 1);
  // Still a valid session (stacks after their parents), as the CLI reads it back from the agent.
  assert.deepEqual(Session.fromJSON(JSON.parse(JSON.stringify(named))).samples.stack, named.samples.stack);
});

test('executing lines stay parallel to the stacks: the inserted frames have line 0', () => {
  const session = makeSession([
    [[compile, unresolved, evaluate, agent, marker], 0.005],
    [[compile, unresolved], 0.4],
    [[js('other', '/app/other.js')], 0.05],
  ]);
  // Lines as inline recovery leaves them: one per frame, root first.
  const lineStacks = { parent: [], line: [], sample: [] };
  const intern = (values) => {
    let id = -1;
    for (const value of values) {
      lineStacks.parent.push(id);
      lineStacks.line.push(value);
      id = lineStacks.parent.length - 1;
    }
    return id;
  };
  lineStacks.sample = [intern([1500, 0, 0, 44, 41]), intern([1500, 0]), intern([7])];
  const named = nameUnlistedCode(session.with({ lines: lineStacks }), interrupted);
  const linesOf = (i) => {
    const values = [];
    for (let id = named.lines.sample[i]; id !== -1; id = named.lines.parent[id]) values.push(named.lines.line[id]);
    return values.reverse();
  };
  assert.deepEqual([0, 1, 2].map(linesOf), [[1500, 0, 0, 0, 44, 41], [1500, 0, 0], [7]]);
  assert.deepEqual([0, 1, 2].map((i) => named.stackFrames(named.samples.stack[i]).length), [6, 3, 1]);
});

test('without a marker sample over unlisted code, or without functions, the session stays as it was', () => {
  const session = makeSession([[[compile, unresolved], 0.4], [[compile, evaluate, agent, marker], 0.005]]);
  assert.equal(nameUnlistedCode(session, interrupted), session);
  const withMarker = makeSession([[[compile, unresolved, evaluate, agent, marker], 0.005]]);
  assert.equal(nameUnlistedCode(withMarker, { ...interrupted, functions: [] }), withMarker);
});
