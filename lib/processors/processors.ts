/**
 * Tree processors in pyinstrument's spirit: hide Node's and V8's plumbing,
 * collapse runs of library frames into their entry frame, merge what hiding
 * brought together, drop nodes too small to matter, sort.
 *
 * Every processor returns a new tree and leaves its input untouched. They work
 * without recursion so that very deep stacks cannot overflow the JS stack.
 */
import { FrameInfo, frameKey, isOtherWork } from '../session/frame';
import { CallNode, cloneTree, copyNode, sortTree } from '../session/tree';
import { nativeMeaning } from '../symbolize/native-names';

export interface ProcessorOptions {
  /** No default hiding at all (Node internals, builtins, library runs) and no minShare drop unless minShare is given. Still merges and sorts. */
  showAll?: boolean;
  /** Hide frames whose file matches, in addition to the defaults (honoured even with showAll). */
  hide?: RegExp;
  /** Always show frames whose file matches, even if a default rule or `hide` would hide them. */
  show?: RegExp;
  /** Drop nodes whose totalTime is below this fraction of the root's total; 0 keeps all. Default DEFAULT_MIN_SHARE (0 with showAll). */
  minShare?: number;
  /** A library function whose own work reaches this share of the whole stays visible inside a library run. Default HOT_SHARE. */
  hotShare?: number;
  /**
   * Library functions kept visible as if hot in this tree too: a comparison
   * of several runs (lib/diff) shows a function in every run when it is hot
   * in any, so that its rows line up.
   */
  hotFrames?: (frame: FrameInfo) => boolean;
  /**
   * For a tree in time order (buildTimelineTree): merge only neighbouring
   * siblings of the same frame, and keep the order instead of sorting.
   */
  timeline?: boolean;
}

/** pyinstrument's console renderer drops nodes under 1% of the total too. */
export const DEFAULT_MIN_SHARE = 0.01;

export function processTree(root: CallNode, options: ProcessorOptions = {}): CallNode {
  const rules: FrameRules = {
    defaults: !options.showAll,
    hide: options.hide && statelessRegExp(options.hide),
    show: options.show && statelessRegExp(options.show),
    hotShare: options.hotShare ?? HOT_SHARE,
    hotFrames: options.hotFrames,
  };
  const minShare = options.minShare ?? (options.showAll ? 0 : DEFAULT_MIN_SHARE);
  const hidden = hideFrames(root, rules);
  const merged = options.timeline ? mergeNeighboursInPlace(hidden) : mergeSiblingsInPlace(hidden);
  const visible = rules.defaults ? groupNativeLeaves(merged) : merged;
  const kept = minShare > 0 ? dropSmallNodes(visible, minShare) : visible;
  // A dropped sliver (a short GC between two stretches of the same call) leaves its neighbours side by side: merge them again.
  return options.timeline ? mergeNeighboursInPlace(kept) : sortTree(kept);
}

// ---------------------------------------------------------------------------
// What a frame is.

/**
 * How the hiding rules treat a frame:
 * - 'application': always shown, and ends a library run.
 * - 'library': shown when it enters a run of library frames, hidden inside one.
 * - 'internal': always hidden; its children move up to its parent.
 */
export type FrameRole = 'application' | 'library' | 'internal';

export interface FrameRules {
  /** Whether the default rules (Node internals, plumbing builtins, library runs) apply. */
  defaults: boolean;
  hide?: RegExp | undefined;
  show?: RegExp | undefined;
  /** See ProcessorOptions.hotShare; none kept visible when absent. */
  hotShare?: number;
  /** See ProcessorOptions.hotFrames. */
  hotFrames?: ((frame: FrameInfo) => boolean) | undefined;
}

