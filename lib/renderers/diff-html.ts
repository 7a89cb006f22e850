/**
 * `nodeinstrument diff` as one offline HTML page: the runs, the verdict, a
 * table of functions by self time and the call tree as nested <details>
 * (expand and collapse without any script: the page runs no JavaScript).
 */
import { DiffMeasure, DiffNode, forEachDiffNode, isChange, SessionDiff } from '../diff/diff';
import { formatCommandLine, formatTimestamp } from './header';
import { escapeHtml } from './html';
import { relative, runVariationLines, verdictLines } from './diff-text';
import { displayLocation, escapeControl, formatDuration, MAX_TREE_DEPTH } from './text';

export interface DiffHtmlOptions {
  labels?: [string, string];
  timing?: 'seconds' | 'percent';
}

const STYLE = `
:root { --fg: #1d2330; --dim: #6b7280; --faster: #0a7a3b; --slower: #b42318; --line: #d8dce3; --bg: #fff; --before: #9aa4b2; --after: #3b6fd8; color-scheme: light dark; }
@media (prefers-color-scheme: dark) { :root { --fg: #e4e7ec; --dim: #98a2b3; --faster: #47cd89; --slower: #f97066; --line: #344054; --bg: #101828; --before: #667085; --after: #6b9bff; } }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 16px 24px; }
h1 { font-size: 18px; margin: 0 0 8px; } h2 { font-size: 15px; margin: 20px 0 6px; }
table.runs td { padding: 1px 12px 1px 0; } .dim, .loc, .legend { color: var(--dim); }
.verdict { font-weight: 600; margin: 12px 0; padding: 8px 10px; border-left: 4px solid var(--line); }
.verdict.changed { border-color: var(--after); }
.warnings { margin: 10px 0; padding: 6px 10px; border: 1px solid var(--slower); border-left-width: 4px; border-radius: 4px; } .warnings ul { margin: 4px 0 0; padding-left: 18px; }
table.functions { border-collapse: collapse; } table.functions td, table.functions th { padding: 2px 10px 2px 0; text-align: right; white-space: nowrap; }
table.functions td.name, table.functions th.name { text-align: left; }
.num { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
.faster { color: var(--faster); } .slower { color: var(--slower); } .noise { color: var(--dim); }
.tag { font-size: 11px; font-weight: 700; text-transform: uppercase; border: 1px solid currentColor; border-radius: 3px; padding: 0 3px; }
.tree details, .tree .leaf { margin-left: 18px; } .tree > details, .tree > .leaf { margin-left: 0; }
.tree summary, .tree .leaf { white-space: nowrap; padding: 1px 0; } .tree .leaf { padding-left: 14px; }
.bar { display: inline-block; width: 80px; height: 10px; position: relative; vertical-align: middle; margin-right: 6px; background: var(--line); }
.bar i { position: absolute; left: 0; height: 5px; } .bar i.b { top: 0; background: var(--before); } .bar i.a { top: 5px; background: var(--after); }
`;

