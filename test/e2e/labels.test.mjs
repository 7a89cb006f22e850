// Labels: withLabels/setLabels attach labels to the samples taken while the
// code runs, across awaits, with concurrent requests interleaving; sessions,
// pprof and the label filter carry them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { Profile } from 'pprof-format';
import {
  Session, SessionFormatError, withLabels, setLabels, getLabels, LabelError, LABEL_LIMITS,
  filterSessionByLabels, LabelFilterError, renderText, renderHtml, renderPprof, Profiler,
} from '../../dist/cjs/index.js';
import { SessionBuilder } from '../internals.cjs';
import { labelSetById, internLabels, withoutProfilerWork } from '../internals.cjs';
import { cli, fixture, root, runNode } from '../helpers.mjs';
import { seededRandom, testMeta } from '../sessions.mjs';

const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-labels-'));

/** Which labels each burner runs under in test/fixtures/labels.js; null: none. */
const EXPECTED = {
  burnUsers: { route: '/users' },
  burnOrders: { route: '/orders' },
  burnOrdersDb: { phase: 'db', route: '/orders' },
  burnReports: { route: '/reports' },
  burnUnlabeled: null,
};

/** The innermost burn* function of a sample's stack, or undefined. */
function burnerOf(session, stackId) {
  if (stackId === -1) return undefined;
  // Own properties only: `name in EXPECTED` holds for toString, which the profiler's own drains call.
  return session.stackFrames(stackId).map((id) => session.frames[id].name).filter((name) => Object.hasOwn(EXPECTED, name)).pop();
}

/** Of the samples inside function `name`: how many carry a set where `key` is `value`. */
function labelledIn(session, name, key, value) {
  let inside = 0;
  let labelled = 0;
  session.samples.stack.forEach((stackId, i) => {
    if (stackId === -1 || !session.stackFrames(stackId).some((id) => session.frames[id].name === name)) return;
    inside++;
    const index = session.labels?.sample[i] ?? -1;
    if (index !== -1 && session.labels.sets[index][key] === value) labelled++;
  });
  return { inside, labelled };
}

const labelsOf = (session, i) => {
  const index = session.labels.sample[i];
  return index === -1 ? null : session.labels.sets[index];
};

let recorded;
/** One profiled run of the interleaved workload, shared by the tests below. */
function interleavedSession() {
  if (!recorded) {
    const path = join(dir, 'interleaved.json');
    const result = runNode([fixture('labels.js'), 'interleaved', path]);
    assert.equal(result.status, 0, result.stderr);
    recorded = Session.load(path);
  }
  return recorded;
}

test('interleaved async requests: each label set holds only its own function', () => {
  const session = interleavedSession();
  const byBurner = Object.fromEntries(Object.keys(EXPECTED).map((name) => [name, { total: 0, wrong: [] }]));
  for (let i = 0; i < session.samples.stack.length; i++) {
    const burner = burnerOf(session, session.samples.stack[i]);
    if (!burner) continue;
    byBurner[burner].total++;
    const labels = labelsOf(session, i);
    try {
      assert.deepEqual(labels, EXPECTED[burner]);
    } catch {
      byBurner[burner].wrong.push(labels);
    }
  }
  for (const [burner, { total, wrong }] of Object.entries(byBurner)) {
    assert.ok(total >= 50, `${burner}: only ${total} samples`);
    // A sample can land between the context switch and the hook's write: allow 1%.
    assert.ok(wrong.length <= total * 0.01, `${burner}: ${wrong.length} of ${total} samples had other labels: ${JSON.stringify(wrong.slice(0, 5))}`);
  }
});

