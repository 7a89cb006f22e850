// nodeinstrument diff on hand-made sessions: what it finds, what it calls
// noise, and how it reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffSessions, DiffError, matchFrames, forEachDiffNode, effectiveShare } from '../internals.cjs';
import { criticalZ, normalQuantile, noiseTest, batchMeansVariance } from '../internals.cjs';
import { renderDiffText } from '../internals.cjs';
import { renderDiffHtml } from '../internals.cjs';
import { parseDiffArgs, diffFormatOf } from '../internals.cjs';
import { makeSession, seededRandom } from '../sessions.mjs';

const app = (name, line) => ({ name, file: '/app/app.js', line, column: 1, kind: 'js' });
const MAIN = app('main', 1);
const F = app('parse', 10);
const G = app('render', 20);
const H = app('log', 30);

/** `count` samples of 1 ms on each stack, interleaved in a fixed order so every time slice looks alike. */
function steady(parts) {
  const samples = [];
  const total = parts.reduce((sum, [, count]) => sum + count, 0);
  const taken = parts.map(() => 0);
  for (let i = 0; i < total; i++) {
    // Pick the part furthest behind its quota: an even mix over time.
    let best = 0;
    let bestLag = -Infinity;
    parts.forEach(([, count], index) => {
      const lag = (count * (i + 1)) / total - taken[index];
      if (lag > bestLag) {
        bestLag = lag;
        best = index;
      }
    });
    taken[best]++;
    samples.push([parts[best][0], 0.001]);
  }
  return makeSession(samples, { duration: total * 0.001 });
}

/** `total` samples drawn at random with the given probabilities (the same program, sampled). */
function drawn(parts, total, random) {
  const samples = [];
  for (let i = 0; i < total; i++) {
    let r = random();
    let index = 0;
    while (index < parts.length - 1 && r >= parts[index][1]) r -= parts[index++][1];
    samples.push([parts[index][0], 0.001]);
  }
  return makeSession(samples, { duration: total * 0.001 });
}

const find = (diff, name) => {
  let found;
  forEachDiffNode(diff.root, (node) => {
    if (!found && node.frame.name === name) found = node;
  });
  return found;
};

test('one function made 2x faster is found, in seconds and in share, and the rest is not blamed', () => {
  const before = steady([[[MAIN, F], 1000], [[MAIN, G], 1000]]);
  const after = steady([[[MAIN, F], 500], [[MAIN, G], 1000]]);
  const diff = diffSessions(before, after);
  const f = find(diff, 'parse');
  assert.equal(f.verdict, 'faster');
  assert.ok(Math.abs(f.relativeChange + 0.5) < 0.01, `parse -50%, got ${f.relativeChange}`);
  assert.ok(Math.abs(f.timeChange + 0.5) < 0.01);
  assert.ok(Math.abs(f.before.share - 0.5) < 0.01 && Math.abs(f.after.share - 1 / 3) < 0.01);
  // render's share rose from 50% to 67% only because parse shrank: its time did not change.
  const g = find(diff, 'render');
  assert.equal(g.verdict, 'noise');
  assert.ok(Math.abs(g.timeChange) < 0.01);
  // main's time fell, but that is parse's change, marked there.
  assert.equal(find(diff, 'main').verdict, 'minor');
  assert.equal(diff.functions.find((row) => row.frame.name === 'parse').verdict, 'faster');
  assert.equal(diff.faster, 2, 'the parse branch and the parse function');
  assert.equal(diff.slower, 0);

  const text = renderDiffText(diff, { unicode: false, labels: ['before.json', 'after.json'] });
  assert.match(text, /Significant changes \(rows beyond sampling noise\): 2 faster\./);
  assert.match(text, /\|- 1\.000 -> 0\.500 {2}-0\.500 \(-50%\) \[faster\] {2}parse {2}app\.js:10/);
  assert.match(text, /1\.000 -> 1\.000 {2}\+0\.000 \(\+0%\) ~ {2}render/);
  assert.match(text, /total {2}2\.000 s -> 1\.500 s {2}\(-0\.500 s, -25%\)/);
  const percent = renderDiffText(diff, { unicode: false, timing: 'percent' });
  assert.match(percent, /50\.0% -> 33\.3% {2}-16\.7 pts \[faster\] {2}parse/);
});

