#!/usr/bin/env node
'use strict';
/**
 * Keeps the example outputs in the documentation true to what the commands
 * print. A block is marked by an HTML comment right above its fence:
 *
 *   <!-- output: node bin/nodeinstrument.js --help
 *        check: exact -->
 *   ```text
 *   ...what the command printed...
 *   ```
 *
 * The first line of the comment is the command, run with /bin/sh from the
 * repository's root (stdout only; add 2>&1 to show stderr too; the command
 * must exit with status 0). Lines after it are `key: value` settings:
 *
 *   check: shape  (the default) the same lines with the same words: numbers
 *                 (with their unit for sizes: KB, MB), dates, times,
 *                 percentages and paths under /tmp are normalised away,
 *                 and runs of spaces count as one; file:line
 *                 locations (busy.js:29) are kept as they are.
 *   check: exact  the same text, trailing spaces aside (help text).
 *   check: tree   a sampled text report, whose small branches come and go
 *                 between runs and machines: the program's own output before
 *                 the report and the header are compared as `shape` (warning
 *                 and note lines, which depend on the machine's load, are left
 *                 out); of the call tree, only the lines of the functions in
 *                 `names` are compared: each must be in both trees, with the
 *                 same file:line and the same path of callers (an `[inlined]`
 *                 mark aside, which follows the JIT's choices). Times are not
 *                 compared.
 *   names: a, b   check: tree: the functions a stable workload must show.
 *
 * A marker inside a fenced block (an example of the syntax, as in
 * docs/development.md) is not one.
 *
 *   node scripts/doc-outputs.js            check every marked block (README.md, docs/*.md)
 *   node scripts/doc-outputs.js --update   rerun the commands and rewrite the blocks
 *   node scripts/doc-outputs.js --list     list the marked blocks
 *   node scripts/doc-outputs.js docs/cli.md ...   only these files
 *
 * Exits with status 1 when a block does not match (check) or a command fails.
 * Keep marked commands fast (about a second): test/e2e/doc-outputs.test.mjs runs
 * them all.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const CHECKS = ['shape', 'exact', 'tree'];
const COMMAND_TIMEOUT_MS = 60_000;

/** The markdown files scanned by default: README.md and every .md under docs/. */
function defaultFiles(root = ROOT) {
  const files = [path.join(root, 'README.md')];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.md')) files.push(full);
    }
  };
  walk(path.join(root, 'docs'));
  return files;
}

const MARKER_START = /<!--\s*output:/g;
// The comment, then (on the next line) a fenced block: its fence, info string, content and closing fence.
const MARKED_BLOCK = /<!--\s*output:([\s\S]*?)-->[ \t]*\n(`{3,})([^\n`]*)\n(?:([\s\S]*?)\n)??\2[ \t]*(?=\n|$)/dy;

/** [start, end) offsets of the fenced code blocks of a markdown text, so that a marker shown inside one is not taken for one. */
function fencedRanges(text) {
  const ranges = [];
  let open; // { char, length, start }
  let offset = 0;
  for (const line of text.split('\n')) {
    const fence = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (!open && fence) open = { char: fence[1][0], length: fence[1].length, start: offset };
    else if (open && fence && fence[1][0] === open.char && fence[1].length >= open.length && fence[2].trim() === '') {
      ranges.push([open.start, offset + line.length]);
      open = undefined;
    }
    offset += line.length + 1;
  }
  if (open) ranges.push([open.start, text.length]);
  return ranges;
}

/** Marked blocks of a markdown text: { line, command, check, names, start, end (of the content), content }. */
function findBlocks(text, file = '<text>') {
  const blocks = [];
  const fenced = fencedRanges(text);
  for (const marker of text.matchAll(MARKER_START)) {
    if (fenced.some(([start, end]) => marker.index >= start && marker.index < end)) continue;
    const line = text.slice(0, marker.index).split('\n').length;
    MARKED_BLOCK.lastIndex = marker.index;
    const match = MARKED_BLOCK.exec(text);
    if (!match) throw new Error(`${file}:${line}: an <!-- output: ... --> marker must be followed, on the next line, by a fenced block`);
    const [settingsLine, ...settingLines] = match[1].split('\n');
    const command = settingsLine.trim();
    if (!command) throw new Error(`${file}:${line}: the marker names no command`);
    const settings = { check: 'shape', names: [] };
    for (const setting of settingLines.map((text) => text.trim()).filter(Boolean)) {
      const parsed = /^(check|names):\s*(.*)$/.exec(setting);
      if (!parsed) throw new Error(`${file}:${line}: unknown marker setting '${setting}' (check: shape|exact|tree, names: a, b)`);
      if (parsed[1] === 'check') settings.check = parsed[2].trim();
      else settings.names = parsed[2].split(',').map((name) => name.trim()).filter(Boolean);
    }
    if (!CHECKS.includes(settings.check)) throw new Error(`${file}:${line}: check must be one of ${CHECKS.join(', ')}, got '${settings.check}'`);
    if (settings.check === 'tree' && settings.names.length === 0) throw new Error(`${file}:${line}: check: tree needs names: the functions to compare`);
    if (settings.check !== 'tree' && settings.names.length > 0) throw new Error(`${file}:${line}: names: applies to check: tree`);
    // An empty block has no content line: it goes in front of the closing fence, with its own line end.
    const empty = match[4] === undefined;
    const [start, end] = empty ? [match.indices[3][1] + 1, match.indices[3][1] + 1] : match.indices[4];
    blocks.push({ file, line, command, ...settings, fence: match[2], start, end, empty, content: match[4] ?? '' });
  }
  return blocks;
}