test('pprof samples carry the labels as string labels', () => {
  const session = interleavedSession();
  const profile = Profile.decode(gunzipSync(renderPprof(session)));
  const str = (index) => profile.stringTable.strings[Number(index)];
  const functionName = new Map(profile.function.map((fn) => [Number(fn.id), str(fn.name)]));
  const locationName = new Map(profile.location.map((loc) => [Number(loc.id), functionName.get(Number(loc.line[0].functionId))]));
  const countsByLabel = new Map();
  let checked = 0;
  for (const sample of profile.sample) {
    const labels = Object.fromEntries(sample.label.map((label) => [str(label.key), str(label.str)]));
    const key = JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
    countsByLabel.set(key, (countsByLabel.get(key) ?? 0) + Number(sample.value[0]));
    const burner = sample.locationId.map((id) => locationName.get(Number(id))).find((name) => Object.hasOwn(EXPECTED, name));
    if (!burner) continue;
    checked += Number(sample.value[0]);
    const expected = EXPECTED[burner] ?? {};
    // pprof keeps the session's samples apart per label set: a stack may be
    // under another set only as often as the session says.
    if (JSON.stringify(labels) !== JSON.stringify(expected)) {
      assert.ok(Number(sample.value[0]) <= 3, `${burner} under ${JSON.stringify(labels)}: ${sample.value[0]} samples`);
    }
  }
  assert.ok(checked > 500, `samples in burners: ${checked}`);
  // The per-label totals are the session's.
  const expectedCounts = new Map();
  for (let i = 0; i < session.samples.stack.length; i++) {
    const labels = labelsOf(session, i) ?? {};
    const key = JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
    expectedCounts.set(key, (expectedCounts.get(key) ?? 0) + 1);
  }
  assert.deepEqual(new Map([...countsByLabel].sort()), new Map([...expectedCounts].sort()));
  assert.ok(countsByLabel.get(JSON.stringify([['route', '/users']])) > 100);
});

test('filtering keeps the samples of one label (API, text and HTML)', () => {
  const session = interleavedSession();
  const users = filterSessionByLabels(session, { route: '/users' });
  assert.ok(users.samples.stack.length > 100);
  assert.equal(users.meta.sampleCount, users.samples.stack.length);
  for (let i = 0; i < users.samples.stack.length; i++) assert.equal(labelsOf(users, i).route, '/users');
  assert.match(users.meta.notes.at(-1), /filtered by label route=\/users: \d+ of \d+ samples/);

  // Repeated values of one key: either; several keys: all.
  const either = filterSessionByLabels(session, { route: ['/users', '/reports'] });
  const orders = filterSessionByLabels(session, { route: '/orders' });
  const db = filterSessionByLabels(session, { route: '/orders', phase: 'db' });
  assert.ok(db.samples.stack.length > 0 && db.samples.stack.length < orders.samples.stack.length);
  assert.equal(
    either.samples.stack.length,
    users.samples.stack.length + filterSessionByLabels(session, { route: '/reports' }).samples.stack.length,
  );

  const text = renderText(session, { labels: { route: '/users' }, processor: { showAll: true } });
  assert.match(text, /burnUsers/);
  assert.doesNotMatch(text, /burnOrders|burnReports|burnUnlabeled/);
  const fullText = renderText(session, { processor: { showAll: true } });
  assert.match(fullText, /burnOrders/);
  // The page lists every frame of the session; the samples it shows are the filtered ones.
  const html = renderHtml(session, { labels: { route: '/orders', phase: 'db' } });
  const data = JSON.parse(/<script type="application\/json" id="nodeinstrument-data">(.*?)<\/script>/s.exec(html)[1]);
  const sampledFunctions = new Set();
  data.self.samples.forEach((count, stackId) => {
    for (let id = stackId; count > 0 && id !== -1; id = data.stacks.parent[id]) sampledFunctions.add(data.frames.name[data.stacks.frame[id]]);
  });
  assert.ok(sampledFunctions.has('burnOrdersDb'), [...sampledFunctions].join());
  for (const other of ['burnUsers', 'burnReports', 'burnOrders', 'burnUnlabeled']) assert.ok(!sampledFunctions.has(other), other);
  // Less the profiler's own drains that ran under those labels, which reports leave out.
  assert.equal(data.meta.sampleCount, withoutProfilerWork(filterSessionByLabels(session, { route: '/orders', phase: 'db' })).samples.stack.length);

  assert.throws(() => filterSessionByLabels(session, { route: '/nope' }), (error) =>
    error instanceof LabelFilterError && /no sample matches route=\/nope.*route=\/orders.*route=\/users/.test(error.message));
});

