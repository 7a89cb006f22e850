/**
 * The processed tree the call tree view and the flame graph show: Node's
 * internals hidden, library runs collapsed into their entry frame and native
 * leaves grouped into one block per library, as the text report does
 * (lib/processors/processors.ts), except that the user can open a library
 * group to see the frames hidden in it, in place and with their times.
 */
import type { HtmlRegExp, HtmlSettings } from '../renderers/html-format';
import { FrameRules, frameRole, groupNativeLeaves, hideFrames, HOT_SHARE, isPlumbingBuiltin, mergeSiblingsInPlace } from '../processors/processors';
import { FrameInfo, frameKey, isOtherWork } from '../session/frame';
import { CallNode, copyNode, sortTree } from '../session/tree';

export interface ViewTree {
  root: CallNode;
  /**
   * A node's identity that survives re-processing: the frame ids on its path
   * from the root, leaving out frames revealed from an open group (so opening
   * a group does not reset what is expanded below it).
   */
  key: Map<CallNode, string>;
  /** Nodes shown only because their library group is open. */
  revealed: Set<CallNode>;
  parent: Map<CallNode, CallNode>;
  /**
   * Frames this view made, not in the report: its native blocks, frame ids
   * `firstBlockId`, `firstBlockId + 1`, ... in this order (model.ts frameText
   * gives their labels and colours).
   */
  blocks: FrameInfo[];
}

export function rulesOf(settings: HtmlSettings, showAll: boolean): FrameRules {
  return { defaults: !showAll, hide: regExpOf(settings.hide), show: regExpOf(settings.show), hotShare: HOT_SHARE };
}

function regExpOf(data: HtmlRegExp | undefined): RegExp | undefined {
  return data ? new RegExp(data.source, data.flags) : undefined;
}

/**
 * Processes the raw call tree; `openGroups` holds the keys of the library
 * entry nodes whose hidden frames are shown. Frame ids from `firstBlockId` on
 * are free for the view's native blocks (the report's frame count).
 */
export function processView(root: CallNode, rules: FrameRules, openGroups: ReadonlySet<string>, firstBlockId: number): ViewTree {
  const view = processGroups(root, rules, openGroups);
  return rules.defaults ? withNativeBlocks(view, firstBlockId) : { ...view, blocks: [] };
}

function processGroups(root: CallNode, rules: FrameRules, openGroups: ReadonlySet<string>): Omit<ViewTree, 'blocks'> {
  // The groups as the text report makes them: what each entry hides.
  const collapsed = sortTree(mergeSiblingsInPlace(hideFrames(root, rules)));
  const collapsedKeys = keysOf(collapsed);
  if (openGroups.size === 0) return { root: collapsed, key: collapsedKeys, revealed: new Set(), parent: parentsOf(collapsed) };

  const hiddenByKey = new Map<string, NonNullable<CallNode['hidden']>>();
  for (const [node, key] of collapsedKeys) if (node.hidden) hiddenByKey.set(key, node.hidden);
  const view = revealGroups(root, rules, openGroups);
  sortTree(mergeSiblingsInPlace(view.root));
  // Labels go on after merging, which would add up two copies of one entry's.
  const parent = parentsOf(view.root);
  for (const node of parent.keys()) {
    const hidden = view.revealed.has(node) ? undefined : hiddenByKey.get(view.key.get(node)!);
    if (hidden) node.hidden = { frameCount: hidden.frameCount, libraries: [...hidden.libraries] };
  }
  return { ...view, parent };
}

/**
 * The native leaves under each node grouped into one block per library, named
 * by its busiest functions (groupNativeLeaves), as the text report shows them.
 * Each distinct block gets a frame id past the report's frames, so that the
 * views find its label and colour by id as for any frame.
 */
function withNativeBlocks(view: Omit<ViewTree, 'blocks'>, firstBlockId: number): ViewTree {
  const root = sortTree(groupNativeLeaves(view.root));
  const parent = parentsOf(root);
  const blocks: FrameInfo[] = [];
  const ids = new Map<string, number>();
  for (const [node, nodeParent] of parent) {
    if (node.frameId !== -1) continue;
    const key = frameKey(node.frame);
    let id = ids.get(key);
    if (id === undefined) {
      id = firstBlockId + blocks.length;
      ids.set(key, id);
      blocks.push(node.frame);
    }
    node.frameId = id;
    view.key.set(node, `${view.key.get(nodeParent)!}/${id}`);
  }
  return { ...view, root, parent, blocks };
}

