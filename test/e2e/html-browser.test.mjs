// The HTML report in a real browser: headless Chromium (Debian's package,
// /usr/bin/chromium) driven by playwright-core. Skipped when it is missing.
// NODEINSTRUMENT_SCREENSHOTS=<dir> saves screenshots of each view there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../internals.cjs';
import { skip, useBrowser } from '../browser.mjs';
import { makeSession } from '../sessions.mjs';
import { HOSTILE_NAME, hostileSession, largeSession } from '../html-sessions.mjs';

/** The requirement for the one-hour profile: open within 3 s. */
const LOAD_LIMIT_MS = 3000;
const screenshots = process.env.NODEINSTRUMENT_SCREENSHOTS;

const chrome = useBrowser('nodeinstrument-html-browser-', { extraArgs: ['--disable-quic'] });

const app = (name, line) => ({ name, file: '/app/src/app.js', line, column: 1, kind: 'js' });
const lib = (name, file, line = 1) => ({ name, file: `/app/node_modules/${file}`, line, column: 1, kind: 'js' });
const special = (name) => ({ name, file: '', line: 0, column: 0, kind: 'special' });

function serverSession() {
  const main = app('main', 1);
  const dispatch = lib('dispatch', 'express/lib/router.js', 3);
  const inner = lib('inner', 'express/lib/layer.js', 7);
  const parser = lib('jsonParser', 'body-parser/lib/json.js', 12);
  const handle = app('handleRequest', 20);
  const samples = [];
  for (let i = 0; i < 60; i++) {
    samples.push([[main, dispatch, inner, parser, handle, app('parseBody', 30)], 0.001]);
    if (i % 2) samples.push([[main, dispatch, inner, parser, handle, app('renderPage', 40)], 0.001]);
    if (i % 3 === 0) samples.push([[main, app('loadConfig', 50)], 0.001]);
    if (i % 5 === 0) samples.push([[special('(idle)')], 0.002]);
  }
  samples.push([[main, app('tinyHelper', 60)], 0.0002]);
  return makeSession(samples, { duration: 0.2, argv: ['/usr/bin/node', '/app/src/server.js'], cwd: '/app' });
}

function writeReport(name, session) {
  const path = join(chrome.dir, name);
  writeFileSync(path, renderHtml(session, {}));
  return path;
}

/** Opens a report, recording requests, console errors and dialogs; resolves once the page has rendered. */
async function openReport(path, { colorScheme = 'dark' } = {}) {
  const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme });
  const seen = { requests: [], errors: [], dialogs: [] };
  page.on('request', (request) => seen.requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') seen.errors.push(message.text());
  });
  page.on('pageerror', (error) => seen.errors.push(error.message));
  page.on('dialog', (dialog) => {
    seen.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const started = Date.now();
  await page.goto(pathToFileURL(path).href);
  await page.waitForSelector('html[data-ready]');
  const elapsed = Date.now() - started;
  const timings = await page.evaluate(() => window.nodeinstrumentTimings);
  return { page, seen, elapsed, timings, url: pathToFileURL(path).href };
}

async function screenshot(page, name) {
  if (screenshots) await page.screenshot({ path: join(screenshots, `${name}.png`) });
}

/** The text of the call tree's rows, indented by level. */
function treeText(page) {
  return page.$$eval('.tree [role=treeitem]', (rows) => rows.map((row) => `${'  '.repeat(Number(row.getAttribute('aria-level')) - 1)}${row.textContent}`));
}

/** Pixels of a canvas (below its first `skipTop` CSS pixels) that differ from its top-left pixel's colour. */
function paintedPixels(page, selector, skipTop = 0) {
  return page.$eval(
    selector,
    (canvas, skipTop) => {
      const context = canvas.getContext('2d');
      const top = Math.round(skipTop * (canvas.width / canvas.clientWidth));
      const { data } = context.getImageData(0, top, canvas.width, canvas.height - top);
      const [r, g, b] = context.getImageData(0, 0, 1, 1).data;
      let painted = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] !== r || data[i + 1] !== g || data[i + 2] !== b) painted++;
      return painted;
    },
    skipTop,
  );
}