test('filtering a profile without labels says so', () => {
  const builder = new SessionBuilder(labelSetById);
  builder.addSample(builder.internStackOf([builder.internFrame({ name: 'f', file: '/a.js', line: 1, column: 1, kind: 'js' })]), 0, 0.001, 0.001);
  const session = builder.build({ ...testMeta, sampleCount: 1 });
  assert.equal(session.labels, undefined);
  assert.throws(() => filterSessionByLabels(session, { route: '/x' }), /no sample in this profile carries labels/);
  assert.equal(filterSessionByLabels(session, {}), session);
});

test('sessions keep their labels through save and load; older sessions load without', () => {
  const session = interleavedSession();
  const path = join(dir, 'roundtrip.json');
  session.save(path);
  const loaded = Session.load(path);
  assert.deepEqual(loaded.labels, session.labels);
  assert.equal(loaded.labels.sample.length, loaded.samples.stack.length);

  const data = JSON.parse(readFileSync(path, 'utf8'));
  delete data.labels;
  writeFileSync(path, JSON.stringify(data));
  assert.equal(Session.load(path).labels, undefined);
  assert.ok(!('labels' in JSON.parse(JSON.stringify(Session.load(path)))));
});

test('label tables in session files are validated', () => {
  const base = JSON.parse(JSON.stringify(interleavedSession()));
  const count = base.samples.stack.length;
  const cases = [
    [{ sets: 'x', sample: [] }, /labels must be an object with a sets array/],
    [{ sets: [{ a: 1 }], sample: new Array(count).fill(0) }, /labels.sets\[0\] must map keys to strings/],
    [{ sets: [null], sample: new Array(count).fill(0) }, /labels.sets\[0\] must be an object/],
    [{ sets: [{ a: 'b' }], sample: [0] }, /labels.sample and samples.stack differ in length/],
    [{ sets: [{ a: 'b' }], sample: new Array(count).fill(1) }, /labels.sample\[0\] is out of range/],
    [{ sets: [{ a: 'b' }], sample: new Array(count).fill(0.5) }, /labels.sample\[0\] is out of range/],
  ];
  for (const [labels, message] of cases) {
    assert.throws(() => Session.fromJSON({ ...base, labels }), (error) => error instanceof SessionFormatError && message.test(error.message));
  }
  // A '__proto__' label key is data, not a prototype.
  const hostile = JSON.parse(`{"sets":[{"__proto__":"x","polluted":"y"}],"sample":${JSON.stringify(new Array(count).fill(0))}}`);
  const session = Session.fromJSON({ ...base, labels: hostile });
  assert.equal(Object.getPrototypeOf(session.labels.sets[0]), Object.prototype);
  assert.deepEqual(Object.keys(session.labels.sets[0]), ['__proto__', 'polluted']);
  assert.equal({}.polluted, undefined);
});

