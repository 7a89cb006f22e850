// The short stress matrix (scripts/stress-matrix.js; `npm run stress` is the
// long one): sampling at 10 kHz through GC-heavy work, eval/new Function
// churn, recursion to stack overflow, worker churn, process.exit() from hot
// code and forked children, --interpreted-frames-native-stack turned on at run
// time amid new Function churn, and recursion with a few KiB of stack below
// V8's limit (ulimit -s 1024, --stack-size=1009), under each V8 flag that changes code layout or
// tiers. Each case runs in its own process with a timeout: a crash or a hang
// fails it, and so does the known split drifting by more than 3 points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { REPEAT_PASS } from '../helpers.mjs';

const require = createRequire(import.meta.url);
const { cases, runCase, runUnsafeFlagCase, formatRow, FLAGS } = require('../../scripts/stress-matrix.js');

// CI's later Node versions (REPEAT_PASS) run every workload under default flags and those that
// move code or add frames of another tier (compaction moves code objects; OSR code is entered
// mid-loop); the sanitizer run (scripts/test-asan.sh sets NODEINSTRUMENT_STRESS_FLAGS) under
// default flags and compaction. The first pass and `npm test` run six of the eight: the two
// closest to default (Sparkplug code and lazy compilation are the default's too) are left to
// `npm run stress`, which keeps CI within its 40 minutes.
const REDUCED_FLAGS = ['', '--stress-compaction', '--always-osr'];
const FIRST_PASS_FLAGS = FLAGS.filter((flag) => flag !== '--always-sparkplug' && flag !== '--max-lazy');
const listed = process.env.NODEINSTRUMENT_STRESS_FLAGS?.split(',').map((flag) => (flag === 'none' ? '' : flag));
const flags = listed ?? (REPEAT_PASS ? REDUCED_FLAGS : FIRST_PASS_FLAGS);

for (const { workload, flag } of cases({ flags })) {
  test(`stress: ${workload} at 10 kHz under ${flag || 'default flags'}`, async () => {
    const result = await runCase(workload, flag);
    assert.ok(result.ok, formatRow(result));
  });
}

// The hybrid sampler (V8 interrupts; the signal where one is not served in
// time) through the hazards where an interrupt and a signal can meet: code
// moving, OSR entries, recursion near the stack's limit, workers, exits.
const HYBRID_WORKLOADS = ['gc', 'eval', 'recursion', 'workers', 'exit', 'low-stack'];
const HYBRID_FLAGS = listed ?? (REPEAT_PASS ? [''] : ['', '--stress-compaction', '--always-osr']);
for (const { workload, flag } of cases({ workloads: HYBRID_WORKLOADS, flags: HYBRID_FLAGS })) {
  test(`stress, hybrid sampler: ${workload} at 10 kHz under ${flag || 'default flags'}`, async () => {
    // Read by each child's Profiler (lib/options.ts); tests in a file run one at a time.
    process.env.NODEINSTRUMENT_SAMPLER = 'hybrid';
    try {
      const result = await runCase(workload, flag);
      assert.ok(result.ok, formatRow(result));
    } finally {
      delete process.env.NODEINSTRUMENT_SAMPLER;
    }
  });
}

test('stress: --interpreted-frames-native-stack is refused by the CLI and the API, with the reason', async () => {
  const result = await runUnsafeFlagCase();
  assert.ok(result.ok, formatRow(result));
});
