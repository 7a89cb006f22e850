/**
 * The call tree view, pyinstrument's way: time coloured by its share of the
 * total, the function in bold when it is the program's own code, its
 * location dimmed, library runs folded into a `[N frames hidden]` line that
 * opens in place. Keyboard: arrows move, left and right collapse and expand,
 * Enter or Space toggles.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { CSSProperties } from 'preact';
import { isApplicationFrame } from '../processors/processors';
import { formatNodeTime, formatValue, heatClass, Timing } from './format';
import type { FrameText, ReportModel } from './model';
import type { FrameMatches } from './search';
import { GroupRow, NodeRow, TreeRow, treeRows } from './tree-rows';
import type { ViewTree } from './view-tree';

/** Nodes with at least this share of the total start expanded. */
const AUTO_EXPAND_SHARE = 0.05;
/** Rows rendered at most; beyond that the view says how many were left out. */
const MAX_ROWS = 20_000;
const INDENT_EM = 1.4;

export interface TreeViewProps {
  model: ReportModel;
  view: ViewTree;
  /** Labels and locations by frame id, the view's native blocks included. */
  text: FrameText;
  timing: Timing;
  minShare: number;
  matches: FrameMatches;
  openGroups: ReadonlySet<string>;
  onToggleGroup: (key: string) => void;
}

