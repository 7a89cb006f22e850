// End to end: helpers TurboFan inlines into a hot loop show up as frames of
// their own, marked inlined, under the function they were inlined into, with
// the lines executing in them. Without inline recovery both are charged to
// scan (measured before: slotOf 0%, hash 0%, scan 99%).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runJson } from './helpers.mjs';

// --no-maglev: Node 22 and 24 run Maglev (off on Node 20) before TurboFan, and
// Maglev inlines too but its code carries no line position table, so what it
// inlines cannot be recovered (docs/accuracy.md). On a loaded machine
// TurboFan's background compile comes late and Maglev code runs most of the
// test; without Maglev every version goes from Sparkplug to TurboFan.
test('TurboFan-inlined helpers appear as inlined frames with their own time and lines', () => {
  const { samples, helpers, hasLines } = runJson(['--no-maglev', fixture('inlined-helper.js')]);
  assert.ok(samples > 200, `samples: ${samples}`);
  assert.ok(hasLines, 'the session carries executing lines');
  const { slotOf, hash, scan } = helpers;
  // slotOf: its time is in Array.prototype.indexOf, called from its inlined code (V8's CpuProfiler: about 60%).
  assert.ok(slotOf.leafShare > 0.3, `slotOf share ${slotOf.leafShare}`);
  assert.ok(slotOf.inlined > slotOf.physical * 5, `slotOf inlined ${slotOf.inlined}, physical ${slotOf.physical}`);
  assert.ok((slotOf.parents.scan ?? 0) > slotOf.inlined * 0.9, `slotOf under scan: ${JSON.stringify(slotOf.parents)}`);
  // hash: pure arithmetic, the interrupted pc on its inlined instructions.
  assert.ok(hash.leafShare > 0.1, `hash share ${hash.leafShare}`);
  assert.ok(hash.inlined > hash.physical * 5, `hash inlined ${hash.inlined}, physical ${hash.physical}`);
  // Lines: slotOf's one statement is line 20; hash's body is lines 12-16; scan's loop is lines 25-28.
  const share = (lines, from, to) => {
    let inside = 0;
    let all = 0;
    for (const [line, count] of Object.entries(lines)) {
      all += count;
      if (Number(line) >= from && Number(line) <= to) inside += count;
    }
    return inside / all;
  };
  assert.ok(share(slotOf.lines, 20, 20) > 0.95, `slotOf lines ${JSON.stringify(slotOf.lines)}`);
  assert.ok(share(hash.lines, 12, 16) > 0.9, `hash lines ${JSON.stringify(hash.lines)}`);
  assert.ok(share(scan.lines, 25, 28) > 0.8, `scan lines ${JSON.stringify(scan.lines)}`);
});
