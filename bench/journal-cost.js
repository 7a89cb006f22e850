'use strict';
/**
 * What the CLI's journal (lib/recording/journal.ts) costs the profiled
 * program's JS thread: records the suite's async workload with a journal
 * attached, times every SessionJournal.append, and prints the share of the
 * run spent there and the time per sample, per interval, over several
 * shuffled runs (medians, min-max):
 *
 *   node bench/journal-cost.js [--runs 6] [--seconds 10]
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const ROOT = path.join(__dirname, '..');
const workload = require('./lib/workload');
const { summary, shuffled } = require('./lib/stats');
const { Profiler } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
const { SessionJournal } = require(path.join(ROOT, 'dist', 'cjs', 'recording', 'journal.js'));

const { values } = parseArgs({ options: { runs: { type: 'string', default: '6' }, seconds: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const seconds = Number(values.seconds);

let spentMs = 0;
const append = SessionJournal.prototype.append;
SessionJournal.prototype.append = function timed(...args) {
  const started = performance.now();
  append.apply(this, args);
  spentMs += performance.now() - started;
};

async function once(interval) {
  const file = path.join(os.tmpdir(), `nodeinstrument-journal-cost-${process.pid}.journal`);
  spentMs = 0;
  const profiler = new Profiler({ interval });
  profiler.start();
  profiler.journalTo(new SessionJournal(file));
  await workload.runAsyncFor(seconds * 1000);
  const session = profiler.stop();
  const bytes = fs.statSync(file).size;
  fs.rmSync(file, { force: true });
  return { share: spentMs / (seconds * 1000), usPerSample: (spentMs * 1000) / session.meta.sampleCount, bytesPerSample: bytes / session.meta.sampleCount };
}

async function main() {
  const results = { 0.001: [], 0.0001: [] };
  const order = shuffled(Array.from({ length: runs }, () => Object.keys(results)).flat());
  for (const interval of order) results[interval].push(await once(Number(interval)));
  console.log(`journal cost, ${runs} runs of ${seconds} s each per interval (Node ${process.version}); median [min-max]`);
  for (const [interval, list] of Object.entries(results)) {
    const show = (key, scale, digits) => {
      const s = summary(list.map((r) => r[key] * scale));
      return `${s.median.toFixed(digits)} [${s.min.toFixed(digits)}-${s.max.toFixed(digits)}]`;
    };
    console.log(`  ${1 / Number(interval)} Hz: ${show('share', 100, 3)}% of the run, ${show('usPerSample', 1, 2)} us per sample, ${show('bytesPerSample', 1, 1)} bytes per sample`);
  }
}

main();
