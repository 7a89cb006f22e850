// Memory beside time: the session's RSS and V8 heap series, recorded by a
// real profile, validated on load, shown in the text header and the HTML data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, SessionFormatError } from '../internals.cjs';
import { formatMemorySummary, formatBytes, summarizeMemory } from '../internals.cjs';
import { buildHtmlData } from '../internals.cjs';
import { renderText } from '../internals.cjs';
import { cli, fixture, runNode } from '../helpers.mjs';
import { makeSession } from '../sessions.mjs';

const MB = 1024 * 1024;

/** One real CLI run of the fixture, shared by the tests below. */
let recorded;
function recordedSession() {
  if (recorded) return recorded;
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-memory-'));
  const file = join(dir, 'run.json');
  const result = runNode([cli, '-o', file, fixture('retain-50mb.js')]);
  assert.equal(result.status, 0, result.stderr);
  recorded = { session: Session.load(file), json: JSON.parse(readFileSync(file, 'utf8')) };
  return recorded;
}

test('memory: a profile of a program retaining ~50 MB records RSS and V8 heap rising while it runs', () => {
  const { session } = recordedSession();
  const { memory, meta } = session;
  assert.ok(memory, 'the session has a memory series');
  const { time, rss, heapUsed } = memory;
  assert.ok(time.length >= 8, `a point every 100 ms over about a second: got ${time.length}`);
  assert.equal(rss.length, time.length);
  assert.equal(heapUsed.length, time.length);
  for (let i = 1; i < time.length; i++) assert.ok(time[i] >= time[i - 1], 'in time order');
  assert.ok(time[0] >= 0 && time[time.length - 1] <= meta.duration + 0.01, 'within the session');
  const peakRss = Math.max(...rss);
  const peakHeap = Math.max(...heapUsed);
  assert.ok(peakRss - rss[0] > 30 * MB, `RSS rose by ${formatBytes(peakRss - rss[0])}`);
  assert.ok(peakHeap - heapUsed[0] > 30 * MB, `heap used rose by ${formatBytes(peakHeap - heapUsed[0])}`);
  // The fixture never yields to the event loop: points between the first and
  // the last come from the monitor thread, and must already show the growth.
  const middle = time.map((t, i) => i).filter((i) => i > 0 && i < time.length - 1);
  const risen = middle.filter((i) => heapUsed[i] > heapUsed[0] + 10 * MB && rss[i] > rss[0] + 10 * MB);
  assert.ok(risen.length >= 3, `points taken during the synchronous run show growth: ${risen.length} of ${middle.length}`);
  // The series rises overall rather than jumping once.
  const firstHalf = heapUsed.slice(0, Math.floor(heapUsed.length / 2));
  assert.ok(Math.max(...firstHalf) < peakHeap, 'the heap is higher in the second half');
});

