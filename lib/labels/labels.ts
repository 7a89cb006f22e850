/**
 * Labels on samples: `withLabels({ route: '/users' }, fn)` and `setLabels()`.
 *
 * The current label set lives in an AsyncLocalStorage, so it follows the code
 * across `await`, timers and I/O callbacks. The signal handler cannot read
 * JavaScript state, so its id is mirrored into a native int32 (the label
 * slot, lib/labels/state.ts) that the signal handler copies into each sample:
 * - withLabels and setLabels write it when they change the labels;
 * - an async hook writes it whenever the thread enters an async context
 *   (before: the context's id, after: what it was), which is what carries
 *   labels across `await`. docs/benchmarks.md compares this hook with the
 *   alternatives (v8.promiseHooks, AsyncContextFrame) and measures its cost.
 * Nothing is installed until labels are first used, and the hook is enabled
 * only while a recording runs (lib/labels/state.ts).
 */
import { internLabels, keptLabelsOf, labelSetById, REQUEST_LABEL } from './registry';
import type { Labels, LabelsInput } from './state';
import { LabelState, labelState, useLabels } from './state';

export { LabelError, LABEL_LIMITS } from './registry';
export type { Labels, LabelsInput } from './state';

/** The thread's label state, its hook created (enabled while recording: lib/labels/state.ts). */
function activate(): LabelState {
  const state = labelState();
  if (!state.hook) useLabels(state);
  return state;
}

/**
 * Runs `fn` with `labels` added to the current ones (keys given here win) and
 * returns what it returns. Samples taken while `fn` runs carry the labels,
 * including in the code that runs after its `await`s and in the callbacks and
 * promises it starts. Never throws for the labels: bad ones are fixed or left
 * out, with one warning per key (lib/labels/registry.ts).
 */
export function withLabels<T>(labels: LabelsInput, fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError('withLabels(labels, fn): fn must be a function');
  const { storage, slot } = activate();
  const id = internLabels(labels, storage.getStore() ?? 0);
  const previous = slot[0]!;
  slot[0] = id;
  try {
    return storage.run(id, fn);
  } finally {
    slot[0] = previous;
  }
}

/**
 * Replaces the labels of the current async context (and of what it starts
 * from now on) with `labels`; `setLabels({})` or `setLabels(undefined)` clears them.
 * For code that cannot wrap its work in a callback, such as middleware.
 */
export function setLabels(labels: LabelsInput | undefined): void {
  const { storage, slot } = activate();
  // A profiled request's tag stays: the handler's own labels must not hide its work (request-work.ts).
  const kept = keptLabelsOf(storage.getStore() ?? 0);
  const id = labels === undefined ? kept : internLabels(labels, kept);
  storage.enterWith(id);
  slot[0] = id;
}

/** The labels of the current async context ({} when none). */
export function getLabels(): Labels {
  const labels = labelSetById(labelState().storage.getStore() ?? 0);
  if (labels[REQUEST_LABEL] === undefined) return labels;
  const { [REQUEST_LABEL]: _tag, ...own } = labels;
  return Object.freeze(own);
}