test('a new function and a function gone are reported as such', () => {
  const before = steady([[[MAIN, F], 800], [[MAIN, G], 800]]);
  const after = steady([[[MAIN, F], 800], [[MAIN, H], 800]]);
  const diff = diffSessions(before, after);
  assert.equal(find(diff, 'log').verdict, 'slower');
  assert.equal(find(diff, 'log').relativeChange, undefined);
  assert.equal(find(diff, 'render').verdict, 'faster');
  assert.equal(find(diff, 'render').after.time, 0);
  const text = renderDiffText(diff, { unicode: false });
  assert.match(text, /0\.000 -> 0\.800 {2}\+0\.800 \(new\) \[slower\] {2}log/);
  assert.match(text, /0\.800 -> 0\.000 {2}-0\.800 \(gone\) \[faster\] {2}render/);
});

test("the same program sampled twice shows no significant differences (family-wise, over many seeds)", (t) => {
  const tree = [
    [[MAIN, F], 0.4], [[MAIN, F, H], 0.1], [[MAIN, G], 0.3], [[MAIN, G, H], 0.05], [[MAIN, H], 0.1], [[app('gc', 40)], 0.05],
  ];
  const random = seededRandom(9);
  let flagged = 0;
  let flaggedUncorrected = 0;
  const runs = 60;
  for (let run = 0; run < runs; run++) {
    const diff = diffSessions(drawn(tree, 1500, random), drawn(tree, 1500, random));
    if (diff.faster + diff.slower > 0) flagged++;
    // Without the Bonferroni correction and the minimum change, the same data would cry wolf far more often.
    const loose = diffSessions(drawn(tree, 1500, random), drawn(tree, 1500, random), { alpha: 0.05 * 20, minChange: 0 });
    if (loose.faster + loose.slower > 0) flaggedUncorrected++;
  }
  t.diagnostic(`unchanged pairs flagged: ${flagged} of ${runs}; without the corrections: ${flaggedUncorrected}`);
  assert.ok(flagged <= 3, `${flagged} of ${runs} unchanged pairs flagged (5% family-wise allows about 3)`);
  assert.ok(flaggedUncorrected > flagged, `uncorrected: ${flaggedUncorrected}`);
  const diff = diffSessions(drawn(tree, 1500, random), drawn(tree, 1500, random));
  if (diff.faster + diff.slower === 0) assert.match(renderDiffText(diff), /No significant differences: every change is within sampling noise or under 2% of the total\./);
});

test('the noise test has power: a 6-point shift in 2,000 samples is found, a 1-point one is not claimed', () => {
  const random = seededRandom(3);
  const base = [[[MAIN, F], 0.3], [[MAIN, G], 0.7]];
  const shifted = [[[MAIN, F], 0.36], [[MAIN, G], 0.64]];
  const slight = [[[MAIN, F], 0.31], [[MAIN, G], 0.69]];
  let found = 0;
  let claimed = 0;
  for (let run = 0; run < 20; run++) {
    if (find(diffSessions(drawn(base, 2000, random), drawn(shifted, 2000, random)), 'parse').verdict === 'slower') found++;
    if (find(diffSessions(drawn(base, 2000, random), drawn(slight, 2000, random)), 'parse').verdict === 'slower') claimed++;
  }
  assert.ok(found >= 16, `6-point shift found in ${found} of 20`);
  assert.ok(claimed <= 2, `1-point shift claimed in ${claimed} of 20`);
});

test('a uniformly slower run (a busier machine) changes no share: no significant differences, and the total is explained', () => {
  const before = steady([[[MAIN, F], 1000], [[MAIN, G], 1000]]);
  const slow = makeSession(
    before.samples.stack.map((stack) => [before.stackFrames(stack).map((id) => before.frames[id]), 0.0015]),
  );
  const diff = diffSessions(before, slow);
  assert.equal(diff.faster + diff.slower, 0);
  assert.equal(find(diff, 'parse').verdict, 'minor', 'its time grew beyond noise, its share did not');
  const text = renderDiffText(diff);
  assert.match(text, /No significant differences/);
  assert.match(text, /The total changed by \+50%, evenly across the profile/);
});

