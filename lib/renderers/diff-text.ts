/**
 * `nodeinstrument diff` as text: the two runs, the verdict, the functions
 * whose self time changed, and the call tree with before -> after per branch.
 */
import { DiffMeasure, DiffNode, isChange, SessionDiff, Verdict } from '../diff/diff';
import { formatCommandLine, formatTimestamp } from './header';
import { ASCII_BRANCHES, displayLocation, escapeControl, formatDuration, MAX_TREE_DEPTH, UNICODE_BRANCHES } from './text';

export interface DiffTextOptions {
  unicode?: boolean;
  color?: boolean;
  /** Show shares of the root (percent) in the rows instead of seconds. */
  timing?: 'seconds' | 'percent';
  /** Labels of the two inputs (their file names). */
  labels?: [string, string];
  /** Function rows shown at most. Default 20. */
  maxFunctions?: number;
}

export function renderDiffText(diff: SessionDiff, options: DiffTextOptions = {}): string {
  const style = new DiffStyle(options.color ?? false);
  const arrow = options.unicode === false ? '->' : '→';
  const lines: string[] = ['', ...diffHeader(diff, options, arrow), ''];
  lines.push(...verdictLines(diff).map((line) => `  ${style.bold(line)}`), '');

  lines.push(style.bold('Functions by self time (the time each was the one running)'));
  const maxFunctions = options.maxFunctions ?? 20;
  for (const row of diff.functions.slice(0, maxFunctions)) {
    lines.push(`  ${measureText(row, options, arrow, style)}  ${frameText(row.frame, diff, style)}`);
  }
  if (diff.functions.length > maxFunctions) lines.push(style.dim(`  ... ${diff.functions.length - maxFunctions} more`));
  if (diff.functions.length === 0) lines.push('  (none above the threshold)');
  lines.push('');

  lines.push(style.bold(`Call tree (time in each call and below${diff.rootName ? `, under ${escapeControl(diff.rootName)}` : ''})`));
  lines.push(...diffTreeLines(diff, options, arrow, style));
  lines.push('', ...legend(diff, arrow, options.timing === 'percent').map((line) => style.dim(line)));
  return `${lines.join('\n')}\n`;
}