function keysOf(root: CallNode): Map<CallNode, string> {
  const keys = new Map<CallNode, string>([[root, '']]);
  const pending = [root];
  for (let node = pending.pop(); node; node = pending.pop()) {
    const key = keys.get(node)!;
    for (const child of node.children) {
      keys.set(child, `${key}/${child.frameId}`);
      pending.push(child);
    }
  }
  return keys;
}

function parentsOf(root: CallNode): Map<CallNode, CallNode> {
  const parents = new Map<CallNode, CallNode>();
  const pending = [root];
  for (let node = pending.pop(); node; node = pending.pop()) {
    for (const child of node.children) {
      parents.set(child, node);
      pending.push(child);
    }
  }
  return parents;
}

/**
 * hideFrames (lib/processors/processors.ts) with open groups: inside the run of an open
 * library group, the frames hideFrames would hide and count in the group are
 * shown instead (call stubs and trampolines stay hidden, as they are not
 * counted). Siblings are not merged here, and entries get their group's
 * label (`hidden`) afterwards, from the collapsed tree, so it reads the same
 * open or closed.
 */
function revealGroups(root: CallNode, rules: FrameRules, openGroups: ReadonlySet<string>): Omit<ViewTree, 'parent' | 'blocks'> {
  const out = copyNode(root);
  const key = new Map<CallNode, string>([[out, '']]);
  const revealed = new Set<CallNode>();
  interface Pending {
    node: CallNode;
    /** Nearest shown ancestor in the output tree. */
    parent: CallNode;
    /** Key of the nearest shown ancestor that is not revealed: what keys are built on. */
    anchor: string;
    /** Key of the library entry whose run `node` is in, if any. */
    group: string | undefined;
    open: boolean;
    /** Under `(other work on this thread)`: every frame belongs to its group (hideFrames). */
    hideAll?: boolean;
  }
  const pending: Pending[] = [];
  const pushChildren = (node: CallNode, item: Omit<Pending, 'node'>): void => {
    for (let i = node.children.length - 1; i >= 0; i--) pending.push({ node: node.children[i]!, ...item });
  };
  pushChildren(root, { parent: out, anchor: '', group: undefined, open: false });
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { node, parent, anchor, group, open, hideAll } = item;
    if (hideAll) {
      if (!open || isPlumbingBuiltin(node.frame)) {
        parent.selfTime += node.selfTime;
        pushChildren(node, { parent, anchor, group, open, hideAll });
      } else {
        const shown = copyNode(node);
        parent.children.push(shown);
        revealed.add(shown);
        key.set(shown, `${key.get(parent)!}/${node.frameId}`);
        pushChildren(node, { parent: shown, anchor, group, open, hideAll });
      }
      continue;
    }
    const role = frameRole(node.frame, rules);
    const hidden = role === 'internal' || (role === 'library' && group !== undefined);
    const reveal = hidden && group !== undefined && open && !isPlumbingBuiltin(node.frame);
    if (hidden && !reveal) {
      parent.selfTime += node.selfTime;
      pushChildren(node, { parent, anchor, group, open });
      continue;
    }
    const shown = copyNode(node);
    parent.children.push(shown);
    if (reveal) {
      revealed.add(shown);
      key.set(shown, `${key.get(parent)!}/${node.frameId}`);
      pushChildren(node, { parent: shown, anchor, group, open });
    } else {
      const shownKey = `${anchor}/${node.frameId}`;
      key.set(shown, shownKey);
      if (rules.defaults && isOtherWork(node.frame)) {
        pushChildren(node, { parent: shown, anchor: shownKey, group: shownKey, open: openGroups.has(shownKey), hideAll: true });
      } else if (role === 'library') {
        pushChildren(node, { parent: shown, anchor: shownKey, group: shownKey, open: openGroups.has(shownKey) });
      } else {
        pushChildren(node, { parent: shown, anchor: shownKey, group: undefined, open: false });
      }
    }
  }
  return { root: out, key, revealed };
}
