'use strict';
/**
 * What carrying labels across `await` costs: an in-process interleaved A/B of
 * ways to do it on a promise-heavy workload (bench/labels-child.js), on Node
 * 20 and, when scripts/fetch-node.sh has fetched it, Node 24.
 *
 *   node bench/labels.js [--processes 2] [--groups 40] [--write]
 *
 * Each process runs groups of one block per variant in a shuffled order; a
 * variant's figure for a group is its block time divided by the same group's
 * baseline block. The table shows the median over all groups of that ratio,
 * its IQR, and the extra time per await. --write replaces the labels section
 * of docs/benchmarks.md (between its labels-bench markers).
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { summary, median } = require('./lib/stats');

const ROOT = path.join(__dirname, '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const processes = option('--processes', 2);
const groups = option('--groups', 40);
const write = args.includes('--write');

const node24 = path.join(ROOT, '.cache', 'node-24.21.0', 'bin', 'node');
// The profiler variants need the addon, which is built for the Node running this script.
const runtimes = [{ exec: process.execPath, args: [] }];
if (fs.existsSync(node24)) runtimes.push({ exec: node24, args: ['--no-profiler'] });

const DESCRIPTIONS = {
  baseline: 'no AsyncLocalStorage, no hook',
  labelsIdle: '`withLabels` per request, no recording running (ALS only, hook off)',
  labelsRecording: '`withLabels` per request, hook on as during a recording (sampler off: labels alone)',
  alsOnly: 'reference: `AsyncLocalStorage.run` per request',
  hookNoop: 'reference: ALS + `async_hooks` before/after doing nothing',
  promiseHooks: 'alternative: ALS + `v8.promiseHooks` before/after writing the slot (misses timers, I/O)',
  profiler: 'nodeinstrument recording at 1 kHz, requests not labelled (labels were used in this process, so the hook is on)',
  profilerLabels: 'nodeinstrument recording at 1 kHz, `withLabels` per request',
};

const started = Date.now();
const load0 = os.loadavg();
const collected = runtimes.map(() => ({ node: '', variants: [], groups: [], awaitsPerBlock: 0 }));
for (let p = 0; p < processes; p++) {
  runtimes.forEach((runtime, r) => {
    const out = execFileSync(runtime.exec, [path.join(__dirname, 'labels-child.js'), String(groups), ...runtime.args], { encoding: 'utf8', cwd: ROOT });
    const result = JSON.parse(out);
    Object.assign(collected[r], { node: result.node, variants: result.variants, awaitsPerBlock: result.awaitsPerBlock });
    collected[r].groups.push(...result.groups);
    process.stderr.write(`${result.node}: process ${p + 1}/${processes} done (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  });
}
const awaitsPerBlock = collected[0].awaitsPerBlock;

const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;
const sections = collected.map(({ node, variants, groups: all }) => {
  const rows = variants.map((variant) => {
    const times = all.map((group) => group[variant]);
    if (variant === 'baseline') return `| ${variant} | ${DESCRIPTIONS[variant]} | ${median(times).toFixed(1)} | | | |`;
    const s = summary(all.map((group) => group[variant] / group.baseline - 1));
    const perAwaitNs = median(all.map((group) => ((group[variant] - group.baseline) * 1e6) / awaitsPerBlock));
    return `| ${variant} | ${DESCRIPTIONS[variant]} | ${median(times).toFixed(1)} | **${pct(s.median)}** | ${pct(s.q1)} … ${pct(s.q3)} | ${Math.round(perAwaitNs)} |`;
  });
  return (
    `#### Node ${node} (${all.length} groups)\n\n` +
    '| variant | what | block, ms (median) | vs baseline (median over groups) | IQR | extra ns per await (median) |\n' +
    '|---|---|---:|---:|---:|---:|\n' +
    rows.join('\n')
  );
});

const load1 = os.loadavg();
const report =
  '<!-- labels-bench:start (written by node bench/labels.js --write; kept by bench/run.js) -->\n' +
  '## 7. Labels: carrying a label set across `await`\n\n' +
  `Command: \`node bench/labels.js --processes ${processes} --groups ${groups} --write\`; ${new Date(started).toISOString()}; ` +
  `${os.cpus().length} CPUs, load average ${load0.map((x) => x.toFixed(1)).join('/')} at start, ${load1.map((x) => x.toFixed(1)).join('/')} at end ` +
  `(shared machine: expect noise); ${((Date.now() - started) / 1000).toFixed(0)} s.\n\n` +
  `Workload (bench/labels-child.js): blocks of 200 concurrent async requests, each 40 iterations of three nested async calls ` +
  `and a \`setImmediate\` every fourth, with a little arithmetic between awaits: ${awaitsPerBlock} awaits per block, nothing else. ` +
  'This is the worst case for any per-context-switch cost; real handlers do far more work per await. ' +
  `In-process interleaved A/B: ${processes} process(es) per Node version, each running ${groups} groups after 3 warm-up groups; ` +
  'a group is one block per variant in a shuffled order, each variant\'s state (AsyncLocalStorage, hooks, a recording) set up ' +
  'before its block and torn down after it, outside the timed part. "vs baseline" is the median over groups of ' +
  '(variant block / the same group\'s baseline block − 1); the IQR shows the spread.\n\n' +
  sections.join('\n\n') +
  '\n\n' +
  'Reading: `alsOnly` and `labelsIdle` are what labels cost when no recording runs (AsyncLocalStorage alone: on Node 20 it turns on V8\'s promise hooks through an async_hooks init hook, on Node 24 it rides AsyncContextFrame); `labelsRecording` adds the before/after hook that keeps the label slot current while a recording runs; `hookNoop` is that hook doing nothing, so the difference between the two is nodeinstrument\'s own work per switch. `promiseHooks` is cheaper on Node 24 but cannot follow timers, immediates or I/O callbacks (docs/labels.md). The machine is shared: the IQRs show how much single groups vary.\n' +
  '<!-- labels-bench:end -->\n';
process.stdout.write(report);
if (write) {
  const file = path.join(ROOT, 'docs', 'benchmarks.md');
  const doc = fs.readFileSync(file, 'utf8');
  const pattern = /<!-- labels-bench:start[\s\S]*?<!-- labels-bench:end -->\n?/;
  fs.writeFileSync(file, pattern.test(doc) ? doc.replace(pattern, report) : `${doc.trimEnd()}\n\n${report}`);
  process.stderr.write(`wrote the labels section of ${path.relative(ROOT, file)}\n`);
}