test('2,000 seeded mutations of a label table load or fail with SessionFormatError only', () => {
  const base = JSON.parse(JSON.stringify(interleavedSession()));
  const random = seededRandom(5);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const hostile = () => pick([null, undefined, -1, 1.5, 1e308, NaN, '', 'x', [], {}, [0], { __proto__: { a: 'b' } }, '__proto__', true, 2 ** 53]);
  let loaded = 0;
  for (let i = 0; i < 2000; i++) {
    const labels = JSON.parse(JSON.stringify(base.labels));
    for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
      const { sets, sample } = labels;
      const kind = Math.floor(random() * 6);
      if (kind === 5 || !Array.isArray(sets) || !Array.isArray(sample)) {
        labels[pick(['sets', 'sample'])] = hostile();
        continue;
      }
      if (kind === 0) sample[Math.floor(random() * sample.length)] = hostile();
      else if (kind === 1) sets[Math.floor(random() * sets.length)] = hostile();
      else if (kind === 2) sets[0] = { ...sets[0], [pick(['__proto__', 'constructor', 'k'])]: hostile() };
      else if (kind === 3) sample.length = Math.floor(random() * sample.length);
      else sets.length = Math.floor(random() * sets.length);
    }
    // Through JSON, as from a file: '__proto__' becomes an own key.
    const data = JSON.parse(JSON.stringify({ ...base, labels }));
    try {
      Session.fromJSON(data);
      loaded++;
    } catch (error) {
      assert.ok(error instanceof SessionFormatError, `mutation ${i}: ${error}`);
    }
  }
  assert.equal({}.a, undefined);
  assert.ok(loaded < 2000, 'some mutations must be refused');
});

test('withLabels returns what fn returns, sync and async; nested labels add up; setLabels replaces', async () => {
  assert.deepEqual(getLabels(), {});
  assert.equal(withLabels({ a: '1' }, () => 42), 42);
  assert.equal(await withLabels({ a: '1' }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return withLabels({ b: '2', a: '3' }, () => JSON.stringify(getLabels()));
  }), '{"a":"3","b":"2"}');
  assert.throws(() => withLabels({ a: '1' }, () => { throw new Error('boom'); }), /boom/);
  await assert.rejects(withLabels({ a: '1' }, async () => { throw new Error('async boom'); }), /async boom/);
  assert.deepEqual(getLabels(), {});
  await withLabels({ a: '1' }, async () => {
    setLabels({ c: '4' });
    await null;
    assert.deepEqual(getLabels(), { c: '4' });
    setLabels(undefined);
    assert.deepEqual(getLabels(), {});
  });
  assert.deepEqual(getLabels(), {});
});

test('bad labels never throw (they are set in request paths): coerced, cut or left out, with one warning per key', async () => {
  const warnings = [];
  const onWarning = (warning) => warning.code === 'NODEINSTRUMENT_LABEL' && warnings.push(warning.message);
  process.on('warning', onWarning);
  try {
    const seen = (labels) => withLabels(labels, () => getLabels());
    // A query parameter that is missing, a status code: the request goes on.
    assert.deepEqual(seen({ tenant: undefined, status: 200, ok: true, big: 12n, route: '/users' }), { status: '200', ok: 'true', big: '12', route: '/users' });
    assert.deepEqual(seen(null), {});
    assert.deepEqual(seen(['a']), {});
    assert.deepEqual(seen({ '': 'x', ['k'.repeat(65)]: 'x', 'a=b': 'x', 'a\nb': 'x', obj: {}, fine: 'y' }), { fine: 'y' });
    assert.equal(seen({ a: 'v'.repeat(LABEL_LIMITS.maxValueLength + 1) }).a.length, LABEL_LIMITS.maxValueLength);
    const seventeen = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 'v']));
    assert.deepEqual(Object.keys(seen(seventeen)), Object.keys(seventeen).slice(0, 16));
    const many = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 'v']));
    assert.equal(Object.keys(withLabels(many, () => withLabels({ extra: 'v' }, () => getLabels()))).length, 16);
    setLabels({ a: 1 });
    assert.deepEqual(getLabels(), { a: '1' });
    setLabels(undefined);
    // Still a programming error, not data: fn must be a function.
    assert.throws(() => withLabels({ a: 'b' }, 'not a function'), /fn must be a function/);
    // Once per key and kind: the same missing tenant again adds no warning.
    seen({ tenant: undefined });
    await new Promise((resolve) => setImmediate(resolve));
    const about = (pattern) => warnings.filter((message) => pattern.test(message)).length;
    assert.equal(about(/label 'tenant' must be a string, got undefined/), 1, warnings.join('\n'));
    assert.equal(about(/labels must be an object .* got an array; ignored/), 1);
    assert.equal(about(/got null/), 0, 'null is no labels, as undefined is');
    assert.equal(about(/label keys must be 1 to 64 characters/), 2);
    assert.equal(about(/must not contain '=' or control characters/), 2);
    assert.equal(about(/label 'obj' must be a string, got object/), 1);
    assert.equal(about(/label 'a' is 257 characters long; the limit is 256, so it is cut there/), 1);
    assert.equal(about(/at most 16 labels, got 17( with the enclosing labels)?; the last keys/), 2); // 17 given, and 17 with the enclosing labels
    assert.equal(about(/status|ok|big/), 0, 'numbers, booleans and bigints are taken as strings without a word');
  } finally {
    process.off('warning', onWarning);
  }
});

