// @babel/parser parsing a real JavaScript file into an AST, repeatedly.
'use strict';
const { parse } = require('@babel/parser');
const { javaScriptSource, sizeArg } = require('./inputs');

const size = sizeArg();
const source = javaScriptSource(size);
let nodes = 0;
// Large: 36 rounds, about 3 s: its busiest functions hold 1-3% each, so ranking ten of them takes thousands of samples.
for (let round = 0; round < (size === 'large' ? 36 : 4); round++) nodes += parse(source, { sourceType: 'script', errorRecovery: true }).program.body.length;
console.log(`@babel/parser: ${nodes} top-level statements from ${source.length} bytes`);
