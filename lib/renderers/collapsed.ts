/**
 * The collapsed renderer: Brendan Gregg's folded stacks, as flamegraph.pl,
 * inferno and speedscope read them. One line per distinct stack,
 * `root;caller;leaf <count>`, frames as `name file:line`.
 *
 * The value is the number of samples, the format's usual meaning (tools label
 * it "samples"); each stands for about one sampling interval. pprof,
 * speedscope and .cpuprofile carry each sample's exact wall time. For an
 * alloc session the value is bytes (whole), which flame graph tools draw the
 * same way (flamegraph.pl --countname=bytes labels it). With worker threads,
 * each line starts with its thread's name as the root frame.
 */
import { FrameInfo } from '../session/frame';
import { isAllocSession } from './weights';
import { Session } from '../session/session';
import { hasThreads, threadSessions } from '../threads/threads';
import { displayLocation, escapeControl } from './text';

/** The line for samples with an empty stack, which the format cannot write as such. */
export const EMPTY_STACK_NAME = '(root)';

export function renderCollapsed(session: Session): string {
  const label = frameLabeler(session);
  const lines: string[] = [];
  // Worker threads: each thread's stacks under a root frame named by the thread, as py-spy --threads writes them.
  const parts = hasThreads(session)
    ? threadSessions(session).map((part) => ({ session: part.session, root: [escapeFrameText(part.thread.name)] }))
    : [{ session, root: [] as string[] }];
  for (const part of parts) {
    const totals = isAllocSession(part.session.meta) ? bytesByStack(part.session) : samplesByStack(part.session);
    for (const [stackId, count] of totals) {
      const frames = stackId === -1 ? (part.root.length > 0 ? part.root : [EMPTY_STACK_NAME]) : [...part.root, ...session.stackFrames(stackId).map(label)];
      lines.push(`${frames.join(';')} ${count}`);
    }
  }
  // Sorted, as flamegraph.pl's stackcollapse tools write them: stable, diffable output.
  lines.sort();
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

function samplesByStack(session: Session): Map<number, number> {
  const counts = new Map<number, number>();
  for (const stackId of session.samples.stack) counts.set(stackId, (counts.get(stackId) ?? 0) + 1);
  return counts;
}

function bytesByStack(session: Session): Map<number, number> {
  const bytes = new Map<number, number>();
  const { stack, duration } = session.samples;
  for (let i = 0; i < stack.length; i++) bytes.set(stack[i]!, (bytes.get(stack[i]!) ?? 0) + duration[i]!);
  for (const [stackId, total] of bytes) bytes.set(stackId, Math.round(total));
  return bytes;
}

/** Frame id to label, each label built once. */
function frameLabeler(session: Session): (frameId: number) => string {
  const labels = new Map<number, string>();
  return (frameId) => {
    let label = labels.get(frameId);
    if (label === undefined) {
      label = frameLabel(session.frames[frameId]!, session.meta.cwd);
      labels.set(frameId, label);
    }
    return label;
  };
}

/**
 * `name file:line` with the location shortened as the text report shows it.
 * `;` separates frames and a newline ends the line, so both are escaped
 * (control characters as `\xNN` by escapeControl, `;` as `\x3b`).
 */
export function frameLabel(frame: FrameInfo, cwd: string): string {
  const location = displayLocation(frame, cwd);
  return escapeFrameText(location ? `${frame.name} ${location}` : frame.name);
}

function escapeFrameText(text: string): string {
  return escapeControl(text).replace(/;/g, '\\x3b');
}
