/**
 * Several runs of one program in one file (`nodeinstrument --repeat N -o
 * runs.json app.js`), so that `diff` can tell a real change from the
 * program's own run-to-run variation. The file holds each run's session as
 * the session format does; a report of a set shows its median run.
 */
import { Session, SessionData, SessionFormatError } from './session';
import { modeOf } from './mode';

export const RUN_SET_FORMAT = 'nodeinstrument-runs';
export const RUN_SET_VERSION = 1;

export interface RunSetData {
  format: typeof RUN_SET_FORMAT;
  version: number;
  runs: SessionData[];
}

export function isRunSetData(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { format?: unknown }).format === RUN_SET_FORMAT;
}

export function runSetJSON(runs: readonly Session[]): string {
  const data: RunSetData = { format: RUN_SET_FORMAT, version: RUN_SET_VERSION, runs: runs.map((run) => run.toJSON()) };
  return JSON.stringify(data);
}

/** Validates and rebuilds the runs of a set from parsed JSON; throws SessionFormatError when it is not one. */
export function runSetFromJSON(data: unknown): Session[] {
  if (!isRunSetData(data)) throw new SessionFormatError('not a set of nodeinstrument runs');
  const { version, runs } = data as { version?: unknown; runs?: unknown };
  if (typeof version !== 'number' || version > RUN_SET_VERSION) {
    throw new SessionFormatError(`a set of runs of version ${String(version)}, newer than this nodeinstrument reads (${RUN_SET_VERSION}): upgrade nodeinstrument`);
  }
  if (!Array.isArray(runs) || runs.length === 0) throw new SessionFormatError('a set of runs without runs');
  return runs.map((run, index) => {
    try {
      return Session.fromJSON(run);
    } catch (error) {
      throw new SessionFormatError(`run ${index + 1}: ${(error as Error).message}`);
    }
  });
}

/** What a run measures, for choosing the median run: its wall time, or CPU time in CPU mode. */
function runLength(session: Session): number {
  return modeOf(session.meta) === 'cpu' ? session.meta.cpuTime : session.meta.duration;
}

/** The run of median length (the lower median of an even count): the one a single report shows. */
export function medianRun(runs: readonly Session[]): number {
  const order = runs.map((_, index) => index).sort((a, b) => runLength(runs[a]!) - runLength(runs[b]!));
  return order[Math.floor((order.length - 1) / 2)]!;
}

/** The median run, with a note saying which it is and how the others went. */
export function reportRunOf(runs: readonly Session[]): Session {
  const index = medianRun(runs);
  const run = runs[index]!;
  if (runs.length === 1) return run;
  const lengths = runs.map(runLength);
  const what = modeOf(run.meta) === 'cpu' ? 'CPU time' : 'wall time';
  const note =
    `run ${index + 1} of ${runs.length}, the median by ${what} (the runs took ${Math.min(...lengths).toFixed(3)}-${Math.max(...lengths).toFixed(3)} s); ` +
    'nodeinstrument diff compares all the runs';
  return run.with({ meta: { ...run.meta, notes: [...run.meta.notes, note] } });
}
