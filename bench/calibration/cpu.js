// A CPU-bound program for the diff calibration (scripts/diff-calibration.js):
// five functions with fixed work (JSON, a Map of strings, sorting, float math,
// string building) and `target`, whose work the first argument scales.
// Each function has its own loop, so none is inlined into another in some
// runs and not in others. Prints {"targetMs", "totalMs"} (measured, for the
// harness's unprofiled pilot runs).
'use strict';
const { performance } = require('node:perf_hooks');

const units = Number(process.argv[2] ?? '1');
const ROUNDS = 100;

function target(iterations) {
  let hash = 1;
  for (let i = 0; i < iterations; i++) hash = Math.imul(hash ^ (hash >>> 13), 0x5bd1e995) + i;
  return hash;
}

function parseRecords(text) {
  return JSON.parse(text);
}

function buildIndex(records) {
  const index = new Map();
  for (const record of records) index.set(`${record.id}:${record.name}`, record);
  return index.size;
}

function sortRecords(records) {
  return records.slice().sort((a, b) => a.score - b.score || a.id - b.id).length;
}

function scoreAll(records) {
  let score = 0;
  for (let pass = 0; pass < 8; pass++) for (const record of records) score += Math.sqrt(record.score * record.id + pass);
  return score;
}

function formatReport(records) {
  let out = '';
  for (let i = 0; i < records.length; i += 3) out += `${records[i].name}=${records[i].score.toFixed(2)};`;
  return out.length;
}

const text = JSON.stringify(Array.from({ length: 6000 }, (_, i) => ({ id: i, name: `user-${i}`, score: (i * 7919) % 1000, tags: ['a', 'b', String(i % 7)] })));
// Warm-up: target runs optimized from here on, so that its time is in proportion to its work
// (left to itself, V8 would tier it up at a point that depends on the work asked).
for (let i = 0; i < 300; i++) target(2000);
let targetMs = 0;
const start = performance.now();
let result = 0;
for (let round = 0; round < ROUNDS; round++) {
  const records = parseRecords(text);
  result ^= buildIndex(records) ^ sortRecords(records) ^ scoreAll(records) ^ formatReport(records);
  const before = performance.now();
  result ^= target(Math.round(units * 100_000));
  targetMs += performance.now() - before;
}
console.log(JSON.stringify({ targetMs, totalMs: performance.now() - start, result }));
