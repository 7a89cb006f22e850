/**
 * Continuous mode in the program the CLI runs (`nodeinstrument --continuous
 * DIR app.js`): windows are written for the program's whole life, and the
 * last, partial one when it ends, however it ends (normal exit,
 * process.exit(), an uncaught exception, SIGINT/SIGTERM/SIGHUP/SIGQUIT, even
 * in a synchronous loop).
 */
import { ContinuousProfiler, ContinuousStats } from './continuous';
import type { ContinuousOptions, PyroscopeOptions } from './options';
import type { SamplerKind } from '../../options';
import { onTermination } from '../../recording/termination';
import { printMessage } from '../../util/message';

/** How long a signal waits for the last window's push before the process ends. */
const SIGNAL_FLUSH_MS = 2000;

/** What the CLI passes (JSON-safe: no callbacks). */
export interface ContinuousPreloadConfig {
  dir?: string;
  window?: number;
  formats?: ContinuousOptions['formats'];
  retain?: ContinuousOptions['retain'];
  pyroscope?: Omit<PyroscopeOptions, 'basicAuth' | 'bearerToken'>;
}

/** Secrets come from the environment, never from the command line (where `ps` shows them). */
function pyroscopeAuth(env: NodeJS.ProcessEnv): Pick<PyroscopeOptions, 'basicAuth' | 'bearerToken'> {
  const token = env.NODEINSTRUMENT_PYROSCOPE_TOKEN;
  const username = env.NODEINSTRUMENT_PYROSCOPE_USER;
  if (token) return { bearerToken: token };
  if (username) return { basicAuth: { username, password: env.NODEINSTRUMENT_PYROSCOPE_PASSWORD ?? '' } };
  return {};
}

export function runContinuous(config: ContinuousPreloadConfig, profiler: { interval: number; maxStackDepth?: number; sampler?: SamplerKind }): void {
  const pyroscope = config.pyroscope ? { ...config.pyroscope, ...pyroscopeAuth(process.env) } : undefined;
  let continuous: ContinuousProfiler;
  try {
    continuous = new ContinuousProfiler({ interval: profiler.interval, maxStackDepth: profiler.maxStackDepth, sampler: profiler.sampler, ...config, pyroscope });
  } catch (error) {
    printMessage(`continuous profiling did not start: ${(error as Error).message}`);
    return;
  }
  let summarized = false;
  const summarize = (stats: ContinuousStats): void => {
    if (summarized) return;
    summarized = true;
    process.stderr.write(`${summary(stats, config)}\n`);
  };
  // A natural end: the loop is empty, so there is time to push the last window.
  let stopping: Promise<ContinuousStats> | undefined;
  process.on('beforeExit', () => {
    stopping ??= continuous.stop().then((stats) => {
      summarize(stats);
      return stats;
    });
  });
  // A signal the program does not handle: while the event loop turns there is
  // time to push the last window; inside a synchronous loop it is written
  // synchronously (lib/recording/termination.ts).
  const unwatch = onTermination(
    () => summarize(continuous.stopSync()),
    () => (stopping ??= continuous.stop({ flushMs: SIGNAL_FLUSH_MS })).then(summarize),
  );
  // process.exit() and the rest: only synchronous work is possible. A signal
  // from here on ends the process as it would have (the isolate is going).
  process.on('exit', () => {
    unwatch();
    summarize(continuous.stopSync());
  });
}

function summary(stats: ContinuousStats, config: ContinuousPreloadConfig): string {
  const parts = [`nodeinstrument: continuous profiling: ${stats.windows} window(s)`];
  if (config.dir !== undefined) parts.push(`${stats.filesWritten} file(s) written to ${config.dir}${stats.filesDeleted ? ` (${stats.filesDeleted} old one(s) deleted)` : ''}`);
  if (stats.push) {
    const { sent, dropped, failed } = stats.push;
    parts.push(`${sent} pushed to ${config.pyroscope?.url}${dropped ? `, ${dropped} dropped` : ''}${failed ? `, ${failed} failed` : ''}`);
  }
  const problems = Object.entries(stats.problems);
  if (problems.length > 0) parts.push(`problems: ${problems.map(([kind, count]) => `${kind} ${count}`).join(', ')}`);
  return parts.join('; ');
}
