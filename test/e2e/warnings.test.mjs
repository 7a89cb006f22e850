// Warnings where a profile cannot be trusted: each one on a hand-made
// session, start-up and idle on real programs, and how reports show them.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { profileWarnings, startupStacks, WARNING_THRESHOLDS } from '../internals.cjs';
import { renderText } from '../internals.cjs';
import { renderHtml } from '../internals.cjs';
import { cli, fixture, root, runNode } from '../helpers.mjs';
import { makeSession } from '../sessions.mjs';

const app = (name, line, file = '/app/app.js') => ({ name, file, line, column: 1, kind: 'js' });
const internal = (name, file) => ({ name, file: `node:internal/${file}`, line: 1, column: 1, kind: 'js' });
const special = (name) => ({ name, file: '', line: 0, column: 0, kind: 'special' });
const IDLE = special('(idle)');
const WORK = [app('(module)', 1), app('work', 5)];
const kinds = (session) => profileWarnings(session).map((warning) => warning.kind);
const busy = (count, seconds = 0.001) => Array.from({ length: count }, () => [WORK, seconds]);

test('enough samples of a steady program: no warning', () => {
  assert.deepEqual(profileWarnings(makeSession(busy(1000))), []);
});

test('too few samples: says how coarse the shares are and suggests an interval that gives enough', () => {
  const [warning] = profileWarnings(makeSession(busy(100), { requestedInterval: 0.001 }));
  assert.equal(warning.kind, 'few-samples');
  assert.equal(warning.message, 'Only 100 samples of the program running (0.100 s): too few to tell functions apart (a function at 10% of the time is measured within about ±5.9 points).');
  // Both ways to set it: the same warning shows in reports a service serves (middleware, pprof endpoint).
  assert.equal(warning.advice, 'Use a smaller interval, for about 1000 samples of this run: -i 100us (interval: 0.0001 in code); or run the workload longer.');
  // A 2-second run at 10 ms: 1000 samples want 2 ms; 500us is the largest interval offered below it.
  const coarse = profileWarnings(makeSession(busy(200, 0.01), { requestedInterval: 0.01, achievedInterval: 0.01 }))[0];
  assert.match(coarse.advice, /for about 4000 samples of this run: -i 500us \(interval: 0.0005 in code\)/);
  // Already at the smallest interval: only a longer run helps.
  const tiny = profileWarnings(makeSession(busy(50, 0.00001), { requestedInterval: 0.00001, achievedInterval: 0.00001 }))[0];
  assert.equal(tiny.advice, 'Run the workload longer, or repeat it in a loop: the interval is already small.');
  // When the samples already arrive late (a busy machine), a smaller interval would not help.
  const late = profileWarnings(makeSession(busy(300), { requestedInterval: 0.001, achievedInterval: 0.0025 }))[0];
  assert.equal(late.advice, 'Only 40% of the requested samples arrived (the thread waited for a CPU: the machine is busy): profile on a quieter machine, or run the workload longer.');
  // Idle samples do not count as samples of the program running.
  const idle = makeSession([...busy(300), ...Array.from({ length: 800 }, () => [[IDLE], 0.001])]);
  assert.ok(kinds(idle).includes('few-samples'));
  assert.equal(WARNING_THRESHOLDS.minBusySamples, 500);
  assert.deepEqual(kinds(makeSession(busy(500))), [], 'the threshold itself is enough');
});

test('dropped samples: any drop is noted; many change the advice', () => {
  const few = profileWarnings(makeSession(busy(1000), { droppedSamples: 7 }));
  assert.equal(few[0].message, '7 samples were dropped (0.7% of the run); times may be understated.');
  assert.match(few[0].advice, /A few drops happen/);
  const many = profileWarnings(makeSession(busy(1000), { droppedSamples: 100 }));
  assert.match(many[0].message, /^100 samples were dropped \(9\.1% of the run\)/);
  assert.match(many[0].advice, /could not keep up.*larger interval/);
});

test('unresolved frames above 1% of the walked frames', () => {
  assert.deepEqual(kinds(makeSession(busy(1000), { unresolvedFrames: 10, totalFrames: 1000 })), []);
  const [warning] = profileWarnings(makeSession(busy(1000), { unresolvedFrames: 30, totalFrames: 1000 }));
  assert.equal(warning.kind, 'unresolved');
  assert.equal(warning.message, '3.0% of frames (30 of 1000) could not be resolved.');
});

test('a mostly idle process: how long it waited and how little ran', () => {
  const session = makeSession([...busy(600), ...Array.from({ length: 700 }, () => [[IDLE], 0.001])]);
  const [warning] = profileWarnings(session);
  assert.equal(warning.kind, 'idle');
  assert.equal(warning.message, 'The process was mostly idle: the event loop waited for I/O or timers 54% of the time; the program ran for 0.600 s (600 samples).');
  assert.deepEqual(kinds(makeSession([...busy(600), ...Array.from({ length: 500 }, () => [[IDLE], 0.001])])), [], '45% idle is not mostly');
});

