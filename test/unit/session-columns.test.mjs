// What a recording adds with every sample lives outside the V8 heap
// (lib/session/columns.ts): a long recording must not grow the profiled
// program's heap by the sample (issue 15 asks under 1 MB a minute at 1 kHz).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Float64Column, Int32Column, SessionBuilder, Symbolizer, CodeType } from '../internals.cjs';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

test('columns keep every value across chunks, and give them back whole or from any sample on', () => {
  const ints = new Int32Column();
  const doubles = new Float64Column();
  const count = 40_000; // more than two chunks
  for (let i = 0; i < count; i++) {
    ints.push(i * 3 - 7);
    doubles.push(i / 1e6 + 1e9);
  }
  assert.equal(ints.length, count);
  assert.equal(ints.get(16_384), 16_384 * 3 - 7);
  assert.equal(doubles.get(count - 1), (count - 1) / 1e6 + 1e9, 'doubles are exact');
  doubles.set(5, doubles.get(5) + 0.25);
  assert.equal(doubles.get(5), 5 / 1e6 + 1e9 + 0.25);
  assert.throws(() => ints.get(count), RangeError);
  assert.throws(() => ints.set(-1, 0), RangeError);
  const all = ints.toArray();
  assert.equal(all.length, count);
  assert.ok(all.every((value, i) => value === i * 3 - 7));
  for (const start of [0, 1, 16_383, 16_384, 16_385, 32_768, count - 1, count]) {
    const slice = doubles.sliceFrom(start);
    assert.ok(slice instanceof Float64Array);
    assert.equal(slice.length, count - start, `from ${start}`);
    if (slice.length > 0) assert.equal(slice[0], doubles.get(start));
    if (slice.length > 1) assert.equal(slice[slice.length - 1], doubles.get(count - 1));
  }
  assert.deepEqual([...Int32Column.of([4, 5, 6]).sliceFrom(1)], [5, 6]);
});

test('a builder gives its samples back as a session table, in order, with carried time', () => {
  const builder = new SessionBuilder();
  const stack = builder.internStackOf([builder.internFrame({ name: 'f', file: '/a.js', line: 1, column: 1, kind: 'js' })]);
  builder.addSample(stack, 0.001, 0.001, 0.0005);
  builder.addSample(stack, 0.002, 0.001, 0);
  builder.addToSample(0, 0.002, 0.001);
  assert.equal(builder.sampleCount, 2);
  assert.deepEqual(builder.sampleTable(), { stack: [0, 0], time: [0.001, 0.002], duration: [0.003, 0.001], cpu: [0.0015, 0] });
  const session = builder.build({ sampleCount: 2 });
  assert.deepEqual(session.samples, builder.sampleTable());
  // The session is a copy: samples added later belong to the builder only.
  builder.addSample(stack, 0.003, 0.001, 0.001);
  assert.equal(session.samples.stack.length, 2);
});

test('symbolizing a minute of samples at 1 kHz grows the V8 heap by well under 1 MB', () => {
  const resolver = { objectOf: () => '', symbolOf: () => '' };
  const builder = new SessionBuilder();
  const symbolizer = new Symbolizer(builder, resolver, 0, 0);
  const name = (text) => new TextEncoder().encode(text);
  // Three JavaScript functions in TurboFan code, with line positions, as a drain brings them.
  symbolizer.process([], [0, 1, 2].map((i) => ({ kind: 'added', seq: i, codeType: CodeType.jit, start: 0x10000 * (i + 1), size: 0x1000, nameBytes: name(`JS:*f${i} /app/a.js:${i + 1}:1`) })));
  const sample = (n) => ({ seq: n, timeNs: n * 1e6, cpuTimeNs: n * 1e6, externalCallback: 0, vmState: 0, flags: 0, frames: Float64Array.of(0x10010 + (n % 7), 0x20020, 0x30030) });
  const drain = (from, count) => symbolizer.process(Array.from({ length: count }, (_, i) => sample(from + i)), []);
  // Warm up (stacks interned, code optimized), then measure 60,000 more samples, a drain each 200 ms.
  drain(1, 2_000);
  gc();
  gc();
  const before = getHeapStatistics().used_heap_size;
  for (let n = 2_001; n < 62_001; n += 200) drain(n, 200);
  gc();
  gc();
  const grown = getHeapStatistics().used_heap_size - before;
  assert.equal(builder.sampleCount, 62_000);
  // Plain arrays held about 60 bytes a sample here (3.6 MB); the columns hold them outside the heap.
  assert.ok(grown < 512 * 1024, `the heap grew by ${(grown / 2 ** 20).toFixed(2)} MB for 60,000 samples`);
});
