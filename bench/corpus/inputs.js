// Inputs for the corpus programs: real files this checkout already has
// (devDependencies' own sources, this repository's code and docs), cut to a
// size. `small` keeps a run under a second or two for the tests; `large` is
// the accuracy harness's and the benchmarks' (several seconds each).
'use strict';
const { readFileSync, readdirSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const modules = (...parts) => path.join(ROOT, 'node_modules', ...parts);

/** The size asked for on the command line: `small` or `large` (the default). */
function sizeArg() {
  const size = process.argv[2] ?? 'large';
  if (size !== 'small' && size !== 'large') throw new Error(`size must be small or large, not ${size}`);
  return size;
}

/** Real, readable (unminified) JavaScript: markdown-it's bundle (290 KB), or js-yaml's loader (51 KB) when small. */
function javaScriptSource(size) {
  const file = size === 'large' ? modules('markdown-it', 'dist', 'markdown-it.js') : modules('js-yaml', 'lib', 'loader.js');
  return readFileSync(file, 'utf8');
}

/** This repository's docs: about 250 KB of Markdown, repeated 4 times when large. */
function markdownSource(size) {
  const dir = path.join(ROOT, 'docs');
  const text = readdirSync(dir).filter((name) => name.endsWith('.md')).sort().map((name) => readFileSync(path.join(dir, name), 'utf8')).join('\n\n');
  return size === 'large' ? text.repeat(4) : text.slice(0, 60_000);
}

/** This repository's TypeScript files (lib/), or a handful of them when small. */
function typeScriptFiles(size) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'html-app') walk(full);
      } else if (entry.name.endsWith('.ts')) files.push(full);
    }
  };
  walk(path.join(ROOT, 'lib'));
  files.sort();
  return size === 'large' ? files : files.filter((file) => /lib\/(session|util)\//.test(file));
}

module.exports = { ROOT, modules, sizeArg, javaScriptSource, markdownSource, typeScriptFiles };
