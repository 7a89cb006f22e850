// Alloc mode (--mode alloc): V8's sampling heap profiler as a call tree of
// bytes, and every output format kept correct (or refusing) for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Ajv from 'ajv';
import { Profile } from 'pprof-format';
import { Profiler } from '../../dist/cjs/index.js';
import { frameOf, sessionFromHeapProfile } from '../internals.cjs';
import { parseArgs, parseByteSize, UsageError } from '../internals.cjs';
import { Session, SessionFormatError } from '../internals.cjs';
import { buildCallTree, forEachNode } from '../internals.cjs';
import { renderCollapsed } from '../internals.cjs';
import { renderCpuProfile } from '../internals.cjs';
import { buildHtmlData } from '../internals.cjs';
import { renderPprof } from '../internals.cjs';
import { buildSpeedscopeFile } from '../internals.cjs';
import { renderText } from '../internals.cjs';
import { cli, fixture, runNode } from '../helpers.mjs';
import { testMeta } from '../sessions.mjs';

const require = createRequire(import.meta.url);
const speedscopeSchema = require('speedscope/dist/release/file-format-schema.json');
const MB = 1024 * 1024;
const HOTSPOT = fixture('alloc-hotspot.js');

let recorded;
/** One CLI run of the fixture in alloc mode, saved as a session. */
function recordedSession() {
  if (recorded) return recorded;
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-alloc-'));
  const file = join(dir, 'alloc.json');
  const result = runNode([cli, '--mode', 'alloc', '-o', file, HOTSPOT]);
  assert.equal(result.status, 0, result.stderr);
  recorded = { dir, file, session: Session.load(file) };
  return recorded;
}

/** Total bytes under the first node of each named function, and the root's total. */
function bytesByFunction(session) {
  const root = buildCallTree(session);
  const totals = new Map();
  forEachNode(root, (node) => {
    if (node !== root && !totals.has(node.frame.name)) totals.set(node.frame.name, { bytes: node.totalTime, frame: node.frame });
  });
  return { total: root.totalTime, totals };
}

test('alloc: the function that allocates most holds most of the bytes, at its file and line', () => {
  const { session } = recordedSession();
  assert.equal(session.meta.mode, 'alloc');
  assert.deepEqual(session.meta.allocation, { interval: 32768, live: false });
  assert.ok(session.samples.stack.length > 100, `allocation samples: ${session.samples.stack.length}`);
  const { total, totals } = bytesByFunction(session);
  assert.ok(total > 20 * MB, `about 40 MB allocated: ${total}`);
  const records = totals.get('allocateRecords');
  const few = totals.get('allocateFew');
  assert.ok(records && few, [...totals.keys()].join(', '));
  assert.ok(records.bytes / total > 0.8, `allocateRecords holds ${(records.bytes / total * 100).toFixed(1)}%`);
  assert.ok(few.bytes < records.bytes / 10);
  // Frames keep their script and line although the script is garbage by the time the CLI stops (at exit).
  assert.equal(records.frame.file, HOTSPOT);
  assert.equal(records.frame.line, 5);
  assert.equal(records.frame.kind, 'js');
  assert.ok(session.samples.cpu.every((cpu) => cpu === 0));
});

