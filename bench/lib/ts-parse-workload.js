'use strict';
/**
 * A deep-stack workload from a real program: TypeScript's parser on the first
 * 400 KB of lib.dom.d.ts (recursive descent, 20 frames deep on average). One
 * call of unit() parses it once (tens of milliseconds). Same surface as
 * ./workload.js, for bench/overhead-ab.js --unit tsparse.
 */
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');
const { runUnitFor, tick } = require('./workload');

const text = fs.readFileSync(path.join(path.dirname(require.resolve('typescript')), 'lib.dom.d.ts'), 'utf8').slice(0, 400_000);
let sink = 0;

function unit() {
  sink = (sink + ts.createSourceFile('dom.d.ts', text, ts.ScriptTarget.Latest, true).statements.length) | 0;
  return sink;
}

/** Runs units until `ms` of wall time passed; returns the number of units. */
const runFor = (ms) => runUnitFor(unit, ms);

module.exports = { unit, runFor, tick, sink: () => sink };
