// marked (a devDependency) rendering a large markdown input to HTML: every
// README and markdown file under node_modules, concatenated in a fixed order.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { marked } = require('marked');

const root = path.join(__dirname, '..', '..', '..');

function markdownFiles(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) markdownFiles(full, out);
    else if (entry.name.endsWith('.md')) out.push(full);
  }
  return out;
}

let input;
exports.prepare = function prepare() {
  const text = markdownFiles(path.join(root, 'node_modules'), []).map((file) => fs.readFileSync(file, 'utf8')).join('\n\n');
  // About 8 MB of markdown.
  input = text.repeat(Math.max(1, Math.ceil(8e6 / text.length)));
};

exports.run = function run() {
  return marked.parse(input).length;
};
