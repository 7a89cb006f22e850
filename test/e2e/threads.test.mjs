// Worker threads downstream of the Session: lib/threads/threads.ts, the --thread
// selector, and every renderer showing threads apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { Int32Column, Session, SessionBuilder } from '../internals.cjs';
import { expandPositions } from '../internals.cjs';
import { filterSessionByThread, findThread, sessionOfThread, threadsOf, ThreadFilterError } from '../internals.cjs';
import { threadFilePath, workerThreadFiles } from '../internals.cjs';
import { renderText } from '../internals.cjs';
import { renderCollapsed } from '../internals.cjs';
import { renderPprof } from '../internals.cjs';
import { buildSpeedscopeFile } from '../internals.cjs';
import { buildCpuProfile } from '../internals.cjs';
import { renderSummary } from '../internals.cjs';
import { profileWarnings } from '../internals.cjs';
import { filterSessionByLabels } from '../internals.cjs';
import { applySourceMaps } from '../internals.cjs';
import { diffSessions, DiffError } from '../internals.cjs';
import { parseArgs } from '../internals.cjs';
import { parseDiffArgs } from '../internals.cjs';
import { cli, fixture, runNode } from '../helpers.mjs';
import { makeSession, testMeta } from '../sessions.mjs';
import { app, threadedSession, THREADS } from '../thread-sessions.mjs';

const names = (session) => session.samples.stack.map((id) => session.frames[session.stacks.frame[id]].name);

test('threadsOf: the thread table, or one main thread for a session without one', () => {
  assert.deepEqual(threadsOf(threadedSession()), THREADS);
  const plain = makeSession([[[app('main', 1)], 0.001]], { cpuTime: 0.5, duration: 2 });
  assert.deepEqual(threadsOf(plain), [{ name: 'main', threadId: 0, start: 0, end: 2, cpuTime: 0.5, exited: false }]);
  assert.equal(sessionOfThread(plain, 0), plain);
  assert.throws(() => sessionOfThread(plain, 1), ThreadFilterError);
});

test('sessionOfThread: one thread\'s samples, every per-sample column in step, meta the thread\'s', () => {
  const session = threadedSession();
  const worker = sessionOfThread(session, 1);
  assert.equal(worker.threads, undefined);
  assert.equal(worker.samples.stack.length, 20);
  assert.deepEqual(new Set(names(worker)), new Set(['crunch']));
  assert.deepEqual(worker.samples.time, Array.from({ length: 20 }, (_, i) => (i + 1) * 0.001));
  // Labels stay with their samples: every other one carried job=crunch.
  assert.deepEqual(worker.labels.sample.map((index) => (index === -1 ? '' : worker.labels.sets[index].job)), Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'crunch' : '')));
  assert.equal(worker.frames, session.frames);
  assert.equal(worker.stacks, session.stacks);
  assert.equal(worker.meta.sampleCount, 20);
  assert.equal(worker.meta.cpuTime, 0.02);
  assert.ok(Math.abs(worker.meta.achievedInterval - 0.039 / 20) < 1e-12);
  assert.equal(worker.meta.duration, session.meta.duration);
  assert.deepEqual(worker.meta.notes, ['thread worker 1 /app/crunch.js: 20 of 65 samples']);
  const main = sessionOfThread(session, 0);
  assert.equal(main.samples.stack.length, 40);
  assert.deepEqual(new Set(names(main)), new Set(['work', 'wait']));
  // No main-thread sample carried a label: no label table (the worker's set is not listed for main).
  assert.equal(main.labels, undefined);
});

test('findThread: by name, threadId or a unique part of the name; errors list the threads', () => {
  const session = threadedSession();
  assert.equal(findThread(session, 'main'), 0);
  assert.equal(findThread(session, '2'), 2);
  assert.equal(findThread(session, 'crunch.js'), 1);
  assert.equal(findThread(session, 'worker 2 /app/hash.js'), 2);
  assert.throws(() => findThread(session, 'nope'), {
    name: 'ThreadFilterError',
    message: "no thread matches 'nope'; this profile has 3 threads: main (id 0), worker 1 /app/crunch.js (id 1), worker 2 /app/hash.js (id 2)",
  });
  assert.throws(() => findThread(session, 'worker'), /matches several threads: worker 1 \/app\/crunch\.js \(id 1\), worker 2 \/app\/hash\.js \(id 2\)/);
  assert.throws(() => findThread(session, '7'), /no thread matches '7'/);
  const plain = makeSession([[[app('main', 1)], 0.001]]);
  assert.equal(filterSessionByThread(plain, 'main'), plain);
  assert.throws(() => filterSessionByThread(plain, '1'), /this profile has one thread: main \(id 0\)/);
});