function diffHeader(diff: SessionDiff, options: DiffTextOptions, arrow: string): string[] {
  const [labelBefore, labelAfter] = options.labels ?? ['before', 'after'];
  const side = (name: string, label: string, info: SessionDiff['before']): string => {
    const meta = info.meta;
    const program = formatCommandLine(meta.argv, meta.cwd);
    const interval = meta.requestedInterval > 0 ? `, ${(meta.requestedInterval * 1000).toFixed(2)} ms interval` : '';
    const runs = info.runs.length;
    const time = runs > 1 ? `${runs} runs, ${formatDuration(info.total)} s a run [${formatDuration(Math.min(...info.runs))}-${formatDuration(Math.max(...info.runs))}]` : `${formatDuration(info.total)} s`;
    return `  ${name.padEnd(7)}${escapeControl(label)}  ${formatTimestamp(meta.startTime)}  ${time}, ${info.samples} samples${interval}${program ? `  ${escapeControl(program)}` : ''}`;
  };
  const total = `  ${'total'.padEnd(7)}${formatDuration(diff.before.total)} s ${arrow} ${formatDuration(diff.after.total)} s  (${signedSeconds(diff.after.total - diff.before.total)} s, ${signedPercent(relative(diff.before.total, diff.after.total))})`;
  const what = [
    diff.rootName ? `root: ${escapeControl(diff.rootName)}` : '',
    diff.time === 'cpu' ? 'CPU time' : '',
    diff.thread !== undefined ? `thread: ${escapeControl(diff.thread)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const lines = [`  nodeinstrument diff${what ? `  (${what})` : ''}`, side('before', labelBefore, diff.before), side('after', labelAfter, diff.after), total];
  if (diff.before.meta.nodeVersion && diff.after.meta.nodeVersion && diff.before.meta.nodeVersion !== diff.after.meta.nodeVersion) {
    lines.push(`  note: different Node versions (${escapeControl(diff.before.meta.nodeVersion)} and ${escapeControl(diff.after.meta.nodeVersion)})`);
  }
  if (diff.before.meta.requestedInterval !== diff.after.meta.requestedInterval) {
    lines.push('  note: different sampling intervals; shares compare, sample counts do not');
  }
  lines.push(...runVariationLines(diff).map((line, index) => `  ${index === 0 ? 'noise  ' : '       '}${line}`));
  for (const [name, info] of [['before', diff.before], ['after', diff.after]] as const) {
    for (const warning of info.warnings) lines.push(`  warning (${name}): ${warning.message}`);
  }
  return lines;
}

/** How much the program varies between runs, as the comparison measured or had to assume it. */
export function runVariationLines(diff: SessionDiff): string[] {
  const { runVariation, minChange, speed } = diff.model;
  const percent = (value: number): string => `${+(value * 100).toFixed(1)}%`;
  // A whole side that ran faster or slower (by its median function): every row is judged against that.
  const overall =
    speed.basis === 'functions' && Math.abs(speed.ratio - 1) >= 0.01
      ? [`the after side ran ${percent(Math.abs(speed.ratio - 1))} ${speed.ratio > 1 ? 'slower' : 'faster'} overall (its median function); rows are judged against that too`]
      : [];
  if (speed.basis === 'runs' && speed.runs) {
    // Sets judged against each run's own speed: how much the runs of a side differed (the
    // machine), and how much a function still varies.
    const range = Math.max(...[speed.runs.before, speed.runs.after].map((side) => Math.max(...side) / Math.min(...side) - 1));
    return [
      `run to run, a function's time against its run's speed varies by ${percent(runVariation.time)} beyond sampling ` +
        `(measured from ${diff.before.runs.length} + ${diff.after.runs.length} runs)`,
      `the runs of a side differed in speed (their median function) by up to ${percent(range)}; each row is judged against its own run's speed` +
        (Math.abs(speed.ratio - 1) >= 0.01 ? `; the after runs ran ${percent(Math.abs(speed.ratio - 1))} ${speed.ratio > 1 ? 'slower' : 'faster'} overall` : ''),
    ];
  }
  if (runVariation.measured) {
    return [
      `run to run, a function's time varies by ${percent(runVariation.time)} beyond sampling ` +
        `(measured from ${diff.before.runs.length} + ${diff.after.runs.length} runs)`,
      ...overall,
    ];
  }
  const lines = [
    `one run per side: how much this program varies between runs is unknown; ${percent(runVariation.time)} of a function's time is assumed` +
      (minChange > 0 ? `, and share changes under ${percentText(minChange)} are not claimed` : ''),
  ];
  if (diff.before.runs.length === 1 && diff.after.runs.length === 1) {
    lines.push('record several runs per side to measure it: nodeinstrument --repeat 10 -o before.json app.js');
  }
  return [...lines, ...overall];
}

/** The one-sentence answer: what changed, or that nothing did beyond noise. */
export function verdictLines(diff: SessionDiff): string[] {
  const what = diff.rootName ? `under ${diff.rootName}` : 'of the total';
  if (diff.faster === 0 && diff.slower === 0) {
    const small = diff.model.minChange > 0 ? ` or under ${percentText(diff.model.minChange)} ${what}` : '';
    const lines = [`No significant differences: every change is within noise (sampling and run to run)${small}.`];
    const change = relative(diff.before.total, diff.after.total);
    if (change !== undefined && Math.abs(change) >= 0.05) {
      lines.push(
        `The total changed by ${signedPercent(change)}, evenly across the profile: that is the machine or the run (load, input), ` +
          'not one function' + (diff.before.runs.length > 1 && diff.after.runs.length > 1 ? '.' : '; record several runs of each version to tell (--repeat).'),
      );
    }
    return lines;
  }
  const parts = [];
  if (diff.faster > 0) parts.push(`${diff.faster} faster`);
  if (diff.slower > 0) parts.push(`${diff.slower} slower`);
  return [`Significant changes (rows beyond noise): ${parts.join(', ')}.`];
}

function diffTreeLines(diff: SessionDiff, options: DiffTextOptions, arrow: string, style: DiffStyle): string[] {
  const branches = options.unicode === false ? ASCII_BRANCHES : UNICODE_BRANCHES;
  const lines: string[] = [];
  interface Pending {
    node: DiffNode;
    prefix: string;
    childIndent: string;
    depth: number;
  }
  const pending: Pending[] = [];
  const pushChildren = (children: readonly DiffNode[], indent: string, depth: number): void => {
    for (let i = children.length - 1; i >= 0; i--) {
      const last = i === children.length - 1;
      pending.push({ node: children[i]!, prefix: indent + (last ? branches.last : branches.middle), childIndent: indent + (last ? branches.blank : branches.through), depth });
    }
  };
  const top = diff.rootName ? [diff.root] : diff.root.children;
  for (let i = top.length - 1; i >= 0; i--) pending.push({ node: top[i]!, prefix: '', childIndent: '', depth: 1 });
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { node, prefix, childIndent, depth } = item;
    lines.push(`${prefix}${measureText(node, options, arrow, style)}  ${frameText(node.frame, diff, style)}`);
    if (depth < MAX_TREE_DEPTH) pushChildren(node.children, childIndent, depth + 1);
    else if (node.children.length > 0) lines.push(`${childIndent}${style.dim('[deeper frames not shown]')}`);
  }
  if (lines.length === 0) lines.push('  (nothing above the threshold)');
  return lines;
}