test('bursty time (all in one slice of the run) is judged by batch means, not as if every sample were independent', () => {
  // Both runs: 1,500 samples of F; the second also spends 60 samples in H, all at its start (a one-off).
  const before = steady([[[MAIN, F], 1500]]);
  const burst = makeSession([...Array.from({ length: 60 }, () => [[MAIN, H], 0.001]), ...Array.from({ length: 1500 }, () => [[MAIN, F], 0.001])]);
  assert.equal(find(diffSessions(before, burst), 'log').verdict, 'noise', 'a burst in one slice of ten is within batch noise');
  // The same 60 samples spread over the run are a steady cost: found.
  const spread = steady([[[MAIN, F], 1500], [[MAIN, H], 60]]);
  assert.equal(find(diffSessions(before, spread), 'log').verdict, 'slower');
});

test('--root compares only the time under one function, as shares of it', () => {
  const other = app('startup', 50);
  const before = steady([[[MAIN, F], 500], [[MAIN, G], 500], [[other], 1000]]);
  const after = steady([[[MAIN, F], 250], [[MAIN, G], 500], [[other], 3000]]);
  const diff = diffSessions(before, after, { root: 'main' });
  assert.equal(diff.rootName, 'main');
  assert.ok(Math.abs(diff.before.total - 1) < 1e-9 && Math.abs(diff.after.total - 0.75) < 1e-9);
  assert.equal(diff.root.frame.name, 'main');
  assert.equal(find(diff, 'parse').verdict, 'faster');
  assert.ok(Math.abs(find(diff, 'parse').before.share - 0.5) < 0.01, 'a share of main, not of the whole run');
  assert.equal(find(diff, 'startup'), undefined, 'outside the root');
  assert.match(renderDiffText(diff), /\(root: main\)/);
  assert.throws(() => diffSessions(before, after, { root: 'nope' }), (error) => error instanceof DiffError && /no function named 'nope' in the before profile/.test(error.message));
});

test('--cpu compares on-CPU time: a run stretched by waiting for the CPU is not slower', () => {
  // parse and render take turns, 600 samples each.
  const samples = (wall) => Array.from({ length: 1200 }, (_, i) => (i % 2 ? [[MAIN, F], wall, 0.001] : [[MAIN, G], 0.001, 0.001]));
  const before = makeSession(samples(0.001));
  const preempted = makeSession(samples(0.003)); // parse ran while the machine was busy
  assert.equal(find(diffSessions(before, preempted), 'parse').verdict, 'slower', 'in wall time it was slower');
  const cpu = diffSessions(before, preempted, { time: 'cpu' });
  assert.equal(cpu.time, 'cpu');
  assert.equal(cpu.faster + cpu.slower, 0);
  assert.match(renderDiffText(cpu), /nodeinstrument diff {2}\(CPU time\)/);
});

test('functions are matched across an edit that moved them; same-named functions elsewhere stay apart', () => {
  const pairs = matchFrames(
    [{ frame: app('parse', 10) }, { frame: app('get', 5) }, { frame: app('get', 50) }],
    [{ frame: app('parse', 14) }, { frame: app('get', 7) }, { frame: app('get', 54) }],
  );
  const byName = pairs.filter(([a, b]) => a && b).map(([a, b]) => `${a.frame.name}:${a.frame.line}->${b.frame.line}`);
  assert.deepEqual(byName, ['parse:10->14']);
  assert.equal(pairs.length, 5, 'the two ambiguous get() on each side are not guessed');
});

test("each profile's warnings come with the diff", () => {
  const few = makeSession(Array.from({ length: 100 }, (_, i) => [[MAIN, i % 2 ? F : G], 0.001]));
  const diff = diffSessions(steady([[[MAIN, F], 600], [[MAIN, G], 600]]), few);
  assert.deepEqual(diff.before.warnings, []);
  assert.deepEqual(diff.after.warnings.map((warning) => warning.kind), ['few-samples']);
  assert.match(renderDiffText(diff), /\n {2}warning \(after\): Only 100 samples of the program running/);
  assert.match(renderDiffHtml(diff), /<div class="warnings" role="alert">.*\n<li data-kind="few-samples"><b>after:<\/b> Only 100 samples/);
});

test('empty profiles are refused with a reason', () => {
  const empty = makeSession([]);
  assert.throws(() => diffSessions(empty, steady([[[MAIN], 10]])), /the before profile has no samples/);
});

