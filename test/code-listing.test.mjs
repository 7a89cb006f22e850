// V8's listing of existing code, kept in columns over the drained log
// (lib/code-listing.ts) and taken into the code map as samples land in it:
// the same stacks as applying every listed event, on fixed and random inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CodeListing, decodeDrainedCode } from '../dist/cjs/code-listing.js';
import { CodeEventFlag, CodeType, decodeCodeEvents, decodeName } from '../dist/cjs/drain.js';
import { Symbolizer } from '../dist/cjs/symbolizer.js';
import { SessionBuilder } from '../dist/cjs/session.js';

const encoder = new TextEncoder();

/** A drained code event log as native/code_event_log.cc writes it. */
function encodeLog(events) {
  const payloads = events.map((e) =>
    e.kind === 'added' ? encoder.encode(e.name) : e.kind === 'lines' ? new Uint8Array(Uint32Array.from(e.table).buffer) : new Uint8Array(0),
  );
  const size = payloads.reduce((sum, p) => sum + 40 + Math.ceil(p.length / 8) * 8, 0);
  const buffer = new ArrayBuffer(size);
  const view = new DataView(buffer);
  const u64 = (offset, value) => {
    view.setUint32(offset, value % 0x1_0000_0000, true);
    view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true);
  };
  let offset = 0;
  events.forEach((e, i) => {
    view.setUint8(offset, { added: 1, moved: 2, lines: 3 }[e.kind]);
    view.setUint8(offset + 1, e.codeType ?? CodeType.jit);
    view.setUint16(offset + 2, e.listed ? CodeEventFlag.listed : 0, true);
    view.setUint32(offset + 4, payloads[i].length, true);
    u64(offset + 8, e.seq);
    u64(offset + 16, e.start);
    u64(offset + 24, e.size ?? 0);
    u64(offset + 32, e.newStart ?? 0);
    new Uint8Array(buffer, offset + 40, payloads[i].length).set(payloads[i]);
    offset += 40 + Math.ceil(payloads[i].length / 8) * 8;
  });
  return buffer;
}

const listed = (seq, start, size, name, codeType) => ({ kind: 'added', listed: true, seq, start, size, name, codeType });

test('reads the listed run at the head of a log, sorted by address, and stops at the first event V8 sent afterwards', () => {
  const log = encodeLog([
    listed(1, 0x3000, 0x100, 'Builtin:C'),
    listed(2, 0x1000, 0x100, 'Builtin:A'),
    { kind: 'lines', listed: true, seq: 3, start: 0x2000, table: [0, 5, 8, 9] },
    listed(4, 0x2000, 0x100, 'JS:*b /app.js:1:1'),
    { kind: 'added', seq: 5, start: 0x4000, size: 0x100, name: 'JS:*d /app.js:9:1' },
    listed(6, 0x5000, 0x100, 'Builtin:E'), // listed again later (a listener joined): an ordinary event here
  ]);
  const { listing, end } = CodeListing.read(log);
  assert.equal(listing.firstSeq, 1);
  assert.equal(listing.size, 3);
  const rest = decodeCodeEvents(log, end);
  assert.deepEqual(rest.map((e) => e.seq), [5, 6]);

  assert.equal(listing.take(0x10ff).entry.nameBytes.length, 'Builtin:A'.length);
  const b = listing.take(0x2050);
  assert.deepEqual({ start: b.start, end: b.end, name: decodeName(b.entry.nameBytes) }, { start: 0x2000, end: 0x2100, name: 'JS:*b /app.js:1:1' });
  assert.deepEqual([...b.entry.lines], [0, 5, 8, 9]);
  assert.equal(listing.take(0x2050), undefined, 'taken once');
  assert.equal(listing.take(0x2100), undefined, 'ends are exclusive');
  assert.equal(listing.take(0x0fff), undefined);
  assert.equal(listing.size, 1);

  // decodeDrainedCode is the two together.
  const drained = decodeDrainedCode(log);
  assert.equal(drained.listing.size, 3);
  assert.deepEqual(drained.events.map((e) => e.seq), [5, 6]);
});

test('a log without a listing at its head has none; a move ends the listed run', () => {
  assert.equal(CodeListing.read(encodeLog([{ kind: 'added', seq: 1, start: 0x1000, size: 1, name: 'x' }])).listing, undefined);
  assert.equal(CodeListing.read(new ArrayBuffer(0)).listing, undefined);
  const log = encodeLog([listed(1, 0x1000, 0x100, 'A'), { kind: 'moved', listed: true, seq: 2, start: 0x1000, size: 0x100, newStart: 0x9000 }, listed(3, 0x2000, 0x100, 'B')]);
  const { listing, events } = decodeDrainedCode(log);
  assert.equal(listing.size, 1);
  assert.deepEqual(events.map((e) => e.kind), ['moved', 'added']);
});

