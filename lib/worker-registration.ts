/**
 * On a worker thread, makes the thread known to the native sampler, so that
 * a profile the main thread runs samples it too (ProfilerOptions.workers,
 * native/workers.h). Runs when nodeinstrument loads in a worker: through the
 * preload, which workers inherit with the parent's --require, or an import.
 */
import { isMainThread, threadId } from 'node:worker_threads';
import { loadNative } from './native';

let registered = false;

export function registerWorkerThread(): void {
  if (isMainThread || registered) return;
  registered = true;
  try {
    loadNative().registerWorker(threadId);
  } catch {
    // No native sampler fits here: this worker is simply not sampled. The
    // main thread's profiler reports the same load error if it has one.
  }
}