test('threads survive save and load, and render the same after', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-threads-'));
  try {
    const session = threadedSession();
    const path = join(dir, 'threads.json');
    session.save(path);
    const loaded = Session.load(path);
    assert.deepEqual(loaded.threads, session.threads);
    assert.deepEqual(loaded.labels, session.labels);
    assert.equal(renderText(loaded, { unicode: false }), renderText(session, { unicode: false }));
    assert.equal(renderCollapsed(loaded), renderCollapsed(session));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('text: one tree per thread, headed by name, samples, CPU time and exit; shares of each thread\'s own time', () => {
  const text = renderText(threadedSession(), { unicode: false, timing: 'percent', processor: { showAll: true } });
  const lines = text.split('\n');
  assert.match(text, /Samples: 65 in 3 threads \(main: 1\.00 ms interval/);
  assert.match(text, /CPU time: 0\.055 s \(all threads\)/);
  const heading = (name) => lines.findIndex((line) => line.startsWith(`Thread ${name}  `));
  const [main, worker1, worker2] = ['main', 'worker 1 /app/crunch.js', 'worker 2 /app/hash.js'].map(heading);
  assert.ok(main > 0 && worker1 > main && worker2 > worker1, text);
  assert.equal(lines[main], 'Thread main  (40 samples, CPU time 0.030 s)');
  assert.equal(lines[worker1], 'Thread worker 1 /app/crunch.js  (20 samples, CPU time 0.020 s)');
  assert.equal(lines[worker2], 'Thread worker 2 /app/hash.js  (5 samples, CPU time 0.005 s, exited at 0.007 s)');
  // Each thread's top frame is 100% of that thread.
  assert.equal(lines[main + 1], '100.0% main  app.js:1');
  assert.match(lines.slice(main + 1, worker1).join('\n'), /75\.0% work/);
  assert.equal(lines[worker1 + 1], '100.0% runCrunch  crunch.js:1');
  assert.equal(lines[worker2 + 1], '100.0% hashIt  hash.js:3');
  assert.ok(!lines.slice(main, worker1).some((line) => /crunch|hashIt/.test(line)), 'no worker frame under main');
});

test('text: flat view per thread; the thread option keeps one thread as a plain report', () => {
  const flat = renderText(threadedSession(), { unicode: false, mode: 'flat' });
  assert.match(flat, /Thread main {2}\(40 samples[^]*0\.030 work[^]*Thread worker 1[^]*0\.020 crunch/);
  const one = renderText(threadedSession(), { unicode: false, thread: 'crunch.js' });
  assert.doesNotMatch(one, /^Thread /m);
  assert.match(one, /Samples: 20 \(/);
  assert.match(one, /note: thread worker 1 \/app\/crunch\.js: 20 of 65 samples/);
  assert.match(one, /0\.020 runCrunch/);
  assert.doesNotMatch(one, /\bwork\b|hashIt/);
  assert.throws(() => renderText(threadedSession(), { thread: 'x' }), /no thread matches 'x'/);
});

test('warnings: sample-based checks look at the main thread, not every thread\'s samples against the run\'s time', () => {
  // 40 main samples: too few, said of the main thread once (not of 65 samples).
  const warnings = profileWarnings(threadedSession());
  const few = warnings.filter((warning) => warning.kind === 'few-samples');
  assert.equal(few.length, 1);
  assert.match(few[0].message, /^Thread main: Only 40 samples of the program running/);
  // A worker's own check, for its view in the HTML report.
  assert.match(profileWarnings(threadedSession(), 1).find((warning) => warning.kind === 'few-samples').message, /^Thread worker 1 \/app\/crunch\.js: Only 20 samples/);
  // Dropped samples are the whole run's: counted once, against every sample.
  const dropped = profileWarnings(threadedSession({ droppedSamples: 35 })).filter((warning) => warning.kind === 'dropped');
  assert.equal(dropped.length, 1);
  assert.match(dropped[0].message, /35 samples were dropped \(35%/);
});

test('collapsed: the thread\'s name is the root frame of every line', () => {
  assert.deepEqual(renderCollapsed(threadedSession()).trim().split('\n'), [
    'main;main app.js:1;wait app.js:20 10',
    'main;main app.js:1;work app.js:10 30',
    'worker 1 /app/crunch.js;runCrunch crunch.js:1;crunch crunch.js:5 20',
    'worker 2 /app/hash.js;hashIt hash.js:3 5',
  ]);
});

test('pprof: every sample carries thread_name and thread_id labels, threads kept apart', () => {
  const profile = Profile.decode(gunzipSync(renderPprof(threadedSession())));
  const str = (index) => profile.stringTable.strings[Number(index)];
  const byThread = new Map();
  for (const sample of profile.sample) {
    const labels = Object.fromEntries(sample.label.map((label) => [str(label.key), str(label.str)]));
    assert.ok(labels.thread_name !== undefined && labels.thread_id !== undefined, JSON.stringify(labels));
    const key = `${labels.thread_name}#${labels.thread_id}`;
    byThread.set(key, (byThread.get(key) ?? 0) + Number(sample.value[0]));
    if (labels.job !== undefined) assert.equal(labels.thread_id, '1');
  }
  assert.deepEqual(Object.fromEntries(byThread), { 'main#0': 40, 'worker 1 /app/crunch.js#1': 20, 'worker 2 /app/hash.js#2': 5 });
  // Without threads: no thread labels.
  const plain = Profile.decode(gunzipSync(renderPprof(makeSession([[[app('main', 1)], 0.001]]))));
  assert.deepEqual(plain.sample.map((sample) => sample.label.length), [0]);
});

test('speedscope: one profile per thread, named by it, over shared frames', () => {
  const file = buildSpeedscopeFile(threadedSession());
  assert.deepEqual(file.profiles.map((profile) => profile.name), THREADS.map((thread) => thread.name));
  assert.deepEqual(file.profiles.map((profile) => Math.round(profile.endValue * 1000)), [40, 20, 5]);
  const frameNames = (profile) => new Set(profile.samples.flat().map((index) => file.shared.frames[index].name));
  assert.deepEqual(frameNames(file.profiles[1]), new Set(['runCrunch', 'crunch']));
  assert.deepEqual(frameNames(file.profiles[0]), new Set(['main', 'work', 'wait']));
  assert.equal(buildSpeedscopeFile(makeSession([[[app('main', 1)], 0.001]])).profiles.length, 1);
});

test('cpuprofile: the main thread in the file; the workers in sibling files named by threadId', () => {
  const session = threadedSession();
  const main = buildCpuProfile(session);
  assert.equal(main.samples.length, 40);
  assert.ok(!main.nodes.some((node) => node.callFrame.functionName === 'crunch'));
  const files = workerThreadFiles(session, 'cpuprofile', '/tmp/out.cpuprofile');
  assert.deepEqual(files.map((file) => file.path), ['/tmp/out.worker-1.cpuprofile', '/tmp/out.worker-2.cpuprofile']);
  assert.equal(buildCpuProfile(files[0].session).samples.length, 20);
  assert.deepEqual(workerThreadFiles(session, 'pprof', '/tmp/out.pb.gz'), []);
  assert.deepEqual(workerThreadFiles(makeSession([[[app('main', 1)], 0.001]]), 'cpuprofile', '/tmp/out.cpuprofile'), []);
  assert.equal(threadFilePath('/tmp/a.b/profile', THREADS[2]), '/tmp/a.b/profile.worker-2');
});

test('summary: the main thread\'s hotspots, then one line per worker', () => {
  const summary = renderSummary(threadedSession(), { processor: { showAll: true } });
  assert.match(summary, /## Top 3 hotspots by branch \(total time, main thread\)/);
  assert.match(summary, /\| Samples \| 65 \(3 threads\) \|/);
  assert.match(summary, /\| Threads \| main, worker 1 \/app\/crunch\.js, worker 2 \/app\/hash\.js \|/);
  const hotspots = summary.slice(summary.indexOf('## Top 3'), summary.indexOf('## Worker threads'));
  assert.doesNotMatch(hotspots, /crunch|hashIt/);
  assert.match(summary, /## Worker threads\n\n\| Thread \| Samples \| CPU time \| State \| Top function by self time \|/);
  assert.match(summary, /\| `worker 1 \/app\/crunch\.js` \| 20 \| 0\.020 s \| ran to the end \| `crunch` 100\.0% \(`crunch\.js:5`\) \|/);
  assert.match(summary, /\| `worker 2 \/app\/hash\.js` \| 5 \| 0\.005 s \| exited at 0\.007 s \| `hashIt` 100\.0%/);
});

test('diff: compares the main thread by default, the --thread one when asked, and refuses an unknown one', () => {
  const before = threadedSession();
  const after = threadedSession();
  const main = diffSessions(before, after);
  assert.equal(main.thread, 'main');
  assert.equal(main.before.samples, 40);
  const worker = diffSessions(before, after, { thread: 'crunch.js' });
  assert.equal(worker.thread, 'worker 1 /app/crunch.js');
  assert.equal(worker.after.samples, 20);
  assert.throws(() => diffSessions(before, after, { thread: '9' }), (error) => error instanceof DiffError && /the (before|after) profile: no thread matches '9'/.test(error.message));
  // One side without threads: its one thread is main.
  const plain = makeSession([[[app('main', 1), app('work', 10)], 0.001]]);
  assert.equal(diffSessions(plain, after).thread, 'main');
  assert.equal(diffSessions(plain, plain).thread, undefined);
  assert.equal(parseDiffArgs(['a.json', 'b.json', '--thread', '2']).thread, '2');
});

test('derived sessions keep the thread table: label filter, source maps, inline expansion', () => {
  const session = threadedSession();
  const filtered = filterSessionByLabels(session, { job: 'crunch' });
  assert.equal(filtered.samples.stack.length, 10);
  assert.deepEqual(filtered.threads.sample, new Array(10).fill(1));
  assert.deepEqual(filtered.threads.list, THREADS);
  // A frame that a source map moves (test/fixtures/sourcemaps/unit, as test/e2e/source-maps.test.mjs uses it).
  const generated = { name: 'helper2', file: fixture('sourcemaps/unit/external.js'), line: 2, column: 17, kind: 'js' };
  const mapBuilder = new SessionBuilder();
  const mappedStack = mapBuilder.internStackOf([mapBuilder.internFrame(generated)]);
  for (let i = 0; i < 3; i++) mapBuilder.addSample(mappedStack, (i + 1) * 0.001, 0.001, 0.001, 0, i === 2 ? 1 : 0);
  const toMap = mapBuilder.build({ ...testMeta, sampleCount: 3 }, undefined, THREADS.slice(0, 2));
  const mapped = applySourceMaps(toMap);
  assert.notEqual(mapped, toMap);
  assert.equal(mapped.frames[0].name, 'helper');
  assert.deepEqual(mapped.threads, toMap.threads);
  assert.match(renderCollapsed(mapped), /^worker 1 \/app\/crunch\.js;helper .*orig\.ts:3 1$/m);

  // Inline expansion rebuilds stacks and adds lines; samples keep their order and their threads.
  const builder = new SessionBuilder();
  const loop = builder.internStackOf([builder.internFrame(app('loop', 4))]);
  for (let i = 0; i < 4; i++) builder.addSample(loop, (i + 1) * 0.001, 0.001, 0.001, 0, i % 2);
  const twoThreads = builder.build({ ...testMeta, sampleCount: 4 }, undefined, THREADS.slice(0, 2));
  const positions = { tags: [undefined, { frameId: 0, position: 40, interpreted: false }], parent: [-1], tagOf: [1], sampleStack: Int32Column.of([0, 0, 0, 0]) };
  const expanded = expandPositions(twoThreads, positions, { expand: (frame) => [{ frame, line: 7 }] });
  assert.ok(expanded.lines, 'lines were added');
  assert.deepEqual(expanded.threads, twoThreads.threads);
  assert.equal(sessionOfThread(expanded, 1).lines.sample.length, 2);
});

test('cli: --thread parses; --load writes worker cpuprofiles beside the main one and says so; unknown threads are listed', () => {
  assert.equal(parseArgs(['--thread', 'main', 'app.js']).thread, 'main');
  assert.throws(() => parseArgs(['--thread=', 'app.js']), /--thread needs a thread name or id/);
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-threads-cli-'));
  try {
    const sessionPath = join(dir, 'threads.json');
    threadedSession().save(sessionPath);
    const out = join(dir, 'out.cpuprofile');
    const written = runNode([cli, '--load', sessionPath, '-o', out]);
    assert.equal(written.status, 0, written.stderr);
    assert.match(written.stderr, /wrote cpuprofile report to .*out\.cpuprofile \(main thread\)/);
    assert.match(written.stderr, /wrote cpuprofile report of thread worker 1 \/app\/crunch\.js to .*out\.worker-1\.cpuprofile/);
    assert.match(written.stderr, /wrote cpuprofile report of thread worker 2 \/app\/hash\.js to .*out\.worker-2\.cpuprofile/);
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).samples.length, 40);
    assert.equal(JSON.parse(readFileSync(join(dir, 'out.worker-1.cpuprofile'), 'utf8')).samples.length, 20);
    assert.equal(JSON.parse(readFileSync(join(dir, 'out.worker-2.cpuprofile'), 'utf8')).samples.length, 5);

    // One thread chosen: one file, no siblings.
    const one = join(dir, 'one.cpuprofile');
    const chosen = runNode([cli, '--load', sessionPath, '--thread', '1', '-o', one]);
    assert.equal(chosen.status, 0, chosen.stderr);
    assert.equal(JSON.parse(readFileSync(one, 'utf8')).samples.length, 20);
    assert.ok(!existsSync(join(dir, 'one.worker-1.cpuprofile')));

    const text = runNode([cli, '--load', sessionPath, '--thread', 'hash', '--no-unicode']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /hashIt/);
    assert.doesNotMatch(text.stdout, /crunch|\bwork\b/);

    const missing = runNode([cli, '--load', sessionPath, '--thread', 'nope']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no thread matches 'nope'; this profile has 3 threads: main \(id 0\), worker 1 \/app\/crunch\.js \(id 1\), worker 2 \/app\/hash\.js \(id 2\)/);

    const diff = runNode([cli, 'diff', sessionPath, sessionPath, '--thread', 'crunch', '--no-unicode']);
    assert.equal(diff.status, 0, diff.stderr);
    assert.match(diff.stdout, /nodeinstrument diff {2}\(thread: worker 1 \/app\/crunch\.js\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('thread names from the program cannot reach the terminal raw', () => {
  const hostile = THREADS.map((thread, index) => (index === 1 ? { ...thread, name: 'worker 1 \u001b[31mevil;x.js' } : thread));
  const session = threadedSession({}, hostile);
  const text = renderText(session, { unicode: false });
  assert.doesNotMatch(text, /\u001b/);
  assert.match(text, /Thread worker 1 \\x1b\[31mevil;x\.js {2}\(20 samples/);
  assert.match(renderCollapsed(session), /^worker 1 \\x1b\[31mevil\\x3bx\.js;runCrunch/m);
  assert.doesNotMatch(profileWarnings(session, 1).map((warning) => warning.message).join('\n'), /\u001b/);
  // Timeline mode works per thread too.
  const timeline = renderText(session, { unicode: false, mode: 'timeline' });
  assert.match(timeline, /Thread main[^]*0\.001 wait[^]*Thread worker 1/);
});

test('a listed thread without samples: every format still renders, and says so where it shows threads', async () => {
  const { renderers } = await import('../internals.cjs');
  const idle = { name: 'worker 3 /app/idle.js', threadId: 3, start: 0.01, end: 0.02, cpuTime: 0, exited: true };
  const session = threadedSession({}, [...THREADS, idle]);
  for (const renderer of renderers) {
    const output = renderer.render(session, { unicode: false });
    assert.ok(output.length > 0, renderer.name);
  }
  assert.match(renderText(session, { unicode: false }), /Thread worker 3 \/app\/idle\.js {2}\(0 samples, CPU time 0\.000 s, exited at 0\.020 s\)\nNo samples were recorded on this thread/);
  assert.match(renderSummary(session), /\| `worker 3 \/app\/idle\.js` \| 0 \| 0\.000 s \| exited at 0\.020 s \| \(no samples\) \|/);
  assert.deepEqual(buildSpeedscopeFile(session).profiles.at(-1), { type: 'sampled', name: 'worker 3 /app/idle.js', unit: 'seconds', startValue: 0, endValue: 0, samples: [], weights: [] });
  assert.equal(buildCpuProfile(workerThreadFiles(session, 'cpuprofile', 'x.cpuprofile').at(-1).session).samples.length, 0);
});
