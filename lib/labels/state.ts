/**
 * The label state of this thread, shared by every copy of nodeinstrument
 * loaded in it: an app may call withLabels from its own copy while the
 * profiler runs from another (`npx nodeinstrument app.js`), and both must
 * agree on the label-set ids, the slot the sampler reads and the hook.
 *
 * The hook that keeps the slot current across `await` costs time on every
 * async context switch (docs/benchmarks.md, "Labels"), so it is enabled only
 * while labels have been used AND a recording runs; at other times the
 * labels live in the AsyncLocalStorage alone and nobody reads the slot.
 */
import { AsyncHook, AsyncLocalStorage, createHook } from 'node:async_hooks';

/** Labels as given by the user: string keys to string values. */
export type Labels = Readonly<Record<string, string>>;

/**
 * What withLabels and setLabels take: numbers, booleans and bigints become
 * strings, and a label without a value (undefined, null) is left out, so a
 * request's missing query parameter never fails the request.
 */
export type LabelsInput = Readonly<Record<string, string | number | boolean | bigint | null | undefined>>;

export interface LabelState {
  /** id - 1 -> the frozen label set (keys sorted); id 0 means "no labels". */
  readonly sets: Labels[];
  /** JSON of the sorted entries -> id. */
  readonly idsByKey: Map<string, number>;
  /** The current label-set id of each async context. */
  readonly storage: AsyncLocalStorage<number>;
  /** The label slot: the signal handler copies slot[0] into each sample (native/sampler.cc). */
  readonly slot: Int32Array;
  /** Created when labels are first used. */
  hook: { asyncHook: AsyncHook; outer: number[] } | undefined;
  /** Recordings running in this thread (from any copy). */
  recordings: number;
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
      hook: undefined,
      recordings: 0,
    };
    // Not enumerable, not writable: kept for the thread's lifetime (the sampler reads the slot).
    Object.defineProperty(holder, KEY, { value: state });
  }
  return state;
}

/**
 * Creates the hook that keeps the slot equal to the label set of the async
 * context running now (before: that context's id, after: what it was).
 * before/after are balanced (Node emits the missing afters itself when an
 * uncaught exception is handled), so a stack restores the outer value on
 * nested entries such as AsyncResource.runInAsyncScope.
 */
export function useLabels(state: LabelState): void {
  if (state.hook) return;
  const { storage, slot } = state;
  const outer: number[] = [];
  const asyncHook = createHook({
    before() {
      outer.push(slot[0]!);
      slot[0] = storage.getStore() ?? 0;
    },
    after() {
      slot[0] = outer.pop() ?? 0;
    },
  });
  state.hook = { asyncHook, outer };
  syncHook(state);
}

/** A recording starts (+1) or ends (-1) in this thread. */
export function countRecording(delta: 1 | -1): void {
  const state = labelState();
  state.recordings = Math.max(0, state.recordings + delta);
  syncHook(state);
}

function syncHook(state: LabelState): void {
  const hook = state.hook;
  if (!hook) return;
  if (state.recordings > 0) {
    // Start from the context running now; the stack of a previous period is void.
    hook.outer.length = 0;
    state.slot[0] = state.storage.getStore() ?? 0;
    hook.asyncHook.enable();
  } else {
    hook.asyncHook.disable();
  }
}
