/**
 * Finishing a recording when the process is asked to end (SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT) and the program does not handle the signal itself, even
 * while it spins in a synchronous loop, where JS signal listeners never run
 * (native/termination.h). The process then ends as the signal would.
 */
import { constants } from 'node:os';
import { loadNative } from '../native/addon';
import { inProfilerWork } from './profiler-work';
import { printMessage } from '../util/message';

export const TERMINATING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

const NAMES = new Map<number, NodeJS.Signals>(TERMINATING_SIGNALS.map((name) => [constants.signals[name], name]));

/**
 * Calls `finish(signal)` once, on the JS thread, when a terminating signal
 * arrives that no JS listener of the program takes; then the process ends as
 * that signal would. With `finishAsync`, a signal served while the event loop
 * turns (not inside a synchronous loop) runs it instead, and the process ends
 * when it settles: there is time for I/O then. A program that listens for a
 * signal (now, or from later on: Node's listener replaces ours) decides what
 * it does. Returns a function that stops watching. Main thread only; one
 * watch per process.
 */
export function onTermination(finish: (signal: NodeJS.Signals) => void, finishAsync?: (signal: NodeJS.Signals) => Promise<unknown>): () => void {
  const native = loadNative();
  const signals = TERMINATING_SIGNALS.filter((name) => process.listenerCount(name) === 0).map((name) => constants.signals[name]);
  let watching = true;
  const unwatch = (): void => {
    if (!watching) return;
    watching = false;
    native.unwatchTermination();
  };
  let finished = false;
  const served = (number: number, fromLoop: boolean): 0 | 1 | 2 => {
    if (inProfilerWork()) return NOT_NOW; // asked again in 2 ms, once the drain is over
    if (finished) return DONE;
    finished = true;
    const signal = NAMES.get(number) ?? 'SIGTERM';
    if (fromLoop && finishAsync) {
      void finishAsync(signal)
        .catch(() => undefined)
        .finally(() => {
          unwatch();
          process.kill(process.pid, signal);
        });
      return ENDS_ITSELF;
    }
    finish(signal);
    return DONE;
  };
  try {
    native.watchTermination(signals, served);
  } catch (error) {
    // Never a reason to fail the program: the signals keep Node's behaviour.
    watching = false;
    printMessage(`cannot watch for Ctrl-C and kill (${(error as Error).message}): a signal ends the program without its report`);
  }
  return unwatch;
}

/** finish's answers to the addon (native/termination.h). */
const NOT_NOW = 0;
const DONE = 1;
const ENDS_ITSELF = 2;
