// Does V8's own profiler (node --cpu-prof) name a function TurboFan inlined,
// or charge its time to the function it was inlined into? A helper doing all
// the work, called from a function that an immediate runs: prints V8's top
// functions by self time (builtins and C++ in their JavaScript caller) and
// nodeinstrument's --flat first rows, for the Node running this script.
//   node scripts/experiments/v8-inline-expansion.js
// Measured (docs/accuracy.md): Node 20 charges it all to processImmediate,
// Node 24 names helperHot; nodeinstrument names helperHot on both.
'use strict';
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { v8TopFunctions, flatRows } = require('../corpus/compare');

const PROGRAM = `'use strict';
function helperHot(n) { let h = 0; for (let i = 0; i < n; i++) h = (Math.imul(h ^ i, 0x9e3779b1) + (h >>> 7)) | 0; return h; }
function outerFn(r) { let t = 0; for (let k = 0; k < r; k++) t += helperHot(20 + (k & 7)); return t; }
const end = performance.now() + 1500; let x = 0;
function tick() { for (let j = 0; j < 2000; j++) x += outerFn(5); if (performance.now() < end) setImmediate(tick); }
tick();
`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'nodeinstrument-inline-expansion-'));
try {
  const script = path.join(dir, 'program.js');
  writeFileSync(script, PROGRAM);
  spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '1000', script]);
  const top = v8TopFunctions(path.join(dir, readdirSync(dir).find((name) => name.endsWith('.cpuprofile')))).slice(0, 3);
  const report = path.join(dir, 'report.txt');
  spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'nodeinstrument.js'), '--flat', '--no-color', '-o', report, script]);
  const rows = flatRows(require('node:fs').readFileSync(report, 'utf8')).slice(0, 3);
  console.log(`${process.version}  V8 --cpu-prof: ${top.map((fn) => `${fn.name} ${fn.self.toFixed(3)}`).join(', ')}`);
  console.log(`${process.version}  nodeinstrument: ${rows.map((row) => `${row.name} ${row.value}`).join(', ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
