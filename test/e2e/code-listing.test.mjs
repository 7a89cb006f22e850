// V8's listing of existing code, handed over by the native log in columns
// (native/code_listing.h; sorting and overlaps are tested natively by the
// 'listing' test of test/native/lockfree_test.cc) and taken into the code map
// as samples land in it (lib/symbolize/code-listing.ts): the same stacks and catalogs as
// applying every listed code object as an event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CodeListing } from '../internals.cjs';
import { CodeType, decodeCodeEvents, decodeName } from '../internals.cjs';
import { Symbolizer } from '../internals.cjs';
import { SessionBuilder } from '../internals.cjs';
import { fixture, runJson } from '../helpers.mjs';

const encoder = new TextEncoder();
const align8 = (n) => Math.ceil(n / 8) * 8;

/** A listing payload laid out as native/code_listing.h says (ranges already sorted, not overlapping). */
function listingPayload(ranges) {
  const n = ranges.length;
  const names = ranges.map((r) => encoder.encode(r.name));
  const tables = ranges.map((r) => (r.lines ? new Uint8Array(Uint32Array.from(r.lines).buffer) : new Uint8Array(0)));
  const blobAt = align8(8 + 16 * n + 16 * n + n);
  const size = blobAt + names.reduce((sum, name, i) => sum + align8(name.length) + align8(tables[i].length), 0);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, n, true);
  let blob = blobAt;
  ranges.forEach((r, k) => {
    view.setFloat64(8 + 8 * k, r.start, true);
    view.setFloat64(8 + 8 * n + 8 * k, r.end, true);
    view.setUint32(8 + 16 * n + 4 * k, blob, true);
    view.setUint32(8 + 16 * n + 4 * n + 4 * k, names[k].length, true);
    bytes.set(names[k], blob);
    blob += align8(names[k].length);
    if (tables[k].length > 0) {
      view.setUint32(8 + 16 * n + 8 * n + 4 * k, blob, true);
      view.setUint32(8 + 16 * n + 12 * n + 4 * k, tables[k].length, true);
      bytes.set(tables[k], blob);
      blob += align8(tables[k].length);
    }
    bytes[8 + 16 * n + 16 * n + k] = r.codeType ?? CodeType.jit;
  });
  return bytes;
}

/** A drained code event log (native/code_event_log.cc): events, one of them possibly a listing. */
function encodeLog(events) {
  const payloads = events.map((e) =>
    e.kind === 'added' ? encoder.encode(e.name) : e.kind === 'listing' ? listingPayload(e.ranges) : new Uint8Array(0),
  );
  const buffer = new ArrayBuffer(payloads.reduce((sum, p) => sum + 40 + align8(p.length), 0));
  const view = new DataView(buffer);
  const u64 = (offset, value) => {
    view.setUint32(offset, value % 0x1_0000_0000, true);
    view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true);
  };
  let offset = 0;
  events.forEach((e, i) => {
    view.setUint8(offset, { added: 1, moved: 2, listing: 4 }[e.kind]);
    view.setUint8(offset + 1, e.codeType ?? CodeType.jit);
    view.setUint32(offset + 4, payloads[i].length, true);
    u64(offset + 8, e.seq);
    u64(offset + 16, e.start ?? 0);
    u64(offset + 24, e.size ?? 0);
    u64(offset + 32, e.newStart ?? 0);
    new Uint8Array(buffer, offset + 40, payloads[i].length).set(payloads[i]);
    offset += 40 + align8(payloads[i].length);
  });
  return buffer;
}

const range = (start, size, name, extra = {}) => ({ start, end: start + size, name, ...extra });

test('a listing is viewed where it was drained: ranges by address, names and line tables, each taken once', () => {
  const log = encodeLog([
    { kind: 'added', seq: 1, start: 0x9000, size: 0x10, name: 'JS:*before /app.js:1:1' },
    { kind: 'listing', seq: 2, ranges: [range(0x1000, 0x100, 'Builtin:A'), range(0x2000, 0x100, 'JS:*b /app.js:1:1', { lines: [0, 5, 8, 9] }), range(0x3000, 0x100, 'JS:~c /app.js:4:1', { codeType: CodeType.bytecode })] },
  ]);
  const events = decodeCodeEvents(log);
  assert.deepEqual(events.map((e) => [e.kind, e.seq]), [['added', 1], ['listing', 2]]);
  const listing = new CodeListing(events[1].payload);
  assert.equal(listing.size, 3);
  assert.deepEqual([...listing.names()].map(decodeName), ['Builtin:A', 'JS:*b /app.js:1:1', 'JS:~c /app.js:4:1']);

  const b = listing.take(0x2050);
  assert.deepEqual({ start: b.start, end: b.end, name: decodeName(b.entry.nameBytes) }, { start: 0x2000, end: 0x2100, name: 'JS:*b /app.js:1:1' });
  assert.deepEqual([...b.entry.lines], [0, 5, 8, 9]);
  assert.equal(b.entry.isBytecode, false);
  assert.equal(listing.take(0x2050), undefined, 'taken once');
  assert.equal(listing.take(0x1100), undefined, 'ends are exclusive');
  assert.equal(listing.take(0x0fff), undefined);
  assert.equal(listing.take(0x3000).entry.lines, undefined);
  assert.equal(listing.size, 1);
  listing.evict(0x10ff, 0x1101);
  assert.equal(listing.size, 0);
  assert.deepEqual(listing.remaining(), []);
});

