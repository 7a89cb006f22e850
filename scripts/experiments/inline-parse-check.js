// Checks that every function of some scripts, parsed on its own
// (ScriptFunctions.parseFunctionAt), has the range, nested functions and
// nested names it has in the whole-script parse. Default: all of Node's own
// modules; or the files given.
//   node scripts/experiments/inline-parse-check.js [file.js ...]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { ScriptFunctions, lineStartsOf } = require(path.join(__dirname, '..', '..', 'dist', 'cjs', 'inline', 'functions.js'));

const files = process.argv.slice(2);
const sources = files.length > 0 ? files.map((file) => [file, fs.readFileSync(file, 'utf8')]) : Object.entries(process.binding('natives'));
const totals = { scripts: 0, functions: 0, alone: 0, fallback: 0, differing: 0 };
const describe = (fns) => fns.map((g) => `${g.start}-${g.end}-${g.v8Start}`).join();
for (const [name, source] of sources) {
  if (typeof source !== 'string') continue;
  const whole = ScriptFunctions.parse(source);
  if (whole === undefined) continue;
  totals.scripts++;
  const lineStarts = lineStartsOf(source);
  const seen = new Set();
  for (const fn of whole.functions) {
    // A class constructor is listed twice (by its `(` and by its class); V8 names it by the class.
    if (seen.has(fn.v8Start) || whole.functions.some((g) => g !== fn && g.start === fn.start && g.end === fn.end && g.v8Start < fn.v8Start)) continue;
    seen.add(fn.v8Start);
    totals.functions++;
    const alone = ScriptFunctions.parseFunctionAt(source, fn.v8Start, lineStarts);
    if (alone === undefined) {
      totals.fallback++;
      continue;
    }
    totals.alone++;
    const expected = whole.functions.filter((g) => g.start >= fn.start && g.end <= fn.end);
    const sameNames = alone.functions.slice(1).map((g) => g.name).join() === expected.slice(1).map((g) => g.name).join();
    if (describe(alone.functions) !== describe(expected) || !sameNames) {
      if (totals.differing++ < 5) console.log(`differs: ${name} ${fn.name} at ${fn.v8Start}`);
    }
  }
}
console.log(JSON.stringify(totals));