test('html in Chromium: loads nothing but itself, no errors; expand, keys, library group, search, timing, threshold', { skip }, async () => {
  const { page, seen, url } = await openReport(writeReport('server.html', serverSession()));
  try {
    await screenshot(page, 'tree');
    let rows = await treeText(page);
    assert.ok(rows.some((row) => /^ {2}▾0\.\d{3}dispatchnode_modules\/express\/lib\/router\.js:3$/.test(row)), rows.join('\n'));
    assert.ok(rows.some((row) => row.includes('[2 frames hidden]express, body-parser')), rows.join('\n'));
    assert.ok(!rows.some((row) => row.includes('tinyHelper')), 'under the 1% threshold');

    // Collapse and expand with the mouse, then with the keyboard.
    const main = page.locator('.tree [role=treeitem]', { hasText: 'main' }).first();
    await main.click();
    assert.equal(await main.getAttribute('aria-expanded'), 'false');
    assert.ok(!(await treeText(page)).some((row) => row.includes('dispatch')));
    await main.focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await main.getAttribute('aria-expanded'), 'true');
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => /dispatch/.test(document.activeElement?.textContent ?? ''), null, { timeout: 5000 });

    // The library group opens in place, with times, and closes again.
    await page.click('[data-group]');
    rows = await treeText(page);
    assert.ok(rows.some((row) => row.includes('[2 frames shown]express, body-parser')), rows.join('\n'));
    assert.ok(rows.some((row) => /inner.*node_modules\/express\/lib\/layer\.js:7/.test(row)));
    assert.ok(rows.some((row) => /jsonParser.*body-parser\/lib\/json\.js:12/.test(row)));
    assert.equal(await page.locator('.row.revealed').count(), 2);
    await screenshot(page, 'tree-group-open');
    await page.click('[data-group]');
    assert.equal(await page.locator('.row.revealed').count(), 0);

    // Search by function name, then by file.
    await page.fill('input[type=search]', 'renderpage');
    rows = await treeText(page);
    assert.deepEqual(
      rows.map((row) => row.replace(/\d+\.\d+/, '#').replace(/node_modules.*|src\/.*/, '')),
      ['▾#main', '  ▾#dispatch', '    ▸[2 frames hidden]express, body-parser', '    ▾#handleRequest', '      #renderPage'],
    );
    assert.equal(await page.textContent('.search-summary'), '1 matching call');
    assert.equal(await page.locator('.row.matched').count(), 1);
    await screenshot(page, 'tree-search');
    await page.fill('input[type=search]', 'no such thing');
    assert.equal(await page.textContent('.search-summary'), 'No function or file matches the search.');
    await page.fill('input[type=search]', '');

    // Percent, then a lower threshold.
    await page.click('.switch button:has-text("%")');
    assert.match(await main.textContent(), /^▾\d+\.\d%main/);
    await page.fill('.threshold input', '0');
    assert.ok((await treeText(page)).some((row) => row.includes('tinyHelper')));

    assert.deepEqual(seen.requests, [url], 'no request but the file itself');
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(seen.dialogs, []);
  } finally {
    await page.close();
  }
});

test('html in Chromium: the timeline draws the stacks over time, zooms, pans and describes a call', { skip }, async () => {
  const { page, seen } = await openReport(writeReport('timeline.html', serverSession()));
  try {
    await page.click('#tab-timeline');
    const canvas = '#panel-timeline canvas';
    await page.waitForSelector(`${canvas}[data-draw-count]`);
    await page.waitForTimeout(100);
    const painted = await paintedPixels(page, canvas, 24);
    assert.ok(painted > 10_000, `the flame chart is drawn (${painted} pixels)`);
    await screenshot(page, 'timeline');

    // Hover the first row: the tooltip names the call.
    const box = await page.locator(canvas).boundingBox();
    await page.mouse.move(box.x + 40, box.y + 22 + 9);
    await page.waitForSelector('.tooltip:not([hidden])');
    const tooltip = await page.textContent('.tooltip');
    assert.match(tooltip, /^main/);
    assert.match(tooltip, /src\/app\.js:1/);
    await screenshot(page, 'timeline-hover');

    // Wheel zoom and drag pan redraw.
    const before = Number(await page.getAttribute(canvas, 'data-draw-count'));
    await page.mouse.move(box.x + box.width / 2, box.y + 100);
    await page.mouse.wheel(0, -600);
    await page.waitForTimeout(100);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 200, box.y + 100, { steps: 5 });
    await page.mouse.up();
    await page.waitForTimeout(100);
    assert.ok(Number(await page.getAttribute(canvas, 'data-draw-count')) > before + 1);
    assert.ok((await paintedPixels(page, canvas, 24)) > 10_000);
    await screenshot(page, 'timeline-zoomed');

    // The search dims what does not match.
    await page.fill('input[type=search]', 'renderPage');
    await page.waitForTimeout(100);
    await page.click('#tab-flame');
    const flame = '#panel-flame canvas';
    await page.waitForSelector(`${flame}[data-draw-count]`);
    await page.waitForTimeout(100);
    assert.ok((await paintedPixels(page, flame)) > 10_000, 'the flame graph is drawn');
    await page.fill('input[type=search]', '');
    await page.waitForTimeout(100);
    await screenshot(page, 'flame');
    // Click the third row (dispatch): it becomes the full width; its tooltip says so.
    const flameBox = await page.locator(flame).boundingBox();
    await page.mouse.click(flameBox.x + 20, flameBox.y + 4 + 2 * 18 + 9);
    await page.waitForTimeout(100);
    assert.match(await page.textContent('.tooltip'), /^dispatchnode_modules\/express\/lib\/router\.js:3total/);
    await page.mouse.move(flameBox.x + flameBox.width - 10, flameBox.y + 4 + 2 * 18 + 9);
    await page.waitForSelector('.tooltip:not([hidden])');
    assert.match(await page.textContent('.tooltip'), /^dispatch/, 'zoomed: dispatch spans the whole width');
    await screenshot(page, 'flame-zoomed');
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(seen.dialogs, []);
  } finally {
    await page.close();
  }
});