test('memory: the text header says peak RSS and heap growth', () => {
  const { session } = recordedSession();
  const text = renderText(session, { color: false });
  const line = text.split('\n').find((candidate) => candidate.includes('Memory:'));
  assert.ok(line, text);
  assert.match(line, /Memory: peak RSS \d+\.\d MB, V8 heap [\d.]+ [KM]B -> [\d.]+ MB \(\+[\d.]+ MB, peak [\d.]+ MB\)/);
  const growth = Number(/\(\+([\d.]+) MB/.exec(line)[1]);
  assert.ok(growth > 30, line);
});

test('memory: the HTML report data carries the series for the memory track', () => {
  const { session } = recordedSession();
  const data = buildHtmlData(session);
  assert.ok(data.memory);
  assert.equal(data.memory.time.length, session.memory.time.length);
  assert.deepEqual(data.memory.rss, session.memory.rss.map(Math.round));
  assert.deepEqual(data.memory.heapUsed, session.memory.heapUsed.map(Math.round));
  for (let i = 0; i < data.memory.time.length; i++) assert.ok(Math.abs(data.memory.time[i] - session.memory.time[i]) <= 1e-6);
});

test('memory: the series survives save and load unchanged', () => {
  const { session, json } = recordedSession();
  assert.deepEqual(json.memory, session.memory);
  const again = Session.fromJSON(JSON.parse(JSON.stringify(session)));
  assert.deepEqual(again.memory, session.memory);
});

test('memory: sessions without a series (older files) load, and reports leave memory out', () => {
  const { json } = recordedSession();
  const old = structuredClone(json);
  delete old.memory;
  delete old.meta.mode;
  assert.equal(old.version, 1);
  const session = Session.fromJSON(old);
  assert.equal(session.memory, undefined);
  assert.equal('memory' in session.toJSON(), false, 'no memory key is invented');
  assert.doesNotMatch(renderText(session), /Memory:/);
  assert.equal(buildHtmlData(session).memory, undefined);
  // And a hand-made session of the old shape.
  const made = makeSession([[[{ name: 'main', file: '/app/app.js', line: 1, column: 1, kind: 'js' }], 0.001]]);
  assert.equal(Session.fromJSON(JSON.parse(JSON.stringify(made))).memory, undefined);
});

test('memory: a malformed series is refused with a SessionFormatError', () => {
  const { json } = recordedSession();
  const cases = {
    'not an object': [1, 2],
    'columns differ in length': { time: [0, 0.1], rss: [1], heapUsed: [1, 2] },
    'negative bytes': { time: [0], rss: [-1], heapUsed: [1] },
    'not finite': { time: [0], rss: [1], heapUsed: ['1'] },
    'back in time': { time: [0.2, 0.1], rss: [1, 1], heapUsed: [1, 1] },
    'missing column': { time: [0], rss: [1] },
  };
  for (const [name, memory] of Object.entries(cases)) {
    const data = { ...json, memory };
    assert.throws(() => Session.fromJSON(data), SessionFormatError, name);
  }
  assert.throws(() => Session.fromJSON({ ...json, memory: JSON.parse('{"__proto__": {"time": [0]}, "rss": [], "heapUsed": []}') }), SessionFormatError);
});

test('memory: summary and byte formatting', () => {
  assert.equal(summarizeMemory(undefined), undefined);
  assert.equal(formatMemorySummary({ time: [], rss: [], heapUsed: [] }), '');
  const series = { time: [0, 0.1, 0.2], rss: [40 * MB, 120 * MB, 100 * MB], heapUsed: [4 * MB, 60 * MB, 54 * MB] };
  assert.deepEqual(summarizeMemory(series), { peakRss: 120 * MB, heapStart: 4 * MB, heapEnd: 54 * MB, peakHeap: 60 * MB });
  assert.equal(formatMemorySummary(series), 'peak RSS 120.0 MB, V8 heap 4.0 MB -> 54.0 MB (+50.0 MB, peak 60.0 MB)');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KB');
  assert.equal(formatBytes(3 * 1024 ** 3), '3.00 GB');
  assert.equal(formatBytes(-2 * MB), '-2.0 MB');
});

test('memory: points from the monitor thread and the JS thread arriving out of order still make a series that loads', async () => {
  const { MemoryRecorder } = await import('../internals.cjs');
  // A stand-in for the addon: drains hand out (monotonic ns, RSS, heap) triples, not in time order.
  const batches = [
    [3e9, 30, 3, 1e9, 10, 1, 2e9, 20, 2],
    [2.5e9, 25, 2.5, 4e9, 40, 4], // 2.5 s lands after a 3 s point already taken
  ];
  const native = {
    memoryStart() {},
    memorySample() {},
    memoryStop() {},
    memoryDrain: () => Float64Array.from(batches.shift() ?? []),
  };
  const recorder = new MemoryRecorder(native, 0);
  recorder.poll();
  const series = recorder.stop();
  assert.deepEqual(series.time, [1, 2, 3, 3, 4]);
  assert.deepEqual(series.rss, [10, 20, 30, 25, 40]);
  const session = makeSession([[[{ name: 'main', file: '/app/app.js', line: 1, column: 1, kind: 'js' }], 0.001]]);
  const withMemory = Session.fromJSON({ ...session.toJSON(), memory: series });
  assert.deepEqual(withMemory.memory.time, [1, 2, 3, 3, 4]);
});
