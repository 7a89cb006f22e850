// Where V8 served an interrupt sample (lib/symbolize/interrupt-site.ts): at a
// stack-guard check of JavaScript, or inside C++ that checks for interrupts
// itself, told apart by the names of the callback's native callers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AT_STACK_CHECK, InterruptSites } from '../internals.cjs';

const names = new Map([
  [0x100, 'v8::internal::Isolate::InvokeApiInterruptCallbacks'],
  [0x200, 'v8::internal::StackGuard::HandleInterrupts'],
  [0x300, 'v8::internal::Runtime_StackGuard'],
  [0x310, 'v8::internal::Runtime_StackGuardWithGap'],
  [0x320, 'v8::internal::Runtime_BytecodeBudgetInterruptWithStackCheck_Ignition'],
  [0x330, 'v8::internal::BytecodeBudgetInterrupt'], // Node 24: a local function the runtime entry calls
  [0x400, 'v8::internal::JsonStringifier::Serialize_'],
  [0x500, 'v8::internal::RawMatch'],
  [0x600, 'v8::internal::NativeRegExpMacroAssembler::CheckStackGuardState'],
  [0x610, 'v8::internal::RegExpMacroAssemblerX64::CheckStackGuardState'],
]);
const REGEXP_CODE = 0x9000; // compiled code: no symbol, in V8's code map

test('served at a stack-guard check: the relays are skipped, the runtime entry decides', () => {
  const sites = new InterruptSites((address) => names.get(address));
  for (const check of [0x300, 0x310, 0x320, 0x330]) assert.equal(sites.servedAt([0x100, 0x200, check, 0x999]), AT_STACK_CHECK, check.toString(16));
});

test('served inside C++: the first caller past the relays is the native pc', () => {
  const sites = new InterruptSites((address) => names.get(address));
  assert.equal(sites.servedAt([0x100, 0x200, 0x400, 0x300]), 0x400);
  assert.equal(sites.servedAt([0x100, 0x200, 0x500]), 0x500); // the regexp interpreter
  // A build that inlined the relays into each other.
  assert.equal(sites.servedAt([0x100, 0x400]), 0x400);
});

test('served inside a compiled regular expression: past V8\'s check for it, its code is the pc', () => {
  const sites = new InterruptSites((address) => names.get(address), (address) => address === REGEXP_CODE);
  assert.equal(sites.servedAt([0x100, 0x200, 0x600, REGEXP_CODE]), REGEXP_CODE);
  assert.equal(sites.servedAt([0x100, 0x200, 0x610, 0x600, REGEXP_CODE]), REGEXP_CODE);
});

test('without names (no symbols, no chain) the sample is taken as served at a check', () => {
  const none = new InterruptSites(() => undefined);
  assert.equal(none.servedAt([0x100, 0x200, 0x400]), AT_STACK_CHECK);
  assert.equal(new InterruptSites((address) => names.get(address)).servedAt(undefined), AT_STACK_CHECK);
  assert.equal(new InterruptSites((address) => names.get(address)).servedAt([0x100, 0x200]), AT_STACK_CHECK);
});

test('each address is named once', () => {
  let calls = 0;
  const sites = new InterruptSites((address) => {
    calls++;
    return names.get(address);
  });
  for (let i = 0; i < 100; i++) sites.servedAt([0x100, 0x200, 0x400]);
  assert.equal(calls, 3);
});
