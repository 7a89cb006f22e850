/**
 * One recording per thread across every copy of nodeinstrument in the
 * process. Two installed copies (two dependencies each bringing their own)
 * load two separate addons: each would install its own signal handler and
 * V8 JIT code event handler, and V8 keeps only one of the latter per isolate,
 * so the second copy would silently take code events from the first. The
 * claim lives on globalThis under a registry symbol, which every copy on the
 * thread sees.
 */
import { PACKAGE_ROOT } from '../util/package-root';

const CLAIM = Symbol.for('nodeinstrument.recording');

interface Claim {
  /** The package directory of the copy that is recording. */
  packageDir: string;
}

type WithClaim = typeof globalThis & { [CLAIM]?: Claim };

/** This copy's package directory. */
const PACKAGE_DIR = PACKAGE_ROOT;

/**
 * Claims the thread for a recording of this copy; throws with a clear message
 * if another copy is recording. Returns the function that releases it.
 */
export function claimSampling(): () => void {
  const global = globalThis as WithClaim;
  const held = global[CLAIM];
  if (held !== undefined) {
    const which = held.packageDir === PACKAGE_DIR ? 'another recording of nodeinstrument' : `another copy of nodeinstrument (${held.packageDir})`;
    throw new Error(
      `${which} is already profiling this thread; stop it first (a thread is profiled by one copy at a time: ` +
        'V8 keeps one code event handler per isolate)',
    );
  }
  const claim: Claim = { packageDir: PACKAGE_DIR };
  Object.defineProperty(global, CLAIM, { value: claim, configurable: true, enumerable: false, writable: false });
  return () => {
    if (global[CLAIM] === claim) delete global[CLAIM];
  };
}
