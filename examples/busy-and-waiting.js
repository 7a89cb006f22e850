// Half CPU work, half waiting: a blocking wait (on the stack, off the CPU)
// and an awaited timer. Compare `nodeinstrument examples/busy-and-waiting.js`
// with `nodeinstrument --mode cpu examples/busy-and-waiting.js`.
'use strict';
const { setTimeout: sleep } = require('node:timers/promises');

function parseRecords() {
  const text = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `record ${i}` })));
  return JSON.parse(text).length;
}
function waitForLock() {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100); // a synchronous wait
}
async function main() {
  for (let round = 0; round < 5; round++) {
    const end = Date.now() + 100;
    while (Date.now() < end) parseRecords();
    waitForLock();
    await sleep(100); // the event loop idles
  }
}
main();
