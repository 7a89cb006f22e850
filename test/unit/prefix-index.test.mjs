// PrefixIndex: the ids of prefix-table nodes by (parent, value), against a Map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrefixIndex } from '../internals.cjs';

test('a node gets the id it was first given, and keeps it through the table\'s growth', () => {
  const index = new PrefixIndex(4);
  const reference = new Map();
  let seed = 11;
  const random = (n) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  let next = 0;
  for (let i = 0; i < 50_000; i++) {
    // Parents from the root (-1) to the newest node; values small, large and negative, often repeated.
    const parent = random(next + 1) - 1;
    const value = [random(8), random(100_000), 2 ** 31 - 1 - random(4), -random(3)][random(4)];
    const key = `${parent}:${value}`;
    const id = index.idOf(parent, value, next);
    if (reference.has(key)) {
      assert.equal(id, reference.get(key), key);
    } else {
      assert.equal(id, next, `new node ${key}`);
      reference.set(key, next++);
    }
  }
  assert.equal(index.size, reference.size);
  // Asked again after all the growth: the same ids.
  for (const [key, id] of reference) {
    const [parent, value] = key.split(':').map(Number);
    assert.equal(index.idOf(parent, value, -5), id);
  }
});

test('nodes that differ only in parent, or only in value, are different nodes', () => {
  const index = new PrefixIndex();
  assert.equal(index.idOf(-1, 0, 0), 0);
  assert.equal(index.idOf(0, 0, 1), 1);
  assert.equal(index.idOf(0, 1, 2), 2);
  assert.equal(index.idOf(1, 0, 3), 3);
  assert.equal(index.idOf(-1, 0, 4), 0);
  assert.equal(index.idOf(0, 1, 4), 2);
  assert.equal(index.size, 4);
});
