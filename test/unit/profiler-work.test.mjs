// The profiler's own work (its drains on the profiled thread) is left out of
// reports by default, with a note of what it weighed; --show-all keeps it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { rendererByName, renderSummary, renderText, Session, withoutProfilerWork } from '../internals.cjs';
import { makeSession } from '../sessions.mjs';

const app = (name, line) => ({ name, file: '/app/app.js', line, column: 1, kind: 'js' });
const own = (name, line) => ({ name, file: '/opt/nodeinstrument/dist/cjs/recording/recorder.js', line, column: 1, kind: 'js' });
const timer = { name: 'listOnTimeout', file: 'node:internal/timers', line: 1, column: 1, kind: 'js' };
const meta = { profilerScripts: '/opt/nodeinstrument/dist/' };

const session = () =>
  makeSession(
    [
      [[app('main', 1), app('work', 5)], 0.6],
      [[timer, own('drain', 178), own('add', 27)], 0.03],
      [[app('main', 1), app('work', 5)], 0.3],
      [[timer, own('drain', 178)], 0.01],
      [[app('main', 1)], 0.06],
    ],
    meta,
  );

test('samples through the profiler scripts are left out, with a note of their weight; the rest is untouched', () => {
  const view = withoutProfilerWork(session());
  assert.equal(view.samples.stack.length, 3);
  assert.deepEqual(view.samples.duration, [0.6, 0.3, 0.06]);
  assert.equal(view.meta.sampleCount, 3);
  assert.match(view.meta.notes.at(-1), /^nodeinstrument's own work on this thread \(its drains\), 0\.040 s \(4\.0%\) in 2 samples, is left out \(--show-all shows it\)$/);
  // Nothing to leave out, or a session that does not say where the profiler's scripts were: the same session.
  const plain = makeSession([[[app('main', 1)], 0.1]], meta);
  assert.equal(withoutProfilerWork(plain), plain);
  const older = makeSession([[[timer, own('drain', 178)], 0.1]]);
  assert.equal(withoutProfilerWork(older), older);
});

test("the program's code that the profiler's code calls (a middleware's next()) stays; the profiler's calls into node: are its own", () => {
  const middleware = { name: 'profiled', file: '/opt/nodeinstrument/dist/cjs/production/middleware/core.js', line: 40, column: 1, kind: 'js' };
  const write = { name: 'writeSync', file: 'node:fs', line: 900, column: 1, kind: 'js' };
  const native = { name: '[native] node', file: '/usr/bin/node', line: 0, column: 0, kind: 'native' };
  const view = withoutProfilerWork(makeSession([
    [[app('serve', 1), middleware, app('handler', 9), app('work', 12)], 0.05],
    [[app('serve', 1), middleware, app('handler', 9), native], 0.01],
    [[timer, own('drain', 178), write, native], 0.02],
    [[app('serve', 1), middleware], 0.001],
  ], meta));
  assert.deepEqual(view.samples.duration, [0.05, 0.01]);
});

test("the libraries the profiler runs (acorn) are its work when it calls them, and the program's when the program does", () => {
  const libraries = ['/opt/node_modules/acorn/'];
  const parse = { name: 'pp.parseStatement', file: '/opt/node_modules/acorn/dist/acorn.js', line: 1015, column: 1, kind: 'js' };
  const recover = own('prepare', 30);
  const view = withoutProfilerWork(makeSession([
    [[timer, recover, parse], 0.02],
    [[app('main', 1), app('lint', 3), parse], 0.05],
    [[app('main', 1)], 0.01],
  ], { ...meta, profilerLibraries: libraries }));
  assert.deepEqual(view.samples.duration, [0.05, 0.01]);
  // A session that names no libraries (older recordings): acorn under the profiler counts as the program's.
  assert.equal(withoutProfilerWork(makeSession([[[timer, recover, parse], 0.02]], meta)).samples.stack.length, 1);
});

test('text, summary and the standard formats leave it out by default and keep it with showAll; the session file keeps all', () => {
  const text = renderText(session(), { color: false, unicode: false });
  assert.doesNotMatch(text, /recorder\.js/);
  assert.match(text, /note: nodeinstrument's own work on this thread/);
  assert.match(renderText(session(), { color: false, processor: { showAll: true } }), /drain {2}.*recorder\.js/);
  assert.doesNotMatch(renderSummary(session()), /recorder\.js/);
  const pprof = Profile.decode(gunzipSync(rendererByName('pprof').render(session(), {})));
  assert.equal(pprof.sample.length, 2); // pprof merges samples of one stack: main > work, main
  const pprofAll = Profile.decode(gunzipSync(rendererByName('pprof').render(session(), { processor: { showAll: true } })));
  assert.equal(pprofAll.sample.length, 4);
  const saved = Session.fromJSON(JSON.parse(rendererByName('session').render(session(), {})));
  assert.equal(saved.samples.stack.length, 5);
  assert.equal(saved.meta.profilerScripts, meta.profilerScripts);
});
