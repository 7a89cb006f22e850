/**
 * Finishing a recording when the process is asked to end (SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT) and the program does not handle the signal itself, even
 * while it spins in a synchronous loop, where JS signal listeners never run
 * (native/termination.h). The process then ends as the signal would.
 */
import { constants } from 'node:os';
import { loadNative } from './native';
import { inProfilerWork } from './profiler-work';

export const TERMINATING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

const NAMES = new Map<number, NodeJS.Signals>(TERMINATING_SIGNALS.map((name) => [constants.signals[name], name]));

/**
 * Calls `finish(signal)` once, on the JS thread, when a terminating signal
 * arrives that no JS listener of the program takes; then the process ends as
 * that signal would. A program that listens for a signal (now, or from later
 * on: Node's listener replaces ours) decides what it does. Returns a function
 * that stops watching. Main thread only; one watch per process.
 */
export function onTermination(finish: (signal: NodeJS.Signals) => void): () => void {
  const native = loadNative();
  const signals = TERMINATING_SIGNALS.filter((name) => process.listenerCount(name) === 0).map((name) => constants.signals[name]);
  let finished = false;
  native.watchTermination(signals, (number) => {
    if (inProfilerWork()) return false; // asked again in 2 ms, once the drain is over
    if (!finished) {
      finished = true;
      finish(NAMES.get(number) ?? 'SIGTERM');
    }
    return true;
  });
  let watching = true;
  return () => {
    if (!watching) return;
    watching = false;
    native.unwatchTermination();
  };
}
