// End to end: helpers TurboFan inlines into a hot loop show up as frames of
// their own, marked inlined, under the function they were inlined into, with
// the lines executing in them. Without inline recovery both are charged to
// scan, as the physical frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runJson } from '../helpers.mjs';

// --no-maglev: Node 22 and 24 run Maglev (off on Node 20) before TurboFan, and
// Maglev inlines too but its code carries no line position table, so what it
// inlines cannot be recovered (docs/accuracy.md). On a loaded machine
// TurboFan's background compile comes late and Maglev code runs most of the
// test; without Maglev every version goes from Sparkplug to TurboFan.
test('TurboFan-inlined helpers appear as inlined frames with their own time and lines', () => {
  const { samples, helpers, hasLines } = runJson(['--no-maglev', fixture('inlined-helper.js')]);
  assert.ok(samples > 200, `samples: ${samples}`);
  assert.ok(hasLines, 'the session carries executing lines');
  const { keyOf, hash, scan } = helpers;
  // keyOf: its time is in JSON.stringify, called from its inlined code (about 75% of the run).
  assert.ok(keyOf.leafShare > 0.3, `keyOf share ${keyOf.leafShare}`);
  assert.ok(keyOf.inlined > keyOf.physical * 5, `keyOf inlined ${keyOf.inlined}, physical ${keyOf.physical}`);
  assert.ok((keyOf.parents.scan ?? 0) > keyOf.inlined * 0.9, `keyOf under scan: ${JSON.stringify(keyOf.parents)}`);
  // hash: pure arithmetic, the interrupted pc on its inlined instructions (about 10%).
  assert.ok(hash.leafShare > 0.03, `hash share ${hash.leafShare}`);
  assert.ok(hash.inlined > hash.physical * 5, `hash inlined ${hash.inlined}, physical ${hash.physical}`);
  // Lines: keyOf's one statement is line 18; hash spans lines 10-15; scan lines 21-28.
  const share = (lines, from, to) => {
    let inside = 0;
    let all = 0;
    for (const [line, count] of Object.entries(lines)) {
      all += count;
      if (Number(line) >= from && Number(line) <= to) inside += count;
    }
    return inside / all;
  };
  assert.ok(share(keyOf.lines, 18, 18) > 0.95, `keyOf lines ${JSON.stringify(keyOf.lines)}`);
  assert.ok(share(hash.lines, 10, 15) > 0.9, `hash lines ${JSON.stringify(hash.lines)}`);
  assert.ok(share(scan.lines, 21, 28) > 0.7, `scan lines ${JSON.stringify(scan.lines)}`);
});

test('async arrows get their executing lines (V8 names them by their `async`)', () => {
  // They were named by their parameters here, found in no parse, and shown without lines.
  const { samples, lines } = runJson([fixture('async-arrows.js')]);
  assert.ok(samples > 100, `samples: ${samples}`);
  for (const [name, from, to] of [['spinNoParams', 7, 11], ['spinOneParam', 12, 16]]) {
    const counts = Object.entries(lines[name]);
    const all = counts.reduce((sum, [, count]) => sum + count, 0);
    const inside = counts.reduce((sum, [line, count]) => sum + (Number(line) >= from && Number(line) <= to ? count : 0), 0);
    assert.ok(all > 20, `${name}: ${all} samples`);
    assert.ok(inside / all > 0.9, `${name} lines ${JSON.stringify(lines[name])}`);
  }
});
