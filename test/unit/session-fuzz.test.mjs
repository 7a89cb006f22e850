// Session files are untrusted input (--load): thousands of mutated and
// truncated sessions, from a seeded generator so failures reproduce. Each
// either loads or fails with SessionFormatError; nothing else escapes,
// nothing is polluted, nothing hangs.
import assert from 'node:assert/strict';
import { firstPassTest as test } from '../helpers.mjs';
import { createRequire } from 'node:module';
import { hostileValues, mutate } from '../fuzz-helpers.mjs';
import { makeSession, seededRandom } from '../sessions.mjs';

const require = createRequire(import.meta.url);
const { Session, SessionFormatError } = require('../internals.cjs');
const { renderText } = require('../internals.cjs');

const js = (name, line) => ({ name, file: '/app/a.js', line, column: 1, kind: 'js' });
const valid = JSON.parse(JSON.stringify(makeSession([
  [[js('main', 1), js('parse', 5)], 0.002],
  [[js('main', 1), js('render', 9)], 0.001],
  [[js('main', 1)], 0.001],
  [[], 0.0005],
])));

/** Hostile values anywhere; numbers from -500 pushed onto arrays, from -5 elsewhere. */
const MUTATIONS = {
  hostile: hostileValues(),
  pushed: (next) => Math.floor(next() * 1000) - 500,
  set: (next) => Math.floor(next() * 10) - 5,
};

function deeplyNested(depth) {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

test('thousands of mutated sessions load or fail with SessionFormatError only', () => {
  const next = seededRandom(20261126);
  const text = JSON.stringify(valid);
  let loaded = 0;
  let rejected = 0;
  const started = performance.now();
  for (let i = 0; i < 3000; i++) {
    const kind = next();
    let input;
    if (kind < 0.15) input = text.slice(0, Math.floor(next() * text.length)); // truncated file
    else if (kind < 0.2) input = `{"format":"nodeinstrument-session","version":1,"meta":${deeplyNested(5000)}}`;
    else input = JSON.stringify(mutate(valid, next, MUTATIONS));
    let data;
    try {
      data = JSON.parse(input);
    } catch {
      rejected++;
      continue; // Session.load reports JSON errors itself (covered in session.test.mjs)
    }
    try {
      const session = Session.fromJSON(data);
      // Whatever loads must render.
      renderText(session, { color: false });
      loaded++;
    } catch (error) {
      assert.ok(error instanceof SessionFormatError, `case ${i}: ${error && error.stack}\ninput: ${input.slice(0, 300)}`);
      rejected++;
    }
  }
  assert.equal({}.polluted, undefined, 'no prototype pollution');
  assert.equal(Object.prototype.polluted, undefined);
  assert.ok(loaded > 0 && rejected > 0, `loaded ${loaded}, rejected ${rejected}`);
  assert.ok(performance.now() - started < 30_000, 'no pathological slowness');
});
