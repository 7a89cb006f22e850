// What the symbolizer keeps across a long (continuous) recording stays bounded
// by the distinct code it saw, not by how often V8 compiled it (docs/benchmarks.md, section 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Symbolizer } from '../internals.cjs';
import { SessionBuilder } from '../internals.cjs';
import { CodeType } from '../internals.cjs';

const resolver = { objectOf: () => '', symbolOf: () => '' };
const added = (seq, start, name, codeType = CodeType.jit) => ({ kind: 'added', seq, codeType, start, size: 0x100, nameBytes: new TextEncoder().encode(name) });

test('names of tiered code are kept once per name however often V8 recompiles them, the latest last', () => {
  const symbolizer = new Symbolizer(new SessionBuilder(), resolver, 0, 0);
  let seq = 0;
  for (let round = 0; round < 500; round++) {
    symbolizer.process([], [
      added(seq++, 0x10000 + round * 0x1000, 'JS:*hot /app/a.js:3:10'),
      added(seq++, 0x10800 + round * 0x1000, 'JS:+warm /app/a.js:9:1'),
      added(seq++, 0x10c00 + round * 0x1000, 'JS:~cold /app/a.js:20:1', CodeType.bytecode),
    ]);
  }
  symbolizer.process([], [added(seq++, 0x900000, 'JS:*hot /app/a.js:3:10')]);
  assert.deepEqual([...symbolizer.tieredNames], ['JS:+warm /app/a.js:9:1', 'JS:*hot /app/a.js:3:10']);
  assert.equal(symbolizer.codeMap.size, 1501);
});
