/**
 * Keeps V8's --interpreted-frames-native-stack from being turned on under a
 * running sampler. With it, V8's stack walk looks code up under mutexes the
 * interrupted code may hold (docs/design.md, "Locks the stack walk can
 * meet"): a sample taken then can hang the process. Start-up flags are
 * refused by lib/options.ts; this covers `v8.setFlagsFromString` at run time.
 *
 * The wrapper halts every sampler in the process (native, for good) before
 * the flag takes effect. Code that took the function before the wrapper was
 * installed bypasses it; the addon then sees the flag's effect in V8's code
 * events and halts too, and a start probes for it (native/sampler.cc).
 */
import { findUnsafeV8Flag } from '../options';
import type { NativeSampler } from './addon';

/** Per thread (each worker has its own `v8` module), shared by every copy of nodeinstrument. */
const WRAPPED = Symbol.for('nodeinstrument.setFlagsFromString');

type V8Module = typeof import('node:v8') & { setFlagsFromString: ((flags: string) => void) & { [WRAPPED]?: true } };

/** Wraps this thread's `v8.setFlagsFromString` once (idempotent, any copy). */
export function guardV8Flags(native: NativeSampler): void {
  // The CommonJS view of the builtin: its exports object is the one `require('v8')` returns.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require('node:v8') as V8Module;
  const original = module.setFlagsFromString;
  if (typeof original !== 'function' || original[WRAPPED]) return;
  const wrapped = Object.assign(
    function setFlagsFromString(flags: string): void {
      // Halt before V8 can read the flag as set; whatever V8 does with the rest is its own.
      if (typeof flags === 'string' && findUnsafeV8Flag(flags.trim().split(/\s+/)) !== undefined) native.haltForNativeStackFlag();
      original.call(module, flags);
    },
    { [WRAPPED]: true as const },
  );
  module.setFlagsFromString = wrapped;
  // ES modules that import { setFlagsFromString } from 'node:v8' see it too.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('node:module') as typeof import('node:module')).syncBuiltinESMExports();
}

/** The note of a recording during which sampling was halted for the flag, if it was. */
export function nativeStackNote(haltNs: number, startNs: number): string | undefined {
  if (!(haltNs > 0)) return undefined;
  const at = Math.max(0, haltNs - startNs) / 1e9;
  return (
    `sampling stopped ${at.toFixed(3)} s into the recording: V8's --interpreted-frames-native-stack was turned on at run time ` +
    '(v8.setFlagsFromString); with it V8\'s stack walk takes locks, which a signal handler must never do, so nothing after that was sampled'
  );
}
