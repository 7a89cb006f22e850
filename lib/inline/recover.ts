/**
 * After a recording: recovers inlined frames and executing lines from the
 * script positions the symbolizer recorded with each sampled frame
 * (./positions.ts). Reads and parses the sampled scripts' sources, so it runs
 * once per window, after sampling stopped, never in a drain.
 */
import type { FrameInfo } from '../session/frame';
import type { Session } from '../session/session';
import { expandPositions } from './expand';
import type { PositionRecorder } from './positions';
import { readScriptSource, SourceReader } from './sources';
import { InlineResolver } from './stack';

/** What a recording gathered for the recovery: the positions, and which functions had optimized code. */
export interface InlineEvidence {
  positions: PositionRecorder;
  /** The functions that had optimized (tiered) code during the window, older code first. */
  tieredFunctions(): Iterable<FrameInfo>;
}

export type InlineCounts = InlineResolver['counts'];

/**
 * The session with inlined frames recovered and executing lines added. A
 * failure leaves the session whole, with a note saying why they are missing.
 */
export function recoverInlineFrames(session: Session, evidence: InlineEvidence, readSource: SourceReader = readScriptSource): { session: Session; counts?: InlineCounts } {
  if (!evidence.positions.hasPositions) return { session };
  const resolver = new InlineResolver(readSource);
  try {
    for (const frame of evidence.tieredFunctions()) resolver.addTieredFunction(frame);
    return { session: expandPositions(session, evidence.positions, resolver), counts: resolver.counts };
  } catch (error) {
    const note = `inlined frames and lines were not recovered: ${(error as Error).message}`;
    return { session: session.with({ meta: { ...session.meta, notes: [...session.meta.notes, note] } }) };
  }
}
