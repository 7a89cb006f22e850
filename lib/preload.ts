/**
 * Loaded with `node --require` into the program the CLI runs: starts the
 * profiler before the program and writes the session when the process ends,
 * however it ends (normal exit, process.exit(), process.reallyExit(),
 * process.abort(), an uncaught exception, SIGINT/SIGTERM/SIGHUP/SIGQUIT, even
 * in a synchronous loop); the journal keeps what was drained for deaths that
 * run no JavaScript (SIGKILL, out of memory, a crash).
 */
import { isMainThread } from 'node:worker_threads';
import { PRELOAD_ENV, PreloadConfig } from './cli/preload-config';
import { loadNative } from './native/addon';
import { Profiler } from './profiler';
import type * as TriggerEnv from './production/ondemand/trigger-env';
import type * as ContinuousPreload from './production/continuous/preload';
import { registerWorkerThread } from './threads/worker-registration';
import { SessionJournal } from './recording/journal';
import { processEnding } from './recording/recorder';
import { onTermination } from './recording/termination';
import { printMessage } from './util/message';

function run(): void {
  const raw = process.env[PRELOAD_ENV];
  // Only the process the CLI started: not its workers, nor children that
  // inherit --require through execArgv (the variable is gone by then).
  if (!raw || !isMainThread) return;
  delete process.env[PRELOAD_ENV];
  const config = JSON.parse(raw) as PreloadConfig;
  if (config.continuous) {
    // Loaded only in continuous mode: it brings the pprof encoder and the HTTP client.
    (require('./production/continuous/preload') as typeof ContinuousPreload).runContinuous(config.continuous, config);
    return;
  }

  const profiler = new Profiler({
    interval: config.interval,
    maxStackDepth: config.maxStackDepth,
    mode: config.mode,
    sampler: config.sampler,
    allocationInterval: config.allocationInterval,
    live: config.live,
    awaits: config.awaits,
  });
  let written = false;
  let unwatch = (): void => {};
  const finish = (): void => {
    if (written) return;
    written = true;
    unwatch();
    processEnding();
    try {
      // The program has ended: the report must not be lost to its heap limit (a small --max-old-space-size).
      const native = loadNative();
      native.allowHeapHeadroom();
      let session = profiler.stop();
      const raised = native.heapHeadroomUsed();
      if (raised > 0) {
        const note = `building this report needed more than the program's V8 heap limit: nodeinstrument raised it by ${Math.round(raised / 2 ** 20)} MB after the program ended`;
        session = session.with({ meta: { ...session.meta, notes: [...session.meta.notes, note] } });
      }
      session.save(config.sessionPath);
    } catch (error) {
      printMessage(`could not save the profile: ${(error as Error).message}`);
    }
  };
  process.on('exit', finish);
  // Ways out that skip 'exit': the report is written before them.
  const { reallyExit, abort } = process as unknown as { reallyExit: (code?: number) => never; abort: () => never };
  (process as unknown as { reallyExit: (code?: number) => never }).reallyExit = function (this: unknown, code?: number) {
    finish();
    return reallyExit.call(this, code);
  };
  process.abort = function (this: unknown) {
    finish();
    return abort.call(this);
  };
  profiler.start();
  if (config.journalPath !== undefined) profiler.journalTo(new SessionJournal(config.journalPath));
  // Ctrl-C, kill: the session is written, then the process ends as the signal
  // would, even from inside a synchronous loop (lib/recording/termination.ts).
  unwatch = onTermination(finish);
}

const TRIGGER_ENV_PREFIX = 'NODEINSTRUMENT_TRIGGER_';

/** `node --require nodeinstrument/preload` with NODEINSTRUMENT_TRIGGER_* set arms the signal trigger. */
function armTrigger(): void {
  if (!isMainThread || !Object.keys(process.env).some((name) => name.startsWith(TRIGGER_ENV_PREFIX))) return;
  try {
    // Loaded only then: it brings the renderers, which a profiled program's start need not pay for.
    (require('./production/ondemand/trigger-env') as typeof TriggerEnv).armTriggerFromEnv();
  } catch (error) {
    printMessage((error as Error).message);
    process.exit(1);
  }
}

registerWorkerThread();
armTrigger();
run();
