// Real npm programs (bench/corpus/) profiled as a user runs them, with
// `nodeinstrument --flat` at default options, against V8's own profiler on the
// same program: the functions V8 puts first must be near the top of ours, and
// our first rows must name functions, not shared objects. One run each here;
// `npm run corpus` runs all seven programs three times (docs/accuracy.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { REPEAT_PASS } from '../helpers.mjs';

const require = createRequire(import.meta.url);
const { runProgram, ROWS } = require('../../scripts/corpus.js');

// The large inputs (1.5-3 s each): V8's first three functions hold 2-12% of these runs. On a
// small input they were 20-35 samples each, and Node 22 in CI swapped one of them for its own
// start-up (compileForInternalLoader); at least two of the three must be in our first rows.
const FIRST = 3;
const AT_LEAST = 2;
// Node 24's V8 inlines more with Maglev, and those inlined functions are not recovered yet
// (issue 14, open): V8 names markdown-it's pretest and inline and prettier's mainPrint where ours
// names their callers, and even V8's first function was missing in one run of three. There the
// comparison with V8 is left to `npm run corpus`; the rows are checked as everywhere.
const MAGLEV_INLINING_UNRECOVERED = Number(process.versions.v8.split('.')[0]) >= 13;

// CI's repeat passes (Node 22 and 24, test/helpers.mjs) run markdown-it only, the program whose
// small input once failed on Node 22: the time goes to keeping the whole run under 40 minutes.
const PROGRAMS = REPEAT_PASS ? ['markdown-it'] : ['markdown-it', 'terser', 'prettier'];

for (const program of PROGRAMS) {
  const against = MAGLEV_INLINING_UNRECOVERED ? '' : `${AT_LEAST} of V8's top ${FIRST} functions are in the first ${ROWS} rows of --flat; `;
  test(`corpus: ${program}: ${against}no bare native rows, no function twice`, () => {
    const result = runProgram(program, 'large', { timePlain: false });
    const describe = () =>
      `V8's top: ${result.top.slice(0, FIRST).map((fn) => `${fn.name} ${fn.self.toFixed(3)} s`).join(', ')}\nours:\n${result.rows.map((row) => `  ${row.value} ${row.name}  ${row.location}`).join('\n')}`;
    const found = result.top.slice(0, FIRST).filter((fn) => result.found.includes(fn));
    if (!MAGLEV_INLINING_UNRECOVERED) assert.ok(found.length >= AT_LEAST, describe());
    assert.deepEqual(result.bare.map((row) => row.name), [], describe());
    assert.deepEqual(result.repeated, [], describe());
  });
}
