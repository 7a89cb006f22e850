// The HTML report of a profile with worker threads: the embedded data per
// thread (browser-free, with the page's own modules bundled for Node) and
// the thread selector in headless Chromium (skipped when it is missing).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { renderHtml } from '../internals.cjs';
import { buildHtmlData } from '../internals.cjs';
import { root } from '../helpers.mjs';
import { makeSession } from '../sessions.mjs';
import { app, threadedSession } from '../thread-sessions.mjs';
import { loadAppModules } from '../html-app-modules.mjs';

const CHROMIUM = process.env.NODEINSTRUMENT_CHROMIUM || '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)`;
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const sum = (values) => values.reduce((a, b) => a + b, 0);

/** lib/html-app/threads.ts and call-tree.ts, bundled for Node as the page bundles them. */
const frontEnd = () => loadAppModules(['threads', 'call-tree', 'data']);

test('HTML data: the main thread at the top level, each worker\'s view for the selector', () => {
  const data = buildHtmlData(threadedSession());
  assert.deepEqual(data.threads.map((thread) => [thread.name, thread.threadId, thread.sampleCount, thread.exited, thread.view !== undefined]), [
    ['main', 0, 40, false, false],
    ['worker 1 /app/crunch.js', 1, 20, false, true],
    ['worker 2 /app/hash.js', 2, 5, true, true],
  ]);
  assert.equal(sum(data.self.samples), 40);
  assert.equal(data.timeline.sampleCount, 40);
  assert.equal(data.meta.sampleCount, 40);
  assert.equal(data.meta.cpuTime, 0.03);
  assert.equal(data.labels, undefined, 'no main-thread sample carries a label');
  const worker = data.threads[1].view;
  assert.equal(sum(worker.self.samples), 20);
  assert.equal(worker.timeline.sampleCount, 20);
  assert.deepEqual(worker.labels.pairs, ['job=crunch']);
  assert.equal(sum(worker.labels.self[0].samples), 10);
  assert.match(worker.warnings.find((warning) => warning.kind === 'few-samples').message, /^Thread worker 1/);
  // Sessions without threads embed no thread list.
  assert.equal(buildHtmlData(makeSession([[[app('main', 1)], 0.001]])).threads, undefined);
});

test('HTML data: the page\'s dataOfThread gives a worker\'s call tree and timeline', async () => {
  const { dataOfThread, buildAggregateTree, decodeFrames, decodeSegments } = await frontEnd();
  const data = buildHtmlData(threadedSession());
  const frames = decodeFrames(data);
  const namesOf = (tree) => tree.children.map((child) => child.frame.name);
  assert.deepEqual(namesOf(buildAggregateTree(dataOfThread(data, 0), frames)), ['main']);
  const workerData = dataOfThread(data, 1);
  const tree = buildAggregateTree(workerData, frames);
  assert.deepEqual(namesOf(tree), ['runCrunch']);
  assert.ok(Math.abs(tree.totalTime - 0.02) < 1e-9);
  assert.equal(workerData.meta.sampleCount, 20);
  assert.equal(workerData.meta.cpuTime, 0.02);
  assert.deepEqual(workerData.labels.pairs, ['job=crunch']);
  const segments = decodeSegments(workerData);
  assert.ok(Math.abs(segments.end[segments.count - 1] - 0.02) < 1e-6);
  const exited = buildAggregateTree(dataOfThread(data, 2), frames);
  assert.deepEqual(namesOf(exited), ['hashIt']);
  assert.equal(dataOfThread(data, 2).labels, undefined);
});

let browser;
let dir;
before(async () => {
  if (skip) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-threads-html-'));
});
after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const treeNames = (page) => page.$$eval('.tree [role=treeitem] .name', (names) => names.map((name) => name.textContent));

test('html in Chromium: the thread selector shows each thread on its own, main first, on the same tab', { skip }, async () => {
  const path = join(dir, 'threads.html');
  writeFileSync(path, renderHtml(threadedSession(), { processor: { showAll: true } }));
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    await page.goto(pathToFileURL(path).href);
    await page.waitForSelector('html[data-ready]');
    const options = await page.$$eval('.thread-filter option', (list) => list.map((option) => option.textContent));
    assert.deepEqual(options, ['main (40 samples)', 'worker 1 /app/crunch.js (20 samples)', 'worker 2 /app/hash.js (5 samples, exited)']);
    let names = await treeNames(page);
    assert.ok(names.includes('work') && !names.includes('crunch'), names.join());
    assert.match(await page.textContent('.thread-name'), /^main/);

    await page.selectOption('.thread-filter select', { index: 1 });
    names = await treeNames(page);
    assert.ok(names.includes('runCrunch') && names.includes('crunch') && !names.includes('work'), names.join());
    assert.match(await page.$eval('.tree [role=treeitem] .time', (cell) => cell.textContent), /0\.020/);
    assert.match(await page.textContent('.thread-name'), /worker 1 \/app\/crunch\.js/);
    // The worker's label selector lists its own labels.
    assert.deepEqual(await page.$$eval('.label-filter option', (list) => list.map((option) => option.textContent)), ['all samples', 'job=crunch']);

    // Switching threads keeps the tab.
    await page.click('#tab-timeline');
    await page.selectOption('.thread-filter select', { index: 2 });
    assert.equal(await page.getAttribute('#tab-timeline', 'aria-selected'), 'true');
    assert.equal(await page.$eval('.thread-filter select', (select) => select.value), '2');
    assert.match(await page.textContent('.thread-name'), /worker 2 \/app\/hash\.js.*exited/);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('html in Chromium: no thread selector without threads', { skip }, async () => {
  const path = join(dir, 'plain.html');
  writeFileSync(path, renderHtml(makeSession([[[app('main', 1)], 0.001]]), {}));
  const page = await browser.newPage();
  try {
    await page.goto(pathToFileURL(path).href);
    await page.waitForSelector('html[data-ready]');
    assert.equal(await page.$('.thread-filter'), null);
  } finally {
    await page.close();
  }
});
