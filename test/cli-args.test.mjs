import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, parseInterval } from '../dist/cjs/cli-args.js';

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
