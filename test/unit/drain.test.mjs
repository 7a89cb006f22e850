import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCodeEvents, decodeName, decodeSamples } from '../internals.cjs';

function u64(view, offset, value) {
  view.setUint32(offset, value % 0x1_0000_0000, true);
  view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true);
}

test('decodes sample records laid out as native/sample_record.h says', () => {
  const frames = [[0x7f12_3456_7890, 0x5555_0000_1000], [0x1234]];
  // The second record carries the top-of-stack word after its frames (flag 8).
  const buffer = new ArrayBuffer(48 + 16 + 48 + 8 + 8);
  const view = new DataView(buffer);
  let offset = 0;
  frames.forEach((list, i) => {
    u64(view, offset, 10 + i);
    u64(view, offset + 8, 2_554_434_401_877 + i);
    u64(view, offset + 16, 65_475_708);
    u64(view, offset + 24, i === 0 ? 0x4444 : 0);
    view.setUint32(offset + 32, i === 0 ? 0 : 1, true);
    view.setUint16(offset + 36, list.length, true);
    view.setUint16(offset + 38, i === 0 ? 2 : 1 | 8, true);
    view.setUint32(offset + 40, i === 0 ? 7 : 0, true); // label set
    list.forEach((address, j) => u64(view, offset + 48 + j * 8, address));
    offset += 48 + list.length * 8;
    if (i === 1) {
      u64(view, offset, 0x5555_0000_2468);
      offset += 8;
    }
  });
  assert.equal(offset, buffer.byteLength);
  const samples = decodeSamples(buffer);
  assert.equal(samples.length, 2);
  assert.deepEqual({ ...samples[0], frames: [...samples[0].frames] }, {
    seq: 10, timeNs: 2_554_434_401_877, cpuTimeNs: 65_475_708, externalCallback: 0x4444,
    vmState: 0, flags: 2, labelSet: 7, frames: [0x7f12_3456_7890, 0x5555_0000_1000], topOfStack: 0, nativeChain: undefined,
  });
  assert.equal(samples[1].vmState, 1);
  assert.equal(samples[1].topOfStack, 0x5555_0000_2468);
  assert.equal(samples[1].labelSet, 0);
  assert.deepEqual([...samples[1].frames], [0x1234]);
});

test('decodes an interrupt sample\'s native chain, after its frames, and the record after it', () => {
  // Record 1: an interrupt sample (flag 32), frames [0, 0xabc], three chain addresses; record 2: a plain one.
  const buffer = new ArrayBuffer(48 + 16 + 24 + 48 + 8);
  const view = new DataView(buffer);
  view.setUint16(36, 2, true);
  view.setUint16(38, 32, true);
  view.setUint32(44, 3, true);
  u64(view, 48 + 8, 0xabc);
  [0x7f00_0000_0100, 0x7f00_0000_0200, 0x7f00_0000_0300].forEach((address, i) => u64(view, 64 + i * 8, address));
  u64(view, 88, 99); // the second record's seq
  view.setUint16(88 + 36, 1, true);
  u64(view, 88 + 48, 0x1234);
  const [interrupt, plain] = decodeSamples(buffer);
  assert.deepEqual([...interrupt.frames], [0, 0xabc]);
  assert.deepEqual([...interrupt.nativeChain], [0x7f00_0000_0100, 0x7f00_0000_0200, 0x7f00_0000_0300]);
  assert.equal(interrupt.topOfStack, 0);
  assert.equal(plain.seq, 99);
  assert.deepEqual([...plain.frames], [0x1234]);
  assert.equal(plain.nativeChain, undefined);
});

test('decodes code events with padded names', () => {
  const name = 'JS:*fn /a.js:1:2';
  const padded = Math.ceil(name.length / 8) * 8;
  const buffer = new ArrayBuffer(40 + padded + 40);
  const view = new DataView(buffer);
  view.setUint8(0, 1);
  view.setUint8(1, 1);
  view.setUint32(4, name.length, true);
  u64(view, 8, 5);
  u64(view, 16, 0x7000_0000);
  u64(view, 24, 256);
  new Uint8Array(buffer, 40, name.length).set(Buffer.from(name));
  const moved = 40 + padded;
  view.setUint8(moved, 2);
  u64(view, moved + 8, 6);
  u64(view, moved + 16, 0x7000_0000);
  u64(view, moved + 24, 256);
  u64(view, moved + 32, 0x7100_0000);
  const [addedEvent, movedEvent] = decodeCodeEvents(buffer);
  assert.equal(decodeName(addedEvent.nameBytes), name);
  assert.deepEqual({ ...addedEvent, nameBytes: undefined }, { kind: 'added', seq: 5, codeType: 1, start: 0x7000_0000, size: 256, nameBytes: undefined });
  assert.deepEqual(movedEvent, { kind: 'moved', seq: 6, codeType: 0, start: 0x7000_0000, size: 256, newStart: 0x7100_0000 });
});