export function frameRole(frame: FrameInfo, rules: FrameRules): FrameRole {
  // Special frames ((garbage collection), (idle), ...) say where time went; never hide them.
  if (frame.kind === 'special') return 'application';
  if (rules.show?.test(frame.file)) return 'application';
  if (rules.hide?.test(frame.file)) return 'internal';
  if (!rules.defaults) return 'application';
  if (frame.file.startsWith('node:internal/') || isPlumbingBuiltin(frame)) return 'internal';
  // Public core modules (node:fs, node:events) are shown like a library entry,
  // pyinstrument-style: `readFileSync  node:fs:441` tells the reader more than
  // the same time silently added to the caller.
  if (packageName(frame.file) !== undefined || frame.file.startsWith('node:')) return 'library';
  // Informative builtins (ArrayForEach, JsonParse) are shown where the
  // program calls them but are hidden inside a library's run.
  if (frame.kind === 'builtin') return 'library';
  // Native frames only occur at the leaf end of a stack (the interrupted pc,
  // the C++ callback of an API function such as node::fs::ReadFileUtf8) and
  // say where the time went, so they stay, like application frames.
  return 'application';
}

/** Code the program itself wrote: not a library, not Node's, not V8's, not native. */
export function isApplicationFrame(frame: FrameInfo): boolean {
  return frame.kind === 'js' && !frame.file.startsWith('node:') && packageName(frame.file) === undefined;
}

/**
 * V8 builtins that only move control around (entry stubs, call and construct
 * stubs, trampolines, interpreter bytecode handlers, microtask and await
 * glue). They are hidden wherever they appear, also as leaves, where their
 * time goes to the caller. Builtins that do work the program asked for
 * (ArrayForEach, ArrayPrototypeSort, JsonParse, StringPrototypeReplace,
 * CompileLazy...) are kept.
 */
const PLUMBING_BUILTIN = new RegExp(
  '^(?:' +
    [
      'JS(?:Construct|RunMicrotasks)?Entry.*',
      '.*Trampoline.*',
      'Call',
      'Call_Receiver.*',
      'Call(?:Function|BoundFunction|Proxy|WithSpread|WithArrayLike|Varargs|ForwardVarargs|FunctionTemplate|ApiCallback|ApiGetter).*',
      'Construct.*',
      'JS(?:Builtins)?ConstructStub.*',
      'CEntry.*',
      'ArgumentsAdaptor.*',
      'AdaptorWithBuiltinExitFrame.*',
      'HandleApiCall.*',
      'Interpreter(?:PushArgs|EnterAt).*',
      '(?:Baseline|Maglev|Turbofan)OutOfLinePrologue.*',
      'BaselineLeaveFrame',
      'DeoptimizationEntry.*',
      'ContinueTo.*Builtin.*',
      'NotifyDeoptimized',
      // The wrappers between JavaScript and wasm (`Stub:js-to-wasm:i:i`, the JSToWasmWrapper builtins).
      'Stub:(?:js-to-wasm|wasm-to-js).*',
      '(?:JSToWasm|WasmToJs)Wrapper.*',
      'StackCheck',
      'InterruptCheck',
      'RunMicrotasks',
      'Promise(?:Fulfill|Reject)ReactionJob',
      'PromiseResolveThenableJob',
      'Async(?:Function|Generator)Await(?:Resolve|Reject)Closure',
      '.*(?:JSToWasm|WasmToJS|JSToJS)Wrapper.*',
      // Bytecode handlers: `BytecodeHandler:Add` from the code events, LdaGlobalHandler as symbols.
      'BytecodeHandler:.*',
      '.*Handler',
    ].join('|') +
    ')$',
);

export function isPlumbingBuiltin(frame: FrameInfo): boolean {
  // Embedded builtins resolved through the node binary's symbols are named
  // Builtins_<name> and may come out as native frames.
  const embedded = frame.name.startsWith('Builtins_');
  if (frame.kind !== 'builtin' && !(frame.kind === 'native' && embedded)) return false;
  return PLUMBING_BUILTIN.test(embedded ? frame.name.slice('Builtins_'.length) : frame.name);
}

/** packageName's answers by file: a report asks once per call-tree node, and a tree has few files. */
const packageOfFile = new Map<string, string | null>();