test('html in Chromium: hostile names show as text and run nothing', { skip }, async () => {
  const { page, seen, url } = await openReport(writeReport('hostile.html', hostileSession()));
  try {
    const rows = await treeText(page);
    assert.ok(rows.some((row) => row.includes(HOSTILE_NAME)), rows.join('\n'));
    assert.ok(rows.some((row) => row.includes('scriptBreaker') && row.includes('</script><script>alert(1)</script>.js')), rows.join('\n'));
    assert.ok(rows.some((row) => row.includes('evil\\u202egnp.js\\x07')), 'bidi and control characters are made visible');
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.locator('script').count(), 2);
    assert.match(await page.textContent('.program'), /<\/title><script>alert\(2\)<\/script>/);
    assert.match(await page.title(), /<\/title><script>alert\(2\)/);
    assert.ok((await page.textContent('.notes')).includes('<b onmouseover=alert(3)>note</b>'));
    await screenshot(page, 'hostile');
    // The canvases and their tooltips too.
    await page.click('#tab-flame');
    const box = await page.locator('#panel-flame canvas').boundingBox();
    await page.mouse.move(box.x + 10, box.y + 4 + 18 + 9 + 18);
    await page.waitForSelector('.tooltip:not([hidden])');
    assert.ok((await page.textContent('.tooltip')).includes(HOSTILE_NAME));
    // Hover the hostile frame's row in the timeline (it is the first sample, at the left).
    await page.click('#tab-timeline');
    await page.waitForSelector('#panel-timeline canvas[data-draw-count]');
    const timeline = await page.locator('#panel-timeline canvas').boundingBox();
    await page.mouse.move(timeline.x + 5, timeline.y + 22 + 18 + 9);
    await page.waitForSelector('.tooltip:not([hidden])');
    assert.ok((await page.textContent('.tooltip')).includes(HOSTILE_NAME));
    await page.waitForTimeout(200);
    assert.deepEqual(seen.dialogs, [], 'no alert ran');
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(seen.requests, [url]);
  } finally {
    await page.close();
  }
});

test('html in Chromium: an empty profile says so in every view, without errors', { skip }, async () => {
  const { page, seen } = await openReport(writeReport('empty.html', makeSession([])));
  try {
    assert.equal(await page.textContent('.empty'), 'No samples were recorded.');
    await page.click('#tab-timeline');
    await page.waitForSelector('#panel-timeline canvas[data-draw-count]');
    await page.click('#tab-flame');
    await page.waitForSelector('#panel-flame canvas[data-draw-count]');
    assert.deepEqual(seen.errors, []);
  } finally {
    await page.close();
  }
});

