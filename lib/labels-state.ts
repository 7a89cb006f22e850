/**
 * The label state of this thread, shared by every copy of nodeinstrument
 * loaded in it: an app may call withLabels from its own copy while the
 * profiler runs from another (`npx nodeinstrument app.js`), and both must
 * agree on the label-set ids and the slot the sampler reads.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Labels } from './labels-registry';

export interface LabelState {
  /** id - 1 -> the frozen label set (keys sorted); id 0 means "no labels". */
  readonly sets: Labels[];
  /** JSON of the sorted entries -> id. */
  readonly idsByKey: Map<string, number>;
  /** The current label-set id of each async context. */
  readonly storage: AsyncLocalStorage<number>;
  /** The label slot: the signal handler copies slot[0] into each sample (native/sampler.cc). */
  readonly slot: Int32Array;
  /** Whether the async hook that keeps the slot current is installed (lib/labels.ts). */
  hookInstalled: boolean;
}

// Versioned: a later layout gets a new key instead of misreading this one.
const KEY = Symbol.for('nodeinstrument.labels.v1');

export function labelState(): LabelState {
  const holder = globalThis as { [KEY]?: LabelState };
  let state = holder[KEY];
  if (!state) {
    state = {
      sets: [],
      idsByKey: new Map(),
      storage: new AsyncLocalStorage<number>(),
      // Its own ArrayBuffer: off the V8 heap, so its address never moves.
      slot: new Int32Array(new ArrayBuffer(4)),
      hookInstalled: false,
    };
    // Not enumerable, not writable: kept for the thread's lifetime (the sampler reads the slot).
    Object.defineProperty(holder, KEY, { value: state });
  }
  return state;
}