/** The npm package a file belongs to: the path after the last `node_modules/` (`name` or `@scope/name`). */
export function packageName(file: string): string | undefined {
  let known = packageOfFile.get(file);
  if (known === undefined) {
    if (packageOfFile.size >= 100_000) packageOfFile.clear();
    known = packageNameOf(file) ?? null;
    packageOfFile.set(file, known);
  }
  return known ?? undefined;
}

function packageNameOf(file: string): string | undefined {
  const marker = 'node_modules/';
  let at = file.lastIndexOf(marker);
  // Only a whole path segment counts (not `my_node_modules/`).
  while (at > 0 && file[at - 1] !== '/') at = file.lastIndexOf(marker, at - 1);
  if (at === -1) return undefined;
  const segments = file.slice(at + marker.length).split('/');
  const first = segments[0] ?? '';
  if (first.startsWith('@')) return segments.length > 2 && segments[1] ? `${first}/${segments[1]}` : undefined;
  return first && segments.length > 1 ? first : undefined;
}

/** Labels of the hidden-frames line that only mean "Node or V8 plumbing". */
const PLUMBING_LABELS: ReadonlySet<string> = new Set(['node:internal', 'v8']);

/** The name a hidden frame is listed under in its group, if any. */
export function libraryLabel(frame: FrameInfo): string | undefined {
  const pkg = packageName(frame.file);
  if (pkg !== undefined) return pkg;
  if (frame.file.startsWith('node:internal/')) return 'node:internal';
  if (frame.file.startsWith('node:')) return frame.file.split('/')[0];
  if (frame.kind === 'builtin') return 'v8';
  return undefined;
}

/**
 * Adds a label keeping the list readable: in order of first appearance, no
 * duplicates, and plumbing labels (node:internal, v8) only while no
 * package or core module is listed.
 */
function addLibrary(libraries: string[], label: string): void {
  if (libraries.includes(label)) return;
  if (PLUMBING_LABELS.has(label)) {
    if (libraries.every((listed) => PLUMBING_LABELS.has(listed))) libraries.push(label);
    return;
  }
  for (let i = libraries.length - 1; i >= 0; i--) {
    if (PLUMBING_LABELS.has(libraries[i]!)) libraries.splice(i, 1);
  }
  libraries.push(label);
}

/** Copies a RegExp without the g/y flags, whose lastIndex would make test() stateful. */
function statelessRegExp(regex: RegExp): RegExp {
  return new RegExp(regex.source, regex.flags.replace(/[gy]/g, ''));
}

// ---------------------------------------------------------------------------
// Hiding.

/**
 * Removes internal frames and collapses library runs, returning a new tree.
 * A removed frame's children move to its nearest shown ancestor and its self
 * time becomes that ancestor's. The first library frame of a run (the entry
 * into the library) is kept and records what was hidden below it; further
 * library and internal frames are hidden until an application frame resumes,
 * and counted on the entry frame (except plumbing builtins).
 * Siblings that end up with the same frame are not merged here (see
 * mergeSiblingsInPlace).
 */