test('html in Chromium: a one-hour profile at 1 kHz (3.6M samples) opens within 3 s', { skip }, async (t) => {
  const path = writeReport('large.html', largeSession());
  const { page, seen, elapsed, timings } = await openReport(path);
  try {
    // firstFrame: ms from the start of navigation to the first frame after the first render.
    t.diagnostic(`3.6M samples: ready ${elapsed} ms after goto (page: parsed ${timings.parsed.toFixed(0)} ms, model ${timings.modelBuilt.toFixed(0)} ms, rendered ${timings.rendered.toFixed(0)} ms, first frame ${timings.firstFrame.toFixed(0)} ms)`);
    assert.ok(timings.firstFrame < LOAD_LIMIT_MS, `first frame at ${timings.firstFrame.toFixed(0)} ms`);
    assert.ok(elapsed < LOAD_LIMIT_MS, `ready ${elapsed} ms after goto`);
    assert.ok((await page.locator('.tree [role=treeitem]').count()) > 5);
    assert.match(await page.textContent('.notes'), /timeline resampled: 3\.6M samples shown as 200k buckets of 18(\.\d+)? ms/);

    const started = Date.now();
    await page.click('#tab-timeline');
    await page.waitForSelector('#panel-timeline canvas[data-draw-count]');
    const timelineMs = Date.now() - started;
    t.diagnostic(`3.6M samples: timeline drawn ${timelineMs} ms after its tab was clicked`);
    assert.ok(timelineMs < LOAD_LIMIT_MS, `timeline in ${timelineMs} ms`);
    assert.match(await page.textContent('#panel-timeline .resample-note'), /timeline resampled: 3\.6M samples shown as 200k buckets/);
    assert.ok((await paintedPixels(page, '#panel-timeline canvas', 24)) > 10_000);
    await screenshot(page, 'large-timeline');
    // Zooming in stays quick.
    const box = await page.locator('#panel-timeline canvas').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + 100);
    const zoomStarted = Date.now();
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -500);
    await page.waitForTimeout(50);
    t.diagnostic(`3.6M samples: 5 wheel zooms handled in ${Date.now() - zoomStarted} ms`);
    await page.click('#tab-flame');
    await page.waitForSelector('#panel-flame canvas[data-draw-count]');
    await screenshot(page, 'large-flame');
    assert.deepEqual(seen.errors, []);
  } finally {
    await page.close();
  }
});

test('html in Chromium: a deep flame graph scrolls with a scrollbar, and the tooltip follows what is under the pointer as it scrolls', { skip }, async () => {
  // 120 frames deep: far taller than the 800-pixel window at 18 pixels a row.
  const deep = Array.from({ length: 120 }, (_, i) => app(`level${i}`, i + 1));
  const samples = [];
  for (let i = 0; i < 50; i++) samples.push([deep, 0.001], [deep.slice(0, 3), 0.001]);
  const { page, seen } = await openReport(writeReport('deep.html', makeSession(samples)));
  try {
    await page.click('#tab-flame');
    await page.waitForSelector('#panel-flame canvas[data-draw-count]');
    const scroller = '#panel-flame .canvas-scroller';
    const { scrollHeight, clientHeight, overflowY } = await page.$eval(scroller, (element) => ({
      scrollHeight: element.scrollHeight,
      clientHeight: element.clientHeight,
      overflowY: getComputedStyle(element).overflowY,
    }));
    assert.ok(scrollHeight > clientHeight + 120 * 18 - 800, `content ${scrollHeight} px in a ${clientHeight} px box`);
    assert.equal(overflowY, 'auto');
    // Hover the fourth row (all samples, level0, level1, level2), then scroll the wheel without moving the pointer.
    const box = await page.locator('#panel-flame canvas').boundingBox();
    const y = box.y + 4 + 3 * 18 + 9;
    await page.mouse.move(box.x + box.width * 0.25, y);
    assert.match(await page.textContent('.tooltip'), /^level2(?!\d)/);
    await page.mouse.wheel(0, 18 * 60);
    await page.waitForFunction((selector) => document.querySelector(selector).scrollTop > 0, scroller);
    await page.waitForTimeout(100);
    const scrolled = await page.$eval(scroller, (element) => element.scrollTop);
    const tooltip = await page.$eval('.tooltip', (element) => (element.hidden ? '' : element.textContent));
    // Left of the middle the deep stack goes on: the row under the pointer now is a deeper level.
    const row = Math.floor((3 * 18 + 9 + scrolled) / 18);
    assert.match(tooltip, new RegExp(`^level${row - 1}(?!\\d)`), `after scrolling ${scrolled} px the tooltip says: ${tooltip}`);
    assert.deepEqual(seen.errors, []);
  } finally {
    await page.close();
  }
});