test('alloc: the text report shows bytes, the allocated total and the memory summary', () => {
  const { session } = recordedSession();
  const text = renderText(session, { color: false, unicode: false });
  assert.match(text, /Allocation samples: \d+/);
  assert.match(text, /Allocated: [\d.]+ MB \(bytes allocated, collected since or not, one per 32\.0 KB allocated on average\)/);
  assert.match(text, /Memory: peak RSS/);
  assert.match(text, /^\s*(\|- |`- )?[\d.]+ MB allocateRecords  test\/fixtures\/alloc-hotspot\.js:5$/m, text);
  assert.doesNotMatch(text, /^\s*\d+\.\d{3} /m, 'no seconds');
  const flat = renderText(session, { color: false, mode: 'flat' });
  assert.match(flat.split('\n').find((line) => /MB|KB/.test(line) && !/Allocated|Memory/.test(line)) ?? '', /MB allocateRecords/, flat);
  const percent = renderText(session, { color: false, timing: 'percent' });
  assert.match(percent, /\d+\.\d% allocateRecords/);
});

test('alloc: pprof carries samples/count and alloc_space/bytes, decoded by pprof-format', () => {
  const { session } = recordedSession();
  const profile = Profile.decode(gunzipSync(renderPprof(session)));
  const str = (index) => profile.stringTable.strings[Number(index)];
  assert.deepEqual(profile.sampleType.map((type) => `${str(type.type)}/${str(type.unit)}`), ['samples/count', 'alloc_space/bytes']);
  assert.equal(str(profile.defaultSampleType), 'alloc_space');
  assert.equal(`${str(profile.periodType.type)}/${str(profile.periodType.unit)}`, 'space/bytes');
  assert.equal(Number(profile.period), 32768);
  const total = profile.sample.reduce((sum, sample) => sum + Number(sample.value[1]), 0);
  const { total: treeTotal } = bytesByFunction(session);
  assert.ok(Math.abs(total - treeTotal) <= profile.sample.length, `${total} vs ${treeTotal}`);
  // Bytes by leaf function: allocateRecords's own (and its push's) dominate.
  const nameOf = new Map(profile.function.map((fn) => [Number(fn.id), str(fn.name)]));
  const leafBytes = new Map();
  for (const sample of profile.sample) {
    const chain = sample.locationId.map((id) => nameOf.get(Number(id)));
    const owner = chain.includes('allocateRecords') ? 'allocateRecords' : chain[0];
    leafBytes.set(owner, (leafBytes.get(owner) ?? 0) + Number(sample.value[1]));
  }
  assert.ok(leafBytes.get('allocateRecords') / total > 0.8);
});

const goWorks = () => {
  const result = spawnSync('go', ['version'], { encoding: 'utf8' });
  return !result.error && result.status === 0;
};

test('alloc: go tool pprof reads the alloc profile as bytes, allocateRecords on top', { timeout: 300_000 }, (t) => {
  if (!goWorks()) {
    t.skip('go not installed');
    return;
  }
  const { dir, session } = recordedSession();
  const file = join(dir, 'alloc.pb.gz');
  writeFileSync(file, renderPprof(session));
  const env = { ...process.env, GOCACHE: join(dir, 'gocache') };
  const result = spawnSync('go', ['tool', 'pprof', '-top', '-cum', file], { encoding: 'utf8', env, timeout: 240_000 });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /Type: alloc_space/);
  // A byte unit, whichever pprof picks for the total (MB, or kB as in "60884.07kB").
  assert.match(result.stdout, /Total samples = [\d.]+[kMG]B/, result.stdout);
  const flat = spawnSync('go', ['tool', 'pprof', '-top', file], { encoding: 'utf8', env, timeout: 240_000 });
  const rows = flat.stdout.split('\n').filter((line) => /^\s*[\d.]+[kMG]?B\s/.test(line));
  assert.match(rows[0] ?? '', /\sallocateRecords$/, flat.stdout);
});

test('alloc: speedscope says bytes and passes the file-format schema', () => {
  const { session } = recordedSession();
  const file = buildSpeedscopeFile(session);
  const validate = new Ajv({ allErrors: true }).compile(speedscopeSchema);
  assert.ok(validate(file), JSON.stringify(validate.errors));
  assert.equal(file.profiles[0].unit, 'bytes');
  const { total } = bytesByFunction(session);
  assert.ok(Math.abs(file.profiles[0].endValue - total) < 1);
});

test('alloc: collapsed stacks carry whole bytes', () => {
  const { session } = recordedSession();
  const lines = renderCollapsed(session).trim().split('\n');
  let sum = 0;
  let records = 0;
  for (const line of lines) {
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    assert.ok(Number.isInteger(value) && value > 0, line);
    sum += value;
    if (line.includes(';allocateRecords ')) records += value;
  }
  const { total } = bytesByFunction(session);
  assert.ok(Math.abs(sum - total) <= lines.length, `${sum} vs ${total}`);
  assert.ok(records / sum > 0.8);
});

test('alloc: cpuprofile, which holds time only, refuses with a clear message', () => {
  const { session, dir } = recordedSession();
  assert.throws(() => renderCpuProfile(session), /cpuprofile format holds time only and cannot show an allocation profile/);
  const result = runNode([cli, '--mode', 'alloc', '-o', join(dir, 'x.cpuprofile'), HOTSPOT]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /cpuprofile format holds time only/);
  const loaded = runNode([cli, '--load', recorded.file, '-r', 'cpuprofile']);
  assert.equal(loaded.status, 1);
  assert.match(loaded.stderr, /cannot show an allocation profile/);
});

test('alloc: HTML data has the tree in bytes, no stack timeline, and the memory series', () => {
  const { session } = recordedSession();
  const data = buildHtmlData(session);
  assert.equal(data.meta.mode, 'alloc');
  assert.deepEqual(data.timeline.stack, []);
  assert.equal(data.timeline.sampleCount, session.samples.stack.length);
  const selfBytes = data.self.time.reduce((sum, bytes) => sum + bytes, 0);
  assert.ok(Math.abs(selfBytes - bytesByFunction(session).total) < 1);
  assert.ok(data.memory && data.memory.time.length >= 2);
});

test('alloc: the API, live only: retained objects count, garbage does not', () => {
  const script = `
    const { Profiler } = require(${JSON.stringify(join(process.cwd(), 'dist/cjs/index.js'))});
    const kept = [];
    function makeGarbage() { let last; for (let i = 0; i < 400000; i++) last = { i, s: 'g' + i }; return last; }
    function retainSome() { for (let i = 0; i < 100000; i++) kept.push({ i, s: 'k' + i }); }
    const results = {};
    for (const live of [true, false]) {
      const profiler = new Profiler({ mode: 'alloc', live, allocationInterval: 16384 });
      profiler.start();
      makeGarbage();
      retainSome();
      globalThis.gc();
      const session = profiler.stop();
      const bytes = {};
      session.samples.stack.forEach((stack, i) => {
        for (const frame of session.stackFrames(stack)) {
          const name = session.frames[frame].name;
          if (name === 'makeGarbage' || name === 'retainSome') bytes[name] = (bytes[name] ?? 0) + session.samples.duration[i];
        }
      });
      results[live ? 'live' : 'all'] = { bytes, allocation: session.meta.allocation, text: profiler.outputText({ color: false }) };
    }
    console.log(JSON.stringify(results));`;
  const result = runNode(['--expose-gc', '-e', script]);
  assert.equal(result.status, 0, result.stderr);
  const { live, all } = JSON.parse(result.stdout);
  assert.deepEqual(live.allocation, { interval: 16384, live: true });
  assert.ok((live.bytes.retainSome ?? 0) > 2 * MB, JSON.stringify(live.bytes));
  assert.ok((live.bytes.makeGarbage ?? 0) < (live.bytes.retainSome ?? 0) / 10, `garbage collected before stop is not live: ${JSON.stringify(live.bytes)}`);
  assert.ok((all.bytes.makeGarbage ?? 0) > (all.bytes.retainSome ?? 0), `every allocation counts: ${JSON.stringify(all.bytes)}`);
  assert.match(live.text, /Allocated: [\d.]+ MB \(bytes allocated and still live at the end/);
});

test('alloc: the heap profile maps to frames (1-based lines, V8 entries special, scriptless functions builtin)', () => {
  assert.deepEqual(frameOf({ functionName: 'work', url: '/app/a.js', lineNumber: 4, columnNumber: 17 }), { name: 'work', file: '/app/a.js', line: 5, column: 18, kind: 'js' });
  assert.deepEqual(frameOf({ functionName: '', url: 'file:///app/m.mjs', lineNumber: 0, columnNumber: 0 }), { name: '(module)', file: 'file:///app/m.mjs', line: 1, column: 1, kind: 'js' });
  assert.deepEqual(frameOf({ functionName: '', url: '/app/a.js', lineNumber: 9, columnNumber: 2 }).name, '(anonymous)');
  assert.deepEqual(frameOf({ functionName: '(V8 API)', url: '', lineNumber: -1, columnNumber: -1 }), { name: '(V8 API)', file: '', line: 0, column: 0, kind: 'special' });
  assert.deepEqual(frameOf({ functionName: 'push', url: '', lineNumber: -1, columnNumber: -1 }), { name: 'push', file: '', line: 0, column: 0, kind: 'builtin' });
  const cf = (functionName, lineNumber) => ({ functionName, url: '/app/a.js', lineNumber, columnNumber: 0, scriptId: '1' });
  const profile = {
    head: { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 }, children: [
      { id: 2, callFrame: cf('main', 0), children: [{ id: 3, callFrame: cf('leaf', 9), children: [] }] },
    ] },
    samples: [{ size: 100, nodeId: 3, ordinal: 2 }, { size: 50, nodeId: 2, ordinal: 1 }, { size: 7, nodeId: 99, ordinal: 3 }],
  };
  const session = sessionFromHeapProfile(profile, { ...testMeta, mode: 'alloc' });
  assert.deepEqual(session.samples.duration, [50, 100], 'in allocation order; unknown nodes left out');
  assert.deepEqual(session.stackFrames(session.samples.stack[1]).map((id) => session.frames[id].name), ['main', 'leaf']);
  assert.equal(session.meta.sampleCount, 2);
  // Live-only sessions are in-use space in pprof, as Go's heap profiles name it.
  const live = sessionFromHeapProfile(profile, { ...testMeta, mode: 'alloc', allocation: { interval: 1024, live: true } });
  const decoded = Profile.decode(gunzipSync(renderPprof(live)));
  assert.equal(decoded.stringTable.strings[Number(decoded.defaultSampleType)], 'inuse_space');
  assert.equal(Number(decoded.period), 1024);
});

test('alloc: command line and session validation', () => {
  const options = parseArgs(['--mode', 'alloc', '--alloc-interval', '64k', '--live', 'app.js']);
  assert.equal(options.profileMode, 'alloc');
  assert.equal(options.allocationInterval, 65536);
  assert.equal(options.live, true);
  assert.equal(parseArgs(['app.js']).profileMode, 'wall');
  assert.throws(() => parseArgs(['--mode', 'heap', 'app.js']), UsageError);
  assert.throws(() => parseArgs(['--live', 'app.js']), /--live applies to --mode alloc/);
  assert.throws(() => parseArgs(['--alloc-interval', '1k', 'app.js']), /--alloc-interval applies to --mode alloc/);
  assert.equal(parseByteSize('1m', '--alloc-interval'), 1048576);
  assert.equal(parseByteSize('512', '--alloc-interval'), 512);
  assert.throws(() => parseByteSize('0', '--alloc-interval'), UsageError);
  assert.throws(() => parseByteSize('2g', '--alloc-interval'), UsageError);
  assert.throws(() => new Profiler({ mode: 'heap' }), RangeError);
  assert.throws(() => new Profiler({ mode: 'alloc', allocationInterval: 0.5 }), RangeError);
  const { session } = recordedSession();
  const json = JSON.parse(JSON.stringify(session));
  assert.deepEqual(Session.fromJSON(json).meta, session.meta);
  assert.throws(() => Session.fromJSON({ ...json, meta: { ...json.meta, mode: 'heap' } }), SessionFormatError);
  assert.throws(() => Session.fromJSON({ ...json, meta: { ...json.meta, allocation: { interval: 'x', live: false } } }), SessionFormatError);
  assert.throws(() => Session.fromJSON({ ...json, meta: { ...json.meta, allocation: { interval: 1 } } }), SessionFormatError);
});
