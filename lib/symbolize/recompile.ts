/**
 * Makes V8 compile its optimized code again while nodeinstrument watches code
 * events (`nodeinstrument attach` to a warm service, issue 14).
 *
 * Code V8 compiled before the watch began is listed without line positions,
 * so the functions TurboFan inlined into it cannot be recovered (a warm
 * service's hot helper shows as its caller), and the optimized code of hot
 * loops (OSR code) is not listed at all. Code compiled again under the watch
 * has both. V8 has no public "deoptimize everything", but switching the
 * inspector's coverage to a precise mode does it (V8's Coverage::SelectMode
 * throws away all optimized code so that call counts are exact); switching it
 * back at once leaves best-effort coverage as it was.
 *
 * The price, measured in docs/production.md (Attach): the switch itself (milliseconds,
 * more on a large heap), the program running unoptimized for a moment while
 * V8 compiles its hot code again, and V8 keeping all bytecode from then on
 * (a coverage-mode change turns bytecode flushing off for the process).
 */

/** What recompileOptimizedCode did: how long the switch took, or why it was not made. */
export type Recompiled = { done: true; ms: number } | { done: false; reason: string };

export function recompileOptimizedCode(): Recompiled {
  // Node's own coverage collection (c8, `node --test --experimental-test-coverage`) keeps precise
  // coverage on for the life of the process; switching back to best effort would end it.
  if (process.env.NODE_V8_COVERAGE) return { done: false, reason: 'NODE_V8_COVERAGE is set, and switching coverage modes would end that collection' };
  let inspector: typeof import('node:inspector');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    inspector = require('node:inspector') as typeof import('node:inspector');
  } catch {
    return { done: false, reason: 'this Node has no inspector' };
  }
  const started = performance.now();
  let failure: string | undefined;
  const post = (session: InstanceType<typeof inspector.Session>, method: string, params?: object): void => {
    // A session on this thread answers synchronously.
    session.post(method, params, (error) => {
      if (error && failure === undefined) failure = error.message;
    });
  };
  let session: InstanceType<typeof inspector.Session> | undefined;
  try {
    session = new inspector.Session();
    session.connect();
    post(session, 'Profiler.enable');
    post(session, 'Profiler.startPreciseCoverage', { callCount: false, detailed: false });
    post(session, 'Profiler.stopPreciseCoverage');
    post(session, 'Profiler.disable');
  } catch (error) {
    failure ??= (error as Error).message;
  } finally {
    try {
      session?.disconnect();
    } catch {
      // Not connected.
    }
  }
  if (failure !== undefined) return { done: false, reason: `the inspector refused: ${failure}` };
  return { done: true, ms: performance.now() - started };
}
