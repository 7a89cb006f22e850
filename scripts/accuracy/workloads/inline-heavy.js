// Small functions TurboFan inlines into the loop of `scan`:
// - `slotOf`, the known hot helper, spends its time in the builtin it calls
//   (Array.prototype.indexOf): the call's return address lies in its inlined
//   code, where V8's CpuProfiler shows it as a frame of its own;
// - `hash` is pure arithmetic, so samples land on its inlined instructions
//   themselves (the pc, not a return address), which V8's CpuProfiler
//   charges to scan: it expands inlined frames only at return addresses.
// A sampler that sees only physical frames charges both to scan.
'use strict';

function hash(x) {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

function slotOf(table, key) {
  return table.indexOf(key);
}

function scan(table, keys) {
  let mixed = 0;
  for (let i = 0; i < keys.length; i++) {
    const slot = slotOf(table, keys[i]);
    for (let round = 0; round < 24; round++) mixed = (mixed + hash(slot + i + round)) | 0;
  }
  return mixed;
}

exports.hotHelpers = [
  { name: 'slotOf', line: 19 },
  { name: 'hash', line: 11 },
];

const table = [];
const keys = [];
exports.prepare = function prepare() {
  for (let i = 0; i < 96; i++) table.push((i * 37) % 191);
  for (let i = 0; i < 10_000; i++) keys.push((i * 7919) % 191);
};

exports.run = function run(scale = 1) {
  let out = 0;
  for (let round = 0; round < 1000 * scale; round++) out ^= scan(table, keys);
  return out;
};
