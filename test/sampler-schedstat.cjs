// The sampling thread's scheduler statistics, for tests that judge pacing
// (test/tolerance.mjs's pacingFloor). CommonJS, so that a fixture reads them
// synchronously while it samples, without changing its stacks.
'use strict';
const { readdirSync, readFileSync } = require('node:fs');

/**
 * /proc/self/task/<tid>/schedstat of the thread named `threadName`: seconds on
 * a CPU, seconds waiting for one, timeslices; read inside the profiled process
 * while it samples (the thread ends at stop); null where the kernel keeps none.
 */
function samplerSchedstat(threadName = 'nodeinstrument') {
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== threadName) continue;
      const [onCpuNs, waitNs, slices] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
      return { onCpu: onCpuNs / 1e9, wait: waitNs / 1e9, slices };
    }
  } catch {}
  return null;
}

module.exports = { samplerSchedstat };
