/**
 * On a worker thread, makes the thread known to the native sampler, so that
 * a profile the main thread runs samples it too (ProfilerOptions.workers,
 * native/workers.h). Runs when nodeinstrument loads in a worker: through the
 * preload, which workers inherit with the parent's --require, or an import.
 */
import { relative, basename, isAbsolute } from 'node:path';
import * as workerThreads from 'node:worker_threads';
import { isMainThread, threadId } from 'node:worker_threads';
import { loadNative, NativeSampler } from '../native/addon';
import { guardV8Flags } from '../native/v8-flags';

let registered = false;

export function registerWorkerThread(): void {
  if (isMainThread || registered) return;
  registered = true;
  let native: NativeSampler;
  try {
    native = loadNative();
    native.registerWorker(threadId);
    // The flags are the process's: a worker turning the flag on must halt the main thread's sampler too.
    guardV8Flags(native);
  } catch {
    // No native sampler fits here: this worker is simply not sampled. The
    // main thread's profiler reports the same load error if it has one.
    return;
  }
  // The worker's script is in process.argv[1] once it runs (not yet while
  // --require preloads run): name the thread after it then.
  const name = (): void => native.nameWorker(workerName(threadId, given(), scriptName(process.argv[1])));
  if (process.argv[1] !== undefined) name();
  else process.nextTick(name);
}

/**
 * The name the Worker was given (its `name` option), which recent Node 22 and
 * 24 releases tell the worker as threadName; undefined where none was given
 * or Node does not say (Node 20).
 */
function given(): string | undefined {
  const name = (workerThreads as { threadName?: unknown }).threadName;
  return typeof name === 'string' && name !== '' && name !== 'WorkerThread' ? name : undefined;
}

/**
 * A worker thread's name in reports: the name it was given with its thread id
 * (a pool's workers may share one; a worker named `main` is not the main
 * thread), else its thread id and script.
 */
export function workerName(id: number, givenName: string | undefined, script: string): string {
  if (givenName !== undefined) return `${givenName} (worker ${id})`;
  return script ? `worker ${id} ${script}` : `worker ${id}`;
}

/** A worker's script as reports show it: relative to the working directory when inside it. */
export function scriptName(script: string | undefined): string {
  if (script === undefined || script === '' || script.startsWith('[')) return ''; // '[worker eval]'
  if (!isAbsolute(script)) return script;
  const inside = relative(process.cwd(), script);
  return inside.startsWith('..') || isAbsolute(inside) ? basename(script) : inside;
}
