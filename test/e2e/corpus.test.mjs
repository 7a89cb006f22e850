// Real npm programs (bench/corpus/) profiled as a user runs them, with
// `nodeinstrument --flat` at default options, against V8's own profiler on the
// same program: the functions V8 puts first must be near the top of ours, and
// our first rows must name functions, not shared objects. Small inputs here;
// `node scripts/corpus.js` runs the large ones (docs/accuracy.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { runProgram, ROWS } = require('../../scripts/corpus.js');

// A small input gives a few hundred samples: V8's first three functions hold 2-12% of
// these runs each, and two profilers sampling that thinly can swap neighbours. At least two
// of the three held in each of 12 runs on a loaded machine (the harness's large inputs: docs/accuracy.md).
const FIRST = 3;
const AT_LEAST = 2;

for (const program of ['markdown-it', 'terser', 'prettier']) {
  test(`corpus: ${program}: ${AT_LEAST} of V8's top ${FIRST} functions are in the first ${ROWS} rows of --flat; no bare native rows, no function twice`, () => {
    const result = runProgram(program, 'small');
    const describe = () =>
      `V8's top: ${result.top.slice(0, FIRST).map((fn) => `${fn.name} ${fn.self.toFixed(3)} s`).join(', ')}\nours:\n${result.rows.map((row) => `  ${row.value} ${row.name}  ${row.location}`).join('\n')}`;
    const found = result.top.slice(0, FIRST).filter((fn) => result.found.includes(fn));
    assert.ok(found.length >= AT_LEAST, describe());
    assert.deepEqual(result.bare.map((row) => row.name), [], describe());
    assert.deepEqual(result.repeated, [], describe());
  });
}
