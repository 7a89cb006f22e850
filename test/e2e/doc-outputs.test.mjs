// The example outputs in README.md and docs/ (the blocks marked <!-- output: ... -->,
// scripts/doc-outputs.js) still match what their commands print, and a block edited by
// hand, or a command that starts printing something else, fails the check.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, firstPassTest as test } from '../helpers.mjs';

const { defaultFiles, findBlocks, runCommand, compareBlock } = createRequire(import.meta.url)(join(root, 'scripts', 'doc-outputs.js'));

const blocks = defaultFiles(root).flatMap((file) => findBlocks(readFileSync(file, 'utf8'), file.slice(root.length + 1)));

test('the docs mark outputs of each kind of check', () => {
  const checks = new Set(blocks.map((block) => block.check));
  assert.deepEqual([...checks].sort(), ['exact', 'shape', 'tree'], blocks.map((block) => `${block.file}:${block.line} ${block.check}`).join('\n'));
  assert.ok(blocks.some((block) => block.file === 'README.md' && block.check === 'tree'), 'the README shows a real call tree');
});

/** Copies of a block's content that the check must refuse: a word, a function or a location changed by hand. */
function handEdits(block) {
  const lines = block.content.split('\n');
  const edits = [];
  const edit = (index, from, to) => {
    const changed = lines.slice();
    changed[index] = changed[index].replace(from, to);
    assert.notEqual(changed[index], lines[index], `${block.file}:${block.line}: the edit ${from} -> ${to} changed nothing`);
    edits.push({ what: `line ${index + 1}: ${from} -> ${to}`, content: changed.join('\n') });
  };
  if (block.check === 'tree') {
    const header = lines.findIndex((line) => /^ +Duration: /.test(line));
    edit(header, 'Duration:', 'Durations:');
    for (const name of block.names) {
      // The name's line in the tree: after the time, the name then two spaces (or the line's end).
      const at = lines.findIndex((line) => /^[\s│├└─|`-]*\d[\d.]* /.test(line) && (line.endsWith(` ${name}`) || line.includes(` ${name}  `)));
      assert.ok(at >= 0, `${block.file}:${block.line}: ${name} is not in the block`);
      edit(at, ` ${name}`, ` ${name}X`);
      const location = /\.js:(\d+)/.exec(lines[at]);
      if (location) edit(at, location[0], `.js:${Number(location[1]) + 1}`);
    }
  } else {
    // A word of four letters or more in the middle of the block, and the last line's.
    for (const index of [Math.floor(lines.length / 2), lines.length - 1]) {
      const at = lines.findIndex((line, i) => i >= index && /[A-Za-z]{4,}/.test(line));
      const word = /[A-Za-z]{4,}/.exec(lines[at])[0];
      edit(at, word, `${word}s`);
    }
  }
  return edits;
}

for (const block of blocks) {
  test(`${block.file}:${block.line} (${block.check}): \`${block.command}\``, { timeout: 90_000 }, () => {
    const output = runCommand(block.command, root);
    const problems = compareBlock(block, output);
    assert.deepEqual(problems, [], `${problems.join('\n')}\n\nif the new output is right: node scripts/doc-outputs.js --update`);

    for (const { what, content } of handEdits(block)) {
      assert.notDeepEqual(compareBlock({ ...block, content }, output), [], `${block.file}:${block.line}: an edit by hand passed the check (${what})`);
    }
    // What varies from run to run is not compared: other numbers (timings, counts, dates) pass.
    if (block.check !== 'exact') {
      const renumbered = block.content.replace(/(?<![:\w.])\d+\.\d+/g, (number) => (Number(number) + 1).toFixed(3));
      assert.notEqual(renumbered, block.content);
      assert.deepEqual(compareBlock({ ...block, content: renumbered }, output), [], 'other numbers, other widths: still the same output');
    }
  });
}
