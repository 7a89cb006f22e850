import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, parseDuration, parseInterval, parseWindow } from '../internals.cjs';
import { triggerOptionsFromEnv } from '../internals.cjs';
import { cli, fixture, runNode } from '../helpers.mjs';

test('intervals in seconds or with units', () => {
  assert.equal(parseInterval('0.001'), 0.001);
  assert.equal(parseInterval('1ms'), 0.001);
  assert.ok(Math.abs(parseInterval('100us') - 0.0001) < 1e-12);
  assert.equal(parseInterval('2s'), 2);
  for (const bad of ['', 'fast', '-1', '1us', '11s', '1 m s']) assert.throws(() => parseInterval(bad), /invalid interval/);
});

test('options before the script are ours, everything after goes to the script', () => {
  const options = parseArgs(['-i', '100us', '--show-all', '--node-arg=--stress-compaction', 'app.js', '--port', '3000', '-i']);
  assert.equal(options.script, 'app.js');
  assert.deepEqual(options.scriptArgs, ['--port', '3000', '-i']);
  assert.ok(Math.abs(options.interval - 0.0001) < 1e-12);
  assert.equal(options.showAll, true);
  assert.deepEqual(options.nodeArgs, ['--stress-compaction']);
});

test('renderer, outfile, filters and display flags', () => {
  const options = parseArgs(['-r', 'text', '-o', 'out.txt', '--hide', 'vendor/', '--show=node_modules/mylib', '--no-color', '--unicode', '--percent', 'x.js']);
  assert.equal(options.renderer, 'text');
  assert.equal(options.outfile, 'out.txt');
  assert.ok(options.hide.test('/a/vendor/b.js'));
  assert.ok(options.show.test('/x/node_modules/mylib/i.js'));
  assert.equal(options.color, false);
  assert.equal(options.unicode, true);
  assert.equal(options.percent, true);
});

test('usage errors', () => {
  assert.throws(() => parseArgs([]), /no script given/);
  assert.throws(() => parseArgs(['--nope', 'x.js']), /unknown option --nope/);
  assert.throws(() => parseArgs(['-o']), /-o needs a value/);
  assert.throws(() => parseArgs(['--show-all=yes', 'x.js']), /takes no value/);
  assert.throws(() => parseArgs(['--hide', '(', 'x.js']), /invalid regular expression/);
  assert.throws(() => parseArgs(['--load', 'a.json', 'x.js']), /not both/);
  assert.equal(parseArgs(['--help']).help, true);
  assert.equal(parseArgs(['--load', 'a.json']).load, 'a.json');
  assert.equal(parseArgs(['--', '--weird-name.js']).script, '--weird-name.js');
});

test('durations with units are exact: 10us is the documented 10 us minimum, not 9.999...e-6 s', () => {
  // Each spelling must give the very double its plain-seconds literal gives.
  for (const [texts, seconds] of [
    [['10us', '10µs', '0.01ms', '10000ns', '1e-5', '1E-5s', '0.00001', '.00001', '0.001e-2'], 0.00001],
    [['100us', '0.1ms', '1e-4', '1e2us'], 0.0001],
    [['1ms', '1000us', '0.001', '1e-3', '1.ms'], 0.001],
    [['0.3ms', '300us'], 0.0003],
    [['10', '10s', '1e1', '10000ms'], 10],
  ]) {
    for (const text of texts) assert.equal(parseInterval(text), seconds, `-i ${text}`);
  }
  for (const bad of ['9.999us', '9999ns', '1e-6', '10.000001', '1e', 'e-5', '.', 'ms', '1.2.3', '1e-5ms', '1 0us', '10 us']) {
    assert.throws(() => parseInterval(bad), /invalid interval/, `-i ${bad}`);
  }
  // --window (at least 100 ms), attach --duration (at least 10 ms) and the trigger's seconds share the parser.
  for (const text of ['100ms', '0.1', '0.1s', '1e-1', '1e2ms']) assert.equal(parseWindow(text), 0.1, `--window ${text}`);
  assert.equal(parseWindow('1.5h'), 5400);
  assert.throws(() => parseWindow('99.999ms'), /at least 100ms/);
  for (const text of ['10ms', '0.01s', '0.01', '1e-2']) assert.equal(parseDuration(text), 0.01, `--duration ${text}`);
  assert.throws(() => parseDuration('9.99ms'), /invalid --duration/);
  assert.equal(parseArgs(['--continuous', 'dir', '--window', '0.1', 'app.js']).continuous.window, 0.1);
  const seconds = (text) => triggerOptionsFromEnv({ NODEINSTRUMENT_TRIGGER_DIR: '/tmp', NODEINSTRUMENT_TRIGGER_SECONDS: text }).seconds;
  assert.equal(seconds('2.5'), 2.5);
  assert.equal(seconds('3600'), 3600);
  assert.equal(seconds('60m'), 3600);
  assert.equal(seconds('0.3'), 0.3);
  for (const bad of ['0', '3600.001', '1h', 'ten']) assert.throws(() => seconds(bad), /NODEINSTRUMENT_TRIGGER_SECONDS must be/);
});

test('the CLI accepts -i 10us, the minimum it documents', () => {
  for (const interval of ['10us', '0.01ms']) {
    const result = runNode([cli, '-i', interval, fixture('short-busy.js')]);
    assert.equal(result.status, 0, `-i ${interval}: ${result.stderr}`);
    assert.match(result.stdout, /Samples: \d+/);
  }
  const tooSmall = runNode([cli, '-i', '9us', fixture('short-busy.js')]);
  assert.equal(tooSmall.status, 2);
  assert.match(tooSmall.stderr, /^nodeinstrument: invalid interval '9us': interval must be a number of seconds between 0.00001 and 10/);
});
