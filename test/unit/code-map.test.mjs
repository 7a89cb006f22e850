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
