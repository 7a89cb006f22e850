/**
 * `nodeinstrument [options] <script> [args...]`: runs the script in a child
 * Node process with the profiler preloaded, then renders its session.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type * as AttachCommand from '../production/attach/command';
import { CliOptions, parseArgs, USAGE, UsageError } from './args';
import type * as DiffCli from '../diff/cli';
import { loadNative } from '../native/addon';
import { envSignalProblem, unsafeToSample } from '../options';
import { PRELOAD_ENV, PreloadConfig } from './preload-config';
import { chooseRenderer } from '../renderers';
import { CPUPROFILE_ALLOC_MESSAGE } from '../renderers/limits';
import type { Session } from '../session/session';
import type * as Profiles from '../loaders/profiles';
import type * as Report from './report';
import type { PreparedOutput } from './report';
import type { ProgramOutcome } from './program-end';
import { printMessage } from '../util/message';
import { packageVersion } from '../util/version';
import { compiledModule } from '../util/package-root';
import { temporaryRunDirectory } from './temporary-files';

/** What runs after the program (report.ts): loaded while the program runs, or when a report is made from a file. */
const report = (): typeof Report => require('./report') as typeof Report;

const FORWARDED_SIGNALS = ['SIGTERM', 'SIGHUP'] as const;

/** What decides how a TypeScript entry point runs; the running Node's by default (tests pass others). */
export interface TypeScriptSupport {
  /** process.features.typescript: 'strip' or 'transform' when this Node strips types now (22.18+, 23.6+ by default). */
  typescript: string | false | undefined;
  /** Whether this Node has --experimental-strip-types (22.6+), off by default before 22.18 and 23.6. */
  canStrip: boolean;
  nodeOptions: string;
  version: string;
}

function currentTypeScriptSupport(): TypeScriptSupport {
  return {
    typescript: (process.features as { typescript?: string | false }).typescript,
    canStrip: process.allowedNodeEnvironmentFlags.has('--experimental-strip-types'),
    nodeOptions: process.env.NODE_OPTIONS ?? '',
    version: process.version,
  };
}

/** Node flags that load code before the program (a TypeScript loader) or set type stripping explicitly. */
const LOADER_FLAG = /^(?:-r|--require|--import|--loader|--experimental-loader|--(?:no-)?experimental-(?:strip|transform)-types)(?:=|$)/;

/**
 * TypeScript entry points (.ts, .mts, .cts): the Node flags to add so that
 * `nodeinstrument app.ts` runs, or a UsageError when this Node cannot run
 * TypeScript itself and no loader was given. Node strips types by default
 * from 22.18 and 23.6; from 22.6 it does with --experimental-strip-types,
 * which is added here. A loader given with --node-arg (or in NODE_OPTIONS),
 * such as --import=tsx, is left to do its work.
 */
export function typeScriptNodeArgs(script: string, nodeArgs: readonly string[], supportGiven?: TypeScriptSupport): string[] {
  if (!/\.[cm]?ts$/.test(script)) return [];
  // Found only for TypeScript: Node's set of allowed flags takes 1.5 ms to build, before the program starts.
  const support = supportGiven ?? currentTypeScriptSupport();
  const given = [...nodeArgs, ...support.nodeOptions.split(/\s+/)];
  if (given.some((arg) => LOADER_FLAG.test(arg))) return [];
  if (support.typescript) return [];
  if (support.canStrip) return ['--experimental-strip-types'];
  throw new UsageError(
    `Node ${support.version} cannot run TypeScript (${basename(script)}) by itself; Node 22.6 and later can. ` +
      'Give a loader, e.g. --node-arg=--import=tsx (npm install -D tsx), or profile the compiled JavaScript',
  );
}