export function hideFrames(root: CallNode, rules: FrameRules): CallNode {
  const out = copyNode(root);
  interface Pending {
    node: CallNode;
    /** Nearest shown ancestor in the output tree. */
    parent: CallNode;
    /** The kept entry frame of the library run `node` is in, if any. */
    group: CallNode | undefined;
    /** The hot library functions already shown on this path. */
    hotAbove: HotOnPath | undefined;
    /** Under `(other work on this thread)` in a request's report: every frame is hidden in its group. */
    hideAll?: boolean;
  }
  const pending: Pending[] = [];
  // Library functions that do real work themselves stay visible inside a run,
  // once per path (their recursive calls stay hidden): the hot path through a
  // library-heavy program.
  const hot = rules.defaults && rules.hotShare !== undefined ? hotFunctions(root, rules.hotShare) : new Set<number>();
  const pushChildren = (node: CallNode, parent: CallNode, group: CallNode | undefined, hotAbove: HotOnPath | undefined, hideAll = false): void => {
    // Reversed so nodes are visited depth first in sibling order: the order
    // libraries are listed in is the order they first appear.
    for (let i = node.children.length - 1; i >= 0; i--) pending.push({ node: node.children[i]!, parent, group, hotAbove, hideAll });
  };
  pushChildren(root, out, undefined, undefined);
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { node, parent, group, hotAbove, hideAll } = item;
    if (hideAll && group) {
      parent.selfTime += node.selfTime;
      if (!isPlumbingBuiltin(node.frame)) recordOtherWork(group, node.frame);
      pushChildren(node, parent, group, hotAbove, true);
      continue;
    }
    if (rules.defaults && isOtherWork(node.frame)) {
      const shown = copyNode(node);
      parent.children.push(shown);
      pushChildren(node, shown, shown, undefined, true);
      continue;
    }
    const role = frameRole(node.frame, rules);
    const shownHot =
      role === 'library' && group !== undefined && (hot.has(node.frameId) || rules.hotFrames?.(node.frame) === true) && !onPath(hotAbove, node.frameId);
    if (role === 'internal' || (role === 'library' && group && !shownHot)) {
      parent.selfTime += node.selfTime;
      // Call stubs and trampolines are not code a reader would count as hidden.
      if (group && !isPlumbingBuiltin(node.frame)) recordHidden(group, node.frame);
      pushChildren(node, parent, group, hotAbove);
    } else {
      const shown = copyNode(node);
      parent.children.push(shown);
      pushChildren(node, shown, role === 'library' ? shown : undefined, shownHot ? { frameId: node.frameId, up: hotAbove } : hotAbove);
    }
  }
  return out;
}

interface HotOnPath {
  frameId: number;
  up: HotOnPath | undefined;
}

function onPath(path: HotOnPath | undefined, frameId: number): boolean {
  for (let at = path; at; at = at.up) if (at.frameId === frameId) return true;
  return false;
}

/** The frames of the functions hotFunctions finds in a raw call tree (default share): what a comparison keeps visible in every run. */
export function hotFrames(root: CallNode, share = HOT_SHARE): FrameInfo[] {
  const ids = hotFunctions(root, share);
  const frames = new Map<number, FrameInfo>();
  const stack = [...root.children];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (ids.has(node.frameId) && !frames.has(node.frameId)) frames.set(node.frameId, node.frame);
    stack.push(...node.children);
  }
  return [...frames.values()];
}

/** The functions (frame ids) whose own work, summed over every call path, reaches `share` of the whole. */
function hotFunctions(root: CallNode, share: number): Set<number> {
  const own = new Map<number, { time: number; samples: number }>();
  const stack = [...root.children];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.frame.kind === 'js') {
      const sum = own.get(node.frameId) ?? { time: 0, samples: 0 };
      sum.time += ownTime(node);
      sum.samples += ownSamples(node);
      own.set(node.frameId, sum);
    }
    stack.push(...node.children);
  }
  const hot = new Set<number>();
  for (const [frameId, { time, samples }] of own) if (time >= share * root.totalTime && samples >= HOT_MIN_SAMPLES) hot.add(frameId);
  return hot;
}

/**
 * Samples a library function's own work must also reach to stay visible: in
 * a short run, 1% is 3 samples, which the call sequence of a function that
 * does nothing itself collects by chance (a run of 300 samples showed such a
 * wrapper, 4 samples, between its library's entry and the application).
 */
const HOT_MIN_SAMPLES = 10;

/**
 * Share of the whole profile a library function's own work (summed over its
 * call paths) must reach to stay visible inside a library run. pyinstrument
 * keeps frames with 20% of the time; a JavaScript library-heavy program's is
 * spread thinner: prettier's busiest functions hold 1-4% each, and at 2% its
 * whole printing phase read as one line (docs/accuracy.md, the corpus).
 */
export const HOT_SHARE = 0.01;

