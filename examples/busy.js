// A small program with a known shape, for trying nodeinstrument:
//   npx nodeinstrument examples/busy.js
// About 60% of the time goes to parseRecords (mostly JSON.parse), 30% to
// renderReport, and 10% waits on a timer.
'use strict';

function makeRecords(count) {
  const records = [];
  for (let i = 0; i < count; i++) {
    records.push({ id: i, name: `user-${i}`, tags: ['a', 'b', 'c'], score: Math.sin(i) });
  }
  return JSON.stringify(records);
}

function parseRecords(text) {
  return JSON.parse(text);
}

function scoreOf(record) {
  let score = 0;
  for (let i = 0; i < 200; i++) score += Math.sqrt(Math.abs(record.score) + i);
  return score;
}

function renderReport(records) {
  return records.map((record) => `${record.name}: ${scoreOf(record).toFixed(2)}`).join('\n');
}

function spinFor(milliseconds, fn) {
  const end = Date.now() + milliseconds;
  let rounds = 0;
  while (Date.now() < end) {
    fn();
    rounds++;
  }
  return rounds;
}

const text = makeRecords(2000);
spinFor(600, () => parseRecords(text));
const records = parseRecords(text);
spinFor(300, () => renderReport(records.slice(0, 200)));
setTimeout(() => {
  console.log(`done: ${records.length} records`);
}, 100);
