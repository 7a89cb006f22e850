// Continuous mode's problem log: each kind printed at most once a minute and
// always counted, so that a second outage later in the process's life is seen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProblemLog, PROBLEM_QUIET_MS } from '../internals.cjs';

test('a kind is printed at most once a minute, with what was counted meanwhile; every problem is counted', () => {
  const printed = [];
  let now = 0;
  const problems = new ProblemLog((line) => printed.push(line), () => now);
  problems.report('push', 'could not push a window: ECONNREFUSED');
  for (let i = 0; i < 5; i++) {
    now += 10_000;
    problems.report('push', 'could not push a window: ECONNREFUSED');
  }
  problems.report('write', 'could not write a window: ENOSPC');
  assert.equal(printed.length, 2);
  assert.match(printed[0], /^nodeinstrument: could not push a window: ECONNREFUSED \(push problems: 1 so far; the next within a minute are counted, not printed\)$/);
  assert.match(printed[1], /could not write a window: ENOSPC \(write problems: 1 so far;/);
  // The outage ends; an hour later a second one is printed, with the count of the first.
  now += 3_600_000;
  problems.report('push', 'could not push a window: 503 Service Unavailable');
  assert.equal(printed.length, 3);
  assert.match(printed[2], /503 Service Unavailable \(push problems: 7 so far; 5 more since the last one printed;/);
  // Exactly a minute after a print, the next one prints.
  now += PROBLEM_QUIET_MS;
  problems.report('push', 'again');
  assert.equal(printed.length, 4);
  assert.deepEqual(problems.snapshot(), { push: 8, write: 1 });
  assert.equal(problems.total, 9);
});

test('a log that throws does not break reporting', () => {
  const problems = new ProblemLog(() => {
    throw new Error('closed');
  });
  problems.report('write', 'x');
  assert.equal(problems.total, 1);
});