test('newer code evicts the listed ranges it overlaps; overlapping listed ranges keep the later one', () => {
  const { listing } = CodeListing.read(
    encodeLog([listed(1, 0x1000, 0x100, 'A'), listed(2, 0x1100, 0x100, 'B'), listed(3, 0x1200, 0x100, 'C'), listed(4, 0x1080, 0x100, 'D')]),
  );
  // D (listed last) overlaps A and B: the code map would have evicted both.
  assert.equal(listing.size, 2);
  assert.equal(decodeName(listing.take(0x1080).entry.nameBytes), 'D');
  listing.evict(0x11ff, 0x1201);
  assert.equal(listing.take(0x1250), undefined);
  assert.equal(listing.size, 0);
});

// --- The symbolizer: listing kept in columns against every event applied ---

const resolver = { objectOf: () => '', symbolOf: () => '' };

function stacks(log, samples, lazy) {
  const builder = new SessionBuilder();
  const symbolizer = new Symbolizer(builder, resolver, 0, 0);
  const raw = samples.map((s) => ({ seq: s.seq, timeNs: s.seq * 1e6, cpuTimeNs: 0, externalCallback: 0, vmState: 0, flags: 0, labelSet: 0, frames: Float64Array.from(s.frames), topOfStack: 0 }));
  if (lazy) {
    const { listing, events } = decodeDrainedCode(log);
    symbolizer.process(raw, events, listing);
  } else {
    symbolizer.process(raw, decodeCodeEvents(log));
  }
  const session = builder.build({ notes: [] });
  const names = session.samples.stack.map((stack) => session.stackFrames(stack).map((id) => session.frames[id].name).join(';'));
  const catalog = (which) => symbolizer.catalog(which).entries().map((e) => decodeName(e.nameBytes));
  return { names, all: catalog('all'), optimized: catalog('optimized') };
}

test('samples in listed code, moved code and code that replaced listed code are named as when every event is applied', () => {
  const log = encodeLog([
    listed(1, 0x10000, 0x1000, 'JS:*run /app.js:1:1'),
    listed(2, 0x20000, 0x1000, 'JS:~scan /app.js:10:1', CodeType.bytecode),
    listed(3, 0x30000, 0x1000, 'JS:*gone /app.js:20:1'),
    { kind: 'added', seq: 10, start: 0x30800, size: 0x1000, name: 'JS:*fresh /app.js:30:1' },
    { kind: 'moved', seq: 12, start: 0x10000, size: 0x1000, newStart: 0x50000 },
  ]);
  const samples = [
    { seq: 5, frames: [0x20010, 0x10100] }, // before the new code and the move
    { seq: 11, frames: [0x30010, 0x10100] }, // gone was evicted by fresh (they overlap)
    { seq: 13, frames: [0x20010, 0x50100] }, // run moved
    { seq: 14, frames: [0x20010, 0x10100] }, // nothing at run's old place now
  ];
  const lazy = stacks(log, samples, true);
  assert.deepEqual(lazy.names, ['run;scan', 'run;(unresolved)', 'run;scan', '(unresolved);scan']);
  assert.deepEqual(lazy, stacks(log, samples, false));
  assert.deepEqual(lazy.optimized, ['JS:*fresh /app.js:30:1', 'JS:*run /app.js:1:1']);
});

test('random logs and samples: the listing in columns gives the stacks and catalogs of every event applied', () => {
  let state = 12345;
  const random = (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
  for (let round = 0; round < 200; round++) {
    const events = [];
    const samples = [];
    let seq = 1;
    const names = ['JS:*hot /a.js:1:1', 'JS:~cold /a.js:5:1', 'JS:^warm /a.js:9:1', 'Builtin:X', 'JS:+mid /a.js:13:1'];
    const pick = () => names[random(names.length)];
    const slot = () => 0x10000 + random(64) * 0x100;
    for (let i = random(40); i > 0; i--) events.push(listed(seq++, slot(), 0x80 + random(0x200), pick()));
    for (let i = random(30); i > 0; i--) {
      const r = random(3);
      if (r === 0) samples.push({ seq: seq++, frames: [slot() + random(0x100), slot(), slot()] });
      else if (r === 1) events.push({ kind: 'added', seq: seq++, start: slot(), size: 0x80 + random(0x200), name: pick() });
      else events.push({ kind: 'moved', seq: seq++, start: slot(), size: 0x100, newStart: slot() });
    }
    const log = encodeLog(events);
    assert.deepEqual(stacks(log, samples, true), stacks(log, samples, false), `round ${round}`);
  }
});
