// What the differential experiments share (inline-stop-diff.js, v8-functions-check.js,
// symbolize-diff.js): a session's stacks as text, the count of those that differ, and a
// corpus program profiled until its event loop is done.
'use strict';
const path = require('node:path');

/** Each sample's stack, leaf first, as text: name@file:line:column, [i] when inlined, #executing line. */
function stackTexts(session) {
  return session.samples.stack.map((stack, i) => {
    const out = [];
    let line = session.lines ? session.lines.sample[i] : -1;
    for (let s = stack; s !== -1; s = session.stacks.parent[s]) {
      const f = session.frames[session.stacks.frame[s]];
      out.push(`${f.name}@${f.file}:${f.line}:${f.column}${f.inlined ? '[i]' : ''}#${line >= 0 ? session.lines.line[line] : '-'}`);
      if (line >= 0) line = session.lines.parent[line];
    }
    return out.join(' <- ');
  });
}

/** How many of two runs' sample texts differ; prints the first five, labelled. */
function countDiffering(a, b, [labelA, labelB] = ['new', 'old']) {
  let differing = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    if (differing++ < 5) console.log(`sample ${i}\n  ${labelA} ${String(a[i]).slice(0, 600)}\n  ${labelB} ${String(b[i]).slice(0, 600)}`);
  }
  return differing;
}

/**
 * Runs bench/corpus/<program>.js <size> under `profiler` (started here) and
 * calls `onEnd` once the event loop is done: asynchronous programs (prettier,
 * terser) too.
 */
function profileCorpusProgram(profiler, program, size, onEnd) {
  profiler.start();
  process.argv[2] = size;
  process.once('beforeExit', onEnd);
  require(path.join(__dirname, '..', '..', 'bench', 'corpus', `${program}.js`));
}

module.exports = { stackTexts, countDiffering, profileCorpusProgram };