test('loading the package installs nothing; labels create the hook, a recording enables it', () => {
  const script = `
    const key = Symbol.for('nodeinstrument.labels.v1');
    const ni = require(${JSON.stringify(join(root, 'dist/cjs/index.js'))});
    const before = key in globalThis;
    ni.withLabels({ a: 'b' }, () => {});
    const state = globalThis[key];
    console.log(JSON.stringify({ before, hook: state.hook !== undefined, recordings: state.recordings }));`;
  const result = runNode(['-e', script]);
  assert.deepEqual(JSON.parse(result.stdout), { before: false, hook: true, recordings: 0 });
});

test('label sets are interned once; their number is bounded', () => {
  const a = internLabels({ x: '1', y: '2' });
  assert.equal(internLabels({ y: '2', x: '1' }), a);
  assert.deepEqual(labelSetById(a), { x: '1', y: '2' });
  assert.ok(Object.isFrozen(labelSetById(a)));
  assert.equal(internLabels({}), 0);
  // Per-request ids would grow the table forever: past the limit new sets share one overflow set,
  // with one warning, and the program goes on (in a child: the table is per process).
  const script = `
    const { withLabels, getLabels } = require(${JSON.stringify(join(root, 'dist/cjs/index.js'))});
    const seen = new Set();
    for (let i = 0; i < 20000; i++) withLabels({ id: String(i) }, () => seen.add(JSON.stringify(getLabels())));
    console.log(JSON.stringify({ distinct: seen.size, last: withLabels({ id: 'x' }, getLabels), old: withLabels({ id: '5' }, getLabels) }));`;
  const result = runNode(['-e', script]);
  assert.equal(result.status, 0, result.stderr);
  const out = JSON.parse(result.stdout);
  assert.equal(out.distinct, LABEL_LIMITS.maxSets + 1);
  assert.deepEqual(out.last, { '(overflow)': `more than ${LABEL_LIMITS.maxSets} distinct label sets` });
  assert.deepEqual(out.old, { id: '5' }); // sets made before the limit keep working
  assert.equal(result.stderr.match(/NodeinstrumentWarning: more than 10000 distinct label sets in this process: new ones are recorded as \(overflow\)/g)?.length, 1, result.stderr);
});

test('requests labelled before the profiler starts carry their labels once it runs; the hook is off between recordings', async () => {
  const { labelState } = await import('../internals.cjs');
  const spinBefore = (ms) => { const end = performance.now() + ms; while (performance.now() < end); };
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  const request = withLabels({ started: 'before' }, async () => {
    await gate; // resumes while the profiler runs
    spinBefore(100);
  });
  assert.equal(labelState().recordings, 0);
  const profiler = new Profiler({ interval: 0.0005 });
  // Started from an unlabelled context (a timer), as a real trigger would be.
  await new Promise((resolve) => setTimeout(() => { profiler.start(); resolve(); }, 1));
  assert.equal(labelState().recordings, 1);
  release();
  await request;
  const session = profiler.stop();
  assert.equal(labelState().recordings, 0);
  const { inside, labelled } = labelledIn(session, 'spinBefore', 'started', 'before');
  assert.ok(inside >= 10 && labelled >= inside * 0.95, `${labelled} of ${inside} samples in spinBefore labelled`);
  // Between recordings the labels still follow the code (the AsyncLocalStorage), without the hook.
  assert.deepEqual(await withLabels({ x: 'y' }, async () => { await null; return getLabels(); }), { x: 'y' });
});

