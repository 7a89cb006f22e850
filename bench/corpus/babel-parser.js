// @babel/parser parsing a real JavaScript file into an AST, repeatedly.
'use strict';
const { parse } = require('@babel/parser');
const { javaScriptSource, sizeArg } = require('./inputs');

const size = sizeArg();
const source = javaScriptSource(size);
let nodes = 0;
for (let round = 0; round < (size === 'large' ? 12 : 4); round++) nodes += parse(source, { sourceType: 'script', errorRecovery: true }).program.body.length;
console.log(`@babel/parser: ${nodes} top-level statements from ${source.length} bytes`);
