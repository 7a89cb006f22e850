'use strict';
/**
 * A CPU-bound, allocation-heavy JavaScript workload: JSON parse/stringify,
 * regular expressions, object churn and many small function calls. One call
 * of unit() does a fixed amount of work (a few hundred microseconds).
 */

const records = [];
for (let i = 0; i < 40; i++) {
  records.push({
    id: i,
    name: `user-${i}`,
    email: `user${i}@example.com`,
    tags: ['alpha', 'beta', 'gamma'].slice(0, (i % 3) + 1),
    score: (i * 7919) % 1000,
    address: { street: `${i} Main St`, city: i % 2 ? 'Springfield' : 'Shelbyville', zip: 10000 + i },
  });
}
const json = JSON.stringify(records);
const text = records.map((r) => `${r.name} <${r.email}> scored ${r.score} on 2024-0${(r.id % 9) + 1}-1${r.id % 10}`).join('\n');
const emailRe = /([a-z0-9]+)@([a-z]+)\.com/g;
const dateRe = /(\d{4})-(\d{2})-(\d{2})/g;

function add(a, b) {
  return a + b;
}
function mix(a, b) {
  return (a * 31 + b) | 0;
}
function fib(n) {
  return n < 2 ? n : add(fib(n - 1), fib(n - 2));
}

class Point {
  constructor(x, y) {
    this.x = x;
    this.y = y;
  }
  plus(other) {
    return new Point(this.x + other.x, this.y + other.y);
  }
}

let sink = 0;

function jsonPart() {
  const parsed = JSON.parse(json);
  parsed[0].score += 1;
  return JSON.stringify(parsed).length;
}

function regexPart() {
  let n = 0;
  for (const m of text.matchAll(emailRe)) n += m[1].length;
  n += text.replace(dateRe, '$3/$2/$1').length;
  return n;
}

function churnPart() {
  const items = [];
  for (let i = 0; i < 400; i++) items.push({ k: `k${i % 37}`, v: i, p: new Point(i, -i) });
  const byKey = new Map();
  for (const item of items) byKey.set(item.k, (byKey.get(item.k) ?? 0) + item.v);
  items.sort((a, b) => b.v - a.v);
  let p = new Point(0, 0);
  for (const item of items) p = p.plus(item.p);
  return byKey.size + p.x;
}

function callsPart() {
  let h = 0;
  for (let i = 0; i < 300; i++) h = mix(h, add(i, i >> 1));
  return h + fib(12);
}

/** One unit of work. */
function unit() {
  sink = mix(sink, jsonPart());
  sink = mix(sink, regexPart());
  sink = mix(sink, churnPart());
  sink = mix(sink, callsPart());
  return sink;
}

/** Runs `work` until `ms` of wall time passed; returns how many times it ran. */
function runUnitFor(work, ms) {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    work();
    n++;
  }
  return n;
}

/** Runs units until `ms` of wall time passed; returns the number of units. */
const runFor = (ms) => runUnitFor(unit, ms);

/** One turn of the event loop. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The async workload: ~5 ms chunks with a turn of the event loop between them
 * (so timers, and the profiler's drains, run), until `ms` have passed.
 */
async function runAsyncFor(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    runFor(5);
    await tick();
  }
}

/**
 * The async workload from `t0` (performance.now()) until `seconds` after it,
 * calling read(t) each time another `everyS` seconds of the run have passed
 * (t in seconds since t0).
 */
async function runAsyncReading(t0, seconds, everyS, read) {
  let next = everyS * 1000;
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    runFor(5);
    await tick();
    const t = performance.now() - t0;
    if (t >= next) {
      read(t / 1000);
      next += everyS * 1000;
    }
  }
}

module.exports = { unit, runFor, runUnitFor, runAsyncFor, runAsyncReading, tick, sink: () => sink };
