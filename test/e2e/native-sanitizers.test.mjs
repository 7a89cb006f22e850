// The sampler's lock-free parts under ThreadSanitizer and under
// AddressSanitizer + UBSan: test/native/lockfree_test.cc, built with the real
// native/sampler.cc and native/code_event_log.cc (V8's stack walk and libuv
// stubbed). It checks the ring buffer's edge cases and a producer/consumer
// run, the sampler's records and sequence ordering with signals at 20 kHz (and with
// interrupts first, the hybrid sampler: test/native/lockfree_test.cc, TestHybrid)
// and code events from another thread, the one-signal-in-flight rule, and
// 200 start/stop cycles. TSan fails it on a data race and on any
// signal-unsafe call (malloc, locks) inside the signal handler.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPEAT_PASS, root } from '../helpers.mjs';

const cxx = process.env.CXX || 'g++';
const hasCompiler = spawnSync(cxx, ['--version']).status === 0;
const TESTS = ['ring', 'ring-spsc', 'sampler', 'hybrid', 'drain-order', 'in-flight', 'restart', 'listing'];

for (const sanitizer of ['thread', 'address']) {
  const label = sanitizer === 'thread' ? 'ThreadSanitizer' : 'AddressSanitizer + UBSan';
  test(`native lock-free tests under ${label}`, { skip: hasCompiler ? REPEAT_PASS : `no C++ compiler (${cxx})`, timeout: 300_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), `ni-${sanitizer}-`));
    try {
      const binary = join(dir, 'lockfree_test');
      const build = spawnSync(join(root, 'test', 'native', 'build.sh'), [sanitizer, binary], { encoding: 'utf8' });
      assert.equal(build.status, 0, `build failed:\n${build.stderr}`);
      const env = { ...process.env, TSAN_OPTIONS: 'halt_on_error=1', ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'print_stacktrace=1' };
      // The ASan library must be the first one loaded; a preload from an outer
      // sanitizer run (scripts/test-asan.sh) would clash with TSan's.
      delete env.LD_PRELOAD;
      const run = spawnSync(binary, [], { encoding: 'utf8', env, timeout: 240_000 });
      const output = `${run.stdout}\n${run.stderr}`;
      assert.equal(run.status, 0, `exit ${run.status ?? run.signal}:\n${output.slice(-6000)}`);
      for (const name of TESTS) assert.match(run.stdout, new RegExp(`^ok ${name}\\b`, 'm'), output);
      assert.doesNotMatch(output, /WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
