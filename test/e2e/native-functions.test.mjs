// The addon's function tables (native/elf_functions.h) and demangling, on the
// real node executable and libc of this machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { functionAt, functionName, loadNative, NativeObjects, readableNativeName } from '../internals.cjs';
import { deflateSync } from 'node:zlib';

const native = loadNative();
const ADDON_LOADER = createRequire(import.meta.url).resolve('../../dist/cjs/native/addon.js');
const { Profiler } = createRequire(import.meta.url)('../../dist/cjs/index.js');
const table = (path) => {
  const found = native.functionTable(path);
  return found && { ...found, path };
};

test("the node executable's functions: sorted, each found at its own start, named from the file", () => {
  const functions = table(process.execPath);
  assert.ok(functions && functions.starts.length > 1000, `functions: ${functions?.starts.length}`);
  for (let i = 1; i < functions.starts.length; i++) assert.ok(functions.starts[i - 1] <= functions.starts[i], `sorted at ${i}`);
  for (const i of [0, functions.starts.length >> 1, functions.starts.length - 1]) {
    const found = functionAt(functions, functions.starts[i]);
    assert.equal(functions.starts[found], functions.starts[i], `function ${i}`);
    assert.notEqual(functionName(functions, found), '');
  }
  assert.ok(functions.segments.length > 0);
  // Not ELF, or not there: no table.
  assert.equal(native.functionTable(fileURLToPath(import.meta.url)), null);
  assert.equal(native.functionTable('/nonexistent/object.so'), null);
});

test('names are read through one descriptor a task, closed when the task ends', async () => {
  const functions = table(process.execPath);
  const openOnExecutable = () => readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === realpathSync(process.execPath);
    } catch {
      return false; // the directory's own descriptor, gone once listed
    }
  }).length;
  const before = openOnExecutable();
  const step = Math.floor(functions.starts.length / 200);
  const names = [];
  for (let i = 0; i < functions.starts.length; i += step) names.push(functionName(functions, i));
  assert.ok(names.every((name) => name !== ''), 'every function named');
  assert.equal(openOnExecutable(), before + 1, 'one descriptor for 200 names');
  await Promise.resolve();
  assert.equal(openOnExecutable(), before, 'closed after the task');
  assert.equal(functionName(functions, 0), names[0], 'and opened again when asked');
});

test('a table read ahead on a native thread is the one a direct read gives; a file without one stays null', async () => {
  const executable = realpathSync(process.execPath);
  const direct = native.functionTable(executable);
  native.prefetchFunctionTable(executable);
  native.prefetchFunctionTable(executable); // a second ask while it reads does nothing
  await new Promise((resolve) => setTimeout(resolve, 20)); // the JS thread goes on meanwhile
  const ahead = native.functionTable(executable);
  for (const key of ['starts', 'ends', 'nameOffsets']) assert.deepEqual(ahead[key], direct[key], key);
  assert.deepEqual({ ...ahead, starts: 0, ends: 0, nameOffsets: 0 }, { ...direct, starts: 0, ends: 0, nameOffsets: 0 });
  native.prefetchFunctionTable('/nonexistent/object.so');
  assert.equal(native.functionTable('/nonexistent/object.so'), null);
  // Taken once: the next ask reads the file again.
  assert.equal(native.functionTable(executable).starts.length, direct.starts.length);
});

test('a process that exits with a table still being read ahead exits cleanly', () => {
  const script = `const n = require(${JSON.stringify(ADDON_LOADER)}).loadNative(); n.prefetchFunctionTable(require('fs').realpathSync(process.execPath)); process.exit(3);`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 3, run.stderr);
  assert.equal(run.signal, null);
});

test("recordings after the first reuse the function tables read: Node's own is read once a process", () => {
  const executable = realpathSync(process.execPath);
  const reads = [];
  const prefetches = [];
  const read = native.functionTable;
  const prefetch = native.prefetchFunctionTable;
  native.functionTable = (path) => {
    reads.push(path);
    return read.call(native, path);
  };
  native.prefetchFunctionTable = (path) => {
    prefetches.push(path);
    return prefetch.call(native, path);
  };
  try {
    for (let round = 0; round < 3; round++) {
      const profiler = new Profiler({ interval: 0.0005 });
      profiler.start();
      // zlib is linked into the node executable: its frames are named from Node's table.
      const end = performance.now() + 60;
      const data = Buffer.alloc(1 << 16, round);
      while (performance.now() < end) deflateSync(data);
      const session = profiler.stop();
      assert.ok(session.frames.some((frame) => frame.kind === 'native'), `round ${round}: native frames sampled`);
    }
  } finally {
    native.functionTable = read;
    native.prefetchFunctionTable = prefetch;
  }
  assert.equal(reads.filter((path) => path === executable).length, 1, reads.join(', '));
  // Read ahead by the first recording only: later ones find it read.
  assert.deepEqual(prefetches, [executable]);
  assert.equal(new Set(reads).size, reads.length, `each object read once: ${reads.join(', ')}`);
});

test('demangle: a C++ symbol becomes its source name; a C name stays', () => {
  assert.equal(native.demangle('_ZN2v88internal4Heap14CollectGarbageEv'), 'v8::internal::Heap::CollectGarbage()');
  assert.equal(readableNativeName(native.demangle('_ZN2v88internal4Heap14CollectGarbageEv')), 'v8::internal::Heap::CollectGarbage');
  assert.equal(native.demangle('malloc'), 'malloc');
});

test("a pc in this process's node executable is named through the memory map", () => {
  const objects = new NativeObjects({ readFunctions: table, nameOf: (symbol) => readableNativeName(native.demangle(symbol)) });
  const executable = realpathSync(process.execPath);
  const mappings = readFileSync('/proc/self/maps', 'utf8').split('\n')
    .filter((entry) => entry.endsWith(executable) && / r-xp /.test(entry))
    .map((entry) => {
      const [range, , offset] = entry.split(/\s+/);
      const [start, end] = range.split('-').map((hex) => parseInt(hex, 16));
      return { start, end, offset: parseInt(offset, 16) };
    });
  assert.ok(mappings.length > 0, 'an executable mapping of node');
  const functions = table(executable);
  // Some sized function of the executable, 4 bytes in, placed at its address in this process.
  let address;
  let index;
  for (let i = 0; i < functions.starts.length && address === undefined; i += 97) {
    if (functions.ends[i] - functions.starts[i] < 8) continue;
    const vaddr = functions.starts[i] + 4;
    const segment = functions.segments.find((s) => vaddr >= s.vaddr && vaddr < s.vaddr + s.size);
    if (!segment) continue;
    const fileOffset = vaddr - segment.vaddr + segment.offset;
    const mapping = mappings.find((m) => fileOffset >= m.offset && fileOffset < m.offset + (m.end - m.start));
    if (!mapping) continue;
    address = mapping.start + fileOffset - mapping.offset;
    index = functionAt(functions, vaddr);
  }
  assert.ok(address !== undefined, 'a function in a mapping');
  const fn = objects.functionOf(address);
  assert.equal(fn?.name, readableNativeName(native.demangle(functionName(functions, index))));
  assert.ok(fn.name.length > 0);
});
