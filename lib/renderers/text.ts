/**
 * The text renderer: a short header about the run, then the processed call
 * tree, one node per line, in pyinstrument's reading style.
 */
import { filterSessionByLabels, LabelFilter } from '../labels/filter';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrameInfo } from '../session/frame';
import { DEFAULT_MIN_SHARE, ProcessorOptions, isApplicationFrame, processTree } from '../processors/processors';
import { formatBytes, formatMemorySummary } from '../memory/series';
import { allocationDescription, formatWeight, isAllocSession } from './weights';
import { renderHotLines } from './lines-report';
import { Session } from '../session/session';
import { filterSessionByThread, hasThreads, sessionOfThread, threadSessions, threadsOf } from '../threads/threads';
import { formatCommandLine, formatMode, formatRate, formatTimestamp, relativeToCwd } from './header';
import { escapeControl } from '../util/escape';
import { CallNode, buildCallTree, buildTimelineTree, forEachNode } from '../session/tree';
import { flatProfile } from '../processors/flat';
import { ProfileWarning, profileWarnings } from '../processors/warnings';
import { withoutProfilerWork } from '../processors/profiler-work';

/** How the text report lays out the session: the call tree, in time order, functions by self time, or hot lines. */
export type TextView = 'tree' | 'timeline' | 'flat' | 'lines';

export interface TextRenderOptions {
  /** Box drawing characters (├─ └─ │) rather than ASCII (|- `- |). Default true. */
  unicode?: boolean;
  /** ANSI colours. Default false. */
  color?: boolean;
  /** Time in seconds (default) or in percent of the root total. */
  timing?: 'seconds' | 'percent';
  processor?: ProcessorOptions;
  /** Replaces the command line on the header's Program line. */
  title?: string;
  /**
   * `tree` (default): the call tree, repeated calls merged, biggest first.
   * `timeline`: the call tree in time order, repeated calls kept apart.
   * `flat`: functions by self time, one line each.
   * `lines`: the hot lines within each function (lib/renderers/lines-report.ts).
   */
  view?: TextView;
  /** @deprecated The old name of `view` (read when `view` is not given). */
  mode?: TextView;
  /** Only the samples with these labels (withLabels), e.g. `{ route: '/users' }`; see LabelFilter. */
  labels?: LabelFilter;
  /** Only this thread's samples (worker_threads profiles): its name, threadId or a unique part of its name (lib/threads/threads.ts). */
  thread?: string;
}

export interface TreeRenderOptions {
  unicode?: boolean;
  color?: boolean;
  timing?: 'seconds' | 'percent';
  /** Files under this directory are shown relative to it. */
  cwd?: string;
  /** Levels drawn before deeper frames are summarised in one line. Default MAX_TREE_DEPTH. */
  maxDepth?: number;
  /** Writes a node's weight when timing is not 'percent' (default: seconds, formatDuration; alloc sessions: bytes). */
  formatValue?: (value: number) => string;
}

/**
 * Indentation grows with depth, so output grows with the square of it; a
 * 20000-frame recursion from a loaded session would not even fit in a string.
 */
export const MAX_TREE_DEPTH = 1000;

export function renderText(session: Session, options: TextRenderOptions = {}): string {
  if (!options.processor?.showAll) session = withoutProfilerWork(session);
  if (options.labels) session = filterSessionByLabels(session, options.labels);
  if (options.thread !== undefined) session = filterSessionByThread(session, options.thread);
  const style = new Style(options.color ?? false);
  const warnings = profileWarnings(session);
  const lines = ['', ...renderHeader(session, options, style, warnings), ''];
  if (hasThreads(session)) lines.push(...renderThreadBodies(session, options, style));
  else lines.push(...renderBody(session, options));
  return `${lines.join('\n')}\n`;
}