test('start-up: module loading below the entry script, or with no entry on the stack, counts; the entry running under the loader does not', () => {
  const entry = app('(module)', 1);
  const run = internal('(module)', 'main/run_main_module');
  const load = internal('Module._load', 'modules/cjs/loader');
  const compile = internal('Module._compile', 'modules/cjs/loader');
  const requireFrame = internal('require', 'modules/helpers');
  const library = app('(module)', 1, '/app/node_modules/big/index.js');
  const wrapSafe = internal('wrapSafe', 'modules/cjs/loader');
  const running = [run, load, compile, entry, app('work', 5)];
  const requiring = [run, load, compile, entry, requireFrame, load, compile, library];
  const compilingEntry = [run, load, compile, wrapSafe, { name: 'node::contextify::CompileFunction', file: '/usr/bin/node', line: 0, column: 0, kind: 'native' }];
  const session = makeSession([[running, 0.001], [requiring, 0.001], [compilingEntry, 0.001]]);
  const startup = startupStacks(session);
  const verdict = (i) => startup[session.samples.stack[i]];
  assert.deepEqual([verdict(0), verdict(1), verdict(2)], [0, 1, 1]);

  // ES modules: frames are named by URL; the entry's evaluation runs under ModuleJob.run.
  const esmEntry = { ...app('(module)', 1), file: 'file:///app/app.mjs' };
  const job = internal('run', 'modules/esm/module_job');
  const esm = makeSession([[[job, esmEntry, app('work', 5)], 0.001], [[job, app('(module)', 1, '/app/node_modules/dep/index.mjs')], 0.001]], {
    argv: ['/usr/bin/node', '/app/app.mjs'],
  });
  const esmStartup = startupStacks(esm);
  assert.deepEqual([esmStartup[esm.samples.stack[0]], esmStartup[esm.samples.stack[1]]], [0, 1]);

  const mostlyLoading = makeSession([...Array.from({ length: 700 }, () => [requiring, 0.001]), ...Array.from({ length: 400 }, () => [running, 0.001])]);
  const [warning] = profileWarnings(mostlyLoading);
  assert.equal(warning.kind, 'startup');
  assert.equal(warning.message, 'Start-up dominates: 64% of the busy time (0.700 s) went to loading and compiling modules (require, import).');
  const mostlyRunning = makeSession([...Array.from({ length: 400 }, () => [requiring, 0.001]), ...Array.from({ length: 700 }, () => [running, 0.001])]);
  assert.deepEqual(kinds(mostlyRunning), []);
});

test('the text report shows each warning and its advice in the header', () => {
  const text = renderText(makeSession([...busy(100), ...Array.from({ length: 300 }, () => [[IDLE], 0.001])]), { color: false });
  const header = text.split('\n\n')[0];
  assert.match(header, /\n {2}warning: Only 100 samples of the program running \(0\.100 s\)/);
  assert.match(header, /\n {11}Use a smaller interval, for about \d+ samples of this run: -i 100us/);
  assert.match(header, /\n {2}warning: The process was mostly idle: the event loop waited for I\/O or timers 75% of the time/);
});

test('the HTML report embeds the warnings for its banner', () => {
  const html = renderHtml(makeSession(busy(100)));
  const data = JSON.parse(html.match(/<script type="application\/json" id="nodeinstrument-data">(.*?)<\/script>/s)[1]);
  assert.deepEqual(data.warnings.map((warning) => warning.kind), ['few-samples']);
  assert.deepEqual(JSON.parse(renderHtml(makeSession(busy(1000))).match(/id="nodeinstrument-data">(.*?)<\/script>/s)[1]).warnings, []);
});

// ---------------------------------------------------------------------------
// Real programs.

test('a program that mostly loads modules is warned about start-up', () => {
  const result = runNode([cli, '--no-color', fixture('warn-startup.js')], { cwd: root });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /warning: Start-up dominates: \d+% of the busy time \(\d\.\d{3} s\) went to loading and compiling modules/);
  assert.doesNotMatch(runNode([cli, '--no-color', '-i', '100us', fixture('cli-exit3.js')], { cwd: root }).stdout, /Start-up dominates/);
});

test('a program that mostly waits is warned about idling, and about the few samples of its work', () => {
  const result = runNode([cli, '--no-color', '-r', 'summary', fixture('warn-idle.js')], { cwd: root });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /## Warnings/);
  assert.match(result.stdout, /- \*\*The process was mostly idle: the event loop waited for I\/O or timers \d+% of the time/);
  assert.match(result.stdout, /- \*\*Only \d+ samples of the program running/);
});

// The banner in a real browser (Debian's chromium, as in html-browser.test.mjs).
const CHROMIUM = process.env.NODEINSTRUMENT_CHROMIUM || '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing`;
let dir;
after(() => dir && rmSync(dir, { recursive: true, force: true }));

test('html in Chromium: the warnings are a visible banner above the views', { skip }, async () => {
  const { chromium } = await import('playwright-core');
  dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-warnings-'));
  const path = join(dir, 'idle.html');
  writeFileSync(path, renderHtml(makeSession([...busy(100), ...Array.from({ length: 300 }, () => [[IDLE], 0.001])])));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(path).href);
    await page.waitForSelector('html[data-ready]');
    const banner = page.locator('.warning-banner[role=alert]');
    assert.ok(await banner.isVisible());
    assert.deepEqual(await banner.locator('li').evaluateAll((items) => items.map((item) => item.getAttribute('data-kind'))), ['few-samples', 'idle']);
    assert.match(await banner.textContent(), /This profile may mislead\.Only 100 samples of the program running/);
    const box = await banner.boundingBox();
    const tabs = await page.locator('.toolbar').boundingBox();
    assert.ok(box.y + box.height <= tabs.y, 'above the views, seen first');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
