// The kinds of script the CLI profiles: CommonJS (.cjs), ES modules (.mjs)
// and TypeScript (.ts), which Node 22.6+ runs by stripping the types and
// older Nodes run through a loader given with --node-arg.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { cli, fixture, root, runNode } from '../helpers.mjs';

const require = createRequire(import.meta.url);
const { typeScriptNodeArgs, UsageError } = require('../internals.cjs');

const run = (args, options) => runNode([cli, '--no-color', ...args], { cwd: root, ...options });

/** Whether this Node runs .ts files itself (by default, or with --experimental-strip-types). */
const nodeStripsTypes = Boolean(process.features.typescript) || process.allowedNodeEnvironmentFlags.has('--experimental-strip-types');

test('profiles a CommonJS script (.cjs)', () => {
  const result = run([fixture('entry-cjs.cjs')]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /cjs done true/);
  assert.match(result.stdout, /cjsWork\s+test\/fixtures\/entry-cjs\.cjs:1/);
});

test('profiles an ES module (.mjs)', () => {
  const result = run([fixture('entry-esm.mjs')]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /mjs done string/);
  assert.match(result.stdout, /mjsWork\s+test\/fixtures\/entry-esm\.mjs:1/);
});

test('profiles a TypeScript script (.ts) on a Node that strips types', { skip: !nodeStripsTypes && `Node ${process.version} cannot strip types (22.6+ can)` }, () => {
  const result = run([fixture('entry-ts.ts')]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /ts done true/);
  assert.match(result.stdout, /tsWork\s+test\/fixtures\/entry-ts\.ts:1/);
  assert.doesNotMatch(result.stderr, /nodeinstrument:/);
});

test('a .ts script on a Node that cannot strip types: one clear message, status 2', { skip: nodeStripsTypes && `Node ${process.version} strips types: see the unit test below` }, () => {
  const result = run([fixture('entry-ts.ts')]);
  assert.equal(result.status, 2);
  assert.equal(result.stdout, '', 'the program did not run');
  assert.match(result.stderr, new RegExp(`^nodeinstrument: Node ${process.version.replace(/\./g, '\\.')} cannot run TypeScript \\(entry-ts\\.ts\\) by itself; Node 22\\.6 and later can\\. Give a loader, e\\.g\\. --node-arg=--import=tsx`));
});

test('a .ts script with a loader given through --node-arg runs on any Node', () => {
  const result = run([`--node-arg=--require=${fixture('ts-register.cjs')}`, fixture('entry-ts.ts')]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /ts done true/);
  assert.match(result.stdout, /tsWork\s+test\/fixtures\/entry-ts\.ts:1/);
});

test('typeScriptNodeArgs: the flags a TypeScript entry point needs on each kind of Node', () => {
  const node20 = { typescript: undefined, canStrip: false, nodeOptions: '', version: 'v20.20.2' };
  const node22early = { typescript: false, canStrip: true, nodeOptions: '', version: 'v22.12.0' };
  const node24 = { typescript: 'strip', canStrip: true, nodeOptions: '', version: 'v24.21.0' };

  // Not TypeScript: nothing to do, whatever the Node.
  for (const support of [node20, node22early, node24]) {
    assert.deepEqual(typeScriptNodeArgs('app.js', [], support), []);
    assert.deepEqual(typeScriptNodeArgs('app.mjs', [], support), []);
    assert.deepEqual(typeScriptNodeArgs('types.d.tsx', [], support), []);
  }
  // Node strips types by default (22.18+, 23.6+).
  for (const script of ['app.ts', 'src/app.mts', 'app.cts']) assert.deepEqual(typeScriptNodeArgs(script, [], node24), []);
  // Node 22.6 to 22.17: the flag is there but off.
  assert.deepEqual(typeScriptNodeArgs('app.ts', [], node22early), ['--experimental-strip-types']);
  assert.deepEqual(typeScriptNodeArgs('app.ts', ['--no-experimental-strip-types'], node22early), [], 'the user decided');
  // Node 20: a loader, or a clear refusal.
  for (const loader of [['--import=tsx'], ['--import', 'tsx'], ['--require=ts-node/register'], ['-r', 'ts-node/register'], ['--loader=ts-node/esm'], ['--experimental-loader', 'x']]) {
    assert.deepEqual(typeScriptNodeArgs('app.ts', loader, node20), [], loader.join(' '));
  }
  assert.deepEqual(typeScriptNodeArgs('app.ts', [], { ...node20, nodeOptions: '--max-old-space-size=4096 --import=tsx' }), []);
  assert.throws(
    () => typeScriptNodeArgs('src/app.ts', ['--expose-gc'], node20),
    (error) => error instanceof UsageError && /^Node v20\.20\.2 cannot run TypeScript \(app\.ts\) by itself; .*--node-arg=--import=tsx/.test(error.message),
  );
});
