// Differential check of inlined-frame recovery: profiles a corpus program, then
// resolves the same recording's positions with this build's lib/inline (as
// stop() does) and with another build's (OLD=<its dist/cjs>, e.g. a checkout
// of the commit before a change), both with the V8 function tables taken
// during the recording, and prints the samples whose expanded stacks (frames,
// inlined marks, lines) differ and what each build's recovery cost.
//   npm run build:ts && OLD=/tmp/base/dist/cjs [FIRST=new] node scripts/experiments/inline-stop-diff.js eslint|tsc|prettier|... [small|large]
'use strict';
const path = require('node:path');
const { countDiffering, profileCorpusProgram, stackTexts } = require('./stack-text');
const NEW = path.join(__dirname, '..', '..', 'dist', 'cjs');
const OLD = process.env.OLD;
if (!OLD) throw new Error('set OLD to the dist/cjs of the build to compare with');
const recover = require(path.join(NEW, 'inline', 'recover.js'));
const oldRecover = require(path.join(OLD, 'inline', 'recover.js'));

const recoverNew = recover.InlineRecovery.prototype.recover;
recover.InlineRecovery.prototype.recover = function (session) {
  // The old build first: the tables the recording kept are the same for both, and taking them again
  // after the new build's recovery would list what that recovery's own closures keep alive.
  // FIRST=new runs this build first: the one that runs second finds acorn compiled (in the same
  // node_modules) and seems 15-40% faster with the same code; alternate runs to compare times.
  const runOld = () => new oldRecover.InlineRecovery(this.evidence).recover(session);
  const runNew = () => recoverNew.call(this, session);
  const [first, second] = process.env.FIRST === 'new' ? [runNew, runOld] : [runOld, runNew];
  const t0 = performance.now();
  const one = first();
  const t1 = performance.now();
  const two = second();
  const t2 = performance.now();
  const [theirs, mine] = first === runOld ? [one, two] : [two, one];
  const [oldMs, newMs] = first === runOld ? [t1 - t0, t2 - t1] : [t2 - t1, t1 - t0];
  const a = stackTexts(mine.session);
  const b = stackTexts(theirs.session);
  const differing = countDiffering(a, b);
  console.log(JSON.stringify({ samples: a.length, tags: this.evidence.positions.tags.length, differing, newCounts: mine.counts, oldCounts: theirs.counts, newMs: Math.round(newMs), oldMs: Math.round(oldMs), first: process.env.FIRST === 'new' ? 'new' : 'old' }));
  return mine;
};

const [program = 'eslint', size = 'small'] = process.argv.slice(2);
const { Profiler } = require(path.join(NEW, 'index.js'));
const profiler = new Profiler({ interval: 0.001, inlinedFrames: true });
profileCorpusProgram(profiler, program, size, () => profiler.stop());
