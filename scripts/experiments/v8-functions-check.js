// Differential check of V8's function tables (lib/inline/v8-functions.ts):
// profiles a corpus program, then resolves the same recording's positions
// twice, with the tables (as stop() does) and by parsing alone (a second,
// separate copy of lib/inline, so that no parse is shared), and prints the
// samples whose expanded stacks (frames, inlined marks, lines) differ and
// what each way cost.
//   npm run build:ts && node scripts/experiments/v8-functions-check.js tsc|prettier|terser|... [small|large]
'use strict';
const path = require('node:path');
const { countDiffering, profileCorpusProgram, stackTexts } = require('./stack-text');
const DIST = path.join(__dirname, '..', '..', 'dist', 'cjs');
const INLINE = path.join(DIST, 'inline');

/** A fresh copy of lib/inline's modules (their caches empty), with the tables switched off. */
function parsingOnlyRecover() {
  const saved = new Map();
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(INLINE + path.sep)) {
      saved.set(key, require.cache[key]);
      delete require.cache[key];
    }
  }
  require(path.join(INLINE, 'v8-functions.js')).takeV8FunctionTables = () => undefined;
  const copy = require(path.join(INLINE, 'recover.js'));
  for (const key of Object.keys(require.cache)) if (key.startsWith(INLINE + path.sep)) delete require.cache[key];
  for (const [key, module] of saved) require.cache[key] = module;
  return copy;
}


const recover = require(path.join(INLINE, 'recover.js'));
const parsingOnly = parsingOnlyRecover();
const recoverWithTables = recover.InlineRecovery.prototype.recover;
recover.InlineRecovery.prototype.recover = function (session) {
  const t0 = performance.now();
  const mine = recoverWithTables.call(this, session);
  const t1 = performance.now();
  // ONLY=tables skips the parsing run (to profile the tables' way alone).
  // The same evidence without the tables taken during the recording (ThreadRecording.keepFunctionTables).
  const evidence = { positions: this.evidence.positions, tieredFunctions: () => this.evidence.tieredFunctions() };
  const theirs = process.env.ONLY === 'tables' ? mine : new parsingOnly.InlineRecovery(evidence).recover(session);
  const t2 = performance.now();
  const a = stackTexts(mine.session);
  const b = stackTexts(theirs.session);
  const differing = countDiffering(a, b, ['tables ', 'parsing']);
  console.log(JSON.stringify({ samples: a.length, tags: this.evidence.positions.tags.length, differing, tablesCounts: mine.counts, parsingCounts: theirs.counts, tablesMs: Math.round(t1 - t0), parsingMs: Math.round(t2 - t1) }));
  return mine;
};

const [program = 'tsc', size = 'small'] = process.argv.slice(2);
const { Profiler } = require(path.join(DIST, 'index.js'));
const profiler = new Profiler({ interval: 0.001, inlinedFrames: true });
profileCorpusProgram(profiler, program, size, () => profiler.stop());
