// The HTML report's label selector, in headless Chromium (skipped when it is
// missing, as test/e2e/html-browser.test.mjs): choosing a label pair shows the
// call tree of the samples that carry it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../internals.cjs';
import { buildHtmlData } from '../internals.cjs';
import { SessionBuilder } from '../internals.cjs';
import { internLabels, labelSetById } from '../internals.cjs';
import { skip, useBrowser } from '../browser.mjs';
import { makeSession, testMeta } from '../sessions.mjs';

const app = (name, line) => ({ name, file: '/app/src/app.js', line, column: 1, kind: 'js' });

/** 30 samples of handleUsers under route=/users, 20 of handleOrders (10 of them in phase=db) under route=/orders, 10 unlabelled. */
function labelledSession() {
  const builder = new SessionBuilder(labelSetById);
  const users = internLabels({ route: '/users' });
  const orders = internLabels({ route: '/orders' });
  const ordersDb = internLabels({ route: '/orders', phase: 'db\u001b[31m' });
  const stackOf = (...frames) => builder.internStackOf(frames.map((frame) => builder.internFrame(frame)));
  const usersStack = stackOf(app('main', 1), app('handleUsers', 10));
  const ordersStack = stackOf(app('main', 1), app('handleOrders', 20));
  const dbStack = stackOf(app('main', 1), app('handleOrders', 20), app('queryDb', 30));
  const otherStack = stackOf(app('main', 1), app('housekeeping', 40));
  let time = 0;
  const add = (stack, labelSet) => builder.addSample(stack, (time += 0.001), 0.001, 0.001, labelSet);
  for (let i = 0; i < 10; i++) {
    add(otherStack, 0);
    add(usersStack, users);
    add(usersStack, users);
    add(usersStack, users);
    add(ordersStack, orders);
    add(dbStack, ordersDb);
  }
  return builder.build({ ...testMeta, sampleCount: 60, duration: 0.06 });
}

test('HTML data: label pairs with the self table of their samples; none without labels', () => {
  const data = buildHtmlData(labelledSession());
  assert.deepEqual(data.labels.pairs, ['phase=db\\x1b[31m', 'route=/orders', 'route=/users']);
  const samplesOf = (pair) => data.labels.self[data.labels.pairs.indexOf(pair)].samples.reduce((a, b) => a + b, 0);
  assert.equal(samplesOf('route=/users'), 30);
  assert.equal(samplesOf('route=/orders'), 20); // both sets that hold it
  assert.equal(samplesOf('phase=db\\x1b[31m'), 10);
  assert.equal(buildHtmlData(makeSession([[[app('main', 1)], 0.001]])).labels, undefined);
});

const chrome = useBrowser('nodeinstrument-labels-html-');

async function open(session, name) {
  const path = join(chrome.dir, name);
  writeFileSync(path, renderHtml(session, { processor: { showAll: true } }));
  const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pathToFileURL(path).href);
  await page.waitForSelector('html[data-ready]');
  return { page, errors };
}

const treeNames = (page) => page.$$eval('.tree [role=treeitem] .name', (names) => names.map((name) => name.textContent));

test('html in Chromium: the label selector shows one label pair\'s call tree', { skip }, async () => {
  const { page, errors } = await open(labelledSession(), 'labels.html');
  try {
    const options = await page.$$eval('.label-filter option', (list) => list.map((option) => option.textContent));
    assert.deepEqual(options, ['all samples', 'phase=db\\x1b[31m', 'route=/orders', 'route=/users']);
    const all = await treeNames(page);
    for (const name of ['handleUsers', 'handleOrders', 'housekeeping']) assert.ok(all.includes(name), `${name} in ${all}`);

    await page.selectOption('.label-filter select', { label: 'route=/users' });
    let names = await treeNames(page);
    assert.ok(names.includes('handleUsers'), names.join());
    assert.ok(!names.includes('handleOrders') && !names.includes('housekeeping'), names.join());
    // The root's total is the label's: 30 of 60 samples, 1 ms each.
    assert.match(await page.$eval('.tree [role=treeitem] .time', (cell) => cell.textContent), /0\.030/);

    await page.selectOption('.label-filter select', { label: 'route=/orders' });
    names = await treeNames(page);
    assert.ok(names.includes('handleOrders') && names.includes('queryDb') && !names.includes('handleUsers'), names.join());

    await page.selectOption('.label-filter select', { label: 'all samples' });
    assert.deepEqual(await treeNames(page), all);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('html in Chromium: no label selector without labels', { skip }, async () => {
  const { page } = await open(makeSession([[[app('main', 1)], 0.001]]), 'plain.html');
  try {
    assert.equal(await page.$('.label-filter'), null);
  } finally {
    await page.close();
  }
});
