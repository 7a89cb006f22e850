// The symbolizer starts each walk from the part it shares with the previous
// one (from the root): those frames are not looked up again. A code event
// between two samples that adds, replaces or moves code at an address of that
// part must make it be looked up again. Checked against a symbolizer that
// sees each sample on its own (fresh, with the events up to it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { samplesOf, Symbolizer, SessionBuilder } from '../internals.cjs';
import { codeAdded as added, seededRandom } from '../sessions.mjs';

const resolver = { objectOf: () => '', symbolOf: () => '', functionOf: () => undefined };
const moved = (seq, start, size, newStart) => ({ kind: 'moved', seq, codeType: 1, start, size, newStart });
const sample = (seq, frames) => ({ seq, timeNs: seq * 1e6, cpuTimeNs: 0, externalCallback: 0, vmState: 0, flags: 0, frames: Float64Array.from(frames) });

/** Each sample's frames, root first, as `name` (or the special frame's name). */
function stacksOf(samples, events) {
  const builder = new SessionBuilder();
  new Symbolizer(builder, resolver, 0, 0).process(samples, events);
  const session = builder.build({ notes: [] });
  return session.samples.stack.map((stack) => session.stackFrames(stack).map((id) => session.frames[id].name).join(' > '));
}

test('code added, replaced or moved under a shared root part is looked up again', () => {
  const events = [added(1, 0x10000, 0x1000, 'JS:*run /app.js:1:1'), added(2, 0x20000, 0x1000, 'JS:*scan /app.js:10:1'), added(3, 0x30000, 0x1000, 'JS:*leaf /app.js:20:1')];
  const frames = [0x30010, 0x20100, 0x10100];
  const stacks = stacksOf(
    [
      sample(10, frames),
      sample(12, frames), // scan's address now holds new code
      sample(14, frames), // run moved away: its old address holds nothing
      sample(16, [0x30010, 0x20100, 0x70100]), // run where it went
      sample(17, [0x30010, 0x80100, 0x70100]), // an address no code holds yet
      sample(19, [0x30010, 0x80100, 0x70100]), // code added there
    ],
    [...events, added(11, 0x20000, 0x1000, 'JS:*scanAgain /app.js:10:1'), moved(13, 0x10000, 0x1000, 0x70000), added(18, 0x80000, 0x1000, 'JS:*late /app.js:30:1')],
  );
  assert.equal(stacks[0], 'run > scan > leaf');
  assert.equal(stacks[1], 'run > scanAgain > leaf');
  assert.doesNotMatch(stacks[2], /^run /);
  assert.equal(stacks[3], 'run > scanAgain > leaf');
  assert.doesNotMatch(stacks[4], / late /);
  assert.equal(stacks[5], 'run > late > leaf');
});

test('random walks and code events: the same stacks as symbolizing each sample on its own', () => {
  const random = seededRandom(15);
  const slot = (i) => 0x100000 + i * 0x1000;
  const initial = Array.from({ length: 12 }, (_, i) => added(i + 1, slot(i), 0x1000, `JS:*f${i} /app.js:${i + 1}:1`));
  let seq = 100;
  let version = 0;
  const samples = [];
  const events = [];
  let walk = [slot(0) + 0x10, slot(1) + 0x10];
  for (let n = 0; n < 400; n++) {
    // Mostly the same root part as the last walk, with a different top (deep stacks do that).
    const keep = Math.floor(random() * (walk.length + 1));
    walk = walk.slice(0, keep);
    while (walk.length < 2 + Math.floor(random() * 10)) walk.push(slot(Math.floor(random() * 14)) + 0x10 + Math.floor(random() * 0x100));
    samples.push(sample(seq++, [slot(15) + 0x10, ...[...walk].reverse()]));
    const roll = random();
    const at = Math.floor(random() * 14);
    if (roll < 0.15) events.push(added(seq++, slot(at), 0x1000, `JS:*g${at}v${version++} /app.js:${at + 1}:1`));
    else if (roll < 0.2) events.push(moved(seq++, slot(at), 0x1000, slot(14 + Math.floor(random() * 2))));
  }
  const together = stacksOf(samples, [...initial, added(99, slot(15), 0x1000, 'JS:*pc /app.js:99:1'), ...events]);
  const alone = samples.map((one) => stacksOf([one], [...initial, added(99, slot(15), 0x1000, 'JS:*pc /app.js:99:1'), ...events.filter((event) => event.seq < one.seq)])[0]);
  assert.equal(events.length > 20, true, `${events.length} code events`);
  for (let i = 0; i < samples.length; i++) assert.equal(together[i], alone[i], `sample ${i}`);
});

/** Sample records as the native drain lays them out (native/sample_record.h): a 48-byte header, then the frames. */
function drainedBuffer(samples) {
  const buffer = new ArrayBuffer(samples.reduce((size, one) => size + 48 + one.frames.length * 8, 0));
  const view = new DataView(buffer);
  const u64 = (offset, value) => {
    view.setUint32(offset, value % 0x1_0000_0000, true);
    view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true);
  };
  let offset = 0;
  for (const one of samples) {
    u64(offset, one.seq);
    u64(offset + 8, one.timeNs);
    view.setUint32(offset + 32, one.vmState, true);
    view.setUint16(offset + 36, one.frames.length, true);
    one.frames.forEach((address, i) => u64(offset + 48 + i * 8, address));
    offset += 48 + one.frames.length * 8;
  }
  return buffer;
}

test('samples as a drain hands them over (one object, its arrays rewritten each step), collections between: the same stacks', () => {
  const random = seededRandom(21);
  const slot = (i) => 0x200000 + i * 0x1000;
  const events = Array.from({ length: 10 }, (_, i) => added(i + 1, slot(i), 0x1000, `JS:*h${i} /app.js:${i + 1}:1`));
  const samples = [];
  let walk = [slot(0) + 0x10];
  for (let n = 0; n < 300; n++) {
    const keep = Math.floor(random() * (walk.length + 1));
    walk = walk.slice(0, keep);
    while (walk.length < 1 + Math.floor(random() * 12)) walk.push(slot(Math.floor(random() * 10)) + 0x10 + Math.floor(random() * 0x100));
    const collecting = random() < 0.2; // a GC sample: no walk, and the next one compares with the walk before it
    samples.push({ ...sample(100 + n, [slot(9) + 0x20, ...[...walk].reverse()]), vmState: collecting ? 1 : 0 });
  }
  const drained = [...samplesOf(drainedBuffer(samples))];
  assert.equal(new Set(drained).size, 1, 'samplesOf hands over one object');
  const builder = new SessionBuilder();
  new Symbolizer(builder, resolver, 0, 0).process(samplesOf(drainedBuffer(samples)), events);
  const session = builder.build({ notes: [] });
  const fromDrain = session.samples.stack.map((stack) => session.stackFrames(stack).map((id) => session.frames[id].name).join(' > '));
  const fromOwnArrays = stacksOf(samples, events);
  assert.ok(samples.filter((one) => one.vmState === 1).length > 30);
  for (let i = 0; i < samples.length; i++) assert.equal(fromDrain[i], fromOwnArrays[i], `sample ${i}`);
});
