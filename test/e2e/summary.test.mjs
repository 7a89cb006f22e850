// The hotspot summary (-r summary): which hotspots it picks, what it says
// about the run, and Markdown that survives any function name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderSummary, code } from '../internals.cjs';
import { branchHotspots, selfHotspots } from '../internals.cjs';
import { buildCallTree } from '../internals.cjs';
import { processTree } from '../internals.cjs';
import { rendererForPath } from '../internals.cjs';
import { cli, root, runNode } from '../helpers.mjs';
import { makeSession } from '../sessions.mjs';

const { marked } = createRequire(import.meta.url)('marked');
const app = (name, line) => ({ name, file: '/app/app.js', line, column: 1, kind: 'js' });
const native = { name: '[native] node', file: '/usr/bin/node', line: 0, column: 0, kind: 'native' };
const builtin = { name: 'ArrayMap', file: '', line: 0, column: 0, kind: 'builtin' };
const IDLE = { name: '(idle)', file: '', line: 0, column: 0, kind: 'special' };
const MODULE = app('(module)', 1);
const SPIN = app('spinFor', 29);
const PARSE = app('parseRecords', 15);
const RENDER = app('renderReport', 25);
const CALLBACK = app('(anonymous)', 26);

// The shape of examples/busy.js: (module) > spinFor > parseRecords > [native] (JSON.parse), and renderReport > ArrayMap > callback.
const busy = () =>
  makeSession(
    [
      ...Array.from({ length: 580 }, () => [[MODULE, SPIN, PARSE, native], 0.001]),
      ...Array.from({ length: 10 }, () => [[MODULE, SPIN, PARSE], 0.001]),
      ...Array.from({ length: 240 }, () => [[MODULE, SPIN, RENDER, builtin, CALLBACK], 0.001]),
      ...Array.from({ length: 50 }, () => [[MODULE, SPIN, RENDER], 0.001]),
      ...Array.from({ length: 120 }, () => [[IDLE], 0.001]),
    ],
    { duration: 1, cpuTime: 0.88, argv: ['/usr/bin/node', '/app/busy.js', '--fast'], nodeVersion: 'v20.20.2', v8Version: '11.3.244.8', totalFrames: 4000, unresolvedFrames: 2 },
  );

const tree = (session) => processTree(buildCallTree(session), { minShare: 0 });

test('branch hotspots: pass-through callers give way to their callee, builtins and natives to their caller', () => {
  const hotspots = branchHotspots(tree(busy()));
  assert.deepEqual(hotspots.map((hotspot) => hotspot.frame.name), ['spinFor', 'parseRecords', 'renderReport']);
  assert.deepEqual(hotspots.map((hotspot) => +(hotspot.share * 100).toFixed(1)), [88, 59, 29]);
  assert.deepEqual(hotspots[1].path.map((frame) => frame.name), ['(module)', 'spinFor', 'parseRecords']);
});

test('self-time hotspots: a native leaf is named with the JavaScript that called it; idle is never a hotspot', () => {
  const hotspots = selfHotspots(tree(busy()));
  assert.deepEqual(hotspots.map((hotspot) => hotspot.frame.name), ['[native] node', '(anonymous)', 'renderReport']);
  assert.equal(hotspots[0].caller.name, 'parseRecords');
  assert.equal(hotspots[1].caller, undefined);
  assert.ok(Math.abs(hotspots[0].share - 0.58) < 1e-9);
});

test('the summary: conditions, both top-3 tables with share, file:line and call path, and a place for the decision', () => {
  const markdown = renderSummary(busy());
  assert.match(markdown, /^# Profile summary: `node busy\.js --fast`\n/);
  assert.match(markdown, /\| Command \| `node busy\.js --fast` \|/);
  assert.match(markdown, /\| Node \| v20\.20\.2 \(V8 11\.3\.244\.8, linux-x64\) \|/);
  assert.match(markdown, /\| Interval \| 1\.00 ms interval, 100\.0% of requested rate \|/);
  assert.match(markdown, /\| Duration \| 1\.000 s wall, 0\.880 s CPU \|/);
  assert.match(markdown, /\| Samples \| 1,000 \|/);
  assert.match(markdown, /\| Dropped \/ unresolved \| 0 samples dropped, 2 of 4,000 frames unresolved \(0\.1%\) \|/);
  assert.match(markdown, /## Top 3 hotspots by branch \(total time\)\n\n\| # \| Function \| Share \| Time \| Location \| Call path \|/);
  assert.match(markdown, /\| 2 \| `parseRecords` \| 59\.0% \| 0\.590 s \| `app\.js:15` \| `\(module\) > spinFor > parseRecords` \|/);
  assert.match(markdown, /\| 1 \| `\[native\] node` \| 58\.0% \| 0\.580 s \| called from `parseRecords {2}app\.js:15` \| `\(module\) > spinFor > parseRecords > \[native\] node` \|/);
  assert.match(markdown, /## Decision\n/);
  assert.doesNotMatch(markdown, /## Warnings/, 'a sound profile has none');
  const html = marked.parse(markdown, { gfm: true });
  assert.equal(html.match(/<table>/g).length, 3);
  assert.equal(html.match(/<tr>/g).length, 1 + 8 + 2 * (1 + 3), 'header rows and data rows');
});

test('the summary lists the warnings of a profile that cannot be trusted', () => {
  const markdown = renderSummary(makeSession(Array.from({ length: 50 }, () => [[MODULE, SPIN], 0.001]), { droppedSamples: 3 }));
  assert.match(markdown, /## Warnings\n\n- \*\*Only 50 samples of the program running \(0\.050 s\): too few to tell functions apart/);
  assert.match(markdown, /- \*\*3 samples were dropped \(5\.7% of the run\); times may be understated\.\*\*/);
});

test('hostile names cannot break the Markdown: pipes, backticks, newlines, HTML', () => {
  assert.equal(code('a|b'), '`a\\|b`');
  assert.equal(code('x`y'), '``x`y``');
  assert.equal(code('`edge`'), '`` `edge` ``');
  const evil = { name: 'f|``<img src=x>\n# title', file: '/app/e|vil.js', line: 3, column: 1, kind: 'js' };
  const markdown = renderSummary(makeSession(Array.from({ length: 600 }, () => [[MODULE, evil], 0.001])));
  const html = marked.parse(markdown, { gfm: true });
  assert.doesNotMatch(html, /<img/);
  assert.doesNotMatch(html, /<h1>title/);
  assert.equal(html.match(/<table>/g).length, 3);
  for (const row of html.match(/<tr>[\s\S]*?<\/tr>/g).slice(9)) assert.equal(row.match(/<t[dh]/g).length, 6, row);
});

test('-r summary and .md from the CLI; an empty profile says so', () => {
  assert.equal(rendererForPath('notes/profile.md').name, 'summary');
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-summary-'));
  const saved = join(dir, 'run.json');
  busy().save(saved);
  const result = runNode([cli, '--load', saved, '-o', join(dir, 'hot.md')], { cwd: root });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /wrote summary report to .*hot\.md/);
  assert.match(readFileSync(join(dir, 'hot.md'), 'utf8'), /\| 1 \| `spinFor` \| 88\.0% \|/);
  assert.match(renderSummary(makeSession([])), /No samples were recorded/);
  rmSync(dir, { recursive: true, force: true });
});
