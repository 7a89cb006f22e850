/**
 * Keeps the samples of a session whose labels match a filter, so that any
 * report can show one route, job or tenant. Pure.
 *
 * A filter maps label keys to the accepted value (or values): a sample
 * matches when, for every key, its label has one of the accepted values.
 * `{ route: ['/a', '/b'], method: 'GET' }` keeps GET samples of both routes.
 */
import { Session } from '../session/session';

export type LabelFilter = Readonly<Record<string, string | readonly string[]>>;

export class LabelFilterError extends Error {
  override name = 'LabelFilterError';
}

/** Parses `key=value` (as in `--filter-label route=/users`); the value may contain '='. */
export function parseLabelFilterArg(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new LabelFilterError(`invalid label filter '${text}' (expected key=value, e.g. route=/users)`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/** Collects `key=value` pairs into a filter: repeated keys accept any of their values. */
export function labelFilterOf(pairs: ReadonlyArray<readonly [string, string]>): LabelFilter {
  const filter = new Map<string, string[]>();
  for (const [key, value] of pairs) {
    const values = filter.get(key) ?? [];
    values.push(value);
    filter.set(key, values);
  }
  return Object.fromEntries(filter);
}

function describeFilter(filter: LabelFilter): string {
  return Object.entries(filter)
    .map(([key, values]) => (typeof values === 'string' ? [values] : values).map((value) => `${key}=${value}`).join(' or '))
    .join(' and ');
}

/** The label values the session holds, as `key=value` lines for error messages. */
function knownLabels(session: Session): string {
  const pairs = new Set<string>();
  for (const set of session.labels?.sets ?? []) {
    for (const [key, value] of Object.entries(set)) pairs.add(`${key}=${value}`);
  }
  const list = [...pairs].sort();
  return list.length > 20 ? `${list.slice(0, 20).join(', ')}, ... (${list.length} in all)` : list.join(', ');
}

/**
 * A session with only the samples that match `filter` (frames and stacks are
 * shared). Throws LabelFilterError when the session has no labels or no
 * sample matches, naming the labels it does have.
 */
export function filterSessionByLabels(session: Session, filter: LabelFilter): Session {
  const wanted = Object.entries(filter).map(([key, values]) => [key, new Set(typeof values === 'string' ? [values] : values)] as const);
  if (wanted.length === 0) return session;
  const labels = session.labels;
  if (!labels || labels.sets.length === 0) {
    throw new LabelFilterError(`cannot filter by ${describeFilter(filter)}: no sample in this profile carries labels (see withLabels in docs/labels.md)`);
  }
  const own = Object.prototype.hasOwnProperty;
  const setMatches = labels.sets.map((set) => wanted.every(([key, values]) => own.call(set, key) && values.has(set[key]!)));
  const { stack, time, duration, cpu } = session.samples;
  const kept = { stack: [] as number[], time: [] as number[], duration: [] as number[], cpu: [] as number[] };
  // Only the sets that kept samples use stay, renumbered.
  const keptSets: Array<Record<string, string>> = [];
  const newIndex = new Map<number, number>();
  const keptLabels: number[] = [];
  const keptLines: number[] = [];
  const keptThreads: number[] = [];
  for (let i = 0; i < stack.length; i++) {
    const index = labels.sample[i]!;
    if (index === -1 || !setMatches[index]) continue;
    if (session.lines) keptLines.push(session.lines.sample[i]!);
    if (session.threads) keptThreads.push(session.threads.sample[i]!);
    kept.stack.push(stack[i]!);
    kept.time.push(time[i]!);
    kept.duration.push(duration[i]!);
    kept.cpu.push(cpu[i]!);
    let renumbered = newIndex.get(index);
    if (renumbered === undefined) {
      renumbered = keptSets.length;
      keptSets.push(labels.sets[index]!);
      newIndex.set(index, renumbered);
    }
    keptLabels.push(renumbered);
  }
  if (kept.stack.length === 0) {
    throw new LabelFilterError(`no sample matches ${describeFilter(filter)}; the labels in this profile: ${knownLabels(session)}`);
  }
  const note = `filtered by label ${describeFilter(filter)}: ${kept.stack.length} of ${stack.length} samples`;
  const meta = { ...session.meta, sampleCount: kept.stack.length, notes: [...session.meta.notes, note] };
  const lines = session.lines ? { parent: session.lines.parent, line: session.lines.line, sample: keptLines } : undefined;
  const threads = session.threads ? { list: session.threads.list, sample: keptThreads } : undefined;
  return session.with({ meta, samples: kept, labels: { sets: keptSets, sample: keptLabels }, lines, threads });
}
