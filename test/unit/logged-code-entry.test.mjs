import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { decodeName } from '../internals.cjs';
import { LoggedCodeEntry, loggedCodeEntry } from '../internals.cjs';

test('a logged code entry reads its name from the drained log, and keeps no view of its own', () => {
  const log = new ArrayBuffer(64);
  const name = 'JS:*parse /app/parser.js:12:5';
  new Uint8Array(log, 16, name.length).set(new TextEncoder().encode(name));
  const entry = loggedCodeEntry(new Uint8Array(log, 16, name.length), false);
  assert.ok(entry instanceof LoggedCodeEntry);
  assert.equal(decodeName(entry.nameBytes), name);
  assert.equal(entry.nameBytes.buffer, log, 'a view of the log, not a copy');
  assert.deepEqual([entry.frameId, entry.interpreterPlumbing, entry.isWasm], [-1, false, false]);
  // The point of the class: one small object per code range, no typed array per entry.
  assert.equal(Object.values(entry).filter((value) => ArrayBuffer.isView(value)).length, 0);
  entry.lines = new Uint32Array([0, 1]);
  entry.frameId = 3;
  assert.deepEqual([entry.frameId, [...entry.lines]], [3, [0, 1]]);
});

test("a fresh code map's address arrays hold doubles before the first add (no deopt on every new map)", () => {
  const codeMap = fileURLToPath(new URL('../internals.cjs', import.meta.url));
  const script = `
    const { CodeMap } = require(${JSON.stringify(codeMap)});
    const map = new CodeMap();
    // Both levels (lib/symbolize/code-map.ts: the main one and the recent additions).
    const kinds = [map.main, map.recent].flatMap((level) => [%HasDoubleElements(level.starts), %HasDoubleElements(level.ends), %HasObjectElements(level.values)]);
    map.add(0x7f00_0000_1000, 16, { name: 'a' });
    console.log(JSON.stringify({ kinds, found: map.lookup(0x7f00_0000_1008)?.name ?? null, size: map.size }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--allow-natives-syntax', '-e', script], { encoding: 'utf8' }));
  assert.deepEqual(out, { kinds: [true, true, true, true, true, true], found: 'a', size: 1 });
});
