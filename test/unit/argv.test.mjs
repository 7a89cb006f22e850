// The option reader both command lines share (lib/util/argv.ts): how values
// are taken and the exact words of its errors, in `nodeinstrument` and in
// `nodeinstrument diff`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isOption, readOption, UsageError } from '../internals.cjs';
import { parseArgs, UsageError as CliUsageError } from '../internals.cjs';
import { parseDiffArgs } from '../internals.cjs';

test('a value comes after = or as the next argument, which it uses up', () => {
  const inline = readOption(['--outfile=a=b.txt', 'next'], 0);
  assert.equal(inline.name, '--outfile');
  assert.equal(inline.value(), 'a=b.txt');
  assert.equal(inline.last, 0);

  const separate = readOption(['x', '-o', 'out.txt'], 1);
  assert.equal(separate.name, '-o');
  assert.equal(separate.last, 1);
  assert.equal(separate.value(), 'out.txt');
  assert.equal(separate.last, 2);

  const bare = readOption(['--percent', 'next'], 0);
  assert.equal(bare.flag(), true);
  assert.equal(bare.last, 0);
  // Short options take no `=value`: '-o=x' is an option of its own name.
  assert.equal(readOption(['-o=x'], 0).name, '-o=x');
});

test('errors name the option as written', () => {
  assert.throws(() => readOption(['--load'], 0).value(), { name: 'UsageError', message: '--load needs a value' });
  assert.throws(() => readOption(['--open=yes'], 0).flag(), { name: 'UsageError', message: '--open takes no value' });
  assert.ok(isOption('--x') && isOption('-x') && isOption('--'));
  assert.ok(!isOption('-') && !isOption('app.js'));
  // cli-args re-exports the same class, so `instanceof` holds across both.
  assert.equal(CliUsageError, UsageError);
});

test('nodeinstrument and nodeinstrument diff word the same mistakes alike', () => {
  const message = (parse, args) => {
    try {
      parse(args);
    } catch (error) {
      assert.ok(error instanceof UsageError, String(error));
      return error.message;
    }
    assert.fail(`${args.join(' ')} was accepted`);
  };
  for (const [args, expected] of [
    [['-o'], '-o needs a value'],
    [['--outfile'], '--outfile needs a value'],
    [['--percent=1', 'x'], '--percent takes no value'],
    [['--show-all=yes', 'x'], '--show-all takes no value'],
    [['--hide', '('], /^invalid regular expression for --hide: /],
    [['--show=('], /^invalid regular expression for --show: /],
  ]) {
    for (const parse of [parseArgs, parseDiffArgs]) {
      const got = message(parse, args);
      if (typeof expected === 'string') assert.equal(got, expected);
      else assert.match(got, expected);
    }
  }
  // Values in both forms, and options after the positional arguments (diff) or before the script.
  const diff = parseDiffArgs(['a.json', '--outfile=d.html', 'b.json', '--root', 'main']);
  assert.deepEqual([diff.before, diff.after, diff.outfile, diff.root], ['a.json', 'b.json', 'd.html', 'main']);
  const run = parseArgs(['--outfile=r.txt', '-r', 'text', 'app.js', '-o', 'theirs']);
  assert.deepEqual([run.outfile, run.renderer, run.script, run.scriptArgs], ['r.txt', 'text', 'app.js', ['-o', 'theirs']]);
});

test('both commands read the display options alike (lib/cli/display-args.ts)', () => {
  const display = ['--show-all', '--hide', 'vendor/', '--show=lib/', '--percent', '--no-unicode', '--color'];
  for (const options of [parseArgs([...display, 'app.js']), parseDiffArgs(['a.json', 'b.json', ...display])]) {
    assert.deepEqual(
      [options.showAll, options.hide.source, options.show.source, options.percent, options.unicode, options.color],
      [true, 'vendor\\/', 'lib\\/', true, false, true],
    );
  }
  const defaults = [parseArgs(['app.js']), parseDiffArgs(['a.json', 'b.json'])].map((o) => [o.showAll, o.hide, o.show, o.percent, o.unicode, o.color]);
  assert.deepEqual(defaults, [[false, undefined, undefined, false, undefined, undefined], [false, undefined, undefined, false, undefined, undefined]]);
});