/** The samples of a node's own work (as ownTime). */
function ownSamples(node: CallNode): number {
  let samples = node.sampleCount;
  for (const child of node.children) if (child.frame.kind !== 'builtin' && child.frame.kind !== 'native') samples -= child.sampleCount;
  return samples;
}

/** A node's own work: its self time and the builtins and native code it called directly. */
function ownTime(node: CallNode): number {
  let time = node.selfTime;
  for (const child of node.children) if (child.frame.kind === 'builtin' || child.frame.kind === 'native') time += child.totalTime;
  return time;
}

/** A frame hidden under `(other work on this thread)`: listed by library, or by file for the program's own code. */
function recordOtherWork(group: CallNode, frame: FrameInfo): void {
  recordHidden(group, frame);
  if (isApplicationFrame(frame)) addLibrary(group.hidden!.libraries, frame.file.slice(frame.file.lastIndexOf('/') + 1));
}

function recordHidden(group: CallNode, frame: FrameInfo): void {
  const hidden = (group.hidden ??= { frameCount: 0, libraries: [] });
  hidden.frameCount += 1;
  const label = libraryLabel(frame);
  if (label !== undefined) addLibrary(hidden.libraries, label);
}

// ---------------------------------------------------------------------------
// Native code.

/**
 * The native functions a frame's time ended in, as one opaque block per
 * shared object, named by its busiest functions: `JsonParser::ParseJsonValue,
 * StringTable::LookupKey +12 more  [native] node`. pyinstrument keeps C code
 * opaque too; the names say what the JavaScript above asked for, and where a
 * function's name says it in JavaScript's words, so does the block:
 * `JSON.parse: JsonParser::ParseJsonValue, ...`. Leaves only (an API
 * callback such as node::fs::ReadFileUtf8 with code below it stays). Mutates
 * the tree; showAll shows each function instead.
 */
export function groupNativeLeaves(root: CallNode): CallNode {
  const stack = [root];
  for (let node = stack.pop(); node; node = stack.pop()) {
    const byObject = new Map<string, CallNode[]>();
    for (const child of node.children) {
      if (child.frame.kind !== 'native' || child.children.length > 0) continue;
      const group = byObject.get(child.frame.file) ?? [];
      group.push(child);
      byObject.set(child.frame.file, group);
    }
    for (const [object, group] of byObject) {
      group.sort((a, b) => b.totalTime - a.totalTime);
      // A lone function stays as it is, unless its name says what JavaScript asked for.
      if (group.length < 2 && nativeMeaning(group[0]!.frame.name) === undefined) continue;
      const label = nativeBlockLabel(group);
      const block: CallNode = {
        frame: { name: label, file: object, line: 0, column: 0, kind: 'native' },
        frameId: -1,
        children: [],
        totalTime: 0,
        selfTime: 0,
        sampleCount: 0,
      };
      for (const member of group) {
        block.totalTime += member.totalTime;
        block.selfTime += member.selfTime;
        block.sampleCount += member.sampleCount;
      }
      const members = new Set(group);
      node.children = [...node.children.filter((child) => !members.has(child)), block];
    }
    stack.push(...node.children);
  }
  return root;
}

/**
 * A block's name: its busiest functions, busiest first, after what they did
 * in JavaScript's words where their names say it (`JSON.parse: ...`, the
 * meanings of the functions that hold at least a third of the block's time).
 */
function nativeBlockLabel(group: readonly CallNode[]): string {
  // Code without a symbol (`[native] libc.so.6`) is counted, not named.
  const named = group.filter((member) => !member.frame.name.startsWith('[native] '));
  if (named.length === 0) return group[0]!.frame.name;
  const names = named.slice(0, NATIVE_NAMES_SHOWN).map((member) => shortNativeName(member.frame.name));
  const more = group.length - names.length;
  const listed = more > 0 ? `${names.join(', ')} +${more} more` : names.join(', ');
  const total = group.reduce((sum, member) => sum + member.totalTime, 0);
  const byMeaning = new Map<string, number>();
  for (const member of named) {
    const meaning = nativeMeaning(member.frame.name);
    if (meaning !== undefined) byMeaning.set(meaning, (byMeaning.get(meaning) ?? 0) + member.totalTime);
  }
  const meanings = [...byMeaning].filter(([, time]) => time >= total / 3).sort((a, b) => b[1] - a[1]).map(([meaning]) => meaning);
  return meanings.length === 0 ? listed : `${meanings.join(', ')}: ${listed}`;
}

