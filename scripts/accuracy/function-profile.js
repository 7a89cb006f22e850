// Reduces a profile to time per function, the same way for V8's CpuProfiler
// (a .cpuprofile object) and for a nodeinstrument session, so that the two
// can be compared function by function.
//
// A function is keyed by `file:line:column` of its definition (1-based), so
// that names (which differ between the two: inferred names, Node 24's empty
// method names) do not matter. V8's profiler charges builtins and C++ to the
// JavaScript function that called them; nodeinstrument shows them as frames
// of their own, so here they are folded into their nearest JavaScript caller.
// A frame nodeinstrument recovered as inlined counts as its function.
'use strict';

const SPECIAL = {
  '(garbage collector)': '(garbage collection)',
  '(garbage collection)': '(garbage collection)',
  '(program)': '(program)',
  '(idle)': '(idle)',
  '(unresolved)': '(unresolved)',
};

function stripUrl(file) {
  return file.startsWith('file://') ? decodeURIComponent(file.slice('file://'.length)) : file;
}

function jsKey(file, line, column) {
  return `${stripUrl(file)}:${line}:${column}`;
}

/** { functions: Map<key, { name, self, total }>, time, lines: Map<key, Map<line, seconds>> } */
function emptyProfile() {
  return { functions: new Map(), time: 0, lines: new Map() };
}

function addSample(profile, keys, names, seconds, leafLine) {
  profile.time += seconds;
  const seen = new Set();
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    let fn = profile.functions.get(key);
    if (!fn) profile.functions.set(key, (fn = { name: names[i], self: 0, total: 0 }));
    if (!seen.has(key)) {
      fn.total += seconds;
      seen.add(key);
    }
  }
  const leaf = keys[keys.length - 1];
  profile.functions.get(leaf).self += seconds;
  if (leafLine > 0) {
    let lines = profile.lines.get(leaf);
    if (!lines) profile.lines.set(leaf, (lines = new Map()));
    lines.set(leafLine, (lines.get(leafLine) ?? 0) + seconds);
  }
}

/**
 * From a V8 .cpuprofile (inspector Profiler.stop's profile). `mapFrame`
 * (optional) maps a frame through source maps, as nodeinstrument's sessions
 * are, so that both name transpiled functions the same way.
 */
function fromCpuProfile(cpuprofile, mapFrame = (frame) => frame) {
  const profile = emptyProfile();
  const byId = new Map(cpuprofile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of cpuprofile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // Per node: the root-first keys and names of its path (folded) and the line ticks.
  const paths = new Map();
  const pathOf = (id) => {
    let path = paths.get(id);
    if (path) return path;
    const node = byId.get(id);
    const parentId = parent.get(id);
    const up = parentId === undefined ? { keys: [], names: [] } : pathOf(parentId);
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    let key;
    if (SPECIAL[functionName]) key = SPECIAL[functionName];
    else if (functionName === '(root)' && parentId === undefined) key = undefined;
    else if (url === '' && lineNumber < 0) key = undefined; // C++ or builtin: folded into its caller
    else {
      const frame = mapFrame({ name: functionName, file: stripUrl(url), line: lineNumber + 1, column: columnNumber + 1, kind: 'js' });
      key = jsKey(frame.file, frame.line, frame.column);
    }
    path = key === undefined ? up : { keys: [...up.keys, key], names: [...up.names, functionName || '(anonymous)'] };
    paths.set(id, path);
    return path;
  };
  const { samples, timeDeltas } = cpuprofile;
  // Line ticks of each node, spread over its samples in proportion.
  for (let i = 0; i < samples.length; i++) {
    // Time since the previous sample, as nodeinstrument's sample durations.
    const seconds = Math.max(0, timeDeltas[i] ?? 0) / 1e6;
    const path = pathOf(samples[i]);
    const keys = path.keys.length ? path.keys : ['(program)'];
    addSample(profile, keys, path.names.length ? path.names : ['(program)'], seconds, 0);
  }
  // Hot lines: V8 counts ticks per line of the leaf function (positionTicks).
  const tickSeconds = profile.time / Math.max(1, samples.length);
  for (const node of cpuprofile.nodes) {
    if (!node.positionTicks) continue;
    const path = pathOf(node.id);
    const leaf = path.keys[path.keys.length - 1];
    if (!leaf) continue;
    let lines = profile.lines.get(leaf);
    if (!lines) profile.lines.set(leaf, (lines = new Map()));
    for (const { line, ticks } of node.positionTicks) lines.set(line, (lines.get(line) ?? 0) + ticks * tickSeconds);
  }
  return profile;
}

/**
 * From a nodeinstrument Session. `v8View`: leave out the inlined frames
 * recovered at the interrupted pc, which V8's CpuProfiler does not expand
 * (it expands inlined frames only at return addresses, SymbolizeTickSample
 * in V8's symbolizer.cc): those are the inlined frames at the leaf end of a
 * stack; inlined frames followed by a builtin or C++ frame came from a
 * return address and stay.
 */
function fromSession(session, v8View = false) {
  const profile = emptyProfile();
  const { frames } = session;
  const cache = new Map();
  const pathOf = (stackId) => {
    let path = cache.get(stackId);
    if (path) return path;
    const keys = [];
    const names = [];
    let leafLine = 0;
    let leafEnd = true;
    for (let id = stackId; id !== -1; id = session.stacks.parent[id]) {
      const frame = frames[session.stacks.frame[id]];
      if (v8View && leafEnd && frame.kind === 'js' && frame.inlined) continue;
      leafEnd = false;
      let key;
      if (frame.kind === 'js') key = jsKey(frame.file, frame.line, frame.column);
      else if (frame.kind === 'special') key = SPECIAL[frame.name];
      if (key === undefined) continue;
      keys.push(key);
      names.push(frame.name);
    }
    keys.reverse();
    names.reverse();
    path = keys.length ? { keys, names, leafLine } : { keys: ['(program)'], names: ['(program)'], leafLine: 0 };
    cache.set(stackId, path);
    return path;
  };
  for (let i = 0; i < session.samples.stack.length; i++) {
    const stackId = session.samples.stack[i];
    const seconds = session.samples.duration[i];
    const path = stackId === -1 ? { keys: ['(program)'], names: ['(program)'], leafLine: 0 } : pathOf(stackId);
    addSample(profile, path.keys, path.names, seconds, path.leafLine);
  }
  return profile;
}

/** Shares of time per function: self shares sum to 1; total shares are normalised to sum to 1 too. */
function shares(profile, which) {
  const out = new Map();
  let sum = 0;
  for (const fn of profile.functions.values()) sum += fn[which];
  for (const [key, fn] of profile.functions) if (fn[which] > 0) out.set(key, fn[which] / sum);
  return out;
}

/** Overlap of two distributions: the sum over functions of the smaller share (1 = identical). */
function overlap(a, b) {
  let sum = 0;
  for (const [key, share] of a) sum += Math.min(share, b.get(key) ?? 0);
  return sum;
}

function toJSON(profile) {
  return {
    time: profile.time,
    functions: Object.fromEntries(profile.functions),
    lines: Object.fromEntries([...profile.lines].map(([key, lines]) => [key, Object.fromEntries(lines)])),
  };
}

function fromJSON(data) {
  return {
    time: data.time,
    functions: new Map(Object.entries(data.functions)),
    lines: new Map(Object.entries(data.lines).map(([key, lines]) => [key, new Map(Object.entries(lines).map(([l, s]) => [Number(l), s]))])),
  };
}

module.exports = { fromCpuProfile, fromSession, shares, overlap, toJSON, fromJSON, jsKey };
