// watchCode(): V8's code events kept between recordings, so that a recording
// starts without V8's heap walk and names code compiled before it (the OSR
// code of hot loops, which V8 never lists). See lib/symbolize/code-watcher.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fixture, runJson } from '../helpers.mjs';

const require = createRequire(import.meta.url);
const scenario = (name) => runJson([fixture('watch-code.js'), name]);

function assertNamed(run, label) {
  assert.ok(run.samples >= 5, `${label}: ${run.samples} samples`);
  assert.ok(run.share >= 0.5, `${label}: the hot function on ${(run.share * 100).toFixed(1)}% of samples`);
  assert.ok(run.unresolved <= run.totalFrames * 0.01, `${label}: ${run.unresolved} of ${run.totalFrames} frames unresolved`);
}

test('while watching, recordings start without listing existing code and name a hot loop compiled before them', () => {
  const out = scenario('osr');
  assert.equal(out.watching, true);
  out.runs.forEach((run, i) => {
    assert.equal(run.enumerated, 0, `run ${i} listed existing code again`);
    assertNamed(run, `run ${i}`);
  });
  assert.equal(out.relistings, 0);
  // unwatchCode(): the next recording lists existing code itself.
  assert.equal(out.afterUnwatch, 1);
});

test('over 8 MB of code events between recordings: the newest are kept, the rest listed again, nothing unresolved', () => {
  const out = scenario('overflow');
  assert.equal(out.made, 6000);
  assert.ok(out.relistings >= 1, 'the log overflowed and was listed afresh');
  out.runs.forEach((run, i) => {
    assert.equal(run.enumerated, 0);
    assertNamed(run, `run ${i}`);
  });
});

test('stress: 40 recordings at 10 kHz while watching, with code created and dropped all the time', () => {
  const out = scenario('churn');
  const [run] = out.runs;
  assert.ok(run.samples > 100, `${run.samples} samples`);
  assert.ok(run.unresolved <= run.totalFrames * 0.01, `${run.unresolved} of ${run.totalFrames} frames unresolved`);
});

test('an allocation profile while watching leaves the watcher whole', () => {
  const out = scenario('alloc');
  assert.ok(out.allocFrames > 0, 'the alloc profile has frames');
  assert.equal(out.runs[0].enumerated, 0);
  assertNamed(out.runs[0], 'wall run after alloc');
});

test("another copy's recording makes the watcher list existing code afresh; watchCode refuses while it records", () => {
  const watcher = require('../internals.cjs');
  const shared = globalThis[Symbol.for('nodeinstrument.codeEvents')];
  assert.ok(shared, 'the state shared by copies exists once the module is loaded');
  // Another copy recording now: arming would take V8's one handler slot from it.
  shared.recordingCopy = {};
  assert.throws(() => watcher.watchCode(), /another copy of nodeinstrument is recording/);
  shared.recordingCopy = undefined;
  watcher.watchCode();
  try {
    assert.equal(watcher.isWatchingCode(), true);
    const before = watcher.watchedCodeRelistings();
    watcher.watchedCodeCatalog();
    assert.equal(watcher.watchedCodeRelistings(), before, 'nothing missed, no relisting');
    shared.generation++; // another copy recorded: its handler replaced ours for a while
    const catalog = watcher.watchedCodeCatalog();
    assert.equal(watcher.watchedCodeRelistings(), before + 1);
    assert.ok(catalog.size > 100, `the fresh listing holds the existing code (${catalog.size} ranges)`);
  } finally {
    watcher.unwatchCode();
  }
});

test('the on-demand tools arm the watcher when they are set up', () => {
  const api = require('../../dist/cjs/index.js');
  api.unwatchCode();
  assert.equal(api.isWatchingCode(), false);
  api.pprofHandler();
  assert.equal(api.isWatchingCode(), true);
  api.unwatchCode();
  api.expressProfiling();
  assert.equal(api.isWatchingCode(), true);
  api.unwatchCode();
});
