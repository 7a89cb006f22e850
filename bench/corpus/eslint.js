// ESLint's recommended rules over this repository's compiled JavaScript (dist/cjs).
'use strict';
const { readFileSync, readdirSync } = require('node:fs');
const path = require('node:path');
const { Linter } = require('eslint');
const js = require('@eslint/js');
const { ROOT, sizeArg } = require('./inputs');

const size = sizeArg();
const files = readdirSync(path.join(ROOT, 'dist', 'cjs'), { recursive: true })
  .filter((name) => name.endsWith('.js'))
  .sort()
  .map((name) => path.join(ROOT, 'dist', 'cjs', name));
const chosen = size === 'large' ? files : files.slice(0, 12);
const linter = new Linter();
const config = [js.configs.recommended, { languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', exports: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } } }];
let messages = 0;
for (let round = 0; round < (size === 'large' ? 2 : 1); round++) {
  for (const file of chosen) messages += linter.verify(readFileSync(file, 'utf8'), config, file).length;
}
console.log(`eslint: ${chosen.length} files, ${messages} messages`);
