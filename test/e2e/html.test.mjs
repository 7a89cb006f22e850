import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { renderHtml, jsonForScript } from '../internals.cjs';
import { buildHtmlData } from '../internals.cjs';
import { buildTimeline, TIMELINE_MAX_SEGMENTS } from '../internals.cjs';
import { rendererByName, rendererForPath } from '../internals.cjs';
import { parseArgs, USAGE } from '../internals.cjs';
import { buildCallTree } from '../internals.cjs';
import { processTree } from '../internals.cjs';
import { cli, root } from '../helpers.mjs';
import { makeSession } from '../sessions.mjs';
import { HOSTILE_FILE, HOSTILE_NAME, hostileSession, largeSession } from '../html-sessions.mjs';
import { loadAppModules } from '../html-app-modules.mjs';

const app = (name, line) => ({ name, file: '/app/app.js', line, column: 1, kind: 'js' });
const lib = (name, file, line = 1) => ({ name, file: `/app/node_modules/${file}`, line, column: 1, kind: 'js' });
const special = (name) => ({ name, file: '', line: 0, column: 0, kind: 'special' });

/** The JSON the page embeds, parsed back. */
function embeddedData(html) {
  const match = /<script type="application\/json" id="nodeinstrument-data">([^]*?)<\/script>/.exec(html);
  assert.ok(match, 'the page embeds its data');
  return JSON.parse(match[1]);
}

/** The front end's pure modules, bundled for Node from lib/html-app (as the page bundles them). */
let frontEnd;
function loadFrontEnd() {
  frontEnd ??= loadAppModules(['view-tree', 'call-tree', 'tree-rows', 'timeline-rows', 'visible-stacks', 'data', 'search', 'model']);
  return frontEnd;
}

const libSession = () =>
  makeSession([
    [[app('main', 1), lib('dispatch', 'fakelib/index.js', 3), lib('inner', 'fakelib/inner.js', 7), lib('invoke', '@scope/helper/index.js'), app('handleRequest', 2)], 0.006],
    [[app('main', 1), lib('dispatch', 'fakelib/index.js', 3), lib('inner', 'fakelib/inner.js', 7), lib('invoke', '@scope/helper/index.js'), app('handleRequest', 2), app('parse', 9)], 0.003],
    [[app('main', 1), app('tiny', 20)], 0.0001],
    [[special('(idle)')], 0.001],
  ]);

test('html: registered as html, for .html and .htm', () => {
  assert.equal(rendererByName('html').name, 'html');
  assert.equal(rendererForPath('/tmp/report.html')?.name, 'html');
  assert.equal(rendererForPath('/tmp/REPORT.HTM')?.name, 'html');
  assert.match(USAGE, /html {8}call tree, timeline and flame graph/);
  assert.match(USAGE, /--open/);
});