/** The report's body for the samples of one thread: the tree (or flat, lines view), or why there is none. */
function renderBody(session: Session, options: TextRenderOptions, ofThread = false): string[] {
  const lines: string[] = [];
  if (session.samples.stack.length === 0 && isAllocSession(session.meta)) {
    lines.push('No allocations were sampled: the program allocated less than the sampling interval, or nothing it allocated was live at the end.');
  } else if (session.samples.stack.length === 0 && ofThread) {
    lines.push('No samples were recorded on this thread (it ran too briefly, or was not running JavaScript when sampled).');
  } else if (session.samples.stack.length === 0) {
    lines.push('No samples were recorded.');
    lines.push('The program may have ended before the first sample was taken; try a smaller sampling interval.');
  } else {
    const view = textView(options);
    const body = view === 'flat' ? renderFlatLines(session, options) : view === 'lines' ? renderLinesMode(session, options) : renderTreeMode(session, options);
    if (body.length === 0) {
      lines.push(`Nothing to show: the ${session.samples.stack.length} samples had empty stacks or only hidden frames (try showing all frames).`);
    } else {
      lines.push(...body);
    }
  }
  return lines;
}

/**
 * Worker threads: one body per thread, each under a line naming the thread
 * with its samples and CPU time; shares are of that thread's own time.
 */
function renderThreadBodies(session: Session, options: TextRenderOptions, style: Style): string[] {
  const lines: string[] = [];
  for (const { thread, session: threadSession } of threadSessions(session)) {
    if (lines.length > 0) lines.push('');
    const count = threadSession.samples.stack.length;
    const facts = [`${count} sample${count === 1 ? '' : 's'}`, `CPU time ${formatDuration(thread.cpuTime)} s`];
    if (thread.exited) facts.push(`exited at ${formatDuration(thread.end)} s`);
    lines.push(`${style.bold(`Thread ${escapeControl(thread.name)}`)}  ${style.dim(`(${facts.join(', ')})`)}`);
    lines.push(...renderBody(threadSession, options, true));
  }
  return lines;
}

function textView(options: TextRenderOptions): TextView {
  return options.view ?? options.mode ?? 'tree';
}

function renderTreeMode(session: Session, options: TextRenderOptions): string[] {
  const root =
    textView(options) === 'timeline'
      ? processTree(buildTimelineTree(session), { ...options.processor, timeline: true })
      : processTree(buildCallTree(session), options.processor);
  const formatValue = (value: number): string => formatWeight(value, session.meta);
  return root.children.length === 0 ? [] : renderTreeLines(root, { ...options, cwd: session.meta.cwd, formatValue });
}

/**
 * Functions by self time: the time each function was the one running, after
 * the same hiding as the tree (a hidden frame's time is its caller's).
 */
export function renderFlatLines(session: Session, options: TextRenderOptions): string[] {
  const processor = options.processor ?? {};
  const style = new Style(options.color ?? false);
  const cwd = session.meta.cwd;
  const width = options.timing === 'percent' ? 6 : isAllocSession(session.meta) ? 9 : 7;
  return flatProfile(session, processor).map(({ frame, self, share }) => {
    const time = options.timing === 'percent' ? `${(share * 100).toFixed(1)}%` : formatWeight(self, session.meta);
    const name = escapeControl(frame.name);
    const location = escapeControl(displayLocation(frame, cwd));
    const line = `${style.forShare(share, time.padStart(width))} ${isApplicationFrame(frame) ? style.bold(name) : name}`;
    return location ? `${line}  ${style.dim(location)}` : line;
  });
}

function renderLinesMode(session: Session, options: TextRenderOptions): string[] {
  const processor = options.processor ?? {};
  const style = new Style(options.color ?? false);
  const cwd = session.meta.cwd;
  return renderHotLines(session, {
    minShare: processor.minShare ?? (processor.showAll ? 0 : DEFAULT_MIN_SHARE),
    timing: options.timing ?? 'seconds',
    hideNodeInternals: !processor.showAll,
    formatSeconds: formatDuration,
    dim: (text) => style.dim(escapeControl(text)),
    heading: (frame, time, share) => {
      const name = escapeControl(frame.name);
      const location = escapeControl(displayLocation(frame, cwd));
      const line = `${style.forShare(share, time)} ${isApplicationFrame(frame) ? style.bold(name) : name}`;
      return location ? `${line}  ${style.dim(location)}` : line;
    },
  });
}

// ---------------------------------------------------------------------------
// Header.

