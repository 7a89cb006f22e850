// test/internals.cjs gathers the internal modules the tests use into one
// object: a name two modules export would silently be the later one's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const helper = new URL('../internals.cjs', import.meta.url);

test('test/internals.cjs: every module it lists loads, and no name means two different things', () => {
  const paths = [...readFileSync(helper, 'utf8').matchAll(/require\('(\.\.\/dist\/cjs\/[^']+)'\)/g)].map((match) => match[1]);
  assert.ok(paths.length > 10, `modules listed: ${paths.length}`);
  const owner = new Map();
  const clashes = [];
  for (const path of paths) {
    const exports = require(new URL(path, helper).pathname);
    for (const [name, value] of Object.entries(exports)) {
      const first = owner.get(name);
      if (first === undefined) owner.set(name, { path, value });
      else if (first.value !== value) clashes.push(`${name}: ${first.path} and ${path}`);
    }
  }
  assert.deepEqual(clashes, []);
  const internals = require(helper.pathname);
  for (const [name, { value }] of owner) assert.equal(internals[name], value, name);
});
