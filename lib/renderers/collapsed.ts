/**
 * The collapsed renderer: Brendan Gregg's folded stacks, as flamegraph.pl,
 * inferno and speedscope read them. One line per distinct stack,
 * `root;caller;leaf <value>`, frames as `name file:line`.
 *
 * The value is the stack's wall time in whole microseconds (the format wants
 * integers; sample counts would weigh samples of different durations alike).
 */
import { FrameInfo } from '../frame';
import { Session } from '../session';
import { displayLocation, escapeControl } from './text';

const US_PER_SECOND = 1e6;

/** The line for samples with an empty stack, which the format cannot write as such. */
export const EMPTY_STACK_NAME = '(root)';

export function renderCollapsed(session: Session): string {
  const label = frameLabeler(session);
  const lines: string[] = [];
  for (const [stackId, seconds] of wallTimeByStack(session)) {
    // Summed before rounding; a stack under half a microsecond has nothing to show.
    const microseconds = Math.round(seconds * US_PER_SECOND);
    if (microseconds === 0) continue;
    const frames = stackId === -1 ? [EMPTY_STACK_NAME] : session.stackFrames(stackId).map(label);
    lines.push(`${frames.join(';')} ${microseconds}`);
  }
  // Sorted, as flamegraph.pl's stackcollapse tools write them: stable, diffable output.
  lines.sort();
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

function wallTimeByStack(session: Session): Map<number, number> {
  const { stack, duration } = session.samples;
  const seconds = new Map<number, number>();
  for (let i = 0; i < stack.length; i++) seconds.set(stack[i]!, (seconds.get(stack[i]!) ?? 0) + duration[i]!);
  return seconds;
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
  const text = location ? `${frame.name} ${location}` : frame.name;
  return escapeControl(text).replace(/;/g, '\\x3b');
}