/** Runs a marked command from the repository's root with the Node running this script first on PATH; returns its stdout. */
function runCommand(command, root = ROOT) {
  const env = { ...process.env, NO_COLOR: '1', PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` };
  delete env.FORCE_COLOR;
  delete env.NODE_TEST_CONTEXT; // set by node --test for its children; the commands are not tests
  const result = spawnSync('/bin/sh', ['-c', command], { cwd: root, env, encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS, maxBuffer: 16 << 20 });
  if (result.error) throw new Error(`\`${command}\` did not run: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`\`${command}\` exited with ${result.status ?? result.signal}:\n${result.stderr.trimEnd()}`);
  }
  return result.stdout;
}

/** Output as a block holds it: lines without trailing spaces, no blank lines at the end. */
function asBlockContent(output) {
  return output.split('\n').map((line) => line.trimEnd()).join('\n').replace(/\n+$/, '');
}

// A file:line location (kept), or a number with its sign, thousands separators, decimals and
// exponent, and its unit when it is a size (normalised: 900.0 KB one run is 1.1 MB the next).
const LOCATION_OR_NUMBER = /([\w.@/-]*[\w-]\.[a-z]{1,4}:\d+(?::\d+)?)|[+-]?\d(?:[\d,]*\d)?(?:\.\d+)?(?:e[+-]?\d+)?(?: ?[KMGT]i?B\b| B\b)?/g;
const TMP_PATH = /\/tmp\/[^\s`'"|)\]]*/g;

/** One line with what varies between runs normalised away (check: shape). */
function normaliseLine(line) {
  return line
    .replace(TMP_PATH, '<tmp>')
    .replace(LOCATION_OR_NUMBER, (text, location) => location ?? (/B$/.test(text) ? '#B' : '#'))
    .replace(/\s+/g, ' ')
    .trim();
}

/** Differences between two lists of lines compared after `normalise`, as readable lines (empty: they match). */
function compareLines(expected, actual, normalise, what) {
  const problems = [];
  const a = expected.map(normalise);
  const b = actual.map(normalise);
  const count = Math.max(a.length, b.length);
  for (let i = 0; i < count && problems.length < 5; i++) {
    if (a[i] === b[i]) continue;
    problems.push(`${what} line ${i + 1}:\n    documented: ${expected[i] ?? '(no line)'}\n    printed:    ${actual[i] ?? '(no line)'}`);
  }
  if (a.length !== b.length) problems.push(`${what}: ${a.length} lines documented, ${b.length} printed`);
  return problems;
}

// --- check: tree -----------------------------------------------------------------------------

const HEADER_START = /^ {2}nodeinstrument {2}/;
// A tree line: branch drawing (3 characters a level, unicode or ASCII), the time (seconds, percent or bytes), the label.
const TREE_LINE = /^((?:[├└]─ |│ {2}|\|- |`- |\| {2}| {3})*)(\d[\d.,]*(?:%| [KMG]?B)?) +(.*)$/;

/** A text report split into the program's output before it, the header (warning and note lines left out) and the tree. */
function splitReport(lines) {
  const headerAt = lines.findIndex((line) => HEADER_START.test(line));
  if (headerAt < 0) return undefined;
  let end = headerAt;
  while (end < lines.length && lines[end].trim() !== '') end++;
  const header = [];
  for (let i = headerAt; i < end; i++) {
    if (/^ {2}warning: /.test(lines[i])) {
      i++; // and its advice, on the next line
      continue;
    }
    // How long the thread waited for a CPU is said only when the machine was busy: like warnings, it comes and goes.
    if (!/^ {2}note: /.test(lines[i])) header.push(lines[i].replace(/, the thread waited [\d.]+ s for a CPU\)/, ')'));
  }
  const preamble = lines.slice(0, headerAt);
  while (preamble.length > 0 && preamble[preamble.length - 1].trim() === '') preamble.pop();
  return { preamble, header, tree: lines.slice(end) };
}

/** The tree's nodes in order: { label, path (the labels of the callers, outermost first) }. */
function treeNodes(lines) {
  const nodes = [];
  const stack = [];
  for (const line of lines) {
    const match = TREE_LINE.exec(line);
    if (!match) continue;
    const depth = match[1].length / 3;
    if (!Number.isInteger(depth)) continue;
    const label = match[3].replace(/ \[inlined\]$/, '').replace(/\s+/g, ' ').trim();
    stack.length = Math.min(stack.length, depth);
    nodes.push({ label, path: stack.slice() });
    stack.push(label);
  }
  return nodes;
}

