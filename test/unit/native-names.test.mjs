// Naming native code: looking an address up in a function table
// (lib/symbolize/elf-symbols.ts), the readable names of demangled C++ symbols,
// and the opaque named blocks the default tree makes of native leaves. The
// addon's reading of real tables is test/e2e/native-functions.test.mjs's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCallTree, functionAt, functionName, nativeMeaning, processTree, readableNativeName, virtualAddress } from '../internals.cjs';
import { makeSession, testMeta } from '../sessions.mjs';

test('readable names: parameters, template arguments and return types go; operators stay whole up to their parameters', () => {
  const cases = [
    ['v8::internal::JsonParser<unsigned short>::ParseJsonValue<false>(v8::internal::Handle<v8::internal::Object>)', 'v8::internal::JsonParser::ParseJsonValue'],
    ['void v8::internal::BodyDescriptorBase::IteratePointers<v8::internal::MarkingVisitor>(v8::internal::Tagged<v8::internal::HeapObject>, int, int, v8::internal::MarkingVisitor*)', 'v8::internal::BodyDescriptorBase::IteratePointers'],
    ['node::fs::ReadFileUtf8(v8::FunctionCallbackInfo<v8::Value> const&)', 'node::fs::ReadFileUtf8'],
    ['__memmove_avx_unaligned_erms', '__memmove_avx_unaligned_erms'],
    ['v8::internal::Foo::operator()(int) const', 'v8::internal::Foo::operator'],
    ['std::vector<int, std::allocator<int> >::_M_realloc_insert(int&&) [clone .cold]', 'std::vector::_M_realloc_insert'],
    ['v8::internal::(anonymous namespace)::CopyElements(v8::internal::Isolate*)', 'v8::internal::CopyElements'],
  ];
  for (const [demangled, readable] of cases) assert.equal(readableNativeName(demangled), readable, demangled);
});

test('a function table: the function at an address (aliases and nested symbols), and a mapping placed by its file offset', () => {
  const functions = {
    starts: Float64Array.from([0x1000, 0x1000, 0x1010, 0x2000]),
    ends: Float64Array.from([0x1100, 0x1040, 0x1020, 0x2001]),
    nameOffsets: Uint32Array.from([0, 1, 2, 3]),
    path: '/nowhere', stringsOffset: 0, stringsSize: 0,
    segments: [{ offset: 0x1000, vaddr: 0x401000, size: 0x2000 }],
  };
  assert.equal(functionAt(functions, 0x0fff), -1);
  assert.equal(functions.starts[functionAt(functions, 0x1000)], 0x1000);
  assert.equal(functionAt(functions, 0x1015), 2); // the nested symbol holding it
  assert.equal(functionAt(functions, 0x1050), 0); // past the inner ones, still in the outer
  assert.equal(functionAt(functions, 0x2000), 3); // a symbol without a size holds its first byte
  assert.equal(functionAt(functions, 0x2001), -1);
  assert.equal(functionName(functions, 0), ''); // the file cannot be read: no name
  // A mapping of the segment at 0x7f0000000000 from file offset 0x1000.
  assert.equal(virtualAddress(functions, 0x7f0000000040, 0x7f0000000000, 0x1000), 0x401040);
  assert.equal(virtualAddress(functions, 0x7f0000000040, 0x7f0000000000, 0x9000), undefined);
});

test('native leaves under a frame become one block per object, named by the busiest; showAll keeps each', () => {
  const app = (name) => ({ name, file: '/app/app.js', line: 1, column: 1, kind: 'js' });
  const native = (name, object = '/usr/bin/node') => ({ name, file: object, line: 0, column: 0, kind: 'native' });
  const session = makeSession([
    [[app('parse'), native('v8::internal::JsonParser::ParseJsonValue')], 0.5],
    [[app('parse'), native('v8::internal::StringTable::LookupKey')], 0.3],
    [[app('parse'), native('v8::internal::Factory::NewJSObject')], 0.1],
    [[app('parse'), native('[native] node')], 0.05],
    [[app('parse'), native('__libc_malloc', '/lib/libc.so.6')], 0.05],
  ], { ...testMeta, duration: 1 });
  const parse = processTree(buildCallTree(session)).children[0];
  // The unnamed `[native] node` is counted in "+1 more"; a lone native leaf stays as it is.
  // JsonParser's functions hold over a third of the block: it says what JavaScript asked for.
  assert.deepEqual(parse.children.map((child) => [child.frame.name, Math.round(child.totalTime * 100)]), [
    ['JSON.parse: JsonParser::ParseJsonValue, StringTable::LookupKey, Factory::NewJSObject +1 more', 95],
    ['__libc_malloc', 5],
  ]);
  const all = processTree(buildCallTree(session), { showAll: true }).children[0];
  assert.equal(all.children.length, 5);
});

test("what JavaScript asked for, from V8's function names; a lone native leaf says it too, and a minor meaning is not claimed", () => {
  const cases = [
    ['v8::internal::JsonParser::ParseJsonValue', 'JSON.parse'],
    ['v8::internal::JsonStringifier::SerializeString', 'JSON.stringify'],
    ['v8::base::ieee754::sin', 'Math.sin'],
    ['v8::base::ieee754::legacy::pow', 'Math.pow'],
    ['v8::internal::RegExpImpl::IrregexpExec', 'a regular expression'],
    ['v8::internal::Parser::ParseFunctionLiteral', 'compiling JavaScript'],
    ['v8::internal::compiler::PipelineImpl::Run', 'optimizing JavaScript'],
    ['v8::internal::StringTable::LookupKey', undefined],
    ['__libc_malloc', undefined],
    // A name that only contains a known one is not it.
    ['node::JsonParserWrapper::Parse', undefined],
  ];
  for (const [name, meaning] of cases) assert.equal(nativeMeaning(name), meaning, name);
  const app = (name) => ({ name, file: '/app/app.js', line: 1, column: 1, kind: 'js' });
  const native = (name) => ({ name, file: '/usr/bin/node', line: 0, column: 0, kind: 'native' });
  const session = makeSession([
    [[app('wave'), native('v8::base::ieee754::sin')], 0.4],
    [[app('mixed'), native('v8::internal::StringTable::LookupKey')], 0.5],
    [[app('mixed'), native('v8::internal::JsonParser::ParseJsonValue')], 0.1],
  ], { ...testMeta, duration: 1 });
  const names = processTree(buildCallTree(session)).children.map((node) => [node.frame.name, node.children.map((child) => child.frame.name)]);
  assert.deepEqual(names.sort(), [
    ['mixed', ['StringTable::LookupKey, JsonParser::ParseJsonValue']],
    ['wave', ['Math.sin: base::ieee754::sin']],
  ]);
});