test('html: one self-contained page that loads nothing and runs only its own script', () => {
  const html = rendererByName('html').render(libSession(), {});
  assert.match(html, /^<!DOCTYPE html>/);
  // Nothing that a browser would fetch: outside the scripts, every src and href is a data: URL,
  // and no CSS imports or url()s; inside, the only URLs are XML namespace names (Preact's SVG support).
  const markup = html.replace(/<script[^>]*>[^]*?<\/script>/g, '');
  const references = [...markup.matchAll(/\b(?:src|href|action|poster|srcset|data)\s*=\s*["']?([^"'\s>]*)/gi)].map((match) => match[1]);
  assert.deepEqual(references, ['data:,']);
  assert.doesNotMatch(html, /@import|url\(/i);
  const urls = [...html.matchAll(/\b(?:https?:)?\/\/[\w.-]+\.[a-z]{2,}[^"'\s]*/gi)].map((match) => match[0]);
  assert.ok(urls.every((url) => /^http:\/\/www\.w3\.org\/(?:2000\/svg|1998\/Math\/MathML|1999\/xhtml|1999\/xlink)$/.test(url)), urls.join(' '));
  // Two scripts: the data (not executed) and the app, whose hash is the only one the CSP allows.
  const scripts = [...html.matchAll(/<script([^>]*)>([^]*?)<\/script>/g)];
  assert.equal(scripts.length, 2);
  assert.equal(scripts[0][1], ' type="application/json" id="nodeinstrument-data"');
  const hash = createHash('sha256').update(scripts[1][2], 'utf8').digest('base64');
  const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  assert.equal(policy, `default-src 'none'; script-src 'sha256-${hash}'; style-src 'unsafe-inline'; img-src data:`);
  assert.ok(html.length < 150_000, `a small profile makes a small page (${html.length} bytes)`);
});

test('html: hostile function and file names stay data, everywhere', () => {
  const html = renderHtml(hostileSession(), {});
  assert.ok(!html.includes('<img'), 'no raw <img');
  assert.ok(!html.includes(HOSTILE_NAME));
  // Inside the JSON the name is there, but its < is escaped.
  assert.equal(html.split('onerror=alert').length, html.split('\\u003cimg src=x onerror=alert').length);
  assert.ok(!html.includes('<script>alert'));
  assert.ok(!html.includes('</title><script>'));
  assert.ok(!html.includes('<b onmouseover'));
  assert.ok(!html.includes('<!--'));
  assert.ok(!/[\u2028\u2029]/.test(html), 'no raw line separators');
  assert.equal(html.match(/<\/script/gi).length, 2, 'only the two script elements close');
  // The title is escaped text.
  assert.match(html, /<title>node app\.js &#39;&#60;\/title&#62;&#60;script&#62;alert\(2\)&#60;\/script&#62;&#39; - nodeinstrument<\/title>/);
  // And the data still reads back exactly.
  const data = embeddedData(html);
  assert.ok(data.frames.name.includes(HOSTILE_NAME));
  assert.ok(data.frames.file.includes(HOSTILE_FILE));
  assert.ok(data.frames.file.includes('/app/x\u2028y\u2029z.js'));
  // Displayed names have control and bidi characters made visible.
  assert.ok(data.frames.label.includes('evil\\u202egnp.js\\x07'));
  assert.equal(data.meta.notes[0], '<b onmouseover=alert(3)>note</b>');
  assert.equal(jsonForScript('</script>\u2028'), '"\\u003c/script>\\u2028"');
});

test('html: the embedded data: frames in use, each stack\'s self time, merged timeline segments', () => {
  const a = app('a', 1);
  const b = app('b', 2);
  const c = app('c', 3);
  const session = makeSession([
    [[a, b], 0.001],
    [[a, b], 0.002],
    [[a, c], 0.001],
    [[], 0.0005],
    [[a, b], 0.001],
  ]);
  const data = buildHtmlData(session, { timing: 'percent', processor: { showAll: true, hide: /vendor/g } });
  assert.deepEqual(data.frames.name, ['a', 'b', 'c']);
  assert.deepEqual(data.frames.location, ['app.js:1', 'app.js:2', 'app.js:3']);
  assert.deepEqual(data.stacks, { parent: [-1, 0, 0], frame: [0, 1, 2] });
  assert.deepEqual(data.self, { time: [0, 0.004, 0.001], samples: [0, 3, 1] });
  assert.deepEqual(data.emptyStack, { time: 0.0005, samples: 1 });
  assert.deepEqual(data.timeline, { sampleCount: 5, stack: [1, 2, -1, 1], gap: [0, 0, 0, 0], length: [3000, 1000, 500, 1000] });
  assert.deepEqual(data.settings, { timing: 'percent', showAll: true, minShare: 0, hide: { source: 'vendor', flags: '' } });
  assert.equal(data.program, 'node app.js');
});

test('html: an empty session makes a page too', () => {
  const data = embeddedData(renderHtml(makeSession([]), {}));
  assert.deepEqual(data.timeline, { sampleCount: 0, stack: [], gap: [], length: [] });
  assert.deepEqual(data.stacks, { parent: [], frame: [] });
});

test('html: beyond the segment limit the timeline keeps the most sampled stack of each time bucket', () => {
  // 1000 samples of 1 ms alternating between stacks 1 and 2, with stack 3 for 3 of every 10 in the second half.
  const stack = [];
  const time = [];
  const duration = [];
  for (let i = 0; i < 1000; i++) {
    stack.push(i >= 500 && i % 10 < 3 ? 3 : 1 + (i % 2));
    time.push((i + 1) / 1000);
    duration.push(0.001);
  }
  const samples = { stack, time, duration, cpu: duration };
  assert.equal(buildTimeline(samples).resampled, undefined);
  const timeline = buildTimeline(samples, 10);
  assert.deepEqual(timeline.resampled, { buckets: 10, bucketSeconds: 0.1 });
  // First half: 1 and 2 tie, the first seen wins; second half: 3 has 30%, 1 has 20%, 2 has 50%.
  assert.deepEqual(timeline.stack, [1, 2]);
  assert.deepEqual(timeline.length, [500_000, 500_000]);
  assert.equal(TIMELINE_MAX_SEGMENTS, 200_000);
});

test('html: a one-hour profile at 1 kHz (3.6M samples) renders fast into a file a browser opens', (t) => {
  let started = performance.now();
  const session = largeSession();
  const built = performance.now() - started;
  started = performance.now();
  const html = renderHtml(session, {});
  const rendered = performance.now() - started;
  const megabytes = Buffer.byteLength(html) / 1e6;
  const data = embeddedData(html);
  t.diagnostic(`3.6M-sample session built in ${built.toFixed(0)} ms; HTML rendered in ${rendered.toFixed(0)} ms; ${megabytes.toFixed(2)} MB`);
  assert.equal(data.timeline.sampleCount, 3_600_000);
  assert.deepEqual(data.timeline.resampled && data.timeline.resampled.buckets, 200_000);
  assert.ok(data.timeline.stack.length <= 200_000);
  assert.ok(data.stacks.parent.length >= 2000, `a few thousand stacks (${data.stacks.parent.length})`);
  const total = data.self.time.reduce((sum, time) => sum + time, data.emptyStack.time);
  assert.ok(Math.abs(total - session.meta.duration) < 1e-3, 'the call tree still counts every sample');
  assert.ok(megabytes < 12, `file of ${megabytes.toFixed(2)} MB`);
  assert.ok(rendered < 15_000, `rendered in ${rendered.toFixed(0)} ms`);
});

test('html front end: the aggregated call tree is the text report\'s, and library groups open in place', async () => {
  const { buildAggregateTree, decodeFrames, processView, rulesOf } = await loadFrontEnd();
  const session = libSession();
  const data = buildHtmlData(session);
  const frames = decodeFrames(data);
  const tree = buildAggregateTree(data, frames);
  const shape = (node) => ({ name: node.frame.name, total: +node.totalTime.toFixed(6), self: +node.selfTime.toFixed(6), samples: node.sampleCount, hidden: node.hidden, children: node.children.map(shape) });
  assert.deepEqual(shape(tree), shape(buildCallTree(session)));

  const rules = rulesOf(data.settings, false);
  const closed = processView(tree, rules, new Set(), frames.length);
  assert.deepEqual(shape(closed.root), shape(processTree(buildCallTree(session), { minShare: 0 })));
  const main = closed.root.children.find((node) => node.frame.name === 'main');
  const dispatch = main.children[0];
  assert.equal(dispatch.frame.name, 'dispatch');
  assert.deepEqual(dispatch.hidden, { frameCount: 2, libraries: ['fakelib', '@scope/helper'] });
  const handle = dispatch.children[0];
  assert.equal(handle.frame.name, 'handleRequest');
  const groupKey = closed.key.get(dispatch);

  const open = processView(tree, rules, new Set([groupKey]), frames.length);
  const openDispatch = open.root.children.find((node) => node.frame.name === 'main').children[0];
  assert.deepEqual(openDispatch.hidden, dispatch.hidden, 'the group line reads the same open');
  const inner = openDispatch.children[0];
  const invoke = inner.children[0];
  assert.deepEqual([inner.frame.name, invoke.frame.name], ['inner', 'invoke']);
  assert.ok(open.revealed.has(inner) && open.revealed.has(invoke) && !open.revealed.has(openDispatch));
  const openHandle = invoke.children[0];
  assert.equal(openHandle.frame.name, 'handleRequest');
  assert.equal(openHandle.totalTime, handle.totalTime);
  assert.equal(open.key.get(openHandle), closed.key.get(handle), 'keys skip revealed frames, so expansion state survives');
  assert.equal(open.parent.get(openHandle), invoke);

  // Show all: nothing is grouped.
  const all = processView(tree, rulesOf(data.settings, true), new Set(), frames.length);
  assert.equal(all.root.children.find((node) => node.frame.name === 'main').children[0].hidden, undefined);
});

test('html front end: native leaves are one block per library, named as in the text report', async () => {
  const { buildAggregateTree, decodeFrames, processView, rulesOf, frameText, createModel } = await loadFrontEnd();
  const native = (name, object) => ({ name, file: object, line: 0, column: 0, kind: 'native' });
  const session = makeSession([
    [[app('main', 1), app('parse', 9), native('v8::internal::JsonParser::ParseJsonValue', '/usr/bin/node')], 0.004],
    [[app('main', 1), app('parse', 9), native('v8::internal::StringTable::LookupKey', '/usr/bin/node')], 0.002],
    [[app('main', 1), app('parse', 9), native('__libc_malloc', '/lib/libc.so.6')], 0.001],
    [[app('main', 1), app('parse', 9), native('[native] libc.so.6', '/lib/libc.so.6')], 0.001],
    [[app('main', 1), app('other', 12), native('__libc_malloc', '/lib/libc.so.6')], 0.001],
  ]);
  const data = buildHtmlData(session);
  const frames = decodeFrames(data);
  const view = processView(buildAggregateTree(data, frames), rulesOf(data.settings, false), new Set(), frames.length);
  const text = frameText(createModel(data), view.blocks);
  const rows = (node, depth = 0) => [`${'  '.repeat(depth)}${text.labels[node.frameId]}  ${text.locations[node.frameId]}`, ...node.children.flatMap((child) => rows(child, depth + 1))];
  const lines = view.root.children.flatMap((node) => rows(node));
  // The text report's blocks, in the tree and the flame graph alike.
  const textTree = processTree(buildCallTree(session), { minShare: 0 });
  const parse = textTree.children[0].children.find((node) => node.frame.name === 'parse');
  assert.deepEqual(parse.children.map((node) => node.frame.name), lines.slice(2, 4).map((line) => line.trim().split('  ')[0]));
  assert.deepEqual(lines, [
    'main  app.js:1',
    '  parse  app.js:9',
    '    JSON.parse: JsonParser::ParseJsonValue, StringTable::LookupKey  [native] node',
    '    __libc_malloc +1 more  [native] libc.so.6',
    '  other  app.js:12',
    // A lone function without a meaning stays as it is.
    '    __libc_malloc  [native] libc.so.6',
  ]);
  // Blocks have ids of their own past the report's frames, one per distinct block; each node a key.
  const blockNodes = view.root.children[0].children[0].children;
  assert.ok(blockNodes.every((node) => node.frameId >= frames.length && view.key.get(node) !== undefined));
  assert.equal(new Set(blockNodes.map((node) => node.frameId)).size, 2);
  assert.equal(view.blocks.length, 2);
  assert.equal(text.colors.length, frames.length + 2);
  // Show all: each function as it is, no block.
  const all = processView(buildAggregateTree(data, frames), rulesOf(data.settings, true), new Set(), frames.length);
  assert.equal(all.blocks.length, 0);
  assert.equal(all.root.children[0].children.find((node) => node.frame.name === 'parse').children.length, 4);
});

test('html front end: a request report\'s other work is one group that opens in place', async () => {
  const { buildAggregateTree, decodeFrames, processView, rulesOf } = await loadFrontEnd();
  const other = { name: '(other work on this thread)', file: '', line: 0, column: 0, kind: 'special' };
  const session = makeSession([
    [[app('handler', 1)], 0.003],
    [[other, app('timer', 9), lib('hashLoop', 'hasher/index.js')], 0.004],
  ]);
  const data = buildHtmlData(session);
  const frames = decodeFrames(data);
  const tree = buildAggregateTree(data, frames);
  const rules = rulesOf(data.settings, false);
  const closed = processView(tree, rules, new Set(), frames.length);
  const otherNode = closed.root.children.find((node) => node.frame.name === other.name);
  assert.deepEqual(otherNode.children, []);
  assert.deepEqual(otherNode.hidden, { frameCount: 2, libraries: ['app.js', 'hasher'] });
  const open = processView(tree, rules, new Set([closed.key.get(otherNode)]), frames.length);
  const opened = open.root.children.find((node) => node.frame.name === other.name);
  assert.deepEqual([opened.children[0].frame.name, opened.children[0].children[0].frame.name], ['timer', 'hashLoop']);
  assert.ok(open.revealed.has(opened.children[0]));
});

test('html front end: tree rows follow expansion, the threshold, groups and the search', async () => {
  const { buildAggregateTree, decodeFrames, processView, rulesOf, treeRows, matchFrames } = await loadFrontEnd();
  const data = buildHtmlData(libSession());
  const frames = decodeFrames(data);
  const view = processView(buildAggregateTree(data, frames), rulesOf(data.settings, false), new Set(), frames.length);
  const base = { view, minShare: 0.01, matches: undefined, expanded: new Map(), openGroups: new Set(), autoExpandShare: 0.05, maxRows: 1000 };
  const names = (rows) => rows.map((row) => `${'  '.repeat(row.depth)}${row.type === 'group' ? `[${row.node.hidden.frameCount}]` : row.node.frame.name}`);

  assert.deepEqual(names(treeRows(base).rows), ['main', '  dispatch', '    [2]', '    handleRequest', '      parse', '(idle)']);
  // tiny (0.1 ms of ~10 ms) is over a 0% threshold only.
  assert.ok(names(treeRows({ ...base, minShare: 0 }).rows).includes('  tiny'));
  const dispatchKey = view.key.get(view.root.children[0].children[0]);
  const collapsed = treeRows({ ...base, expanded: new Map([[dispatchKey, false]]) });
  assert.deepEqual(names(collapsed.rows), ['main', '  dispatch', '(idle)']);
  assert.equal(collapsed.rows[1].parentIndex, 0);

  const search = treeRows({ ...base, matches: matchFrames('PARSE', frames, data.frames.location) });
  assert.equal(search.matchCount, 1);
  assert.deepEqual(names(search.rows), ['main', '  dispatch', '    [2]', '    handleRequest', '      parse']);
  assert.ok(search.rows.at(-1).matched);
  const byFile = treeRows({ ...base, minShare: 0.5, matches: matchFrames('app.js', frames, data.frames.location) });
  assert.ok(byFile.matchCount >= 4, 'files match too, and matches are listed under the threshold');
  assert.ok(names(byFile.rows).includes('  tiny'));

  const limited = treeRows({ ...base, maxRows: 2 });
  assert.equal(limited.rows.length, 2);
  assert.ok(limited.truncated > 0);
});

test('html front end: timeline rows are runs of one call per depth', async () => {
  const { decodeSegments, visibleStacks, buildTimelineRows, rulesOf, decodeFrames, firstRunEndingAfter } = await loadFrontEnd();
  const a = app('a', 1);
  const b = app('b', 2);
  const c = app('c', 3);
  const hiddenFrame = { name: 'internal', file: 'node:internal/x', line: 1, column: 1, kind: 'js' };
  const session = makeSession([
    [[a, b], 0.001],
    [[a, hiddenFrame, b], 0.001],
    [[a, c], 0.001],
    [[c], 0.001],
    [[], 0.001],
    [[c], 0.001],
  ]);
  const data = buildHtmlData(session);
  const visible = visibleStacks(data.stacks, decodeFrames(data), rulesOf(data.settings, false));
  const { rows, start, end } = buildTimelineRows(decodeSegments(data), visible);
  const runs = (row) => Array.from({ length: row.count }, (_, i) => `${data.frames.name[visible.frame[row.stack[i]]]}@${row.start[i].toFixed(3)}-${row.end[i].toFixed(3)}`);
  assert.deepEqual(runs(rows[0]), ['a@0.000-0.003', 'c@0.003-0.004', 'c@0.005-0.006']);
  assert.deepEqual(runs(rows[1]), ['b@0.000-0.002', 'c@0.002-0.003'], 'the hidden internal frame does not split b');
  assert.equal(rows.length, 2);
  assert.deepEqual([start, end], [0, 0.006]);
  assert.equal(firstRunEndingAfter(rows[0], 0.0035), 1);
  assert.equal(firstRunEndingAfter(rows[0], 1), 3);
});

test('parseArgs: --open', () => {
  assert.equal(parseArgs(['app.js']).open, false);
  assert.equal(parseArgs(['--open', '-r', 'html', 'app.js']).open, true);
  assert.throws(() => parseArgs(['--open=yes', 'app.js']), /takes no value/);
});

// ---------------------------------------------------------------------------
// The command line.

function cliRun(args, env = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  if (result.error) throw result.error;
  return result;
}

function withSessionFile(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-html-cli-'));
  try {
    const sessionPath = join(dir, 'session.json');
    libSession().save(sessionPath);
    return fn(dir, sessionPath);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitFor(check, ms = 5000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

test('cli: -r html to a pipe writes the page; -o report.html picks html by extension', () => {
  withSessionFile((dir, sessionPath) => {
    const piped = cliRun(['--load', sessionPath, '-r', 'html']);
    assert.equal(piped.status, 0, piped.stderr);
    assert.match(piped.stdout, /^<!DOCTYPE html>/);
    const out = join(dir, 'report.htm');
    const written = cliRun(['--load', sessionPath, '-o', out]);
    assert.equal(written.status, 0, written.stderr);
    assert.match(written.stderr, /wrote html report to .*report\.htm/);
    assert.match(readFileSync(out, 'utf8'), /^<!DOCTYPE html>/);
  });
});

test('cli: -r html on a terminal writes a temporary file and prints its path', (t) => {
  if (spawnSync('script', ['--version']).error) return t.skip('needs util-linux script(1) for a terminal');
  withSessionFile((dir, sessionPath) => {
    const temporary = join(dir, 'tmp');
    mkdirSync(temporary);
    const command = [process.execPath, cli, '--load', sessionPath, '-r', 'html'].map((arg) => `'${arg}'`).join(' ');
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, TMPDIR: temporary } });
    assert.equal(result.status, 0, result.stdout);
    const files = readdirSync(temporary);
    assert.equal(files.length, 1);
    assert.match(files[0], /^nodeinstrument-\d{8}-\d{6}\.html$/);
    assert.ok(result.stdout.includes(join(temporary, files[0])), result.stdout);
    assert.ok(!result.stdout.includes('<!DOCTYPE'), 'no HTML on the terminal');
  });
});

test('cli: --open opens the report with xdg-open; a missing opener is reported, not fatal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-html-open-'));
  try {
    const sessionPath = join(dir, 'session.json');
    libSession().save(sessionPath);
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const log = join(dir, 'opened.txt');
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${log}'\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);
    const out = join(dir, 'report.html');
    const opened = cliRun(['--load', sessionPath, '-o', out, '--open'], { PATH: `${bin}:${process.env.PATH}` });
    assert.equal(opened.status, 0, opened.stderr);
    assert.ok(await waitFor(() => existsSync(log) && readFileSync(log, 'utf8') === out), 'xdg-open got the report');

    // Piped and without -o, --open still needs a file: a temporary one.
    const temporary = join(dir, 'tmp');
    mkdirSync(temporary);
    rmSync(log);
    const piped = cliRun(['--load', sessionPath, '-r', 'html', '--open'], { PATH: `${bin}:${process.env.PATH}`, TMPDIR: temporary });
    assert.equal(piped.status, 0, piped.stderr);
    assert.equal(piped.stdout, '');
    const [file] = readdirSync(temporary);
    assert.ok(await waitFor(() => existsSync(log) && readFileSync(log, 'utf8') === join(temporary, file)));

    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const missing = cliRun(['--load', sessionPath, '-o', out, '--open'], { PATH: empty });
    assert.equal(missing.status, 0, missing.stderr);
    assert.match(missing.stderr, /could not open the report in a browser \(xdg-open: .*ENOENT.*\); open .*report\.html/);

    const wrong = cliRun(['--load', sessionPath, '--open']);
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /--open opens HTML reports/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