/** The first node (the biggest, trees being sorted) of the function `name`. */
function nodeOf(nodes, name) {
  return nodes.find((node) => node.label === name || node.label.startsWith(`${name} `));
}

function compareTrees(expected, actual, names) {
  const documented = splitReport(expected);
  const printed = splitReport(actual);
  if (!documented) return ['the block holds no text report (no "  nodeinstrument  Recorded: ..." header)'];
  if (!printed) return ['the command printed no text report (no "  nodeinstrument  Recorded: ..." header)'];
  const problems = [
    ...compareLines(documented.preamble, printed.preamble, normaliseLine, 'program output'),
    ...compareLines(documented.header, printed.header, normaliseLine, 'header'),
  ];
  const documentedNodes = treeNodes(documented.tree);
  const printedNodes = treeNodes(printed.tree);
  for (const name of names) {
    const a = nodeOf(documentedNodes, name);
    const b = nodeOf(printedNodes, name);
    const show = (node) => (node ? [...node.path, node.label].join(' > ') : '(not in the tree)');
    if (!a || !b || show(a) !== show(b)) problems.push(`tree: ${name}:\n    documented: ${show(a)}\n    printed:    ${show(b)}`);
  }
  return problems;
}

/** Why a block's content does not match the command's output (empty: it matches). */
function compareBlock(block, output) {
  const expected = block.content.split('\n').map((line) => line.trimEnd());
  const actual = asBlockContent(output).split('\n');
  if (block.check === 'exact') return compareLines(expected, actual, (line) => line, 'exact');
  if (block.check === 'tree') return compareTrees(expected, actual, block.names);
  return compareLines(expected, actual, normaliseLine, 'shape');
}

/** Checks (or with update, rewrites) the marked blocks of the files; returns { blocks, failures }. */
function processFiles(files, { update = false, log = console.log } = {}) {
  const failures = [];
  let count = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const relative = path.relative(ROOT, file);
    const blocks = findBlocks(text, relative);
    let rewritten = text;
    // From the end, so that the offsets of earlier blocks stay valid.
    for (const block of blocks.slice().reverse()) {
      count++;
      const where = `${relative}:${block.line}`;
      let output;
      try {
        output = runCommand(block.command);
      } catch (error) {
        failures.push({ where, block, problems: [error.message] });
        continue;
      }
      if (update) {
        const content = asBlockContent(output);
        if (content.includes(block.fence)) {
          failures.push({ where, block, problems: [`the output holds ${block.fence}: give the block a longer fence`] });
          continue;
        }
        const updated = { ...block, content };
        // A tree whose named functions are not in the new output is left as it was.
        const missing = block.check === 'tree' ? compareBlock(updated, output) : [];
        if (missing.length > 0) {
          failures.push({ where, block, problems: missing });
          continue;
        }
        rewritten = rewritten.slice(0, block.start) + content + (block.empty ? '\n' : '') + rewritten.slice(block.end);
        log(`${where}: ${content === block.content ? 'unchanged' : 'updated'}  (${block.command})`);
      } else {
        const problems = compareBlock(block, output);
        if (problems.length > 0) failures.push({ where, block, problems });
        else log(`${where}: ok  (${block.check}: ${block.command})`);
      }
    }
    if (update && rewritten !== text) fs.writeFileSync(file, rewritten);
  }
  return { blocks: count, failures };
}

function main(argv) {
  const update = argv.includes('--update');
  const list = argv.includes('--list');
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: node scripts/doc-outputs.js [--update | --list] [file.md ...]');
    return 0;
  }
  const unknown = argv.find((arg) => arg.startsWith('-') && !['--update', '--list'].includes(arg));
  if (unknown) {
    console.error(`doc-outputs: unknown option ${unknown}`);
    return 2;
  }
  const given = argv.filter((arg) => !arg.startsWith('-')).map((file) => path.resolve(file));
  const files = given.length > 0 ? given : defaultFiles();
  if (list) {
    for (const file of files) {
      for (const block of findBlocks(fs.readFileSync(file, 'utf8'), path.relative(ROOT, file))) {
        console.log(`${block.file}:${block.line}  ${block.check}${block.names.length ? ` (${block.names.join(', ')})` : ''}  ${block.command}`);
      }
    }
    return 0;
  }
  const { blocks, failures } = processFiles(files, { update });
  for (const { where, block, problems } of failures) {
    console.error(`${where}: \`${block.command}\` (check: ${block.check}):\n  ${problems.join('\n  ')}`);
  }
  if (failures.length > 0) {
    console.error(`\n${failures.length} of ${blocks} marked blocks ${update ? 'could not be updated' : 'no longer match what their commands print'}` +
      (update ? '' : ': rerun with --update if the change is intended, and read the diff'));
    return 1;
  }
  console.log(`${blocks} marked block${blocks === 1 ? '' : 's'} ${update ? 'regenerated' : 'match'}`);
  return 0;
}

module.exports = { ROOT, defaultFiles, findBlocks, runCommand, asBlockContent, normaliseLine, splitReport, treeNodes, compareBlock, processFiles };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
