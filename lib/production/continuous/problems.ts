/**
 * Problems of a long-running service's profiler: each kind is reported once
 * (a full disk must not flood the log once a minute) and counted always.
 * Nothing here throws: profiling must never take the service down.
 */
import { escapeLines } from '../../util/escape';

export class ProblemLog {
  private readonly counts = new Map<string, number>();

  constructor(private readonly log: (message: string) => void = defaultLog) {}

  /** Counts a problem of `kind`; the first of each kind is logged. */
  report(kind: string, message: string): void {
    const count = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, count);
    if (count > 1) return;
    try {
      this.log(`nodeinstrument: ${message} (further ${kind} problems are counted, not printed)`);
    } catch {
      // A broken log must not break profiling either.
    }
  }

  /** Problems so far, by kind. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  get total(): number {
    let total = 0;
    for (const count of this.counts.values()) total += count;
    return total;
  }
}

function defaultLog(message: string): void {
  process.stderr.write(`${escapeLines(message)}\n`);
}
