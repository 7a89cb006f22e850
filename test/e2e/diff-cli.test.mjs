// `nodeinstrument diff` end to end: a real program profiled before and after
// an edit that makes one function 2x faster, and the same program twice.
// The verdicts are checked on CPU time (--cpu): the test machine is shared,
// and a run that waited longer for a CPU is slower in wall time for real
// (measured here: the same program 0.455 s in one run, 1.645 s in the next),
// which no sampling model can tell from a change in the program.
import { after as afterAll } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cli, fixture, REPEAT_PASS, root, runNode, firstPassTest as test } from '../helpers.mjs';
import { makeSession } from '../sessions.mjs';
import { renderCpuProfile } from '../internals.cjs';

const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ROUNDS = '80';

/** Puts a version of the program at dir/app.js (the same path, as an edit would) and profiles it. */
function profileVersion(version, output, extra = []) {
  copyFileSync(fixture(`diff/${version}.js`), join(dir, 'app.js'));
  const result = runNode([cli, '-i', '500us', ...extra, '-o', output, 'app.js', ROUNDS], { cwd: dir });
  assert.equal(result.status, 0, result.stderr);
  return join(dir, output);
}

const diffCli = (args) => runNode([cli, 'diff', ...args], { cwd: dir });

// The profiles the tests compare (none in CI's later passes, which skip them).
if (!REPEAT_PASS) {
  profileVersion('before', 'before.json');
  profileVersion('before', 'again.json');
  profileVersion('after', 'after.json');
  // Sets of three runs a side (--repeat), for the run-to-run variation.
  profileVersion('before', 'before-set.json', ['--repeat', '3']);
  profileVersion('before', 'again-set.json', ['--repeat', '3']);
  profileVersion('after', 'after-set.json', ['--repeat', '3']);
}

/** The tree node of a function under main, from the JSON output. */
function branch(diff, name) {
  const pending = [diff.root];
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (node.frame.name === name) return node;
    pending.push(...node.children);
  }
  return undefined;
}

test('the edit that made checksum() 2x faster is found, and render() is not blamed', (t) => {
  const result = diffCli(['before.json', 'after.json', '--cpu', '-o', 'diff.json']);
  assert.equal(result.status, 0, result.stderr);
  const diff = JSON.parse(readFileSync(join(dir, 'diff.json'), 'utf8'));
  const checksum = branch(diff, 'checksum');
  const render = branch(diff, 'render');
  t.diagnostic(`checksum ${checksum.before.time.toFixed(3)} -> ${checksum.after.time.toFixed(3)} s (${(checksum.relativeChange * 100).toFixed(0)}%), render ${render.verdict}`);
  assert.equal(checksum.verdict, 'faster');
  assert.ok(checksum.relativeChange < -0.25 && checksum.relativeChange > -0.8, `checksum changed by ${checksum.relativeChange}`);
  assert.notEqual(render.verdict, 'faster');

  const text = diffCli(['before.json', 'after.json', '--cpu', '--no-unicode']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /Significant changes \(rows beyond noise\): \d+ faster/);
  assert.match(text.stdout, /noise {2}one run per side: how much this program varies between runs is unknown/);
  assert.match(text.stdout, /-\d\.\d{3} \(-\d+%\) \[faster\] {2}checksum {2}app\.js:\d+/);

  // Wall time (the default) runs the same way; its verdict depends on the machine's load, so only the shape is checked.
  const wall = diffCli(['before.json', 'after.json', '-o', 'wall.json']);
  assert.equal(wall.status, 0, wall.stderr);
  const wallDiff = JSON.parse(readFileSync(join(dir, 'wall.json'), 'utf8'));
  assert.equal(wallDiff.time, 'wall');
  assert.ok(branch(wallDiff, 'checksum').before.time > 0 && branch(wallDiff, 'checksum').after.time > 0);

  const html = diffCli(['before.json', 'after.json', '--cpu', '-o', 'diff.html']);
  assert.equal(html.status, 0, html.stderr);
  assert.match(html.stderr, /wrote html diff to diff\.html/);
  const page = readFileSync(join(dir, 'diff.html'), 'utf8');
  assert.match(page, /<span class="tag faster">faster<\/span> <b>checksum<\/b>/);
  assert.doesNotMatch(page, /<script/i);
});

