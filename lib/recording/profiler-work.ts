/**
 * Whether the JS thread is inside the profiler's own bookkeeping (a drain, a
 * cut, a stop). A terminating signal is served by running JavaScript from a
 * V8 interrupt (lib/recording/termination.ts), which can land in the middle of any
 * function: finishing the recording must then wait until that work is done,
 * or it would re-enter the symbolizer half-way through a drain.
 */
let depth = 0;

export function inProfilerWork(): boolean {
  return depth > 0;
}

/** Runs `work` marked as the profiler's own. */
export function asProfilerWork<T>(work: () => T): T {
  depth++;
  try {
    return work();
  } finally {
    depth--;
  }
}