export function renderDiffHtml(diff: SessionDiff, options: DiffHtmlOptions = {}): string {
  const [labelBefore, labelAfter] = options.labels ?? ['before', 'after'];
  const percent = options.timing === 'percent';
  const cwd = diff.after.meta.cwd || diff.before.meta.cwd;
  const title = `nodeinstrument diff: ${labelBefore} → ${labelAfter}`;
  const run = (name: string, label: string, info: SessionDiff['before']): string =>
    `<tr><th>${name}</th><td>${text(label)}</td><td>${formatTimestamp(info.meta.startTime)}</td><td class="num">${formatDuration(info.total)} s${info.runs.length > 1 ? ` a run (${info.runs.length} runs)` : ''}</td>` +
    `<td>${info.samples} samples${info.meta.requestedInterval > 0 ? `, ${(info.meta.requestedInterval * 1000).toFixed(2)} ms interval` : ''}</td>` +
    `<td class="dim">${text(formatCommandLine(info.meta.argv, info.meta.cwd))}</td></tr>`;
  const totalChange = relative(diff.before.total, diff.after.total);
  const changed = diff.faster + diff.slower > 0;

  const functionRows = diff.functions
    .slice(0, 50)
    .map((row) => `<tr>${measureCells(row, percent)}<td class="name">${frameHtml(row.frame, cwd)}</td></tr>`)
    .join('\n');

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${text(title)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${text(title)}${diff.rootName ? ` <span class="dim">(root: ${text(diff.rootName)})</span>` : ''}${diff.time === 'cpu' ? ' <span class="dim">(CPU time)</span>' : ''}${diff.thread !== undefined ? ` <span class="dim">(thread: ${text(diff.thread)})</span>` : ''}</h1>`,
    '<table class="runs">',
    run('before', labelBefore, diff.before),
    run('after', labelAfter, diff.after),
    `<tr><th>total</th><td colspan="5" class="num">${formatDuration(diff.before.total)} s → ${formatDuration(diff.after.total)} s ` +
      `(${signed(diff.after.total - diff.before.total, 3)} s${totalChange === undefined ? '' : `, ${signed(totalChange * 100, 0)}%`})</td></tr>`,
    '</table>',
    `<p class="dim" id="run-variation">${runVariationLines(diff).map(text).join('<br>')}</p>`,
    warningsHtml(diff),
    `<p class="verdict${changed ? ' changed' : ''}" id="verdict">${verdictLines(diff).map(text).join('<br>')}</p>`,
    '<h2>Functions by self time</h2>',
    '<table class="functions">',
    `<tr><th>${percent ? 'before %' : 'before s'}</th><th>${percent ? 'after %' : 'after s'}</th><th>change</th><th></th><th></th><th class="name">function</th></tr>`,
    functionRows || '<tr><td colspan="6" class="dim">(none above the threshold)</td></tr>',
    '</table>',
    `<h2>Call tree <span class="dim">(time in each call and below)</span></h2>`,
    `<div class="tree">${treeHtml(diff, percent, cwd)}</div>`,
    `<p class="legend">Bars: before (grey, top) and after (blue, bottom) as shares of ${diff.rootName ? text(diff.rootName) : 'the total'}. ` +
      `<span class="faster tag">faster</span> and <span class="slower tag">slower</span>: the time changed beyond noise, also against the speed of the whole run ` +
      `(sampling, and run-to-run variation: p &lt; ${+(diff.model.alpha * 100).toFixed(1)}% after Holm's correction over ${diff.model.tests} rows)` +
      `${diff.model.minChange > 0 ? ` and the share by at least ${+(diff.model.minChange * 100).toFixed(1)}%` : ''}. <span class="noise">~</span>: within noise. Unmarked: the time changed, but no more than the whole run did ` +
      '(it moved with the total, or with a change marked further down its branch). Model: docs/optimization-loop.md in nodeinstrument.</p>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The two profiles' warnings, as a banner (nothing when there are none). */
function warningsHtml(diff: SessionDiff): string {
  const items = (['before', 'after'] as const).flatMap((name) =>
    diff[name].warnings.map((warning) => `<li data-kind="${warning.kind}"><b>${name}:</b> ${text(warning.message)} <span class="dim">${text(warning.advice)}</span></li>`),
  );
  return items.length === 0 ? '' : `<div class="warnings" role="alert"><strong>These profiles may mislead.</strong><ul>\n${items.join('\n')}\n</ul></div>`;
}

function text(value: string): string {
  return escapeHtml(escapeControl(value));
}

function signed(value: number, digits: number): string {
  const body = Math.abs(value).toFixed(digits);
  return `${value < 0 && Number(body) !== 0 ? '-' : '+'}${body}`;
}

function changeText(row: DiffMeasure, percent: boolean): string {
  if (percent) return `${signed(row.shareChange * 100, 1)} pts`;
  if (row.relativeChange === undefined) return `${signed(row.timeChange, 3)} (new)`;
  if (row.after.time === 0) return `${signed(row.timeChange, 3)} (gone)`;
  return `${signed(row.timeChange, 3)} (${signed(row.relativeChange * 100, 0)}%)`;
}

function tag(row: DiffMeasure): string {
  if (isChange(row.verdict)) return `<span class="tag ${row.verdict}">${row.verdict}</span>`;
  return row.verdict === 'noise' ? '<span class="noise" title="within sampling noise">~</span>' : '';
}

function bar(row: DiffMeasure): string {
  const width = (share: number): string => `${Math.min(100, Math.max(0, share * 100)).toFixed(1)}%`;
  return `<span class="bar" title="${(row.before.share * 100).toFixed(1)}% → ${(row.after.share * 100).toFixed(1)}%"><i class="b" style="width:${width(row.before.share)}"></i><i class="a" style="width:${width(row.after.share)}"></i></span>`;
}

function value(side: DiffMeasure['before'], percent: boolean): string {
  return percent ? `${(side.share * 100).toFixed(1)}%` : formatDuration(side.time);
}

function measureCells(row: DiffMeasure, percent: boolean): string {
  const cls = isChange(row.verdict) ? row.verdict : row.verdict === 'noise' ? 'noise' : '';
  return (
    `<td class="num">${value(row.before, percent)}</td><td class="num">${value(row.after, percent)}</td>` +
    `<td class="num ${cls}">${changeText(row, percent)}</td><td>${bar(row)}</td><td>${tag(row)}</td>`
  );
}

function measureInline(row: DiffMeasure, percent: boolean): string {
  const cls = isChange(row.verdict) ? row.verdict : row.verdict === 'noise' ? 'noise' : '';
  return `${bar(row)}<span class="num">${value(row.before, percent)} → ${value(row.after, percent)}</span> <span class="num ${cls}">${changeText(row, percent)}</span> ${tag(row)}`;
}

function frameHtml(frame: DiffNode['frame'], cwd: string): string {
  const location = displayLocation(frame, cwd);
  return `<b>${text(frame.name)}</b>${location ? ` <span class="loc">${text(location)}</span>` : ''}`;
}

/** Nested <details>, open down to where the changes are (and the first two levels). */
function treeHtml(diff: SessionDiff, percent: boolean, cwd: string): string {
  const holdsChange = new Set<DiffNode>();
  const parents = new Map<DiffNode, DiffNode>();
  forEachDiffNode(diff.root, (node) => {
    for (const child of node.children) parents.set(child, node);
    if (isChange(node.verdict)) for (let at: DiffNode | undefined = node; at && !holdsChange.has(at); at = parents.get(at)) holdsChange.add(at);
  });
  const out: string[] = [];
  // Iterative, so deep recursions in a profile cannot overflow the stack: 'close' items end a <details>.
  const pending: Array<{ node: DiffNode; depth: number } | 'close'> = [];
  const top = diff.rootName ? [diff.root] : diff.root.children;
  for (let i = top.length - 1; i >= 0; i--) pending.push({ node: top[i]!, depth: 1 });
  for (let item = pending.pop(); item; item = pending.pop()) {
    if (item === 'close') {
      out.push('</details>');
      continue;
    }
    const { node, depth } = item;
    const line = `${measureInline(node, percent)} ${frameHtml(node.frame, cwd)}`;
    if (node.children.length === 0 || depth >= MAX_TREE_DEPTH) {
      out.push(`<div class="leaf">${line}</div>`);
      continue;
    }
    const open = depth <= 2 || node.children.some((child) => holdsChange.has(child));
    out.push(`<details${open ? ' open' : ''}><summary>${line}</summary>`);
    pending.push('close');
    for (let i = node.children.length - 1; i >= 0; i--) pending.push({ node: node.children[i]!, depth: depth + 1 });
  }
  return out.join('\n') || '<p class="dim">(nothing above the threshold)</p>';
}
