import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { renderPprof } from '../internals.cjs';
import { rendererByName, rendererForPath } from '../internals.cjs';
import { cli, fixture, root, runNode } from '../helpers.mjs';
import { makeSession, testMeta } from '../sessions.mjs';

const startTime = Date.UTC(2026, 10, 26, 12, 3, 4) + 0.5; // half a millisecond: 500000 ns past the second
const baseMeta = { ...testMeta, startTime, duration: 0.0125 };
const app = (name, line, column = 3) => ({ name, file: '/app/app.js', line, column, kind: 'js' });
const special = (name) => ({ name, file: '', line: 0, column: 0, kind: 'special' });

const sessionOf = (samples, meta = {}) => makeSession(samples, { ...baseMeta, ...meta });

const main = app('main', 10, 1);
const parse = app('parse', 20);
const render = app('render', 30);
const example = () => sessionOf([
  [[main, parse], 0.002, 0.0015],
  [[main, render], 0.003, 0.003],
  [[main, parse], 0.001, 0.0005],
  [[special('(garbage collection)')], 0.0005, 0.0005],
  [[special('(idle)')], 0.004, 0],
  [[], 0.001, 0.001],
  [[main, parse], 0.001, 0.001],
]);

const decode = (bytes) => Profile.decode(gunzipSync(bytes));
const str = (profile, index) => profile.stringTable.strings[Number(index)];

/** Each pprof sample as `leaf<-...<-root: count wall cpu`, functions by name. */
function describeSamples(profile) {
  const functionName = new Map(profile.function.map((fn) => [Number(fn.id), str(profile, fn.name)]));
  const locationName = new Map(profile.location.map((loc) => [Number(loc.id), functionName.get(Number(loc.line[0].functionId))]));
  return profile.sample
    .map((sample) => `${sample.locationId.map((id) => locationName.get(Number(id))).join('<-')}: ${sample.value.map(Number).join(' ')}`)
    .sort();
}

test('pprof: gzipped profile.proto with samples/count, wall/nanoseconds and cpu/nanoseconds', () => {
  const bytes = renderPprof(example());
  assert.ok(bytes instanceof Uint8Array);
  assert.deepEqual([bytes[0], bytes[1]], [0x1f, 0x8b], 'gzip magic');
  const profile = decode(bytes);
  assert.deepEqual(
    profile.sampleType.map((type) => `${str(profile, type.type)}/${str(profile, type.unit)}`),
    ['samples/count', 'wall/nanoseconds', 'cpu/nanoseconds'],
  );
  assert.equal(`${str(profile, profile.periodType.type)}/${str(profile, profile.periodType.unit)}`, 'wall/nanoseconds');
  assert.equal(Number(profile.period), 1_000_000);
  assert.equal(str(profile, profile.defaultSampleType), 'wall');
  assert.equal(BigInt(profile.timeNanos), BigInt(Date.UTC(2026, 10, 26, 12, 3, 4)) * 1_000_000n + 500_000n);
  assert.equal(Number(profile.durationNanos), 12_500_000);
});

test('pprof: identical stacks are one sample with summed values, leaf first; an empty stack keeps its time', () => {
  assert.deepEqual(describeSamples(decode(renderPprof(example()))), [
    '(garbage collection): 1 500000 500000',
    '(idle): 1 4000000 0',
    ': 1 1000000 1000000',
    'parse<-main: 3 4000000 3000000',
    'render<-main: 1 3000000 3000000',
  ]);
});

test('pprof: one function and one location per distinct frame, with file and start line', () => {
  const profile = decode(renderPprof(example()));
  const functions = profile.function.map((fn) => ({
    name: str(profile, fn.name), file: str(profile, fn.filename), startLine: Number(fn.startLine),
  }));
  assert.deepEqual(functions.sort((a, b) => a.name.localeCompare(b.name)), [
    { name: '(garbage collection)', file: '', startLine: 0 },
    { name: '(idle)', file: '', startLine: 0 },
    { name: 'main', file: '/app/app.js', startLine: 10 },
    { name: 'parse', file: '/app/app.js', startLine: 20 },
    { name: 'render', file: '/app/app.js', startLine: 30 },
  ]);
  assert.equal(profile.location.length, 5);
  const ids = new Set(profile.location.map((loc) => Number(loc.id)));
  assert.equal(ids.size, 5, 'location ids are distinct');
  assert.ok(!ids.has(0), 'pprof ids start at 1');
  for (const location of profile.location) {
    assert.equal(location.line.length, 1);
    const fn = profile.function.find((candidate) => Number(candidate.id) === Number(location.line[0].functionId));
    assert.ok(fn, 'every location points at a function');
    assert.equal(Number(location.line[0].line), Number(fn.startLine), 'the line is the function start line');
  }
  for (const sample of profile.sample) {
    for (const id of sample.locationId) assert.ok(ids.has(Number(id)), 'every sample location exists');
  }
});

