'use strict';
/**
 * The JS thread's part of sampling, alone: records 2 s of the suite's workload
 * at 10 kHz, keeping every drained buffer (samples and code events), then
 * replays them through a fresh Symbolizer and SessionBuilder, round after
 * round, with no recording running. So nodeinstrument can profile its own
 * drain path:
 *
 *   node bin/nodeinstrument.js -i 100us bench/drain-replay.js [rounds]
 *
 * Prints the replay's time per sample.
 */
const path = require('node:path');
const ROOT = path.join(__dirname, '..');
const workload = require('./lib/workload');
const { Profiler } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
const { loadNative } = require(path.join(ROOT, 'dist', 'cjs', 'native', 'addon.js'));
const { decodeCodeEvents, decodeSamples } = require(path.join(ROOT, 'dist', 'cjs', 'drain', 'decode.js'));
const { Symbolizer } = require(path.join(ROOT, 'dist', 'cjs', 'symbolize', 'symbolizer.js'));
const { SessionBuilder } = require(path.join(ROOT, 'dist', 'cjs', 'session', 'session.js'));

/** The drained buffers of one recording, copied as they were handed over. */
async function record(seconds) {
  const native = loadNative();
  const drained = [];
  const drain = native.drain;
  native.drain = function keep(...args) {
    const result = drain.apply(this, args);
    drained.push({ samples: result.samples.slice(0), codeEvents: result.codeEvents.slice(0) });
    return result;
  };
  try {
    const profiler = new Profiler({ interval: 0.0001, inlinedFrames: false, workers: false });
    profiler.start();
    await workload.runAsyncFor(seconds * 1000);
    profiler.stop();
  } finally {
    native.drain = drain;
  }
  return drained;
}

function replay(drained) {
  const resolver = { objectOf: () => '', symbolOf: () => '' };
  const symbolizer = new Symbolizer(new SessionBuilder(), resolver, 0, 0);
  let samples = 0;
  for (const { samples: s, codeEvents } of drained) {
    const decoded = decodeSamples(s);
    samples += decoded.length;
    symbolizer.process(decoded, decodeCodeEvents(codeEvents));
  }
  return samples;
}

async function main() {
  if (process.env.NI_REPLAY_CHILD) {
    const buffers = await record(2);
    process.send(buffers.map(({ samples, codeEvents }) => ({ samples: Buffer.from(samples).toString('base64'), codeEvents: Buffer.from(codeEvents).toString('base64') })));
    return;
  }
  const rounds = Number(process.argv[2] || 200);
  const drained = await fromChild();
  const started = performance.now();
  let samples = 0;
  for (let round = 0; round < rounds; round++) samples += replay(drained);
  const ms = performance.now() - started;
  console.log(`${rounds} replays of ${samples / rounds} samples: ${((ms * 1000) / samples).toFixed(3)} us per sample`);
}

/**
 * The recording is made in a child process without the CLI's preload: under
 * `nodeinstrument`, the CLI's own recording samples this thread, and a second
 * one here would be refused.
 */
async function fromChild() {
  const { fork } = require('node:child_process');
  const child = fork(__filename, [], { env: { ...process.env, NI_REPLAY_CHILD: '1', NODE_OPTIONS: '' }, execArgv: [] });
  const [message] = await Promise.all([new Promise((resolve) => child.once('message', resolve)), new Promise((resolve) => child.once('exit', resolve))]);
  const arrayBuffer = (base64) => {
    const bytes = Buffer.from(base64, 'base64');
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  };
  return message.map(({ samples, codeEvents }) => ({ samples: arrayBuffer(samples), codeEvents: arrayBuffer(codeEvents) }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
