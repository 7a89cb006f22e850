// Differential check of inlined-frame recovery: runs the same recording through
// this build's resolver and through another build's (OLD=<its dist/cjs>, e.g. a
// checkout of the commit before a change) and prints the samples whose expanded
// stacks (frames, inlined marks, lines) differ.
//   OLD=/tmp/base/dist/cjs node scripts/experiments/inline-stop-diff.js small|ts
'use strict';
const path = require('node:path');
const { stackTexts } = require('./stack-text');
const NEW = path.join(__dirname, '..', '..', 'dist', 'cjs');
const OLD = process.env.OLD;
if (!OLD) throw new Error('set OLD to the dist/cjs of the build to compare with');
const recover = require(path.join(NEW, 'inline', 'recover.js'));
const { readScriptSource } = require(path.join(NEW, 'inline', 'sources.js'));
const oldStack = require(path.join(OLD, 'inline-stack.js'));
const oldExpand = require(path.join(OLD, 'inline-expand.js'));


// The old build's files are named as they were before the lib/ relayout.
const recoverNew = recover.recoverInlineFrames;
recover.recoverInlineFrames = function (session, evidence) {
  const t0 = performance.now();
  const { session: mine, counts } = recoverNew(session, evidence);
  const t1 = performance.now();
  const resolver = new oldStack.InlineResolver(readScriptSource);
  for (const frame of evidence.tieredFunctions()) resolver.addTieredFunction(frame);
  const theirs = oldExpand.expandPositions(session, evidence.positions, resolver);
  const t2 = performance.now();
  const a = stackTexts(mine);
  const b = stackTexts(theirs);
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (differing++ < 5) console.log(`sample ${i}\n  new ${a[i].slice(0, 400)}\n  old ${b[i].slice(0, 400)}`);
  }
  console.log(JSON.stringify({ samples: a.length, differing, newCounts: counts, oldCounts: resolver.counts, newMs: Math.round(t1 - t0), oldMs: Math.round(t2 - t1) }));
  return { session: mine, counts };
};

const { Profiler } = require(path.join(NEW, 'index.js'));
function spin(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x++;
  return x;
}
(async () => {
  const profiler = new Profiler({ interval: 0.001, inlinedFrames: true });
  profiler.start();
  if (process.argv[2] === 'ts') {
    const ts = require('typescript');
    ts.getPreEmitDiagnostics(ts.createProgram([path.join(__dirname, '..', '..', 'lib', 'cli', 'cli.ts')], { strict: true, noEmit: true, types: [] }));
  } else {
    for (let i = 0; i < 20; i++) {
      spin(20);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  profiler.stop();
})();
