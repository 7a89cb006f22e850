/**
 * The threads of a session (worker_threads profiles): the list, one thread's
 * samples as a session of their own, and the `--thread` selector. Pure (no
 * node: imports), so that renderers, the diff and the HTML page's data can
 * all use it.
 */
import { keepSamples } from '../session/keep-samples';
import type { Session, SessionLabels, ThreadInfo } from '../session/session';

export class ThreadFilterError extends Error {
  override name = 'ThreadFilterError';
}

/** The name a session without a thread table gives its one thread. */
export const MAIN_THREAD_NAME = 'main';

/** The session's threads: its thread table, or the one thread that ran the profiler. */
export function threadsOf(session: Session): ThreadInfo[] {
  if (session.threads) return [...session.threads.list];
  return [{ name: MAIN_THREAD_NAME, threadId: 0, start: 0, end: session.meta.duration, cpuTime: session.meta.cpuTime, exited: false }];
}

/** True when the session's samples come from more than one thread's list (reports show them apart). */
export function hasThreads(session: Session): boolean {
  return session.threads !== undefined && session.threads.list.length > 1;
}

/** Samples per thread, in list order. */
export function threadSampleCounts(session: Session): number[] {
  const counts = new Array<number>(threadsOf(session).length).fill(0);
  if (!session.threads) {
    counts[0] = session.samples.stack.length;
    return counts;
  }
  for (const index of session.threads.sample) counts[index] = (counts[index] ?? 0) + 1;
  return counts;
}

/**
 * The samples of thread `index` (into threadsOf) as a session without a
 * thread table. Frames and stacks are shared, so stack ids mean the same in
 * both; labels and executing lines are kept in step with the samples; memory
 * (process-wide) is kept as it is. meta.sampleCount, cpuTime (the thread's)
 * and achievedInterval (over the thread's sampled span) are the thread's, and
 * a note names it.
 */
export function sessionOfThread(session: Session, index: number): Session {
  const threads = threadsOf(session);
  const thread = threads[index];
  if (thread === undefined) throw new ThreadFilterError(`no thread ${index}: this profile has ${describeThreadList(threads)}`);
  if (!session.threads) return session;
  const which = session.threads.sample;
  const count = which.reduce((sum, of) => sum + (of === index ? 1 : 0), 0);
  const span = thread.end - thread.start;
  const note = `thread ${thread.name}: ${count} of ${which.length} samples`;
  const meta = {
    ...session.meta,
    cpuTime: thread.cpuTime,
    achievedInterval: count > 0 && span > 0 ? span / count : 0,
    notes: [...session.meta.notes, note],
  };
  const kept = keepSamples(session, (i) => which[i] === index, meta);
  const labels = kept.labels ? labelsInUse(kept.labels.sets, kept.labels.sample) : undefined;
  return kept.with({ labels, threads: undefined });
}

/** Each thread with its own session (sessionOfThread), in list order. */
export function threadSessions(session: Session): Array<{ thread: ThreadInfo; index: number; session: Session }> {
  return threadsOf(session).map((thread, index) => ({ thread, index, session: sessionOfThread(session, index) }));
}

/**
 * The index of the thread `selector` names: its exact name ('main'), its
 * worker_threads threadId ('2'), or a part of its name that only it has
 * ('crunch.js'). Throws ThreadFilterError naming the threads otherwise.
 */
export function findThread(session: Session, selector: string): number {
  const threads = threadsOf(session);
  const wanted = selector.trim();
  if (wanted === '') throw new ThreadFilterError(`an empty thread name matches nothing; this profile has ${describeThreadList(threads)}`);
  const exact = threads.findIndex((thread) => thread.name === wanted);
  if (exact !== -1) return exact;
  if (/^\d+$/.test(wanted)) {
    const byId = threads.findIndex((thread) => thread.threadId === Number(wanted));
    if (byId !== -1) return byId;
  }
  const partial = threads.flatMap((thread, index) => (thread.name.includes(wanted) ? [index] : []));
  if (partial.length === 1) return partial[0]!;
  if (partial.length > 1) {
    throw new ThreadFilterError(`thread '${wanted}' matches several threads: ${partial.map((index) => describeThread(threads[index]!)).join(', ')}; give a thread id`);
  }
  throw new ThreadFilterError(`no thread matches '${wanted}'; this profile has ${describeThreadList(threads)}`);
}

/** The session of the one thread `selector` names (findThread). */
export function filterSessionByThread(session: Session, selector: string): Session {
  return sessionOfThread(session, findThread(session, selector));
}

/** `worker 2 crunch.js (id 2)`, `main (id 0)`. */
export function describeThread(thread: ThreadInfo): string {
  return `${thread.name} (id ${thread.threadId})`;
}

function describeThreadList(threads: readonly ThreadInfo[]): string {
  return threads.length === 1 ? `one thread: ${describeThread(threads[0]!)}` : `${threads.length} threads: ${threads.map(describeThread).join(', ')}`;
}

/** The label sets some of the samples use, renumbered in order of first use; undefined when none does. */
function labelsInUse(sets: SessionLabels['sets'], sample: number[]): SessionLabels | undefined {
  const kept: SessionLabels['sets'] = [];
  const newIndex = new Map<number, number>();
  const renumbered = sample.map((index) => {
    if (index === -1) return -1;
    let next = newIndex.get(index);
    if (next === undefined) {
      next = kept.length;
      kept.push(sets[index]!);
      newIndex.set(index, next);
    }
    return next;
  });
  return kept.length > 0 ? { sets: kept, sample: renumbered } : undefined;
}
