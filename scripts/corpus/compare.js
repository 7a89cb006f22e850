// What the corpus harness (scripts/corpus.js) and its test compare: V8's own
// profile of a program (--cpu-prof) against nodeinstrument's default --flat
// report of the same program.
'use strict';
const { readFileSync } = require('node:fs');

/**
 * The JavaScript functions of a .cpuprofile by self time, with the time of
 * builtins, C++ and other frames without a script charged to the nearest
 * JavaScript caller (as V8's and pprof's function views do). Time with no
 * JavaScript on the stack ((program), GC, idle) is left out.
 * Returns [{ name, url, line (1-based), self (s) }], largest first.
 */
function v8TopFunctions(cpuprofilePath) {
  const profile = JSON.parse(readFileSync(cpuprofilePath, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const isJs = (node) => node.callFrame.url !== '' && node.callFrame.functionName !== '(program)';
  const owner = new Map();
  const ownerOf = (id) => {
    if (owner.has(id)) return owner.get(id);
    const node = byId.get(id);
    const found = isJs(node) ? node : parent.has(id) ? ownerOf(parent.get(id)) : undefined;
    owner.set(id, found);
    return found;
  };
  const self = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // A sample's time is the gap to the next one (V8's own convention).
    const seconds = (i + 1 < timeDeltas.length ? timeDeltas[i + 1] : 0) / 1e6;
    const js = ownerOf(samples[i]);
    if (!js) continue;
    const { functionName, url, lineNumber } = js.callFrame;
    const key = `${functionName || '(anonymous)'}\u0000${url}\u0000${lineNumber}`;
    const entry = self.get(key) ?? { name: functionName || '(anonymous)', url, line: lineNumber + 1, self: 0 };
    entry.self += seconds;
    self.set(key, entry);
  }
  return [...self.values()].sort((a, b) => b.self - a.self);
}

/**
 * The rows of a text report's flat view: [{ value, name, location }], in
 * order. `value` is seconds or a percentage as printed.
 */
function flatRows(text) {
  const rows = [];
  let inBody = false;
  for (const line of text.split('\n')) {
    if (!inBody) {
      // The body starts after the header's blank line.
      if (line.trim() === '' && rows.length === 0) inBody = true;
      continue;
    }
    const match = /^\s*([\d.]+%?)\s(.*?)(?: {2}(\S.*))?$/.exec(line);
    if (match) rows.push({ value: match[1], name: match[2], location: match[3] ?? '' });
  }
  return rows;
}

/**
 * Whether a flat row names V8's function: the same name, where V8's may lack
 * the class a method belongs to (`render` for `MarkdownIt.render`). Files and
 * lines are not compared (a source map moves ours to the original file), but
 * for anonymous functions.
 */
function sameFunction(row, v8) {
  const name = row.name.replace(/ \[inlined\]$/, '');
  // Anonymous functions are told apart by place: the file's name and the line.
  if (v8.name === '(anonymous)') return name === v8.name && row.location.endsWith(`${v8.url.replace(/^.*\//, '')}:${v8.line}`);
  return name === v8.name || name.endsWith(`.${v8.name}`) || v8.name.endsWith(`.${name}`);
}

/** Native rows that name only a shared object: `[native] node`, `[native] libc.so.6`. */
function bareNativeRows(rows) {
  return rows.filter((row) => /^\[native\] \S+$/.test(row.name) && !row.location);
}

/** Functions listed more than once (an inlined copy beside the function). */
function repeatedRows(rows) {
  const seen = new Map();
  for (const row of rows) {
    const key = `${row.name.replace(/ \[inlined\]$/, '')}  ${row.location}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, count]) => count > 1).map(([key]) => key);
}

/**
 * The session as Node 20's --cpu-prof sees it: without the inlined frames
 * ours recovers (V8 11's profile charges an inlined function's time to the
 * function it was inlined into; V8 13's names what TurboFan inlined). For
 * comparing the samples, not what a user reads.
 */
function foldInlined(session) {
  const { SessionBuilder } = require('../../dist/cjs/session/session.js');
  const builder = new SessionBuilder();
  const { samples } = session;
  for (let i = 0; i < samples.stack.length; i++) {
    const frames = samples.stack[i] === -1 ? [] : session.stackFrames(samples.stack[i]).filter((id) => !session.frames[id].inlined);
    const stack = frames.length === 0 ? -1 : builder.internStackOf(frames.map((id) => builder.internFrame(session.frames[id])));
    builder.addSample(stack, samples.time[i], samples.duration[i], samples.cpu[i]);
  }
  return builder.build(session.meta);
}

module.exports = { v8TopFunctions, flatRows, sameFunction, bareNativeRows, repeatedRows, foldInlined };
