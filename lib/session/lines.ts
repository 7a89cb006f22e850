/**
 * Executing lines of a session (Session.lines): reading them beside the
 * frames, and keeping them right when frames change.
 */
import { PrefixTable } from './prefix-index';
import { LineTable, Session } from './session';

/** The lines of sample i, root first, one per frame of its stack (zeros when the session has none). */
export function sampleLines(session: Session, sample: number): number[] {
  const lines: number[] = [];
  const table = session.lines;
  if (table === undefined) {
    for (let id = session.samples.stack[sample]!; id !== -1; id = session.stacks.parent[id]!) lines.push(0);
    return lines;
  }
  for (let id = table.sample[sample]!; id !== -1; id = table.parent[id]!) lines.push(table.line[id]!);
  return lines.reverse();
}

/**
 * The line table with each frame's executing line replaced by map(frameId,
 * line) (0: unknown): for frames that source maps moved to another file,
 * whose lines are the generated code's.
 */
export function mapLinesOf(session: Session, map: (frameId: number, line: number) => number): LineTable | undefined {
  const table = session.lines;
  if (table === undefined) return undefined;
  const parent: number[] = [];
  const line: number[] = [];
  const nodes = new PrefixTable(parent, line);
  const done = new Map<string, number>();
  const convert = (stack: number, lineStack: number): number => {
    if (stack === -1) return -1;
    const key = `${stack}:${lineStack}`;
    let id = done.get(key);
    if (id === undefined) {
      const up = convert(session.stacks.parent[stack]!, table.parent[lineStack]!);
      id = nodes.extend(up, map(session.stacks.frame[stack]!, table.line[lineStack]!));
      done.set(key, id);
    }
    return id;
  };
  const sample = session.samples.stack.map((stack, i) => convert(stack, table.sample[i]!));
  return { parent, line, sample };
}
