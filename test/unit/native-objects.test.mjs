// NativeObjects: which object holds an address, and when the process's memory map is read again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANONYMOUS_RECHECK_MS, exportedSymbolAt, NativeObjects, parseMaps } from '../internals.cjs';

const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';
const ADDON = '/app/node_modules/addon/build/Release/addon.node';
const MAPS = [
  '00400000-02000000 r-xp 00000000 fd:01 1234                               /usr/bin/node',
  '7f0000000000-7f0000100000 rwxp 00000000 00:00 0 ',
  '7f0000100000-7f0000200000 r--p 00000000 00:00 0 ',
  '7f1000000000-7f1000100000 r-xp 00028000 fd:01 5678                       ' + LIBC,
  '7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]',
].join('\n');
const WITH_ADDON = `${MAPS}\n7f2000000000-7f2000010000 r-xp 00001000 fd:01 9999                       ${ADDON}`;

/** NativeObjects over a map text the test changes, counting its reads, with a clock the test sets. */
function objectsOver(text) {
  const state = { text, reads: 0, now: 0 };
  const objects = new NativeObjects({
    readMaps: () => {
      state.reads++;
      return state.text;
    },
    readFunctions: () => assert.fail('an anonymous mapping has no function table to read'),
    now: () => state.now,
  });
  return { objects, state };
}

test('the executable mappings of the map: files, the vDSO, anonymous memory as no object; data left out', () => {
  const mappings = parseMaps(MAPS);
  assert.deepEqual(
    mappings.map(({ start, path }) => [start.toString(16), path]),
    [
      ['400000', '/usr/bin/node'],
      ['7f0000000000', ''],
      ['7f1000000000', LIBC],
      ['7ffd00000000', 'linux-vdso.so.1'],
    ],
  );
  assert.equal(mappings[2].offset, 0x28000);
});

test("an address in anonymous executable memory (V8's code space) is no object, without reading the map again", () => {
  const { objects, state } = objectsOver(MAPS);
  assert.equal(state.reads, 1);
  for (let i = 0; i < 200; i++) assert.equal(objects.objectOf(0x7f0000000000 + i * 64), '');
  assert.equal(objects.functionOf(0x7f0000000040), undefined);
  assert.equal(objects.objectOf(0x7f1000000010), LIBC);
  assert.equal(state.reads, 1, 'each distinct address in the code space read the whole map again');
});

test('an address outside every mapping reads the map again, once: a library loaded since is found', () => {
  const { objects, state } = objectsOver(MAPS);
  state.text = WITH_ADDON;
  assert.equal(objects.objectOf(0x7f2000000100), ADDON);
  assert.equal(state.reads, 2);
  // An address nothing maps is read for once, then remembered as a miss.
  assert.equal(objects.objectOf(0x7f3000000000), '');
  assert.equal(objects.objectOf(0x7f3000000000), '');
  assert.equal(state.reads, 3);
});

test('anonymous memory is taken as such only while the last read is recent: a library may be mapped where V8 freed code', () => {
  const { objects, state } = objectsOver(MAPS);
  state.text = MAPS.replace('7f0000000000-7f0000100000 rwxp 00000000 00:00 0 ', `7f0000000000-7f0000100000 r-xp 00000000 fd:01 4321 ${ADDON}`);
  state.now = ANONYMOUS_RECHECK_MS;
  assert.equal(objects.objectOf(0x7f0000000100), '', 'read again before the time');
  assert.equal(state.reads, 1);
  state.now = ANONYMOUS_RECHECK_MS + 1;
  assert.equal(objects.objectOf(0x7f0000000100), ADDON);
  assert.equal(state.reads, 2);
  assert.equal(objects.objectOf(0x7f0000000200), ADDON);
  assert.equal(state.reads, 2);
});

test('anonymous memory freed since the last read: the map is read once for the address, which is then no object', () => {
  const { objects, state } = objectsOver(MAPS);
  state.text = MAPS.replace('7f0000000000-7f0000100000 rwxp 00000000 00:00 0 \n', '');
  state.now = ANONYMOUS_RECHECK_MS + 1;
  assert.equal(objects.objectOf(0x7f0000000100), '');
  assert.equal(state.reads, 2);
  assert.equal(objects.objectOf(0x7f0000000100), '');
  assert.equal(state.reads, 2);
});

test('an exported symbol is looked up once per process and address', () => {
  const asked = [];
  const read = (address) => {
    asked.push(address);
    return address === 0x7e00_0000_1000 ? 'node::fs::Read(v8::FunctionCallbackInfo<v8::Value> const&)' : '';
  };
  for (let i = 0; i < 3; i++) {
    assert.equal(exportedSymbolAt(0x7e00_0000_1000, read), 'node::fs::Read(v8::FunctionCallbackInfo<v8::Value> const&)');
    assert.equal(exportedSymbolAt(0x7e00_0000_2000, read), '');
  }
  assert.deepEqual(asked, [0x7e00_0000_1000, 0x7e00_0000_2000]);
});
