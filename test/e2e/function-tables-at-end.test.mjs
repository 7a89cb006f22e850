// V8's function tables cost about 75 ms a take on TypeScript's script. At a
// synchronous program's end the drain that follows its long stretch takes them
// (lib/recording/thread-recording.ts); the stop that follows must not take them
// again. A program that runs on for drain intervals after that take gets a
// second one at its stop (what it ran since may be listed only then).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fixture } from '../helpers.mjs';

const run = (afterMs) => JSON.parse(execFileSync(process.execPath, [fixture('tables-at-end.js')], { env: { ...process.env, AFTER_MS: String(afterMs) }, encoding: 'utf8' }));

test("a synchronous program's end takes V8's function tables once", () => {
  const result = run(0);
  assert.ok(result.parsed && result.samples > 0, JSON.stringify(result));
  assert.equal(result.takes, 1, JSON.stringify(result));
  assert.ok(result.inlined > 0, `inlined frames are still recovered: ${JSON.stringify(result)}`);
});

test('a program that runs on for drain intervals after the take is taken again at its stop', () => {
  const result = run(1000);
  assert.equal(result.takes, 2, JSON.stringify(result));
});
