/**
 * Label sets: validation and interning. Each distinct set of labels gets a
 * small integer id once; the signal handler records only that id (see
 * lib/labels/labels.ts) and the session builder turns it back into the set.
 * The table lives in the thread's shared label state (lib/labels/state.ts).
 */
import { Labels, labelState } from './state';

/** Limits that keep label sets small and their number bounded (ids are never freed). */
export const LABEL_LIMITS = {
  /** Labels in one set. */
  maxLabels: 16,
  maxKeyLength: 64,
  maxValueLength: 256,
  /** Distinct label sets per process. */
  maxSets: 10_000,
} as const;

export class LabelError extends Error {
  override name = 'LabelError';
}

/** Control characters (C0, DEL, C1): keys are shown in reports and written on command lines. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * Checks user-given labels and returns their entries sorted by key, or throws
 * a LabelError that says what is wrong.
 */
export function validateLabels(labels: unknown): Array<[string, string]> {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new LabelError(`labels must be an object of string keys to string values, got ${describe(labels)}`);
  }
  const entries = Object.entries(labels);
  if (entries.length > LABEL_LIMITS.maxLabels) {
    throw new LabelError(`a label set holds at most ${LABEL_LIMITS.maxLabels} labels, got ${entries.length}`);
  }
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > LABEL_LIMITS.maxKeyLength) {
      throw new LabelError(`label keys must be 1 to ${LABEL_LIMITS.maxKeyLength} characters, got ${JSON.stringify(key.slice(0, 80))}`);
    }
    if (CONTROL.test(key) || key.includes('=')) {
      throw new LabelError(`label key ${JSON.stringify(key)} must not contain '=' or control characters`);
    }
    if (typeof value !== 'string') {
      throw new LabelError(`label '${key}' must be a string, got ${describe(value)} (convert it with String())`);
    }
    if (value.length > LABEL_LIMITS.maxValueLength) {
      throw new LabelError(`label '${key}' is ${value.length} characters long; the limit is ${LABEL_LIMITS.maxValueLength}`);
    }
  }
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The id of a validated, sorted label set (0 for the empty set), interning it on first sight. */
export function internLabelEntries(sorted: ReadonlyArray<readonly [string, string]>): number {
  if (sorted.length === 0) return 0;
  const { sets, idsByKey } = labelState();
  const key = JSON.stringify(sorted);
  let id = idsByKey.get(key);
  if (id === undefined) {
    if (sets.length >= LABEL_LIMITS.maxSets) return overflowId(sets, idsByKey);
    // fromEntries defines own properties, so a '__proto__' key stays a plain label.
    sets.push(Object.freeze(Object.fromEntries(sorted)));
    id = sets.length;
    idsByKey.set(key, id);
  }
  return id;
}

/** What samples get once the set table is full: one set, reported once, rather than an exception in the program's request path. */
export const OVERFLOW_LABELS: Labels = Object.freeze({ '(overflow)': `more than ${LABEL_LIMITS.maxSets} distinct label sets` });

function overflowId(sets: Labels[], idsByKey: Map<string, number>): number {
  const key = JSON.stringify(Object.entries(OVERFLOW_LABELS));
  let id = idsByKey.get(key);
  if (id === undefined) {
    sets.push(OVERFLOW_LABELS); // one past the limit, once
    id = sets.length;
    idsByKey.set(key, id);
    process.emitWarning(
      `more than ${LABEL_LIMITS.maxSets} distinct label sets in this process: new ones are recorded as (overflow). ` +
        'Labels are for a bounded set of values (routes, job kinds), not for per-request ids',
      { type: 'NodeinstrumentWarning', code: 'NODEINSTRUMENT_LABEL_SETS' },
    );
  }
  return id;
}

/** The id of `labels` (validated) merged over the set `baseId`: keys in `labels` win. */
export function internLabels(labels: unknown, baseId = 0): number {
  const given = validateLabels(labels);
  if (baseId === 0) return internLabelEntries(given);
  const merged = new Map(Object.entries(labelSetById(baseId)));
  for (const [key, value] of given) merged.set(key, value);
  if (merged.size > LABEL_LIMITS.maxLabels) {
    throw new LabelError(`a label set holds at most ${LABEL_LIMITS.maxLabels} labels; with the enclosing labels it would hold ${merged.size}`);
  }
  return internLabelEntries([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The set an id stands for; the empty set for 0 or an unknown id. */
export function labelSetById(id: number): Labels {
  return labelState().sets[id - 1] ?? EMPTY;
}

const EMPTY: Labels = Object.freeze({});