const NATIVE_NAMES_SHOWN = 3;

/** `v8::internal::JsonParser::ParseJsonValue` -> `JsonParser::ParseJsonValue`; `[native] node` stays. */
function shortNativeName(name: string): string {
  return name.replace(/^v8::internal::|^v8::|^node::/, '');
}

// ---------------------------------------------------------------------------
// Merging.

/** Identity of a node among its siblings. */
function nodeKey(node: CallNode): string {
  return node.frameId >= 0 ? String(node.frameId) : frameKey(node.frame);
}

/** Merges `from` into `into`: times, counts, hidden groups; children are concatenated (merged later, top-down). */
function absorb(into: CallNode, from: CallNode): void {
  into.totalTime += from.totalTime;
  into.selfTime += from.selfTime;
  into.sampleCount += from.sampleCount;
  into.children.push(...from.children);
  if (from.hidden) {
    const hidden = (into.hidden ??= { frameCount: 0, libraries: [] });
    hidden.frameCount += from.hidden.frameCount;
    for (const label of from.hidden.libraries) addLibrary(hidden.libraries, label);
  }
}

/**
 * Merges siblings that stand for the same frame (as happens when hiding moves
 * children up), recursively. Works top-down: after a node's children are
 * merged, the merged children's own (concatenated) children are merged next.
 * Mutates `root`; use on a tree you own.
 */
export function mergeSiblingsInPlace(root: CallNode): CallNode {
  const pending: CallNode[] = [root];
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (node.children.length > 1) {
      const byKey = new Map<string, CallNode>();
      const merged: CallNode[] = [];
      for (const child of node.children) {
        const key = nodeKey(child);
        const first = byKey.get(key);
        if (first) {
          absorb(first, child);
        } else {
          byKey.set(key, child);
          merged.push(child);
        }
      }
      node.children = merged;
    }
    pending.push(...node.children);
  }
  return root;
}

/**
 * Merges each run of neighbouring siblings that stand for the same frame (as
 * hiding brings together in a timeline tree), recursively; order is kept.
 * Mutates `root`; use on a tree you own.
 */
export function mergeNeighboursInPlace(root: CallNode): CallNode {
  const pending: CallNode[] = [root];
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (node.children.length > 1) {
      const merged: CallNode[] = [];
      for (const child of node.children) {
        const previous = merged[merged.length - 1];
        if (previous !== undefined && nodeKey(previous) === nodeKey(child)) absorb(previous, child);
        else merged.push(child);
      }
      node.children = merged;
    }
    pending.push(...node.children);
  }
  return root;
}

/** A new tree with sibling nodes of the same frame merged. */
export function mergeSiblings(root: CallNode): CallNode {
  return mergeSiblingsInPlace(cloneTree(root));
}

// ---------------------------------------------------------------------------
// Dropping.

/**
 * A new tree without the nodes whose totalTime is below `minShare` of the
 * root's; a dropped node's time becomes its parent's self time.
 */
export function dropSmallNodes(root: CallNode, minShare: number): CallNode {
  const threshold = minShare * root.totalTime;
  const out = copyNode(root);
  const pending: Array<[CallNode, CallNode]> = [[root, out]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [original, copy] = item;
    for (const child of original.children) {
      if (child.totalTime < threshold) {
        copy.selfTime += child.totalTime;
        continue;
      }
      const childCopy = copyNode(child);
      copy.children.push(childCopy);
      pending.push([child, childCopy]);
    }
  }
  return out;
}