test('labels set through another copy of the package reach the profiler', async () => {
  // As with `npx nodeinstrument app.js` when the app has its own nodeinstrument.
  const copy = join(dir, 'copy');
  cpSync(join(root, 'dist', 'cjs'), join(copy, 'dist', 'cjs'), { recursive: true });
  const other = createRequire(join(copy, 'index.js'))(join(copy, 'dist', 'cjs', 'labels', 'labels.js'));
  assert.notEqual(other.withLabels, withLabels);
  const spinOtherCopy = (ms) => { const end = performance.now() + ms; while (performance.now() < end); };
  const profiler = new Profiler({ interval: 0.0005 });
  profiler.start();
  await other.withLabels({ via: 'copy' }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    spinOtherCopy(100);
  });
  const session = profiler.stop();
  const { inside, labelled } = labelledIn(session, 'spinOtherCopy', 'via', 'copy');
  assert.ok(inside >= 10 && labelled >= inside * 0.95, `${labelled} of ${inside} samples in spinOtherCopy labelled through the copy`);
});

test('CLI: --filter-label reports one route; bad filters are clear errors', () => {
  const run = (args) => runNode([cli, ...args], { cwd: root });
  const onlyUsers = (output) => {
    assert.match(output, /burnUsers/);
    assert.doesNotMatch(output, /burnOrders|burnReports|burnUnlabeled/);
  };
  // Filtering the run's own report.
  const direct = run(['--show-all', '--no-color', '--filter-label', 'route=/users', fixture('labels.js'), 'program']);
  assert.equal(direct.status, 0, direct.stderr);
  onlyUsers(direct.stdout);
  assert.match(direct.stdout, /filtered by label route=\/users: \d+ of \d+ samples/);

  // Filtering a saved session, and saving a filtered one.
  const full = join(dir, 'cli-full.json');
  const orders = join(dir, 'cli-orders.json');
  assert.equal(run(['-o', full, fixture('labels.js'), 'program']).status, 0);
  const text = run(['--load', full, '--show-all', '--no-color', '--filter-label', 'route=/users']);
  assert.equal(text.status, 0, text.stderr);
  onlyUsers(text.stdout);
  assert.equal(run(['--load', full, '--filter-label', 'route=/orders', '-o', orders]).status, 0);
  const saved = Session.load(orders);
  assert.ok(saved.samples.stack.length > 0);
  assert.ok(saved.labels.sample.every((index) => saved.labels.sets[index].route === '/orders'));

  const bad = run(['--load', full, '--filter-label', 'route']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /invalid label filter 'route' \(expected key=value, e.g. route=\/users\)/);
  const none = run(['--load', orders, '--filter-label', 'route=/users']);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no sample matches route=\/users; the labels in this profile: phase=db, route=\/orders\n/);
});

test('Express: a labelling middleware with a missing query parameter answers 200, profiled or not', async () => {
  const express = createRequire(import.meta.url)('express');
  const { Profiler } = createRequire(import.meta.url)('../../dist/cjs/index.js');
  const app = express();
  app.use((req, res, next) => {
    setLabels({ tenant: req.query.t, page: Number(req.query.page ?? 1) });
    next();
  });
  app.get('/items', (req, res) => res.json(getLabels()));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const profiler = new Profiler();
  profiler.start();
  try {
    const url = `http://127.0.0.1:${server.address().port}/items`;
    const missing = await fetch(url);
    assert.equal(missing.status, 200);
    assert.deepEqual(await missing.json(), { page: '1' });
    const given = await fetch(`${url}?t=acme&page=3`);
    assert.deepEqual(await given.json(), { page: '3', tenant: 'acme' });
  } finally {
    profiler.stop();
    server.close();
  }
});