function renderHeader(session: Session, options: TextRenderOptions, style: Style, warnings: readonly ProfileWarning[]): string[] {
  const { meta } = session;
  const left = [`Recorded: ${formatTimestamp(meta.startTime)}`, `Duration: ${formatDuration(meta.duration)} s`];
  const rate = formatRate(meta);
  const right = [`Samples: ${session.samples.stack.length}${rate ? ` (${rate})` : ''}`, `CPU time: ${formatDuration(meta.cpuTime)} s`];
  if (hasThreads(session)) {
    // Every thread's samples; the rate is the main thread's (the others start and end at other times).
    const threads = threadsOf(session);
    const mainRate = formatRate(sessionOfThread(session, 0).meta);
    right[0] = `Samples: ${session.samples.stack.length} in ${threads.length} threads${mainRate ? ` (main: ${mainRate})` : ''}`;
    right[1] = `CPU time: ${formatDuration(threads.reduce((sum, thread) => sum + thread.cpuTime, 0))} s (all threads)`;
  }
  const width = Math.max(...left.map((text) => text.length)) + 3;
  const name = 'nodeinstrument';
  const margin = ' '.repeat(name.length);
  const program = options.title ?? formatCommandLine(meta.argv, meta.cwd);
  if (isAllocSession(meta)) right[0] = `Allocation samples: ${session.samples.stack.length}`;
  const lines = [
    `  ${style.bold(name)}  ${left[0]!.padEnd(width)}${right[0]}`,
    `  ${margin}  ${left[1]!.padEnd(width)}${right[1]}`,
  ];
  if (program) lines.push(`  ${margin}  Program: ${escapeControl(program)}`);
  const mode = formatMode(meta);
  if (mode) lines.push(`  ${margin}  Mode: ${style.bold(mode)}`);
  if (isAllocSession(meta)) {
    const total = session.samples.duration.reduce((sum, bytes) => sum + bytes, 0);
    const every = meta.allocation ? `, one per ${formatBytes(meta.allocation.interval)} allocated on average` : '';
    lines.push(`  ${margin}  Allocated: ${formatBytes(total)} (${allocationDescription(meta)}${every})`);
  }
  const memory = formatMemorySummary(session.memory);
  if (memory) lines.push(`  ${margin}  Memory: ${memory}`);
  for (const warning of warnings) {
    lines.push(`  ${style.yellow('warning:')} ${warning.message}`);
    lines.push(`  ${' '.repeat('warning:'.length)} ${style.dim(warning.advice)}`);
  }
  for (const note of meta.notes) lines.push(`  note: ${escapeControl(note)}`);
  return lines;
}


// ---------------------------------------------------------------------------
// Tree.

/** The glyphs that draw a tree's branches (the call tree here, the diff's tree in diff-text.ts). */
export interface Branches {
  /** Before a node that has later siblings, before the last one, and under a node whose later siblings continue. */
  middle: string;
  last: string;
  through: string;
  blank: string;
}

export const UNICODE_BRANCHES: Branches = { middle: '├─ ', last: '└─ ', through: '│  ', blank: '   ' };
export const ASCII_BRANCHES: Branches = { middle: '|- ', last: '`- ', through: '|  ', blank: '   ' };

/**
 * Lines of a processed tree. The root is not printed: its children are the
 * top level. A node whose library run was collapsed gets a
 * `[N frames hidden]  libraries` line just under it.
 */
