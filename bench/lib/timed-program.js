// Runs one corpus program (bench/corpus/<name>.js <size>) between two marks on
// stderr, `timed-program start <ms>` and `timed-program end <ms>` (Date.now()),
// for bench/programs.js to split a whole-process time into start-up, run and
// end. The program ends when the event loop has nothing left ('beforeExit'),
// for synchronous and asynchronous programs alike; profilers write after that.
'use strict';
const path = require('node:path');

process.stderr.write(`timed-program start ${Date.now()}\n`);
const [program, size = 'large'] = process.argv.splice(2, 2);
process.argv[2] = size;
process.once('beforeExit', () => process.stderr.write(`timed-program end ${Date.now()}\n`));
require(path.join(__dirname, '..', 'corpus', `${program}.js`));