export function TreeView({ model, view, text, timing, minShare, matches, openGroups, onToggleGroup }: TreeViewProps) {
  const [expanded, setExpanded] = useState<ReadonlyMap<string, boolean>>(new Map());
  // What the user expands while searching is kept apart, and forgotten with the search.
  const [searchExpanded, setSearchExpanded] = useState<ReadonlyMap<string, boolean>>(new Map());
  useEffect(() => setSearchExpanded(new Map()), [matches]);
  const searching = matches !== undefined;
  const overrides = searching ? searchExpanded : expanded;
  const setOverride = (key: string, value: boolean): void => {
    const update = (map: ReadonlyMap<string, boolean>): ReadonlyMap<string, boolean> => new Map(map).set(key, value);
    if (searching) setSearchExpanded(update);
    else setExpanded(update);
  };

  const { rows, truncated, matchCount } = useMemo(
    () => treeRows({ view, minShare, matches, expanded: overrides, openGroups, autoExpandShare: AUTO_EXPAND_SHARE, maxRows: MAX_ROWS }),
    [view, minShare, matches, overrides, openGroups],
  );

  const [focusKey, setFocusKey] = useState<string | undefined>(undefined);
  const focusIndex = Math.max(0, focusKey === undefined ? 0 : rows.findIndex((row) => rowId(row) === focusKey));
  const container = useRef<HTMLDivElement>(null);
  const rowElements = useRef(new Map<string, HTMLElement>());
  // Keyboard moves: focus follows the focused row when the tree has focus.
  useLayoutEffect(() => {
    const row = rows[focusIndex];
    if (!row || !container.current?.contains(document.activeElement)) return;
    const element = rowElements.current.get(rowId(row));
    if (element && element !== document.activeElement) element.focus();
  }, [focusIndex, rows]);

  const toggle = (row: TreeRow): void => {
    if (row.type === 'group') onToggleGroup(row.key);
    else if (row.expandable) setOverride(row.key, !row.expanded);
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    const row = rows[focusIndex];
    if (!row) return;
    const moveTo = (index: number): void => {
      const target = rows[Math.min(rows.length - 1, Math.max(0, index))];
      if (target) setFocusKey(rowId(target));
    };
    switch (event.key) {
      case 'ArrowDown':
        moveTo(focusIndex + 1);
        break;
      case 'ArrowUp':
        moveTo(focusIndex - 1);
        break;
      case 'Home':
        moveTo(0);
        break;
      case 'End':
        moveTo(rows.length - 1);
        break;
      case 'ArrowRight':
        if (row.type === 'node' && row.expandable && !row.expanded) toggle(row);
        else if (row.type === 'group' && !row.open) toggle(row);
        else moveTo(focusIndex + 1);
        break;
      case 'ArrowLeft':
        if (row.type === 'node' && row.expanded) toggle(row);
        else if (row.type === 'group' && row.open) toggle(row);
        else if (row.parentIndex >= 0) moveTo(row.parentIndex);
        break;
      case 'Enter':
      case ' ':
        toggle(row);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  if (view.root.children.length === 0) {
    return <p class="empty">{view.root.sampleCount === 0 ? 'No samples were recorded.' : 'Nothing to show: the samples had empty stacks or only hidden frames (try "show all frames").'}</p>;
  }
  const total = view.root.totalTime;
  return (
    <div>
      {searching && (
        <p class="search-summary" aria-live="polite">
          {matchCount === 0 ? 'No function or file matches the search.' : `${matchCount} matching call${matchCount === 1 ? '' : 's'}`}
        </p>
      )}
      <div class="tree" role="tree" aria-label="Call tree" ref={container} onKeyDown={onKeyDown}>
        {rows.map((row, index) => {
          const props: RowProps = {
            focused: index === focusIndex,
            onFocus: () => setFocusKey(rowId(row)),
            onToggle: () => toggle(row),
            register: (element) => {
              if (element) rowElements.current.set(rowId(row), element);
              else rowElements.current.delete(rowId(row));
            },
          };
          return row.type === 'group' ? (
            <GroupLine key={rowId(row)} {...props} row={row} />
          ) : (
            <NodeLine key={rowId(row)} {...props} row={row} model={model} text={text} total={total} timing={timing} />
          );
        })}
      </div>
      {truncated > 0 && <p class="empty">{truncated} more rows not shown: collapse some nodes or raise the threshold.</p>}
    </div>
  );
}

function rowId(row: TreeRow): string {
  return row.type === 'group' ? `${row.key}#group` : row.key;
}

interface RowProps {
  focused: boolean;
  onFocus: () => void;
  onToggle: () => void;
  register: (element: HTMLElement | null) => void;
}

/** Indentation with a guide line per level, drawn by a background sized to the indent. */
function indentStyle(depth: number): CSSProperties {
  const indent = `${depth * INDENT_EM}em`;
  return { paddingLeft: indent, backgroundSize: `${indent} 100%` };
}

function NodeLine({ row, model, text, total, timing, focused, onFocus, onToggle, register }: RowProps & { row: NodeRow; model: ReportModel; text: FrameText; total: number; timing: Timing }) {
  const { node } = row;
  const share = total > 0 ? node.totalTime / total : 0;
  const location = text.locations[node.frameId] ?? '';
  const classes = ['row', row.revealed ? 'revealed' : '', row.matched ? 'matched' : '', isApplicationFrame(node.frame) ? 'app' : ''].filter(Boolean).join(' ');
  const details = [`${formatValue(node.totalTime, model.unit)} total, ${formatValue(node.selfTime, model.unit)} self, ${node.sampleCount} samples`];
  if (node.frame.file) details.push(node.frame.line > 0 ? `${node.frame.file}:${node.frame.line}:${node.frame.column}` : node.frame.file);
  return (
    <div
      class={classes}
      role="treeitem"
      aria-level={row.depth + 1}
      aria-expanded={row.expandable ? row.expanded : undefined}
      aria-selected={focused}
      tabIndex={focused ? 0 : -1}
      data-key={row.key}
      ref={register}
      style={indentStyle(row.depth)}
      title={details.join('\n')}
      onFocus={onFocus}
      onClick={onToggle}
    >
      <span class="twisty" aria-hidden="true">
        {row.expandable ? (row.expanded ? '▾' : '▸') : ''}
      </span>
      <span class={`time ${heatClass(share)}`}>{formatNodeTime(node.totalTime, total, timing, model.unit)}</span>
      <span class="name">{text.labels[node.frameId]}</span>
      {location && <span class="location">{location}</span>}
      {!row.expanded && node.hidden && node.hidden.frameCount > 0 && <span class="hidden-count">[{node.hidden.frameCount} hidden]</span>}
    </div>
  );
}

function GroupLine({ row, focused, onFocus, onToggle, register }: RowProps & { row: GroupRow }) {
  const hidden = row.node.hidden!;
  const count = `${hidden.frameCount} frame${hidden.frameCount === 1 ? '' : 's'}`;
  return (
    <div
      class={`row group${row.open ? ' open' : ''}`}
      role="treeitem"
      aria-level={row.depth + 1}
      aria-expanded={row.open}
      aria-selected={focused}
      tabIndex={focused ? 0 : -1}
      data-group={row.key}
      ref={register}
      style={indentStyle(row.depth)}
      title={row.open ? 'Hide these library frames again' : 'Show the library frames hidden here'}
      onFocus={onFocus}
      onClick={onToggle}
    >
      <span class="twisty" aria-hidden="true">
        {row.open ? '▾' : '▸'}
      </span>
      <span class="group-label">{row.open ? `[${count} shown]` : `[${count} hidden]`}</span>
      {hidden.libraries.length > 0 && <span class="group-libraries">{hidden.libraries.join(', ')}</span>}
    </div>
  );
}
