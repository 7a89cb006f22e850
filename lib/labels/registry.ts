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

/**
 * The label the request middleware tags a profiled request's work with
 * (lib/production/middleware/request-work.ts). setLabels keeps it, and the
 * request's report removes it.
 */
export const REQUEST_LABEL = 'nodeinstrument.request';

/** The id of the part of set `id` that setLabels keeps: the request tag. */
export function keptLabelsOf(id: number): number {
  if (id === 0) return 0;
  const tag = labelSetById(id)[REQUEST_LABEL];
  return tag === undefined ? 0 : internLabelEntries([[REQUEST_LABEL, tag]]);
}

/** Kept for programs that catch it: labels no longer throw (bad ones are fixed or dropped, with a warning). */
export class LabelError extends Error {
  override name = 'LabelError';
}

/** Control characters (C0, DEL, C1): keys are shown in reports and written on command lines. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/** Problems already reported, by key and kind: one warning each for the life of the process. */
const warned = new Set<string>();

function warnOnce(what: string, message: string): void {
  if (warned.has(what)) return;
  warned.add(what);
  process.emitWarning(`nodeinstrument labels: ${message}`, { type: 'NodeinstrumentWarning', code: 'NODEINSTRUMENT_LABEL' });
}

/**
 * User-given labels as entries sorted by key. Labels are set in request
 * paths (`setLabels({ tenant: req.query.t })`), so they never throw: numbers,
 * booleans and bigints become strings; a label whose value is missing or not
 * a string, or whose key is unusable, is left out; a value too long is cut;
 * past the limit of labels per set, the last keys go. Each kind of problem
 * with each key is reported once, as a process warning.
 */
export function validateLabels(labels: unknown): Array<[string, string]> {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object' || Array.isArray(labels)) {
    warnOnce(`(labels):${describe(labels)}`, `labels must be an object of string keys to string values, got ${describe(labels)}; ignored`);
    return [];
  }
  const entries: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(labels)) {
    if (key.length === 0 || key.length > LABEL_LIMITS.maxKeyLength) {
      warnOnce(`key-length:${key.slice(0, 80)}`, `label keys must be 1 to ${LABEL_LIMITS.maxKeyLength} characters, got ${JSON.stringify(key.slice(0, 80))}; that label is left out`);
      continue;
    }
    if (CONTROL.test(key) || key.includes('=')) {
      warnOnce(`key-chars:${key}`, `label key ${JSON.stringify(key)} must not contain '=' or control characters; that label is left out`);
      continue;
    }
    let text: string;
    if (typeof value === 'string') text = value;
    else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
    else {
      warnOnce(`value:${key}:${describe(value)}`, `label '${key}' must be a string, got ${describe(value)}; that label is left out`);
      continue;
    }
    if (text.length > LABEL_LIMITS.maxValueLength) {
      warnOnce(`value-length:${key}`, `label '${key}' is ${text.length} characters long; the limit is ${LABEL_LIMITS.maxValueLength}, so it is cut there`);
      text = text.slice(0, LABEL_LIMITS.maxValueLength);
    }
    entries.push([key, text]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return limitLabels(entries, entries.length);
}

/** The first maxLabels entries (by key), with a warning when some go. */
function limitLabels(sorted: Array<[string, string]>, given: number, enclosing = ''): Array<[string, string]> {
  if (sorted.length <= LABEL_LIMITS.maxLabels) return sorted;
  warnOnce(`count:${given}${enclosing}`, `a label set holds at most ${LABEL_LIMITS.maxLabels} labels, got ${given}${enclosing}; the last keys (by name) are left out`);
  return sorted.slice(0, LABEL_LIMITS.maxLabels);
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
  const sorted = [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return internLabelEntries(limitLabels(sorted, merged.size, ' with the enclosing labels'));
}

/** The set an id stands for; the empty set for 0 or an unknown id. */
export function labelSetById(id: number): Labels {
  return labelState().sets[id - 1] ?? EMPTY;
}

const EMPTY: Labels = Object.freeze({});
