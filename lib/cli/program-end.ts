/**
 * How the profiled program ended, said in the report; and its profile
 * rebuilt from the journal when it died before saving one.
 */
import { readJournal } from '../recording/journal';
import { Session } from '../session/session';

export interface ProgramOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The note for a program that ended by a signal, or undefined. */
export function endingNote(outcome: ProgramOutcome): string | undefined {
  return outcome.signal ? `the program ended by ${outcome.signal}` : undefined;
}

/**
 * The session of a program that ended without saving one, from its journal,
 * with a note saying how it ended and what is missing; undefined when the
 * journal holds no sample.
 */
export function sessionFromJournal(journalPath: string, outcome: ProgramOutcome): Session | undefined {
  const journal = readJournal(journalPath);
  if (!journal) return undefined;
  const { session, until, nearHeapLimit } = journal;
  const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited (code ${outcome.code ?? '?'}) without running its exit handlers`;
  const notes = [
    `the program ${how} before nodeinstrument could write its profile: this report holds the samples ` +
      `drained until ${until.toFixed(2)} s (up to the last second before the end is missing)`,
  ];
  if (nearHeapLimit !== undefined && outcome.signal === 'SIGABRT') {
    notes.push(`it ran out of memory: V8's heap reached its limit (${(nearHeapLimit / 2 ** 20).toFixed(1)} MB of old space; see --max-old-space-size)`);
  }
  return session.with({ meta: { ...session.meta, notes: [...session.meta.notes, ...notes] } });
}
