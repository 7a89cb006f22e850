// The memory track and alloc sessions in the HTML report, in headless
// Chromium (Debian's package, /usr/bin/chromium) driven by playwright-core.
// Skipped when Chromium is missing, as test/e2e/html-browser.test.mjs is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../internals.cjs';
import { Session } from '../internals.cjs';
import { skip, useBrowser } from '../browser.mjs';
import { makeSession } from '../sessions.mjs';

const MB = 1024 * 1024;

const chrome = useBrowser('nodeinstrument-memory-html-');

const app = (name, line) => ({ name, file: '/app/app.js', line, column: 1, kind: 'js' });

/** 1 s of samples and a memory series growing from 10 to 110 MB RSS (heap 5 to 85 MB), a point every 100 ms. */
function withMemory(session) {
  const time = Array.from({ length: 11 }, (_, i) => i / 10);
  const memory = { time, rss: time.map((t) => (10 + 100 * t) * MB), heapUsed: time.map((t) => (5 + 80 * t) * MB) };
  return new Session(session.meta, session.frames, session.stacks, session.samples, memory);
}

function wallSession() {
  const samples = [];
  for (let i = 0; i < 500; i++) samples.push([[app('main', 1), app(i % 2 ? 'fill' : 'render', 10 + (i % 2))], 0.002]);
  return withMemory(makeSession(samples, { duration: 1 }));
}

function allocSession() {
  const samples = [];
  for (let i = 0; i < 200; i++) samples.push([[app('main', 1), app(i % 10 ? 'allocateRecords' : 'allocateFew', 5)], 32768]);
  return withMemory(makeSession(samples, { duration: 1, mode: 'alloc', allocation: { interval: 32768, live: false }, requestedInterval: 0, achievedInterval: 0 }));
}

async function open(name, session) {
  const path = join(chrome.dir, name);
  writeFileSync(path, renderHtml(session, {}));
  const page = await chrome.browser.newPage({ viewport: { width: 1200, height: 800 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  await page.goto(pathToFileURL(path).href);
  await page.waitForSelector('html[data-ready]');
  return { page, errors };
}

/** The time the memory tooltip shows with the pointer `fraction` of the way across the track. */
async function hoverTime(page, fraction) {
  const box = await page.locator('.memory-host canvas').boundingBox();
  await page.mouse.move(box.x + box.width * fraction, box.y + box.height / 2);
  const text = await page.locator('.tooltip:not([hidden])').innerText();
  const match = /at ([\d.]+) (ms|s)/.exec(text);
  assert.ok(match, text);
  return Number(match[1]) / (match[2] === 'ms' ? 1000 : 1);
}

test('html in Chromium: the memory track is drawn under the timeline and follows its zoom', { skip }, async () => {
  const { page, errors } = await open('wall.html', wallSession());
  try {
    assert.match(await page.locator('header').innerText(), /Memory\s+peak RSS 110\.0 MB, V8 heap 5\.0 MB -> 85\.0 MB \(\+80\.0 MB, peak 85\.0 MB\)/);
    assert.equal(await page.locator('.memory-host').count(), 0, 'drawn when the timeline is first shown');
    await page.click('#tab-timeline');
    await page.waitForSelector('.memory-host canvas[data-draw-count]');
    const painted = await page.$eval('.memory-host canvas', (canvas) => {
      const context = canvas.getContext('2d');
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      const [r, g, b] = data;
      let count = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] !== r || data[i + 1] !== g || data[i + 2] !== b) count++;
      return count;
    });
    assert.ok(painted > 500, `painted pixels: ${painted}`);
    const tooltip = async (fraction) => {
      await hoverTime(page, fraction);
      return page.locator('.tooltip:not([hidden])').innerText();
    };
    assert.match(await tooltip(0.99), /RSS 1\d\d\.\d MB/);
    const before = await hoverTime(page, 0.99);
    assert.ok(before > 0.85, `right edge before zooming: ${before} s`);
    // Zoom the timeline in around its left edge: the memory track shows the same, shorter range.
    const timeline = await page.locator('.timeline-host canvas').boundingBox();
    await page.mouse.move(timeline.x + 5, timeline.y + 60);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -300);
    await page.waitForTimeout(300);
    const after = await hoverTime(page, 0.99);
    assert.ok(after < before / 2, `right edge after zooming in: ${after} s (before ${before} s)`);
    assert.match(await tooltip(0.01), /RSS 10\.0 MB\s+V8 heap used 5\.0 MB/);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('html in Chromium: an alloc session shows bytes, and the memory track without a stack timeline', { skip }, async () => {
  const { page, errors } = await open('alloc.html', allocSession());
  try {
    const header = await page.locator('header').innerText();
    assert.match(header, /Allocation samples\s+200/);
    assert.match(header, /Allocated\s+6\.3 MB \(collected since or not, one sample per 32\.0 KB on average\)/);
    const rows = await page.$$eval('.tree [role=treeitem]', (items) => items.map((item) => item.textContent));
    assert.ok(rows.some((row) => /^▾?6\.3 MBmain/.test(row)), rows.join('\n'));
    assert.ok(rows.some((row) => /5\.6 MBallocateRecords/.test(row)), rows.join('\n'));
    assert.equal(await page.locator('.switch button').first().innerText(), 'bytes');
    await page.click('#tab-timeline');
    await page.waitForSelector('.memory-host canvas[data-draw-count]');
    assert.equal(await page.locator('.timeline-host').count(), 0);
    assert.match(await page.locator('#panel-timeline').innerText(), /records the order of allocations, not their time/);
    await page.click('#tab-flame');
    await page.waitForSelector('.flame-host canvas[data-draw-count]');
    const box = await page.locator('.flame-host canvas').boundingBox();
    await page.mouse.move(box.x + 20, box.y + 10);
    assert.match(await page.locator('.tooltip:not([hidden])').innerText(), /6\.3 MB/);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
