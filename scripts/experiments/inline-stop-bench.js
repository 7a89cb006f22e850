// Times one first Profiler.stop() in a fresh process, with inlined-frame recovery
// (lib/inline-*.ts), whose parsing is cached per process. For interleaved A/B runs:
//   DIST=<a build's dist/cjs> [INLINE=0] node scripts/experiments/inline-stop-bench.js small|ts
// small: 20 x 20 ms of busy loop and 5 ms sleeps; ts: a TypeScript type check of lib/cli/cli.ts.
// Prints {"stopMs", "inlined" (inlined frames), "samples"} as JSON.
'use strict';
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { Profiler } = require(path.join(process.env.DIST || path.join(__dirname, '..', '..', 'dist', 'cjs'), 'index.js'));

function spin(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x++;
  return x;
}

(async () => {
  const ts = process.argv[2] === 'ts' ? require('typescript') : undefined;
  const profiler = new Profiler({ interval: 0.001, inlinedFrames: process.env.INLINE !== '0' });
  profiler.start();
  if (ts) {
    const program = ts.createProgram([path.join(__dirname, '..', '..', 'lib', 'cli', 'cli.ts')], { strict: true, noEmit: true, types: [] });
    ts.getPreEmitDiagnostics(program);
  } else {
    for (let i = 0; i < 20; i++) {
      spin(20);
      await sleep(5);
    }
  }
  const t0 = performance.now();
  const session = profiler.stop();
  const t1 = performance.now();
  const inlined = session.frames.filter((frame) => frame.inlined).length;
  console.log(JSON.stringify({ stopMs: +(t1 - t0).toFixed(1), inlined, samples: session.meta.sampleCount }));
})();
