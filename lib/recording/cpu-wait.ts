/**
 * How long the calling thread has been ready to run but waiting for a CPU
 * (Linux: the second field of /proc/thread-self/schedstat, in ns). A signal
 * can only sample a thread that runs, so a thread that waits for a CPU
 * misses samples: on a 2-core machine V8's own helper threads (its
 * compilers, its collector) kept TypeScript's checker waiting for a quarter
 * of its run, and the samples missing from the requested rate were that
 * wait (docs/benchmarks.md, section 18). Reports say it beside the rate.
 * Undefined where the kernel does not tell.
 */
import { readFileSync } from 'node:fs';

export function cpuWaitNs(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const waited = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]);
    return Number.isFinite(waited) ? waited : undefined;
  } catch {
    return undefined; // no /proc, or a kernel without schedstats
  }
}