/** Runs the program; resolves with how it ended. */
function runProgram(options: CliOptions, sessionPath: string, journalPath?: string): Promise<ProgramOutcome> {
  const config: PreloadConfig = {
    interval: options.interval,
    maxStackDepth: options.maxStackDepth,
    sessionPath,
    journalPath,
    mode: options.profileMode,
    sampler: options.sampler,
    allocationInterval: options.allocationInterval,
    live: options.live,
    awaits: options.awaits || undefined,
    continuous: options.continuous,
  };
  const preload = compiledModule('preload');
  const args = [...options.nodeArgs, '--require', preload, options.script!, ...options.scriptArgs];
  const child = spawn(process.execPath, args, {
    stdio: 'inherit',
    env: { ...process.env, [PRELOAD_ENV]: JSON.stringify(config) },
  });
  // Ctrl-C reaches the whole process group, so the child has it already:
  // this process only waits. Signals aimed at us alone are passed on.
  const ignore = (): void => {};
  process.on('SIGINT', ignore);
  const forwarders = FORWARDED_SIGNALS.map((signal) => {
    const forward = (): void => void child.kill(signal);
    process.on(signal, forward);
    return () => process.removeListener(signal, forward);
  });
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.removeListener('SIGINT', ignore);
      forwarders.forEach((remove) => remove());
      resolvePromise({ code, signal });
    });
  });
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv[0] === 'diff') {
    // Loaded when used, as attach is: a profiled run should not wait for them at its start.
    process.exitCode = (require('../diff/cli') as typeof DiffCli).runDiff(argv.slice(1));
    return;
  }
  let options: CliOptions;
  try {
    options = parseArgs(argv);
    const unsafe = options.load === undefined && options.profileMode !== 'alloc' ? unsafeToSample(options.nodeArgs) : undefined;
    if (unsafe !== undefined) throw new UsageError(unsafe);
    if (options.script !== undefined) options.nodeArgs.unshift(...typeScriptNodeArgs(options.script, options.nodeArgs));
    const renderer = chooseRenderer(options.renderer, options.outfile);
    if (renderer.binary && !options.outfile && process.stdout.isTTY) {
      throw new UsageError(`the ${renderer.name} format is binary: write it to a file with -o, or redirect stdout`);
    }
    if (options.profileMode === 'alloc' && renderer.name === 'cpuprofile') throw new UsageError(CPUPROFILE_ALLOC_MESSAGE);
    if (options.open && renderer.name !== 'html') {
      throw new UsageError(`--open opens HTML reports (-r html, or -o report.html), not ${renderer.name}`);
    }
  } catch (error) {
    printMessage(`${(error as Error).message}\nTry 'nodeinstrument --help'.`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (options.version) {
    process.stdout.write(`nodeinstrument ${packageVersion()}\n`);
    return;
  }
  if (options.attach !== undefined) {
    try {
      const { recordAttached } = require('../production/attach/command') as typeof AttachCommand;
      report().output(await recordAttached({ ...options, attach: options.attach }), options);
    } catch (error) {
      printMessage((error as Error).message);
      process.exitCode = 1;
    }
    return;
  }
  if (options.load !== undefined) {
    try {
      // Loaded when used: the .cpuprofile reader is not needed to run a program.
      const { readProfiles } = require('../loaders/profiles') as typeof Profiles;
      const { output, reportRunOf } = report();
      output(reportRunOf(readProfiles(options.load)), options);
    } catch (error) {
      printMessage((error as Error).message);
      process.exitCode = 1;
    }
    return;
  }
  if (!existsSync(resolve(options.script!))) {
    printMessage(`no such script: ${options.script}`);
    process.exitCode = 2;
    return;
  }

  try {
    // The program runs with this same Node, so the addon that loads here is
    // the one it gets: say now, in one line, when none fits, rather than
    // through a stack trace from the preload.
    loadNative();
  } catch (error) {
    printMessage((error as Error).message);
    process.exitCode = 1;
    return;
  }
  // The program's preload would refuse it with a stack trace: say it here, in one line.
  const signalError = envSignalProblem();
  if (signalError !== undefined) {
    process.stderr.write(`${signalError}\n`);
    process.exitCode = 2;
    return;
  }

  if (options.continuous) {
    // The program writes (or pushes) its windows itself; there is no report here.
    endLike(await runProgram(options, ''));
    return;
  }
  const runs = options.repeat ?? 1;
  const sessions: Session[] = [];
  let outcome: ProgramOutcome = { code: 0, signal: null };
  let prepared: PreparedOutput | undefined;
  for (let run = 1; run <= runs; run++) {
    // One run's report is rendered while the program's process frees its heap.
    const recorded = await recordRun(options, runs === 1 ? (session) => (prepared = report().prepareOutput(session, options)) : undefined);
    outcome = recorded.outcome;
    const failed = recorded.session === undefined || outcome.signal !== null || outcome.code !== 0;
    // One run's profile is reported however the program ended; a set keeps only runs that completed.
    if (recorded.session && (runs === 1 || !failed)) sessions.push(recorded.session);
    if (runs > 1) printMessage(report().runLine(run, runs, recorded.session, failed ? outcome : undefined));
    if (failed) {
      if (run < runs) printMessage(`stopping after run ${run} of ${runs}: a set compares runs that completed`);
      break;
    }
  }
  if (sessions.length > 0 && !report().outputOrKeep(sessions, options, prepared) && outcome.code === 0) outcome.code = 1;
  endLike(outcome);
}

/**
 * Runs the program once; its session, unless none was recorded (said then, and the status made a failure).
 * `onSaved` gets the session as soon as the program has saved it, before its process has ended.
 */
async function recordRun(options: CliOptions, onSaved?: (session: Session) => void): Promise<{ outcome: ProgramOutcome; session?: Session }> {
  const runDirectory = temporaryRunDirectory();
  const sessionPath = join(runDirectory, 'session.json');
  const journalPath = `${sessionPath}.journal`;
  try {
    writeFileSync(sessionPath, ''); // the preload replaces it; empty, it says no session was saved
    const running = runProgram(options, sessionPath, journalPath);
    // The program is starting in its own process (on another core, where there is one): load what runs after it meanwhile.
    const saved = report().watchSavedSession(sessionPath, onSaved);
    const outcome = await running;
    try {
      return { outcome, session: report().loadSession(sessionPath, journalPath, outcome, saved.take()) };
    } catch (error) {
      printMessage(`no profile was recorded: ${(error as Error).message}`);
      if (outcome.code === 0) outcome.code = 1;
      return { outcome };
    } finally {
      saved.close();
    }
  } finally {
    rmSync(runDirectory, { recursive: true, force: true });
  }
}


/** Ends the way the program ended, so shells and supervisors see its signal or status. */
function endLike(outcome: ProgramOutcome): void {
  if (outcome.signal) {
    process.kill(process.pid, outcome.signal);
    return;
  }
  process.exitCode = outcome.code ?? 1;
}

/**
 * When the reader of our output goes away (`nodeinstrument ... | head`),
 * end as cat and git do: killed by SIGPIPE, without a word. Shells print
 * nothing for that signal, and `set -o pipefail` sees 141 as for any other
 * writer cut off; a stack trace and status 1 would read as a failure of the
 * profiler. The program, if one ran, has ended by then: only its report
 * could not be delivered.
 */
function endQuietlyOnBrokenPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      dieOfSigpipe();
    });
  }
}

function dieOfSigpipe(): void {
  // Node ignores SIGPIPE; a listener added and removed again leaves it at the default action, which ends the process.
  const ignore = (): void => {};
  process.on('SIGPIPE', ignore);
  process.removeListener('SIGPIPE', ignore);
  process.kill(process.pid, 'SIGPIPE');
  process.exitCode = 128 + 13; // had the signal gone astray: the status a shell would show for it
}

export function run(argv: readonly string[] = process.argv.slice(2)): void {
  endQuietlyOnBrokenPipe();
  main(argv).catch((error: unknown) => {
    printMessage(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}

export { UsageError };
