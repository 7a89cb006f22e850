/**
 * Loaded with `node --require` into the program the CLI runs: starts the
 * profiler before the program and writes the session when the process ends,
 * however it ends (normal exit, process.exit(), an uncaught exception,
 * SIGINT/SIGTERM/SIGHUP).
 */
import { isMainThread } from 'node:worker_threads';
import { PRELOAD_ENV, PreloadConfig } from './preload-config';
import { Profiler } from './profiler';
import { armTriggerFromEnv } from './trigger-env';
import type * as ContinuousPreload from './continuous/preload';
import { registerWorkerThread } from './worker-registration';
import { printMessage } from './util/message';

const TERMINATING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function run(): void {
  const raw = process.env[PRELOAD_ENV];
  // Only the process the CLI started: not its workers, nor children that
  // inherit --require through execArgv (the variable is gone by then).
  if (!raw || !isMainThread) return;
  delete process.env[PRELOAD_ENV];
  const config = JSON.parse(raw) as PreloadConfig;
  if (config.continuous) {
    // Loaded only in continuous mode: it brings the pprof encoder and the HTTP client.
    (require('./continuous/preload') as typeof ContinuousPreload).runContinuous(config.continuous, config);
    return;
  }

  const profiler = new Profiler({
    interval: config.interval,
    maxStackDepth: config.maxStackDepth,
    mode: config.mode,
    allocationInterval: config.allocationInterval,
    live: config.live,
  });
  let written = false;
  const finish = (): void => {
    if (written) return;
    written = true;
    try {
      profiler.stop().save(config.sessionPath);
    } catch (error) {
      printMessage(`could not save the profile: ${(error as Error).message}`);
    }
  };
  process.on('exit', finish);
  for (const signal of TERMINATING_SIGNALS) {
    const onSignal = (): void => {
      // If the program handles the signal itself, it decides what happens;
      // the session is written at exit as usual.
      if (process.listenerCount(signal) > 1) return;
      finish();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
  profiler.start();
}

/** `node --require nodeinstrument/preload` with NODEINSTRUMENT_TRIGGER_* set arms the signal trigger. */
function armTrigger(): void {
  if (!isMainThread) return;
  try {
    armTriggerFromEnv();
  } catch (error) {
    printMessage((error as Error).message);
    process.exit(1);
  }
}

registerWorkerThread();
armTrigger();
run();
