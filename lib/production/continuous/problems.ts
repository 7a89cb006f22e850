/**
 * Problems of a long-running service's profiler: each kind is printed at most
 * once a minute (a full disk must not flood the log with a line per window,
 * yet a second outage an hour later must leave a trace) and counted always.
 * Nothing here throws: profiling must never take the service down.
 */
import { escapeLines } from '../../util/escape';

/** After printing a problem of one kind, others of that kind are only counted for this long. */
export const PROBLEM_QUIET_MS = 60_000;

interface KindState {
  count: number;
  /** When a problem of this kind was last printed (ms, `now()`'s clock). */
  printedAt: number;
  /** Problems of this kind counted, not printed, since then. */
  unprinted: number;
}

export class ProblemLog {
  private readonly kinds = new Map<string, KindState>();

  constructor(
    private readonly log: (message: string) => void = defaultLog,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Counts a problem of `kind`; prints it unless one of that kind was printed within the last minute. */
  report(kind: string, message: string): void {
    let state = this.kinds.get(kind);
    if (state === undefined) {
      state = { count: 0, printedAt: -Infinity, unprinted: 0 };
      this.kinds.set(kind, state);
    }
    state.count++;
    const now = this.now();
    if (now - state.printedAt < PROBLEM_QUIET_MS) {
      state.unprinted++;
      return;
    }
    const since = state.unprinted > 0 ? `; ${state.unprinted} more since the last one printed` : '';
    state.printedAt = now;
    state.unprinted = 0;
    try {
      this.log(`nodeinstrument: ${message} (${kind} problems: ${state.count} so far${since}; the next within a minute are counted, not printed)`);
    } catch {
      // A broken log must not break profiling either.
    }
  }

  /** Problems so far, by kind. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.kinds].map(([kind, state]) => [kind, state.count]));
  }

  get total(): number {
    let total = 0;
    for (const state of this.kinds.values()) total += state.count;
    return total;
  }
}

function defaultLog(message: string): void {
  process.stderr.write(`${escapeLines(message)}\n`);
}