test('uneven sample weights count as fewer samples: one sample holding a tenth of the time is not a finding', () => {
  const regular = () => Array.from({ length: 1000 }, (_, i) => [[MAIN, i % 2 ? F : G], 0.001]);
  const before = makeSession(regular());
  // The same program, but the sampler was held up once, and one render sample stands for 120 ms.
  const held = regular();
  held[501] = [[MAIN, F], 0.12];
  const diff = diffSessions(before, makeSession(held));
  assert.equal(find(diff, 'parse').verdict, 'noise', 'one sample is one observation, however long');
  assert.equal(effectiveShare([1, 1, 1, 1]), 1);
  assert.ok(Math.abs(effectiveShare([1, 1, 1, 3]) - 0.75) < 1e-9, "(1+1+1+3)^2 / (1+1+1+9) = 3 of 4");
});

test('the statistics: normal quantiles, Bonferroni, batch means', () => {
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959964) < 1e-6);
  assert.ok(Math.abs(normalQuantile(0.001) + 3.090232) < 1e-6);
  assert.ok(Math.abs(criticalZ(0.05, 1) - 1.959964) < 1e-6);
  assert.ok(Math.abs(criticalZ(0.05, 10) - 2.807034) < 1e-6);
  assert.equal(batchMeansVariance([0.5, 0.5, 0.5]), 0);
  assert.ok(Math.abs(batchMeansVariance([0, 1]) - 0.25) < 1e-12);
  // 50% of 1,000 vs 40% of 1,000: z about -4.5 (two-proportion, unpooled).
  const { zShare } = noiseTest({ share: 0.5, samples: 1000, total: 1 }, { share: 0.4, samples: 1000, total: 1 });
  assert.ok(zShare < -4.4 && zShare > -4.6, String(zShare));
});

test('HTML: self-contained, no script, the verdict and the changes visible, names escaped', () => {
  const evil = { name: '<img src=x onerror=alert(1)>', file: '/app/<b>.js', line: 3, column: 1, kind: 'js' };
  const before = steady([[[MAIN, F], 1000], [[MAIN, evil], 1000]]);
  const after = steady([[[MAIN, F], 500], [[MAIN, evil], 1000]]);
  const html = renderDiffHtml(diffSessions(before, after), { labels: ['a.json', 'b.json'] });
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"/);
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<img/);
  assert.ok(html.includes('&#60;img src=x onerror=alert(1)&#62;'));
  assert.match(html, /<p class="verdict changed" id="verdict">Significant changes/);
  assert.match(html, /<span class="tag faster">faster<\/span> <b>parse<\/b>/);
  assert.match(html, /1\.000 → 0\.500<\/span> <span class="num faster">-0\.500 \(-50%\)/);
  const same = renderDiffHtml(diffSessions(before, before));
  assert.match(same, /<p class="verdict" id="verdict">No significant differences/);
});

test('diff arguments: two profiles, formats by flag or extension, clear errors', () => {
  const options = parseDiffArgs(['a.json', 'b.json', '--root', 'main', '--cpu', '--percent', '--min-change', '2.5', '-o', 'x.HTML']);
  assert.equal(options.before, 'a.json');
  assert.equal(options.after, 'b.json');
  assert.equal(options.root, 'main');
  assert.equal(options.cpu, true);
  assert.equal(options.minChange, 0.025);
  assert.equal(diffFormatOf(options), 'html');
  assert.equal(diffFormatOf(parseDiffArgs(['a', 'b', '-o', 'd.json'])), 'json');
  assert.equal(diffFormatOf(parseDiffArgs(['a', 'b', '-r', 'html'])), 'html');
  assert.equal(diffFormatOf(parseDiffArgs(['a', 'b'])), 'text');
  assert.throws(() => parseDiffArgs(['a.json']), /diff needs two profiles, BEFORE and AFTER \(got 1\)/);
  assert.throws(() => parseDiffArgs(['a', 'b', '-r', 'pprof']), /diff writes text, html, json, not 'pprof'/);
  assert.throws(() => parseDiffArgs(['a', 'b', '--min-change', 'x']), /invalid --min-change 'x'/);
  assert.throws(() => parseDiffArgs(['a', 'b', '--hide', '(']), /invalid regular expression for --hide/);
  assert.throws(() => parseDiffArgs(['a', 'b', '--frobnicate']), /unknown diff option --frobnicate/);
  assert.equal(parseDiffArgs(['--help']).help, true);
});
