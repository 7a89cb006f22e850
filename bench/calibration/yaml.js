// js-yaml (a real program of the corpus) dumping and loading this repository's
// package-lock.json, with a replacer, `slowReplace`, whose work per value the
// first argument scales: the diff calibration's (scripts/diff-calibration.js)
// second real program with a known change. Prints {"targetMs", "totalMs"}.
'use strict';
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const yaml = require('js-yaml');
const { ROOT } = require('../corpus/inputs');

const units = Number(process.argv[2] ?? '1');
// Rounds of dumping and loading (default 180: about a second of CPU time, so that a function at 5%
// collects a few hundred samples a run at 250 us).
const rounds = Number(process.argv[3] ?? '180');
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
const doc = { packages: Object.fromEntries(Object.entries(lock.packages).slice(0, 200)) };

// Its work is passes over the key, the last one partial: with whole passes only, 1.5x less work
// was 4 passes against 3 (1.33x).
function slowReplace(key, value, passes = units * 4) {
  let hash = 7;
  for (let done = 0; done < passes; done++) {
    const end = Math.min(key.length, Math.round((passes - done) * key.length));
    for (let i = 0; i < end; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) + done;
  }
  return hash === 0 ? null : value;
}

// Warm-up: the replacer runs optimized from here on, so that its time is in proportion to its work.
for (let i = 0; i < 300; i++) slowReplace('warm-up-key', i, 20);
let targetMs = 0;
const replacer = (key, value) => {
  const before = performance.now();
  const out = slowReplace(String(key), value);
  targetMs += performance.now() - before;
  return out;
};
const start = performance.now();
let bytes = 0;
for (let round = 0; round < rounds; round++) {
  const text = yaml.dump(doc, { noRefs: true, replacer });
  bytes += text.length;
  yaml.load(text);
}
console.log(JSON.stringify({ targetMs, totalMs: performance.now() - start, bytes }));
