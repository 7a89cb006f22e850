// `--repeat N`: the program run N times into one set of runs, which -o keeps
// for diff and --load shows as its median run; a run that fails ends the
// series; --load also reads V8's .cpuprofile, and diff a directory of them.
import { after as afterAll } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, fixture, runNode, firstPassTest as test } from '../helpers.mjs';
import { makeSession } from '../sessions.mjs';
import { renderCpuProfile } from '../internals.cjs';

const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-repeat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('--repeat 3 -o set.json: three runs, one line each, one file with every run; --load shows the median run', () => {
  const counter = join(dir, 'three.count');
  const result = runNode([cli, '--repeat', '3', '-o', 'set.json', fixture('counted-runs.js'), counter], { cwd: dir });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(readFileSync(counter, 'utf8'), '1\n2\n3\n');
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 4, result.stderr);
  lines.slice(0, 3).forEach((line, i) => assert.match(line, new RegExp(`^nodeinstrument: run ${i + 1} of 3: \\d\\.\\d{3} s wall, \\d\\.\\d{3} s CPU, [\\d,]+ samples$`)));
  assert.match(lines[3], /^nodeinstrument: wrote the 3 runs' sessions to set\.json \(nodeinstrument diff compares sets; --load shows the median run\)$/);
  const set = JSON.parse(readFileSync(join(dir, 'set.json'), 'utf8'));
  assert.equal(set.format, 'nodeinstrument-runs');
  assert.equal(set.runs.length, 3);
  for (const run of set.runs) assert.ok(run.meta.sampleCount > 20, `${run.meta.sampleCount} samples`);

  const loaded = runNode([cli, '--load', 'set.json', '--no-color'], { cwd: dir });
  assert.equal(loaded.status, 0, loaded.stderr);
  assert.match(loaded.stdout, /run [123] of 3, the median by wall time \(the runs took \d\.\d{3}-\d\.\d{3} s\); nodeinstrument diff compares all the runs/);
  assert.match(loaded.stdout, /busy {2}.*counted-runs\.js/);
});

test('--repeat with a text report prints the median run once; a failing run ends the series with its status', () => {
  const counter = join(dir, 'text.count');
  const text = runNode([cli, '--repeat', '2', '--no-color', fixture('counted-runs.js'), counter], { cwd: dir });
  assert.equal(text.status, 0, text.stderr);
  assert.equal((text.stdout.match(/Recorded:/g) ?? []).length, 1, 'one report');
  assert.match(text.stdout, /run [12] of 2, the median by wall time/);

  const flaky = join(dir, 'flaky.count');
  const failed = runNode([cli, '--repeat', '4', '-o', 'flaky.json', fixture('counted-runs.js'), flaky, '2'], { cwd: dir });
  assert.equal(failed.status, 3, 'the failing run\'s status');
  assert.equal(readFileSync(flaky, 'utf8'), '1\n2\n', 'no run after the failing one');
  assert.match(failed.stderr, /run 2 of 4: [\d.]+ s wall, .* samples; exit status 3\n.*stopping after run 2 of 4: a set compares runs that completed/);
  // The one run that completed is kept, as a plain session.
  assert.equal(JSON.parse(readFileSync(join(dir, 'flaky.json'), 'utf8')).format, 'nodeinstrument-session');
});

test('--repeat is refused where it means nothing, with the reason', () => {
  for (const [args, message] of [
    [['--repeat', '0', 'x.js'], /invalid --repeat '0' \(a number of runs from 1 to 100\)/],
    [['--repeat', '2.5', 'x.js'], /invalid --repeat '2\.5'/],
    [['--repeat', '3', '--load', 'set.json'], /--repeat runs a script several times; --load renders a saved session/],
    [['attach', '1', '--repeat', '3'], /--repeat runs a script several times; attach records a running process once/],
  ]) {
    const result = runNode([cli, ...args], { cwd: dir });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, message);
  }
});

test('--load reads a V8 .cpuprofile; diff reads a directory of them as a set of runs', () => {
  const frame = (name) => ({ name, file: '/app/app.js', line: 1, column: 1, kind: 'js' });
  const profile = (work) => makeSession([...Array.from({ length: work }, () => [[frame('main'), frame('work')], 0.001]), ...Array.from({ length: 400 }, () => [[frame('main'), frame('rest')], 0.001])]);
  writeFileSync(join(dir, 'one.cpuprofile'), renderCpuProfile(profile(300)));
  const loaded = runNode([cli, '--load', 'one.cpuprofile', '--no-color'], { cwd: dir });
  assert.equal(loaded.status, 0, loaded.stderr);
  assert.match(loaded.stdout, /work {2}\/app\/app\.js/);

  for (const [side, work] of [['v8-before', 600], ['v8-after', 200]]) {
    mkdirSync(join(dir, side));
    for (let run = 0; run < 3; run++) writeFileSync(join(dir, side, `CPU.${run}.cpuprofile`), renderCpuProfile(profile(work + run * 5)));
  }
  const diff = runNode([cli, 'diff', 'v8-before', 'v8-after', '-o', 'v8.json'], { cwd: dir });
  assert.equal(diff.status, 0, diff.stderr);
  const result = JSON.parse(readFileSync(join(dir, 'v8.json'), 'utf8'));
  assert.deepEqual([result.before.runs.length, result.after.runs.length], [3, 3]);
  assert.equal(result.functions.find((row) => row.frame.name === 'work').verdict, 'faster');
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const none = runNode([cli, 'diff', 'empty', 'v8-after'], { cwd: dir });
  assert.equal(none.status, 1);
  assert.match(none.stderr, /empty is a directory without profiles \(\.json or \.cpuprofile files\)/);
});