test('pprof: anonymous functions and module code carry their file and line in the name, so that -top keeps them apart', () => {
  const handler = { name: '(anonymous)', file: '/app/routes/users.js', line: 5, column: 9, kind: 'js' };
  const timer = { name: '(anonymous)', file: '/app/node_modules/nodeinstrument/dist/cjs/recorder.js', line: 91, column: 40, kind: 'js' };
  const module = { name: '(module)', file: '/app/app.js', line: 1, column: 1, kind: 'js' };
  const profile = Profile.decode(gunzipSync(renderPprof(sessionOf([[[module, handler], 0.01], [[timer], 0.002]]))));
  const names = profile.function.map((fn) => profile.stringTable.strings[Number(fn.name)]).sort();
  assert.deepEqual(names, ['(anonymous recorder.js:91)', '(anonymous users.js:5)', '(module app.js:1)']);
});

test('pprof: wall and cpu totals are preserved within rounding', () => {
  const samples = [];
  for (let i = 0; i < 5000; i++) {
    const frames = [main, i % 3 === 0 ? parse : render, ...(i % 7 === 0 ? [app(`f${i % 11}`, i % 11 + 1)] : [])];
    samples.push([frames, 0.001 + (i % 13) * 1.234567e-7, 0.0009 + (i % 5) * 3.3e-8]);
  }
  const session = sessionOf(samples);
  const profile = decode(renderPprof(session));
  const total = (index) => profile.sample.reduce((sum, sample) => sum + Number(sample.value[index]), 0);
  const sumNs = (values) => values.reduce((sum, value) => sum + value, 0) * 1e9;
  // Rounded once per pprof sample: at most half a nanosecond each.
  const tolerance = profile.sample.length / 2 + 1;
  assert.equal(total(0), 5000);
  assert.ok(Math.abs(total(1) - sumNs(session.samples.duration)) <= tolerance, `wall ${total(1)} vs ${sumNs(session.samples.duration)}`);
  assert.ok(Math.abs(total(2) - sumNs(session.samples.cpu)) <= tolerance, `cpu ${total(2)} vs ${sumNs(session.samples.cpu)}`);
});

test('pprof: an empty session is still a valid profile', () => {
  const profile = decode(renderPprof(sessionOf([])));
  assert.equal(profile.sample.length, 0);
  assert.equal(profile.sampleType.length, 3);
});

test('pprof: registered by name and by .pb.gz / .pprof', () => {
  assert.equal(rendererByName('pprof').name, 'pprof');
  assert.equal(rendererForPath('/tmp/x.pb.gz').name, 'pprof');
  assert.equal(rendererForPath('/tmp/X.PPROF').name, 'pprof');
  assert.ok(rendererByName('pprof').render(example(), {}) instanceof Uint8Array);
});

/** Sample values of a decoded profile's samples whose stack has a function of this name. */
function wallOf(profile, name) {
  const fnIds = new Set(profile.function.filter((fn) => str(profile, fn.name) === name).map((fn) => Number(fn.id)));
  const locIds = new Set(profile.location.filter((loc) => fnIds.has(Number(loc.line[0].functionId))).map((loc) => Number(loc.id)));
  return profile.sample
    .filter((sample) => sample.locationId.some((id) => locIds.has(Number(id))))
    .reduce((sum, sample) => sum + Number(sample.value[1]), 0);
}

test('pprof: CLI -o x.pb.gz and -r pprof to a pipe write the same kind of profile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-pprof-'));
  const out = join(dir, 'x.pb.gz');
  const written = runNode([cli, '-o', out, fixture('cli-exit3.js')], { cwd: root });
  assert.equal(written.status, 3, written.stderr);
  assert.match(written.stderr, /wrote pprof report/);
  const piped = runNode([cli, '-r', 'pprof', fixture('cli-exit3.js')], { cwd: root, encoding: 'buffer' });
  assert.equal(piped.status, 3, piped.stderr.toString());
  for (const bytes of [readFileSync(out), piped.stdout]) {
    const profile = decode(bytes);
    // busy spins for 150 ms.
    assert.ok(wallOf(profile, 'busy') > 100e6, `busy: ${wallOf(profile, 'busy')} ns`);
  }
});

const goWorks = () => {
  const result = spawnSync('go', ['version'], { encoding: 'utf8' });
  return !result.error && result.status === 0;
};

test('pprof: go tool pprof -top reads the profile and shows the top function', { timeout: 300_000 }, (t) => {
  if (!goWorks()) {
    t.skip('go not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-pprof-'));
  const file = join(dir, 'profile.pb.gz');
  writeFileSync(file, renderPprof(sessionOf([
    [[main, parse], 0.006],
    [[main, render], 0.003],
    [[special('(idle)')], 0.001],
  ])));
  // A private build cache, so the test neither needs nor touches $HOME's.
  const env = { ...process.env, GOCACHE: join(dir, 'gocache') };
  const result = spawnSync('go', ['tool', 'pprof', '-top', file], { encoding: 'utf8', env, timeout: 240_000 });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /Type: wall/);
  assert.match(result.stdout, /Total samples = (10ms|10000us)/, result.stdout);
  // The first row of the table is the function with the most flat time.
  const rows = result.stdout.split('\n').filter((line) => /^\s*[\d.]+(ms|us|s)\s/.test(line));
  assert.match(rows[0] ?? '', /60\.00%.*\sparse$/, result.stdout);
  assert.ok(rows.some((row) => /\s\(idle\)$/.test(row)), result.stdout);
});
