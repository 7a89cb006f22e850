/**
 * A hotspot summary in Markdown, to paste into a ticket or a decision log:
 * the conditions of the run (command, Node, interval, duration, samples,
 * losses), the top hotspots by branch and by self time with their share,
 * file:line and call path, and the warnings.
 */
import { FrameInfo } from '../session/frame';
import { Hotspot, branchHotspots, selfHotspots } from '../processors/hotspots';
import { processTree } from '../processors/processors';
import { Session } from '../session/session';
import { formatCommandLine, formatRate, formatTimestamp } from './header';
import { filterSessionByThread, hasThreads, sessionOfThread, threadSessions, threadsOf } from '../threads/threads';
import { buildCallTree } from '../session/tree';
import { profileWarnings } from '../processors/warnings';
import { displayLocation, escapeControl, TextRenderOptions } from './text';
import { withoutProfilerWork } from '../processors/profiler-work';

/** Hotspots listed in each table. */
export const SUMMARY_HOTSPOTS = 3;

export function renderSummary(session: Session, options: TextRenderOptions = {}): string {
  if (!options.processor?.showAll) session = withoutProfilerWork(session);
  if (options.thread !== undefined) session = filterSessionByThread(session, options.thread);
  const { meta } = session;
  const threaded = hasThreads(session);
  // Worker threads: the hotspot tables are the main thread's; each worker gets a line of its own below.
  const main = threaded ? sessionOfThread(session, 0) : session;
  const tree = processTree(buildCallTree(main), { ...options.processor, minShare: 0 });
  const program = options.title ?? formatCommandLine(meta.argv, meta.cwd);
  const cwd = meta.cwd;
  const samples = session.samples.stack.length;
  const rate = formatRate(main.meta);
  const lines: string[] = [`# Profile summary: ${code(program || '(unknown program)')}`, ''];

  const conditions: Array<[string, string]> = [
    ['Command', program ? code(program) : 'unknown'],
    ['Recorded', formatTimestamp(meta.startTime)],
    ['Node', meta.nodeVersion ? `${text(meta.nodeVersion)} (V8 ${text(meta.v8Version)}, ${text(meta.platform)}-${text(meta.arch)})` : 'unknown'],
    ['Interval', rate ? text(rate) : 'unknown'],
    ['Duration', `${meta.duration.toFixed(3)} s wall, ${meta.cpuTime.toFixed(3)} s CPU`],
    ['Samples', threaded ? `${count(samples)} (${threadsOf(session).length} threads)` : count(samples)],
    [
      'Dropped / unresolved',
      `${count(meta.droppedSamples)} samples dropped, ${count(meta.unresolvedFrames)} of ${count(meta.totalFrames)} frames unresolved` +
        (meta.totalFrames > 0 ? ` (${percent(meta.unresolvedFrames / meta.totalFrames)})` : ''),
    ],
  ];
  if (cwd) conditions.splice(1, 0, ['Directory', code(cwd)]);
  if (threaded) conditions.push(['Threads', threadsOf(session).map((thread) => text(thread.name)).join(', ')]);
  lines.push('| Condition | Value |', '| --- | --- |', ...conditions.map(([name, value]) => `| ${name} | ${value} |`), '');

  const ofMain = threaded ? ', main thread' : '';
  if (tree.totalTime > 0) {
    lines.push(`## Top ${SUMMARY_HOTSPOTS} hotspots by branch (total time${ofMain})`, '');
    lines.push(...hotspotTable(branchHotspots(tree, SUMMARY_HOTSPOTS), cwd));
    lines.push(`## Top ${SUMMARY_HOTSPOTS} hotspots by self time${threaded ? ' (main thread)' : ''}`, '');
    lines.push(...hotspotTable(selfHotspots(tree, SUMMARY_HOTSPOTS), cwd));
  } else {
    lines.push(`No samples were recorded${threaded ? ' on the main thread' : ''}: the program may have ended before the first sample; try a smaller interval.`, '');
  }
  if (threaded) lines.push(...workerTable(session, options, cwd));

  const warnings = profileWarnings(session);
  if (warnings.length > 0) {
    lines.push('## Warnings', '');
    for (const warning of warnings) lines.push(`- **${text(warning.message)}** ${text(warning.advice)}`);
    lines.push('');
  }
  for (const note of meta.notes) lines.push(`> Note: ${text(note)}`, '');
  lines.push('## Decision', '', '_What was changed, what the re-profile showed (`nodeinstrument diff before.json after.json`), and whether the change was kept._', '');
  return lines.join('\n');
}

/** One row per worker thread: its samples, CPU time and top function by self time. */
function workerTable(session: Session, options: TextRenderOptions, cwd: string): string[] {
  const rows = threadSessions(session)
    .filter(({ index }) => index !== 0)
    .map(({ thread, session: threadSession }) => {
      const tree = processTree(buildCallTree(threadSession), { ...options.processor, minShare: 0 });
      const [top] = tree.totalTime > 0 ? selfHotspots(tree, 1) : [];
      const where = top ? displayLocation(top.frame, cwd) : '';
      const hotspot = top ? `${code(top.frame.name)} ${percent(top.share)}${where ? ` (${code(where)})` : ''}` : '(no samples)';
      const state = thread.exited ? `exited at ${thread.end.toFixed(3)} s` : 'ran to the end';
      return `| ${code(thread.name)} | ${count(threadSession.samples.stack.length)} | ${thread.cpuTime.toFixed(3)} s | ${state} | ${hotspot} |`;
    });
  return ['## Worker threads', '', '| Thread | Samples | CPU time | State | Top function by self time |', '| --- | ---: | ---: | --- | --- |', ...rows, ''];
}

function hotspotTable(hotspots: readonly Hotspot[], cwd: string): string[] {
  if (hotspots.length === 0) return ['(none)', ''];
  const rows = hotspots.map((hotspot, index) => {
    const location = displayLocation(hotspot.frame, cwd);
    const where = hotspot.caller ? `${location ? `${code(location)}, ` : ''}called from ${code(`${hotspot.caller.name}  ${displayLocation(hotspot.caller, cwd)}`)}` : location ? code(location) : '';
    return `| ${index + 1} | ${code(hotspot.frame.name)} | ${percent(hotspot.share)} | ${hotspot.time.toFixed(3)} s | ${where} | ${code(callPath(hotspot.path))} |`;
  });
  return ['| # | Function | Share | Time | Location | Call path |', '| --- | --- | ---: | ---: | --- | --- |', ...rows, ''];
}

/** `(module) > main > parse`, the middle left out of long paths. */
function callPath(path: readonly FrameInfo[]): string {
  const names = path.map((frame) => frame.name);
  const shown = names.length > 8 ? [...names.slice(0, 3), `... ${names.length - 6} more ...`, ...names.slice(-3)] : names;
  return shown.join(' > ');
}

/** Inline code that survives any content: control characters made visible, pipes escaped for tables, a fence longer than any backtick run inside. */
export function code(value: string): string {
  const body = escapeControl(value).replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = body.startsWith('`') || body.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** Plain text for Markdown: control characters visible, and characters Markdown or a table would take as syntax escaped. */
function text(value: string): string {
  return escapeControl(value).replace(/([\\`*_[\]<>|~])/g, '\\$1');
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