/** `0.400 → 0.200  -0.200 (-50%)  faster` or with percent timing `39.5% → 32.7%  -6.8 pts  faster`. */
function measureText(row: DiffMeasure, options: DiffTextOptions, arrow: string, style: DiffStyle): string {
  const { before, after } = row;
  let text: string;
  if (options.timing === 'percent') {
    text = `${(before.share * 100).toFixed(1)}% ${arrow} ${(after.share * 100).toFixed(1)}%  ${signedPoints(row.shareChange)}`;
  } else {
    const change = row.relativeChange === undefined ? 'new' : after.time === 0 ? 'gone' : signedPercent(row.relativeChange);
    text = `${formatDuration(before.time)} ${arrow} ${formatDuration(after.time)}  ${signedSeconds(row.timeChange)} (${change})`;
  }
  return `${style.forVerdict(row.verdict, text)} ${style.forVerdict(row.verdict, verdictMark(row.verdict))}`;
}

export function verdictMark(verdict: Verdict): string {
  switch (verdict) {
    case 'faster':
      return '[faster]';
    case 'slower':
      return '[slower]';
    case 'noise':
      return '~';
    case 'minor':
      return '';
  }
}

function frameText(frame: DiffNode['frame'], diff: SessionDiff, style: DiffStyle): string {
  const name = escapeControl(frame.name);
  const location = escapeControl(displayLocation(frame, diff.after.meta.cwd || diff.before.meta.cwd));
  return location ? `${name}  ${style.dim(location)}` : name;
}

function legend(diff: SessionDiff, arrow: string, percent: boolean): string[] {
  const { tests, alpha, minChange, minShare } = diff.model;
  const of = diff.rootName ? `of ${escapeControl(diff.rootName)}` : 'of the total';
  const rows = percent ? `share ${of} (change in percentage points)` : 'seconds (change, relative change)';
  const several = diff.before.runs.length > 1 || diff.after.runs.length > 1;
  return [
    `Rows: before ${arrow} after, ${rows}${several ? ', means over the runs' : ''}. [faster] and [slower]: the time changed beyond noise`,
    `(sampling, and run-to-run variation), ${diff.model.speed.basis === 'runs' ? "against each run's own speed and in seconds alike" : 'also against the speed of the whole run'}: p < ${percentText(alpha)} after Holm's correction over ${tests} rows` +
      (minChange > 0 ? ` and the share by at least ${percentText(minChange)}.` : '.'),
    '~: within noise. Unmarked: the time changed, but no more than the whole run did, or with a change',
    `marked further down its branch. Rows under ${percentText(minShare)} on both sides are left out. The model: docs/optimization-loop.md.`,
  ];
}

// ---------------------------------------------------------------------------

export function relative(before: number, after: number): number | undefined {
  return before > 0 ? (after - before) / before : undefined;
}

function signedSeconds(value: number): string {
  const text = formatDuration(Math.abs(value));
  return `${value < 0 && text !== '0.000' ? '-' : '+'}${text}`;
}

function signedPercent(value: number | undefined): string {
  if (value === undefined) return 'new';
  const text = `${(Math.abs(value) * 100).toFixed(0)}%`;
  return `${value < 0 && text !== '0%' ? '-' : '+'}${text}`;
}

function signedPoints(value: number): string {
  const text = (Math.abs(value) * 100).toFixed(1);
  return `${value < 0 && text !== '0.0' ? '-' : '+'}${text} pts`;
}

function percentText(share: number): string {
  return `${+(share * 100).toFixed(1)}%`;
}

class DiffStyle {
  constructor(private readonly enabled: boolean) {}

  private wrap(code: string, text: string): string {
    return this.enabled && text ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  bold(text: string): string {
    return this.wrap('1', text);
  }

  dim(text: string): string {
    return this.wrap('2', text);
  }

  forVerdict(verdict: Verdict, text: string): string {
    if (!isChange(verdict)) return verdict === 'noise' ? this.dim(text) : text;
    return this.wrap(verdict === 'faster' ? '32' : '31', text);
  }
}
