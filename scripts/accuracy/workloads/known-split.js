// The known-split program of test/fixtures/known-split.js without its own
// profiler: main 10% self, middle -> leafA 30% and leafB 20%, leafC 40%.
'use strict';

// Each function has its own loop so that no helper gets inlined away.
function leafA(ms) { const end = performance.now() + ms; let x = 0; while (performance.now() < end) x++; return x; }
function leafB(ms) { const end = performance.now() + ms; let x = 0; while (performance.now() < end) x++; return x; }
function leafC(ms) { const end = performance.now() + ms; let x = 0; while (performance.now() < end) x++; return x; }
function middle(totalMs) { return leafA(totalMs * 0.3) + leafB(totalMs * 0.2); }
function main(totalMs) {
  const end = performance.now() + totalMs * 0.1;
  let x = 0;
  while (performance.now() < end) x++;
  return x + middle(totalMs) + leafC(totalMs * 0.4);
}

exports.run = function run(scale = 1) {
  return main(1500 * scale);
};