test('sets of three runs: the 2x edit is found with the variation measured; two sets of the same program show nothing', (t) => {
  const found = diffCli(['before-set.json', 'after-set.json', '--cpu', '-o', 'set-diff.json']);
  assert.equal(found.status, 0, found.stderr);
  const diff = JSON.parse(readFileSync(join(dir, 'set-diff.json'), 'utf8'));
  assert.deepEqual([diff.before.runs.length, diff.after.runs.length], [3, 3]);
  assert.equal(diff.model.runVariation.measured, true);
  const checksum = diff.functions.find((row) => row.frame.name === 'checksum');
  t.diagnostic(`checksum ${checksum.before.time.toFixed(3)} -> ${checksum.after.time.toFixed(3)} s a run, p ${checksum.p.toExponential(1)}; variation ${JSON.stringify(diff.model.runVariation)}`);
  assert.equal(checksum.verdict, 'faster');
  assert.equal(checksum.before.range.length, 2);
  // render's share rose from a half to two thirds; its seconds did not move: not blamed.
  assert.ok(!['faster', 'slower'].includes(diff.functions.find((row) => row.frame.name === 'render').verdict));

  const same = diffCli(['before-set.json', 'again-set.json', '--cpu', '--no-unicode']);
  assert.equal(same.status, 0, same.stderr);
  t.diagnostic(same.stdout.split('\n').find((line) => /run to run/.test(line)));
  assert.match(same.stdout, /before before-set\.json .* 3 runs, \d\.\d{3} s a run \[\d\.\d{3}-\d\.\d{3}\]/);
  // Four functions: too few to tell each run's speed by its median function; the sides' speeds are compared.
  assert.match(same.stdout, /noise {2}run to run, a function's time varies by [\d.]+% beyond sampling \(measured from 3 \+ 3 runs\)/);
  assert.match(same.stdout, /No significant differences: every change is within noise \(sampling and run to run\)\./, same.stdout);
});

test('two single runs of the same program: nothing, or only what the note on the unknown run-to-run variation covers', (t) => {
  const result = diffCli(['before.json', 'again.json', '--cpu']);
  assert.equal(result.status, 0, result.stderr);
  t.diagnostic(result.stdout.split('\n').find((line) => /Significant|No significant/.test(line)));
  assert.match(result.stdout, /one run per side: how much this program varies between runs is unknown/);
  // A single-run verdict of `checksum` or `render`, the functions this program spends its time in, would be wrong.
  for (const name of ['checksum', 'render']) assert.doesNotMatch(result.stdout, new RegExp(`\\[(faster|slower)\\] {2}${name} `));
});

test('a real program (markdown-it with a slow highlighter): the highlighter cut from about a quarter to a twentieth is found from one run each', (t) => {
  // Issue 18: the same shape was called noise when the model took a function that ran in phases for a noisy one.
  // At 500 us, as the other profiles here: at 1 ms its margin was thin (p up to 0.047 of 0.05 in 16 pairs; 1e-9 to 3e-5 at 500 us).
  const markdown = join(root, 'bench', 'calibration', 'markdown.js');
  for (const [units, output] of [['120', 'md-before.json'], ['20', 'md-after.json']]) {
    const result = runNode([cli, '-i', '500us', '-o', output, markdown, units, '8'], { cwd: dir });
    assert.equal(result.status, 0, result.stderr);
  }
  for (const time of [['--cpu'], []]) {
    const result = diffCli(['md-before.json', 'md-after.json', ...time, '-o', 'md.json']);
    assert.equal(result.status, 0, result.stderr);
    const diff = JSON.parse(readFileSync(join(dir, 'md.json'), 'utf8'));
    const row = diff.functions.find((entry) => entry.frame.name === 'slowHighlight');
    t.diagnostic(`${time[0] ?? 'wall'}: slowHighlight ${(row.before.share * 100).toFixed(1)}% -> ${(row.after.share * 100).toFixed(1)}%, ${row.verdict}`);
    // The shape, loosely (a busy machine adds GC and waits to both sides): the cut is there to be found.
    assert.ok(row.before.share > 0.15 && row.after.share < row.before.share / 2, `${row.before.share} -> ${row.after.share}`);
    // CPU time: found as faster. Wall time from one run each: the time's drop is always found; on a
    // busy machine (waits added to both runs) the drop against the run's speed can miss alpha (1 run
    // in 6 here), which the verdict calls 'minor', never 'noise'.
    assert.ok(time.length > 0 ? row.verdict === 'faster' : ['faster', 'minor'].includes(row.verdict), row.verdict);
  }
});

test('diff errors: a missing or foreign file, a root that is not there, bad usage', () => {
  const missing = diffCli(['before.json', 'nope.json']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nodeinstrument: cannot read nope\.json/);
  const root = diffCli(['before.json', 'after.json', '--root', 'noSuchFunction']);
  assert.equal(root.status, 1);
  assert.match(root.stderr, /cannot compare: no function named 'noSuchFunction' in the before profile/);
  const usage = diffCli(['before.json']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /diff needs two profiles/);
  const help = diffCli(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: nodeinstrument diff <before> <after>/);
  assert.match(runNode([cli, '--help']).stdout, /nodeinstrument diff <before\.json> <after\.json>/);
});

test('diff refuses profiles of different modes (wall, cpu, alloc; a .cpuprofile is wall) with one line and status 2', () => {
  const frame = (name) => ({ name, file: '/app/app.js', line: 1, column: 1, kind: 'js' });
  const samples = [[[frame('main'), frame('work')], 0.01], [[frame('main')], 0.02]];
  const alloc = { mode: 'alloc', allocation: { interval: 32768, live: false } };
  for (const [name, meta] of [['wall.json', {}], ['cpu.json', { mode: 'cpu' }], ['alloc.json', alloc]]) makeSession(samples, meta).save(join(dir, name));
  writeFileSync(join(dir, 'v8.cpuprofile'), renderCpuProfile(makeSession(samples)));
  writeFileSync(join(dir, 'alloc-bytes.json'), JSON.stringify(makeSession([[[frame('main')], 31344746]], alloc)));
  for (const [a, b, line] of [
    ['wall.json', 'alloc.json', 'the before profile measures wall-clock time (--mode wall) and the after profile allocated bytes (--mode alloc)'],
    ['alloc-bytes.json', 'wall.json', 'the before profile measures allocated bytes (--mode alloc) and the after profile wall-clock time (--mode wall)'],
    ['cpu.json', 'wall.json', 'the before profile measures CPU time (--mode cpu) and the after profile wall-clock time (--mode wall)'],
    ['v8.cpuprofile', 'alloc.json', 'the before profile measures wall-clock time (--mode wall) and the after profile allocated bytes (--mode alloc)'],
  ]) {
    const result = diffCli([a, b]);
    assert.equal(result.status, 2, `${a} ${b}: ${result.stderr}`);
    assert.equal(result.stderr, `nodeinstrument: cannot compare: ${line}; compare profiles of the same mode\n`);
    assert.equal(result.stdout, '');
  }
  for (const [a, b] of [['v8.cpuprofile', 'wall.json'], ['alloc.json', 'alloc-bytes.json'], ['cpu.json', 'cpu.json']]) {
    const same = diffCli([a, b]);
    assert.equal(same.status, 0, `${a} ${b}: ${same.stderr}`);
  }
});

test('--root main: the same finding as shares of main', () => {
  const result = diffCli(['before.json', 'after.json', '--root', 'main', '--cpu', '--percent', '--no-unicode']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /\(root: main, CPU time\)/);
  assert.match(result.stdout, /\[faster\] {2}checksum/);
  assert.match(result.stdout, /^100\.0% -> 100\.0% {2}\+0\.0 pts {3}main {2}app\.js:\d+$/m);
});

// The HTML diff in a real browser (Debian's chromium, as in html-browser.test.mjs).
const CHROMIUM = process.env.NODEINSTRUMENT_CHROMIUM || '/usr/bin/chromium';

test('html diff in Chromium: loads nothing else, the verdict and the changed branch are visible, branches fold', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing` }, async () => {
  const made = diffCli(['before.json', 'after.json', '--cpu', '-o', 'browser.html']);
  assert.equal(made.status, 0, made.stderr);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const requests = [];
    const errors = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    const url = pathToFileURL(join(dir, 'browser.html')).href;
    await page.goto(url);
    assert.match(await page.textContent('#verdict'), /Significant changes/);
    // The flagged row: a branch (summary) or, when nothing under it is shown, a leaf; with
    // inlined frames checksum may also appear, unchanged, inside another caller.
    const row = page.locator('.tree summary, .tree .leaf', { hasText: 'checksum' }).filter({ hasText: 'faster' }).first();
    assert.ok(await row.isVisible(), 'opened down to the change');
    assert.match(await row.textContent(), /faster/);
    // Folding main hides checksum.
    const main = page.locator('.tree summary', { hasText: /main/ }).first();
    await main.click();
    assert.equal(await row.isVisible(), false);
    assert.deepEqual(requests, [url]);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
