// The CLI's journal (lib/recording/journal.ts): records concatenate into the
// session the builder had; a record cut short and the addon's heap-limit
// lines are read as they should be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { SessionJournal, readJournal } = require('../internals.cjs');
const { SessionBuilder } = require('../internals.cjs');

const meta = { startTime: 1_700_000_000_000, duration: 0, cpuTime: 0, sampleCount: 0, requestedInterval: 0.001, achievedInterval: 0, droppedSamples: 0, unresolvedFrames: 0, totalFrames: 0, nodeVersion: process.version, v8Version: '', platform: 'linux', arch: 'x64', pid: 1, cwd: '/', argv: [], signal: 34, mode: 'wall', notes: [] };

function addSamples(builder, names, from) {
  names.forEach((name, i) => {
    const frames = ['main', name].map((frameName) => builder.internFrame({ name: frameName, file: '/app.js', line: 1 + frameName.length, column: 1, kind: 'js' }));
    builder.addSample(builder.internStackOf(frames), from + i * 0.001 + 1e-7 / 3, 0.001, 0.0009);
  });
}

async function journalOf(dir, rounds) {
  const path = join(dir, 'run.journal');
  const journal = new SessionJournal(path, 0);
  const builder = new SessionBuilder();
  journal.start(meta);
  let at = 0;
  for (const names of rounds) {
    addSamples(builder, names, at);
    at += names.length * 0.001;
    journal.append(builder, at, at * 0.9);
  }
  await journal.whenWritten();
  return { path, builder };
}

test('records concatenate into the session the builder had, exactly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ni-journal-'));
  try {
    const { path, builder } = await journalOf(dir, [['a', 'b', 'a'], ['c'], ['b', 'd', 'a', 'c']]);
    const { session, until, nearHeapLimit } = readJournal(path);
    assert.equal(nearHeapLimit, undefined);
    assert.ok(Math.abs(until - 0.008) < 1e-12);
    assert.equal(session.meta.sampleCount, 8);
    assert.equal(session.meta.duration, until);
    assert.deepEqual(session.frames, builder.frames);
    assert.deepEqual(session.stacks, builder.stacks);
    assert.deepEqual(session.samples, builder.sampleTable()); // doubles bit for bit
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a record cut short is left out; the heap-limit line of the addon is read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ni-journal-'));
  try {
    const { path } = await journalOf(dir, [['a', 'b'], ['c', 'd', 'e']]);
    const whole = readFileSync(path);
    // Died while writing the second record: only the first one counts.
    truncateSync(path, whole.length - 5);
    const cut = readJournal(path);
    assert.equal(cut.session.meta.sampleCount, 2);
    assert.deepEqual(cut.session.frames.map((frame) => frame.name), ['main', 'a', 'b']);
    // The addon writes whole lines between records when V8's heap nears its limit.
    writeFileSync(path, whole);
    appendFileSync(path, '{"nearHeapLimit":16777216}\n');
    assert.equal(readJournal(path).nearHeapLimit, 16777216);
    assert.equal(readJournal(path).session.meta.sampleCount, 5);
    // A header alone, or no journal at all: nothing to rebuild.
    writeFileSync(path, whole.subarray(0, whole.indexOf(10) + 1));
    assert.equal(readJournal(path), undefined);
    assert.equal(readJournal(join(dir, 'missing')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
