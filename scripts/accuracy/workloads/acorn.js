// acorn (a dependency of nodeinstrument) parsing the TypeScript compiler's
// own source, about 9 MB of JavaScript.
'use strict';
const fs = require('node:fs');
const acorn = require('acorn');

let input;
exports.prepare = function prepare() {
  input = fs.readFileSync(require.resolve('typescript/lib/typescript.js'), 'utf8');
};

exports.run = function run() {
  let nodes = 0;
  for (let i = 0; i < 2; i++) nodes += acorn.parse(input, { ecmaVersion: 'latest', sourceType: 'script' }).body.length;
  return nodes;
};
