// Interrupt samples (the hybrid sampler, kSampleFlagInterrupt) in the
// symbolizer: no pc; served at a stack-guard check, the walk's first frame is
// the leaf; served inside C++, the C++ caller of V8's interrupt relay is the
// pc. And a frame stopped at its function-entry check, whose bytecode offset
// (-1) lies just before its bytecode, is still its function.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Symbolizer } from '../internals.cjs';
import { SessionBuilder } from '../internals.cjs';
import { codeAdded as added } from '../sessions.mjs';

const events = [
  added(1, 0x10000, 0x1000, 'JS:*run /app.js:1:1'),
  added(2, 0x20000, 0x1000, 'JS:*scan /app.js:10:1'),
  added(3, 0x40000, 0x100, 'JS:~interpreted /app.js:20:1', 0),
];
const RELAY = 0x7f00_0000_1000;
const CHECK = 0x7f00_0000_2000;
const STRINGIFIER = 0x7f00_0000_3000;
const functionNames = new Map([
  [RELAY, 'v8::internal::StackGuard::HandleInterrupts'],
  [CHECK, 'v8::internal::Runtime_StackGuard'],
  [STRINGIFIER, 'v8::internal::JsonStringifier::Serialize_'],
]);
const resolver = {
  objectOf: (address) => (address >= 0x7f00_0000_0000 ? '/usr/bin/node' : ''),
  symbolOf: () => '',
  functionOf: (address) => (functionNames.has(address) ? { key: String(address), name: functionNames.get(address) } : undefined),
};

function stacksOf(samples) {
  const builder = new SessionBuilder();
  const symbolizer = new Symbolizer(builder, resolver, 0, 0);
  symbolizer.process(
    samples.map((s, i) => ({
      seq: 10 + i, timeNs: (i + 1) * 1e6, cpuTimeNs: 0, externalCallback: 0, vmState: 0, flags: 32,
      frames: Float64Array.from(s.frames), topOfStack: 0, nativeChain: s.chain && Float64Array.from(s.chain),
    })),
    events,
  );
  const session = builder.build({ notes: [] });
  return session.samples.stack.map((stack) => session.stackFrames(stack).map((id) => session.frames[id].name));
}

test('served at a check: the walk is the stack, its first frame the leaf', () => {
  const [stack] = stacksOf([{ frames: [0, 0x20100, 0x10100], chain: [RELAY, CHECK] }]);
  assert.deepEqual(stack, ['run', 'scan']);
});

test('served inside C++: the C++ that served it is the leaf, under the walk', () => {
  const [stack] = stacksOf([{ frames: [0, 0x20100, 0x10100], chain: [RELAY, STRINGIFIER, CHECK] }]);
  assert.equal(stack.length, 3);
  assert.deepEqual(stack.slice(0, 2), ['run', 'scan']);
  assert.match(stack[2], /JsonStringifier::Serialize_/);
});

test('an interpreted frame at its function-entry check is its function, not unresolved', () => {
  // The walked address is one byte before the bytecode at 0x40000 (bytecode offset -1).
  const [stack] = stacksOf([{ frames: [0, 0x40000 - 1, 0x10100], chain: [RELAY, CHECK] }]);
  assert.deepEqual(stack, ['run', 'interpreted']);
});