export function renderTreeLines(root: CallNode, options: TreeRenderOptions = {}): string[] {
  const branches = options.unicode === false ? ASCII_BRANCHES : UNICODE_BRANCHES;
  const style = new Style(options.color ?? false);
  const total = root.totalTime;
  const lines: string[] = [];
  const maxDepth = options.maxDepth ?? MAX_TREE_DEPTH;
  interface Pending {
    node: CallNode;
    /** Everything before the node's time on its line. */
    prefix: string;
    /** The indentation of the node's children. */
    childIndent: string;
    /** 1 for the top level. */
    depth: number;
  }
  const pending: Pending[] = [];
  const pushChildren = (children: readonly CallNode[], indent: string, depth: number): void => {
    for (let i = children.length - 1; i >= 0; i--) {
      const last = i === children.length - 1;
      pending.push({
        node: children[i]!,
        prefix: indent + (last ? branches.last : branches.middle),
        childIndent: indent + (last ? branches.blank : branches.through),
        depth,
      });
    }
  };
  // Top-level nodes start at the margin, without a branch.
  for (let i = root.children.length - 1; i >= 0; i--) pending.push({ node: root.children[i]!, prefix: '', childIndent: '', depth: 1 });

  for (let item = pending.pop(); item; item = pending.pop()) {
    const { node, prefix, childIndent, depth } = item;
    const share = total > 0 ? node.totalTime / total : 0;
    const time = options.timing === 'percent' ? `${(share * 100).toFixed(1)}%` : (options.formatValue ?? formatDuration)(node.totalTime);
    const name = escapeControl(node.frame.name);
    const location = escapeControl(displayLocation(node.frame, options.cwd ?? ''));
    let line = `${prefix}${style.forShare(share, time)} ${isApplicationFrame(node.frame) ? style.bold(name) : name}`;
    if (location) line += `  ${style.dim(location)}`;
    lines.push(line);
    if (node.hidden && node.hidden.frameCount > 0) {
      const { frameCount, libraries } = node.hidden;
      const indent = childIndent + (node.children.length > 0 ? branches.through : branches.blank);
      const count = `[${frameCount} frame${frameCount === 1 ? '' : 's'} hidden]`;
      const names = libraries.length > 0 ? `  ${escapeControl(libraries.join(', '))}` : '';
      lines.push(`${indent}${style.dim(count + names)}`);
    }
    if (depth < maxDepth) {
      pushChildren(node.children, childIndent, depth + 1);
    } else if (node.children.length > 0) {
      let deeper = -1;
      forEachNode(node, () => deeper++);
      lines.push(`${childIndent}${style.dim(`[${deeper} deeper frame${deeper === 1 ? '' : 's'} not shown]`)}`);
    }
  }
  return lines;
}

/** Seconds with three decimals, as the tree shows times: `1.234`. */
export function formatDuration(seconds: number): string {
  return seconds.toFixed(3);
}

/** Where a frame is, shortened for reading: relative to cwd, from `node_modules/` on, `[native] libc.so.6`. */
export function displayLocation(frame: FrameInfo, cwd: string): string {
  if (frame.kind === 'special') return '';
  if (frame.kind === 'native') {
    // Interrupted pcs are already named `[native] libc.so.6`; API callbacks carry their C++ symbol.
    if (frame.name.startsWith('[native]')) return '';
    return frame.file ? `[native] ${basename(frame.file)}` : '[native]';
  }
  if (!frame.file) return frame.kind === 'builtin' ? '[builtin]' : '';
  const file = shortenPath(frame.file, cwd);
  const location = frame.line > 0 ? `${file}:${frame.line}` : file;
  // Inlined by TurboFan into the frame above (lib/inline/stack.ts).
  return frame.inlined ? `${location} [inlined]` : location;
}

function shortenPath(file: string, cwd: string): string {
  let path = file;
  if (path.startsWith('file://')) {
    try {
      path = fileURLToPath(path);
    } catch {
      return file;
    }
  }
  const at = path.lastIndexOf('/node_modules/');
  if (at !== -1) return path.slice(at + 1);
  return relativeToCwd(path, cwd);
}


export { escapeControl };

// ---------------------------------------------------------------------------
// Colour.

class Style {
  constructor(private readonly enabled: boolean) {}

  private wrap(code: string, text: string): string {
    return this.enabled ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  bold(text: string): string {
    return this.wrap('1', text);
  }

  dim(text: string): string {
    return this.wrap('2', text);
  }

  yellow(text: string): string {
    return this.wrap('33', text);
  }

  /** pyinstrument's heat colours: red from 60% of the total, yellow from 30%, green from 10%, dim below. */
  forShare(share: number, text: string): string {
    if (share >= 0.6) return this.wrap('31', text);
    if (share >= 0.3) return this.wrap('33', text);
    if (share >= 0.1) return this.wrap('32', text);
    return this.dim(text);
  }
}
