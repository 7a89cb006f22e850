// The TypeScript compiler (a devDependency) type-checking this repository's
// lib/ (tsconfig.json): thousands of functions, time spread thin.
'use strict';
const path = require('node:path');
const ts = require('typescript');

const root = path.join(__dirname, '..', '..', '..');

exports.run = function run() {
  const configPath = path.join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram(parsed.fileNames, { ...parsed.options, noEmit: true });
  return ts.getPreEmitDiagnostics(program).length;
};
