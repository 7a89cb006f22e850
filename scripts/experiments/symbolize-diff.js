// Differential check of the symbolizer: profiles a corpus program keeping
// every buffer the sampler drained (samples and code events), then replays
// them through this build's Symbolizer and another build's (OLD=<its dist/cjs>),
// rounds interleaved, and prints the samples whose stacks (frames, and the
// script offset of each frame, which inline recovery reads) differ and what
// each build took per round.
//   npm run build:ts && OLD=/tmp/base/dist/cjs node scripts/experiments/symbolize-diff.js tsc|eslint|prettier|... [small|large] [rounds]
'use strict';
const path = require('node:path');
const { countDiffering, profileCorpusProgram } = require('./stack-text');
const NEW = path.join(__dirname, '..', '..', 'dist', 'cjs');
const OLD = process.env.OLD;
if (!OLD) throw new Error('set OLD to the dist/cjs of the build to compare with');
const [program = 'tsc', size = 'small', rounds = '5'] = process.argv.slice(2);

const builds = [NEW, OLD].map((dist) => ({
  dist,
  Symbolizer: require(path.join(dist, 'symbolize', 'symbolizer.js')).Symbolizer,
  SessionBuilder: require(path.join(dist, 'session', 'session.js')).SessionBuilder,
  decode: require(path.join(dist, 'drain', 'decode.js')),
}));

/** Each sample as text: its frames leaf first, each with the script offset recorded for it. */
function sampleTexts(builder, positions) {
  const { stack: stacks } = builder.sampleTable();
  const out = [];
  for (let i = 0; i < stacks.length; i++) {
    const parts = [];
    let position = positions.sampleStack.get(i);
    for (let s = stacks[i]; s !== -1; s = builder.stacks.parent[s]) {
      const frame = builder.frames[builder.stacks.frame[s]];
      const tag = position >= 0 ? positions.tags[positions.tagOf[position]] : undefined;
      parts.push(`${frame.name}@${frame.file}:${frame.line}:${frame.column}+${tag ? tag.position : '-'}`);
      if (position >= 0) position = positions.parent[position];
    }
    out.push(parts.join(' <- '));
  }
  return out;
}

function replay(build, drained) {
  const resolver = { objectOf: () => '', symbolOf: () => '', functionOf: () => undefined };
  const builder = new build.SessionBuilder();
  const symbolizer = new build.Symbolizer(builder, resolver, drained.startNs, 0);
  const t0 = performance.now();
  for (const { samples, codeEvents } of drained.buffers) symbolizer.process(build.decode.samplesOf(samples), build.decode.decodeCodeEvents(codeEvents));
  const ms = performance.now() - t0;
  return { ms, builder, positions: symbolizer.inlineEvidence().positions };
}

function compare(drained) {
  const times = builds.map(() => []);
  let texts;
  for (let round = 0; round < Number(rounds); round++) {
    // Alternate which build goes first: the second runs with warmer caches.
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    const results = [];
    for (const b of order) {
      results[b] = replay(builds[b], drained);
      times[b].push(results[b].ms);
    }
    texts ??= results.map((r) => sampleTexts(r.builder, r.positions));
  }
  const [mine, theirs] = texts;
  const differing = countDiffering(mine, theirs);
  const median = (values) => values.sort((a, b) => a - b)[values.length >> 1].toFixed(1);
  console.log(JSON.stringify({ program, samples: mine.length, oldSamples: theirs.length, differing, newMs: median(times[0]), oldMs: median(times[1]), rounds: Number(rounds) }));
}

const { Profiler } = require(path.join(NEW, 'index.js'));
const native = require(path.join(NEW, 'native', 'addon.js')).loadNative();
const drained = { startNs: native.monotonicNow(), buffers: [] };
const drain = native.drain;
native.drain = function keep(...args) {
  const result = drain.apply(this, args);
  drained.buffers.push({ samples: result.samples.slice(0), codeEvents: result.codeEvents.slice(0) });
  return result;
};
const profiler = new Profiler({ interval: Number(process.env.INTERVAL_MS || 1) / 1000, inlinedFrames: false });
profileCorpusProgram(profiler, program, size, () => {
  profiler.stop();
  native.drain = drain;
  compare(drained);
});
