// The caller V8's stack walk skips when the pc is in a frameless builtin or C
// function: recovered from the word on top of the stack (kSampleFlagTopOfStack),
// only when that word is a return address into a JS function's compiled code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Symbolizer } from '../internals.cjs';
import { SessionBuilder } from '../internals.cjs';
import { codeAdded as added } from '../sessions.mjs';

// A code map: run (TurboFan) calls scan (TurboFan), which calls the builtin.
const events = [
  added(1, 0x10000, 0x1000, 'JS:*run /app.js:1:1'),
  added(2, 0x20000, 0x1000, 'JS:*scan /app.js:10:1'),
  added(3, 0x30000, 0x1000, 'ArrayIndexOfSmi', 1),
  added(4, 0x40000, 0x1000, 'JS:~interpreted /app.js:20:1', 0),
  added(5, 0x50000, 0x1000, 'BytecodeHandler:Add', 1),
  added(6, 0x60000, 0x1000, 'LoadIC', 1),
];
const resolver = { objectOf: () => '/usr/lib/libm.so.6', symbolOf: () => '' };

/** The session symbolized from fixed inputs. */
function sessionOf(samples) {
  const builder = new SessionBuilder();
  const symbolizer = new Symbolizer(builder, resolver, 0, 0);
  symbolizer.process(
    samples.map((s, i) => ({ seq: 10 + i, timeNs: (i + 1) * 1e6, cpuTimeNs: 0, externalCallback: s.callback ?? 0, vmState: 0, flags: 8, frames: Float64Array.from(s.frames), topOfStack: s.top })),
    events,
  );
  return builder.build({ notes: [] });
}

/** The leaf-last frame names of each sample. */
function stacksOf(samples) {
  const session = sessionOf(samples);
  return session.samples.stack.map((stack) => session.stackFrames(stack).map((id) => session.frames[id].name));
}

test('a frameless builtin at the pc: the caller on top of the stack is put back between the walk and the pc', () => {
  const [stack] = stacksOf([{ frames: [0x30010, 0x10100], top: 0x20200 }]);
  assert.deepEqual(stack, ['run', 'scan', 'ArrayIndexOfSmi']);
});

test('a pc in C/C++ code adds nothing (V8 walks from its exit frame there; the top word is a C local)', () => {
  const [stack] = stacksOf([{ frames: [0x7f0000001000, 0x10100], top: 0x20200 }]);
  assert.equal(stack[0], 'run');
  assert.equal(stack.includes('scan'), false);
  assert.match(stack.at(-1), /libm/);
});

test('nothing is added when the top word is no return address into compiled JS, or the walk has that frame', () => {
  const stacks = stacksOf([
    { frames: [0x30010, 0x10100], top: 0x12345 }, // data, not code
    { frames: [0x30010, 0x10100], top: 0x40010 }, // bytecode: never a return address
    { frames: [0x30010, 0x10100], top: 0x30020 }, // the builtin itself
    { frames: [0x30010, 0x20200, 0x10100], top: 0x20200 }, // the walk's first frame already
    { frames: [0x20010, 0x10100], top: 0x20200 }, // JS at the pc has its own frame
    { frames: [0x30010, 0x10100], top: 0x20200, callback: 0x7777 }, // in an API callback: V8 names the caller
  ]);
  assert.deepEqual(stacks[0], ['run', 'ArrayIndexOfSmi']);
  assert.deepEqual(stacks[1], ['run', 'ArrayIndexOfSmi']);
  assert.deepEqual(stacks[2], ['run', 'ArrayIndexOfSmi']);
  assert.deepEqual(stacks[3], ['run', 'scan', 'ArrayIndexOfSmi']);
  assert.deepEqual(stacks[4], ['run', 'scan']);
  assert.equal(stacks[5].includes('scan'), false);
});

test('code looked up and then left out adds no frame to the tables: a bytecode handler, a top word that is no caller', () => {
  const session = sessionOf([
    { frames: [0x50010, 0x40010, 0x10100], top: 0 }, // in a bytecode handler: the interpreted function is the leaf
    { frames: [0x30010, 0x10100], top: 0x60010 }, // the top word is in a builtin: no caller put back
  ]);
  const names = session.samples.stack.map((stack) => session.stackFrames(stack).map((id) => session.frames[id].name));
  assert.deepEqual(names, [['run', 'interpreted'], ['run', 'ArrayIndexOfSmi']]);
  const tabled = session.frames.map((frame) => frame.name);
  assert.equal(tabled.includes('BytecodeHandler:Add'), false, `frames: ${tabled.join(', ')}`);
  assert.equal(tabled.includes('LoadIC'), false, `frames: ${tabled.join(', ')}`);
});
