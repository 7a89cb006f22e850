// markdown-it (a real program of the corpus) rendering this repository's docs
// with a syntax highlighter, `slowHighlight`, whose work per character the
// first argument scales: the diff calibration's (scripts/diff-calibration.js)
// real program with a known change. The second argument: rounds of rendering
// (default 80: about a second of CPU time, so that a function at 5% collects a few
// hundred samples a run at 250 us). Prints {"targetMs", "totalMs"}.
'use strict';
const MarkdownIt = require('markdown-it');
const { performance } = require('node:perf_hooks');
const { markdownSource } = require('../corpus/inputs');

const units = Number(process.argv[2] ?? '1');
const rounds = Number(process.argv[3] ?? '80');
const source = markdownSource('small');

// Its work is passes over the code, the last one partial: with whole passes only, a small share
// was a pass or two, and 1.5x less work was 2 passes against 1.
function slowHighlight(code, passes = units * 40) {
  let hash = 7;
  for (let done = 0; done < passes; done++) {
    const end = Math.min(code.length, Math.round((passes - done) * code.length));
    for (let i = 0; i < end; i++) hash = Math.imul(hash ^ code.charCodeAt(i), 0x01000193) + done;
  }
  return hash === 0 ? code : '';
}

let targetMs = 0;
const md = new MarkdownIt({
  html: true,
  linkify: true,
  typographer: true,
  highlight: (code) => {
    const before = performance.now();
    const out = slowHighlight(code);
    targetMs += performance.now() - before;
    return out;
  },
});
// Warm-up: the highlighter runs optimized from here on, so that its time is in proportion to its work.
for (let i = 0; i < 300; i++) slowHighlight('const warm = up(the, highlighter);', 20);
const start = performance.now();
let bytes = 0;
for (let round = 0; round < rounds; round++) bytes += md.render(source).length;
console.log(JSON.stringify({ targetMs, totalMs: performance.now() - start, bytes }));
