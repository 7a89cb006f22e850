// More untrusted input (issue 6): V8 .cpuprofile files (`nodeinstrument diff`
// reads them) and command lines, from seeded generators so failures
// reproduce. Each case is accepted or refused with the module's own error;
// nothing else escapes and nothing is polluted.
import assert from 'node:assert/strict';
import { firstPassTest as test } from '../helpers.mjs';
import { createRequire } from 'node:module';
import { hostileJsonValues, mutate } from '../fuzz-helpers.mjs';
import { makeSession, seededRandom } from '../sessions.mjs';

const require = createRequire(import.meta.url);
const { loadCpuProfile } = require('../internals.cjs');
const { buildCpuProfile } = require('../internals.cjs');
const { SessionFormatError } = require('../internals.cjs');
const { parseArgs, UsageError } = require('../internals.cjs');

const js = (name, line) => ({ name, file: '/app/a.js', line, column: 1, kind: 'js' });
const valid = JSON.parse(JSON.stringify(buildCpuProfile(makeSession([
  [[js('main', 1), js('parse', 5)], 0.002],
  [[js('main', 1), js('render', 9)], 0.001],
  [[js('main', 1)], 0.001],
]))));

/** A .cpuprofile is parsed JSON: only the hostile values JSON can hold; small numbers, some negative. */
const MUTATIONS = {
  hostile: hostileJsonValues(),
  pushed: (next) => Math.floor(next() * 10) - 3,
  set: (next) => Math.floor(next() * 10) - 3,
};

function assertUnpolluted() {
  assert.equal({}.polluted, undefined, 'Object.prototype was polluted');
  assert.equal([].polluted, undefined, 'Array.prototype was polluted');
}

test('3,000 mutated and truncated .cpuprofile files load or fail with SessionFormatError only', () => {
  assert.equal(loadCpuProfile(valid, { name: 'valid' }).samples.stack.length, 3);
  const next = seededRandom(6);
  const text = JSON.stringify(valid);
  let loaded = 0;
  let refused = 0;
  for (let i = 0; i < 3000; i++) {
    let data;
    if (i % 10 === 9) {
      // Truncated: what parses at all goes to the loader.
      try {
        data = JSON.parse(text.slice(0, Math.floor(next() * text.length)));
      } catch {
        continue;
      }
    } else {
      data = mutate(valid, next, MUTATIONS);
    }
    try {
      loadCpuProfile(data, { name: `case ${i}` });
      loaded++;
    } catch (error) {
      assert.ok(error instanceof SessionFormatError, `case ${i}: ${error.name}: ${error.message}`);
      refused++;
    }
    assertUnpolluted();
  }
  assert.ok(refused > 1000 && loaded > 0, `${loaded} loaded, ${refused} refused`);
});

test('a .cpuprofile nested 100,000 levels deep is refused or loaded without a stack overflow', () => {
  const nodes = [{ id: 1, callFrame: { functionName: '(root)', url: '' }, children: [2] }];
  for (let id = 2; id <= 100_000; id++) nodes.push({ id, callFrame: { functionName: `f${id}`, url: 'file:///a.js', lineNumber: 0, columnNumber: 0 }, children: id < 100_000 ? [id + 1] : [] });
  const session = loadCpuProfile({ nodes, samples: [100_000], timeDeltas: [10], startTime: 0, endTime: 10 }, { name: 'deep' });
  assert.equal(session.samples.stack.length, 1);
});

const TOKENS = [
  '-i', '-i', '1ms', '100us', '0', '-1', 'abc', '1e400', '-o', 'out.html', 'out.pb.gz', '-r', 'html', 'nope', '--mode', 'cpu', 'alloc',
  'gpu', '--alloc-interval', '64k', '9999999999g', '--live', '--flat', '--timeline', '--lines', '--percent', '--load', 'x.json',
  '--hide', '(', '--show', '.*', '--filter-label', 'route=/a', '=', '--continuous', '/tmp/x', '--window', '5s', '-5s', '--retain',
  '10', '500MB', '--pyroscope', 'http://127.0.0.1:4040', 'ftp://x', '--service-name', '--label', 'k=v', 'k', '--node-arg', '--max-old-space-size=64',
  '--duration', '10s', 'attach', '123', '0x1', '--', 'app.js', '--help', '--version', '-', '--=', '--interval=1ms', '--mode=', '__proto__',
  'constructor', '\u0000', 'é', '--max-stack-depth', '1', '4097', '64', '--unicode', '--no-color', '--open',
];

test('3,000 random command lines parse or fail with UsageError only', () => {
  const next = seededRandom(2026);
  let parsed = 0;
  let refused = 0;
  for (let i = 0; i < 3000; i++) {
    const argv = Array.from({ length: Math.floor(next() * 8) }, () => TOKENS[Math.floor(next() * TOKENS.length)]);
    try {
      parseArgs(argv);
      parsed++;
    } catch (error) {
      assert.ok(error instanceof UsageError, `${JSON.stringify(argv)}: ${error.name}: ${error.message}`);
      assert.ok(error.message.length < 500, `a one-line reason for ${JSON.stringify(argv)}`);
      refused++;
    }
    assertUnpolluted();
  }
  assert.ok(parsed > 100 && refused > 100, `${parsed} parsed, ${refused} refused`);
});
