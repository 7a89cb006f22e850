// The TypeScript compiler type-checking this repository's lib/ (as `tsc --noEmit` does).
'use strict';
const path = require('node:path');
const ts = require('typescript');
const { ROOT, sizeArg, typeScriptFiles } = require('./inputs');

const size = sizeArg();
const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
const program = ts.createProgram(typeScriptFiles(size), { ...options, noEmit: true });
console.log(`tsc: ${program.getSourceFiles().length} files, ${ts.getPreEmitDiagnostics(program).length} diagnostics`);
