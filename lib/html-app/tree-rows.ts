/**
 * The call tree view's rows: the processed tree flattened in display order,
 * given what is expanded, the threshold and the search. A flat list makes
 * keyboard navigation (next row, parent row) simple.
 */
import type { CallNode } from '../session/tree';
import type { FrameMatches } from './search';
import type { ViewTree } from './view-tree';

interface RowBase {
  node: CallNode;
  key: string;
  /** 0 for the top level (the root is not shown). */
  depth: number;
  /** Index of the row of the parent node; -1 at the top level. */
  parentIndex: number;
}

export interface NodeRow extends RowBase {
  type: 'node';
  expandable: boolean;
  expanded: boolean;
  /** Shown because its library group is open. */
  revealed: boolean;
  /** Matches the search. */
  matched: boolean;
}

/** The `[N frames hidden]  libraries` line under an expanded library entry; `node` is the entry. */
export interface GroupRow extends RowBase {
  type: 'group';
  open: boolean;
}

export type TreeRow = NodeRow | GroupRow;

export interface TreeRowOptions {
  view: ViewTree;
  /** Children under this share of the total are left out (their time stays in the parent's). */
  minShare: number;
  matches: FrameMatches;
  /** What the user expanded (true) or collapsed (false), by node key. */
  expanded: ReadonlyMap<string, boolean>;
  openGroups: ReadonlySet<string>;
  /** Nodes with at least this share of the total start expanded. */
  autoExpandShare: number;
  /** Rows listed at most; the rest are counted. */
  maxRows: number;
}

export interface TreeRows {
  rows: TreeRow[];
  /** Rows left out beyond maxRows. */
  truncated: number;
  /** Nodes of the tree that match the search. */
  matchCount: number;
}

export function treeRows(options: TreeRowOptions): TreeRows {
  const { view, matches, expanded, openGroups, maxRows } = options;
  const root = view.root;
  const threshold = options.minShare * root.totalTime;
  const isMatch = (node: CallNode): boolean => matches !== undefined && node !== root && matches[node.frameId] === 1;
  const leadsToMatch = matches ? nodesLeadingToMatches(view, isMatch) : undefined;
  const matchCount = leadsToMatch ? [...leadsToMatch].filter(isMatch).length : 0;

  /** The children a node lists: over the threshold (or leading to a match) and, when searching, matching or under a match. */
  const visibleChildren = (node: CallNode, underMatch: boolean): CallNode[] =>
    node.children.filter((child) => {
      const onPath = leadsToMatch?.has(child) ?? false;
      if (leadsToMatch && !underMatch && !onPath) return false;
      return child.totalTime >= threshold || onPath;
    });

  const rows: TreeRow[] = [];
  let truncated = 0;
  interface Pending {
    node: CallNode;
    depth: number;
    parentIndex: number;
    underMatch: boolean;
  }
  const pending: Pending[] = [];
  const pushChildren = (children: CallNode[], depth: number, parentIndex: number, underMatch: boolean): void => {
    for (let i = children.length - 1; i >= 0; i--) pending.push({ node: children[i]!, depth, parentIndex, underMatch });
  };
  pushChildren(visibleChildren(root, false), 0, -1, false);
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { node, depth, parentIndex } = item;
    if (rows.length >= maxRows) {
      truncated++;
      continue;
    }
    const key = view.key.get(node)!;
    const matched = isMatch(node);
    const underMatch = item.underMatch || matched;
    const children = visibleChildren(node, underMatch);
    const hasGroup = node.hidden !== undefined && node.hidden.frameCount > 0;
    const expandable = children.length > 0 || hasGroup;
    // While searching, the way to each match starts open.
    const searchDefault = leadsToMatch !== undefined && children.some((child) => leadsToMatch.has(child));
    const isExpanded = expandable && (expanded.get(key) ?? (searchDefault || node.totalTime >= options.autoExpandShare * root.totalTime));
    const index = rows.length;
    rows.push({ type: 'node', node, key, depth, parentIndex, expandable, expanded: isExpanded, revealed: view.revealed.has(node), matched });
    if (!isExpanded) continue;
    if (hasGroup) {
      if (rows.length < maxRows) rows.push({ type: 'group', node, key, depth: depth + 1, parentIndex: index, open: openGroups.has(key) });
      else truncated++;
    }
    pushChildren(children, depth + 1, index, underMatch);
  }
  return { rows, truncated, matchCount };
}

/** The nodes that match or have a matching descendant. */
function nodesLeadingToMatches(view: ViewTree, isMatch: (node: CallNode) => boolean): Set<CallNode> {
  const result = new Set<CallNode>();
  for (const node of view.parent.keys()) {
    if (!isMatch(node)) continue;
    for (let at: CallNode | undefined = node; at && at !== view.root && !result.has(at); at = view.parent.get(at)) result.add(at);
  }
  return result;
}