// --- The symbolizer: a listing kept in columns against every listed code object applied as an event ---

const resolver = { objectOf: () => '', symbolOf: () => '' };

/** `events` with their listing, if any, either as it is or as one 'added' event per range (in address order). */
function asEvents(events, eager) {
  if (!eager) return events;
  return events.flatMap((e) => (e.kind === 'listing' ? e.ranges.map((r) => ({ kind: 'added', seq: e.seq, start: r.start, size: r.end - r.start, name: r.name, codeType: r.codeType })) : [e]));
}

function symbolize(events, samples, eager) {
  const builder = new SessionBuilder();
  const symbolizer = new Symbolizer(builder, resolver, 0, 0);
  const raw = samples.map((s) => ({ seq: s.seq, timeNs: s.seq * 1e6, cpuTimeNs: 0, externalCallback: 0, vmState: 0, flags: 0, labelSet: 0, frames: Float64Array.from(s.frames), topOfStack: 0 }));
  symbolizer.process(raw, decodeCodeEvents(encodeLog(asEvents(events, eager))));
  const session = builder.build({ notes: [] });
  const names = session.samples.stack.map((stack) => session.stackFrames(stack).map((id) => session.frames[id].name).join(';'));
  const catalog = (which) => symbolizer.catalog(which).entries().map((e) => decodeName(e.nameBytes));
  return { names, all: catalog('all'), optimized: catalog('optimized') };
}

test('samples in listed code, moved code and code that replaced listed code are named as when every code object is an event', () => {
  const events = [
    {
      kind: 'listing',
      seq: 1,
      ranges: [range(0x10000, 0x1000, 'JS:*run /app.js:1:1'), range(0x20000, 0x1000, 'JS:~scan /app.js:10:1', { codeType: CodeType.bytecode }), range(0x30000, 0x1000, 'JS:*gone /app.js:20:1')],
    },
    { kind: 'added', seq: 10, start: 0x30800, size: 0x1000, name: 'JS:*fresh /app.js:30:1' },
    { kind: 'moved', seq: 12, start: 0x10000, size: 0x1000, newStart: 0x50000 },
  ];
  const samples = [
    { seq: 5, frames: [0x20010, 0x10100] }, // before the new code and the move
    { seq: 11, frames: [0x30010, 0x10100] }, // gone was evicted by fresh (they overlap)
    { seq: 13, frames: [0x20010, 0x50100] }, // run moved
    { seq: 14, frames: [0x20010, 0x10100] }, // nothing at run's old place now
  ];
  const lazy = symbolize(events, samples, false);
  assert.deepEqual(lazy.names, ['run;scan', 'run;(unresolved)', 'run;scan', '(unresolved);scan']);
  assert.deepEqual(lazy, symbolize(events, samples, true));
  assert.deepEqual(lazy.optimized, ['JS:*fresh /app.js:30:1', 'JS:*run /app.js:1:1']);
});

test('random logs and samples: the listing in columns gives the stacks and catalogs of every code object applied', () => {
  let state = 12345;
  const random = (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
  const names = ['JS:*hot /a.js:1:1', 'JS:~cold /a.js:5:1', 'JS:^warm /a.js:9:1', 'Builtin:X', 'JS:+mid /a.js:13:1'];
  const pick = () => names[random(names.length)];
  const slot = () => 0x10000 + random(64) * 0x100;
  for (let round = 0; round < 300; round++) {
    // The listing: sorted, not overlapping (the native builder's output).
    const ranges = [];
    for (let at = 0x10000; at < 0x10000 + 64 * 0x100; at += 0x100 * (1 + random(3))) {
      if (random(3) > 0) ranges.push(range(at, 0x40 + random(0xc0), pick(), { codeType: random(3) }));
    }
    const events = [{ kind: 'listing', seq: 1, ranges }];
    const samples = [];
    let seq = 2;
    // A later listing now and then (V8 lists everything again when another listener joins).
    const relistAt = random(4) === 0 ? 1 + random(20) : -1;
    for (let i = 0; i < 30; i++) {
      const r = i === relistAt ? 3 : random(3);
      if (r === 0) samples.push({ seq: seq++, frames: [slot() + random(0x100), slot(), slot()] });
      else if (r === 1) events.push({ kind: 'added', seq: seq++, start: slot(), size: 0x80 + random(0x200), name: pick() });
      else if (r === 2) events.push({ kind: 'moved', seq: seq++, start: slot(), size: 0x100, newStart: slot() });
      else events.push({ kind: 'listing', seq: seq++, ranges: [range(slot(), 0x80, pick()), range(0x20000, 0x10, pick())] });
    }
    assert.deepEqual(symbolize(events, samples, false), symbolize(events, samples, true), `round ${round}`);
  }
});

test('a real recording starts with V8\'s listing as one event, and samples in code compiled before it are named', () => {
  // In a child without OSR: see the fixture's comment.
  const out = runJson(['--no-use-osr', fixture('listed-before.js')]);
  assert.equal(out.listings, 1);
  assert.ok(out.listed > 1000, `${out.listed} code objects listed`);
  assert.ok(out.builtinListed);
  assert.ok(out.oursListed, 'a function tiered up before the recording is listed');
  assert.ok(out.inOurs > out.samples * 0.5, `${out.inOurs} of ${out.samples} samples in spin`);
  assert.equal(out.unresolvedFrames, 0, `${out.unresolvedFrames} of ${out.totalFrames} walked frames unresolved`);
});
