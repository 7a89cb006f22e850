import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CodeMap } from '../internals.cjs';

test('lookup finds the range holding an address, nothing outside ranges', () => {
  const map = new CodeMap();
  map.add(1000, 100, 'a');
  map.add(3000, 50, 'c');
  map.add(2000, 10, 'b');
  assert.equal(map.lookup(1000), 'a');
  assert.equal(map.lookup(1099), 'a');
  assert.equal(map.lookup(1100), undefined);
  assert.equal(map.lookup(2005), 'b');
  assert.equal(map.lookup(3049), 'c');
  assert.equal(map.lookup(999), undefined);
  assert.equal(map.size, 3);
});

test('a new range evicts every range it overlaps (V8 sends no removals)', () => {
  const map = new CodeMap();
  map.add(1000, 100, 'a');
  map.add(1100, 100, 'b');
  map.add(1300, 100, 'c');
  assert.equal(map.lookup(1150), 'b'); // cached
  map.add(1050, 100, 'new');
  assert.equal(map.lookup(1000), undefined);
  assert.equal(map.lookup(1150), undefined, 'the cached lookup of an evicted range is gone');
  assert.equal(map.lookup(1060), 'new');
  assert.equal(map.lookup(1350), 'c');
  assert.equal(map.size, 2);
});

test('move relocates a range and evicts what lies at the destination', () => {
  const map = new CodeMap();
  map.add(1000, 100, 'moving');
  map.add(5000, 10, 'stale');
  assert.equal(map.lookup(1010), 'moving');
  map.move(1000, 4995);
  assert.equal(map.lookup(1010), undefined);
  assert.equal(map.lookup(5000), 'moving');
  assert.equal(map.lookup(5094), 'moving');
  map.move(777, 9999); // unknown start: ignored
  assert.equal(map.size, 1);
});

test('merge keeps accepted ranges of both maps, drops older ranges any newer range overlaps, and copies', () => {
  const newer = new CodeMap();
  newer.add(100, 10, 'new-kept');
  newer.add(200, 10, 'new-dropped'); // rejected by keep, but still newer than what it overlaps
  const older = new CodeMap();
  older.add(105, 10, 'old-overlapping');
  older.add(195, 10, 'old-under-dropped');
  older.add(300, 10, 'old-kept');
  older.add(400, 10, 'old-rejected');
  const merged = CodeMap.merge(newer, older, (value) => !value.includes('dropped') && !value.includes('rejected'), (value) => `${value}*`);
  assert.equal(merged.lookup(100), 'new-kept*');
  assert.equal(merged.lookup(107), 'new-kept*');
  assert.equal(merged.lookup(114), undefined, 'the overlapping older range is stale');
  assert.equal(merged.lookup(196), undefined, 'overlapped by a newer range that was not kept');
  assert.equal(merged.lookup(305), 'old-kept*');
  assert.equal(merged.lookup(405), undefined);
  assert.equal(merged.size, 2);
});

test('many adds out of address order: the same answers as one sorted list (recent additions wait in a second level)', () => {
  // A reference: every range in arrival order, each evicting what it overlaps.
  const reference = [];
  const referenceAdd = (start, size, value) => {
    const end = start + Math.max(size, 1);
    for (let i = reference.length - 1; i >= 0; i--) if (reference[i].start < end && start < reference[i].end) reference.splice(i, 1);
    reference.push({ start, end, value });
  };
  const referenceLookup = (address) => reference.find((range) => range.start <= address && address < range.end)?.value;
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const map = new CodeMap();
  for (let i = 0; i < 5000; i++) {
    const start = 0x10000 + Math.floor(random() * 400000);
    const size = 1 + Math.floor(random() * 300);
    map.add(start, size, `f${i}`);
    referenceAdd(start, size, `f${i}`);
    if (i % 97 === 0 && reference.length > 0) {
      // A move of a live range, as GC compaction sends them.
      const moving = reference[Math.floor(random() * reference.length)];
      const to = 0x10000 + Math.floor(random() * 400000);
      assert.equal(map.move(moving.start, to), moving.end - moving.start);
      reference.splice(reference.indexOf(moving), 1);
      referenceAdd(to, moving.end - moving.start, moving.value);
    }
    if (i % 50 === 0) {
      for (let k = 0; k < 40; k++) {
        const address = 0x10000 + Math.floor(random() * 400300);
        assert.equal(map.lookup(address), referenceLookup(address), `address ${address} after ${i} adds`);
      }
    }
  }
  assert.equal(map.size, reference.length);
  assert.deepEqual([...map.entries()].sort(), reference.map((range) => range.value).sort());
});
