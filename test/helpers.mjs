import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const fixture = (name) => join(root, 'test', 'fixtures', name);
export const cli = join(root, 'bin', 'nodeinstrument.js');

/**
 * Set by .ci/run for the suite's second and third Node versions: tests whose
 * subject does not change with Node (the C++ lock-free tests, Chromium reading
 * the HTML report) ran in the first pass of the same CI run and are skipped
 * with this reason; the stress matrix runs a reduced set of V8 flags, the
 * tests that repeat a run to catch a rare crash or hang repeat it fewer times,
 * and the corpus test runs one program.
 */
export const REPEAT_PASS = process.env.NODEINSTRUMENT_CI_REPEAT === '1' ? "Node-independent: ran in this CI run's first pass" : false;

/**
 * `test` for files whose subject does not change with Node (the diff's
 * statistics, run sets, the docs' outputs, input fuzzing): skipped, with the
 * reason, in CI's later passes.
 */
export const firstPassTest = REPEAT_PASS ? (name) => test(name, { skip: REPEAT_PASS }, () => {}) : test;

/** Runs node with args; returns { status, signal, stdout, stderr }. */
export function runNode(args, options = {}) {
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000, ...options });
  if (result.error) throw result.error;
  return result;
}

export function runJson(args, options) {
  const result = runNode(args, options);
  if (result.status !== 0) {
    throw new Error(`node ${args.join(' ')} exited with ${result.status ?? result.signal}:\n${result.stderr}`);
  }
  return JSON.parse(result.stdout);
}
