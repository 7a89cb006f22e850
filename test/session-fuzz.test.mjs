// Session files are untrusted input (--load): thousands of mutated and
// truncated sessions, from a seeded generator so failures reproduce. Each
// either loads or fails with SessionFormatError; nothing else escapes,
// nothing is polluted, nothing hangs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { makeSession, seededRandom } from './sessions.mjs';

const require = createRequire(import.meta.url);
const { Session, SessionFormatError } = require('../dist/cjs/session.js');
const { renderText } = require('../dist/cjs/renderers/text.js');


const js = (name, line) => ({ name, file: '/app/a.js', line, column: 1, kind: 'js' });
const valid = JSON.parse(JSON.stringify(makeSession([
  [[js('main', 1), js('parse', 5)], 0.002],
  [[js('main', 1), js('render', 9)], 0.001],
  [[js('main', 1)], 0.001],
  [[], 0.0005],
])));

const HOSTILE = [
  null, undefined, true, 0, -1, 1e308, -1e308, 2 ** 53 + 1, NaN, '', 'x'.repeat(1000), '__proto__', [], {}, [[[[]]]],
  { __proto__: { polluted: true } }, JSON.parse('{"__proto__": {"polluted": true}}'), { constructor: { prototype: { polluted: true } } },
];

/** Every path to a value inside `value`, for picking one to mutate. */
function paths(value, prefix = [], out = []) {
  out.push(prefix);
  if (value && typeof value === 'object') for (const key of Object.keys(value)) paths(value[key], [...prefix, key], out);
  return out;
}

function mutate(data, next) {
  const copy = JSON.parse(JSON.stringify(data));
  const all = paths(copy).filter((path) => path.length > 0);
  for (let n = 1 + Math.floor(next() * 3); n > 0; n--) {
    const path = all[Math.floor(next() * all.length)];
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent?.[key];
    if (!parent || typeof parent !== 'object') continue;
    const key = path[path.length - 1];
    const choice = next();
    if (choice < 0.6) parent[key] = HOSTILE[Math.floor(next() * HOSTILE.length)];
    else if (choice < 0.8) delete parent[key];
    else if (Array.isArray(parent[key])) parent[key].push(Math.floor(next() * 1000) - 500);
    else parent[key] = Math.floor(next() * 10) - 5;
  }
  return copy;
}

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
    else input = JSON.stringify(mutate(valid, next));
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
