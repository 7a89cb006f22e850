/**
 * `nodeinstrument [options] <script> [args...]`: runs the script in a child
 * Node process with the profiler preloaded, then renders its session.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type * as AttachCommand from '../production/attach/command';
import { CliOptions, parseArgs, USAGE, UsageError } from './args';
import { filterSessionByLabels, labelFilterOf } from '../labels/filter';
import type * as DiffCli from '../diff/cli';
import { loadNative } from '../native/addon';
import { envSignalProblem, unsafeToSample } from '../options';
import { PRELOAD_ENV, PreloadConfig } from './preload-config';
import { Renderer, rendererByName, rendererForPath } from '../renderers';
import { CPUPROFILE_ALLOC_MESSAGE } from '../renderers/cpuprofile';
import { escapeControl, TextRenderOptions } from '../renderers/text';
import { workerThreadFiles, writesOneThread } from '../threads/files';
import { filterSessionByThread } from '../threads/threads';
import { Session } from '../session/session';
import type * as Profiles from '../loaders/profiles';
import { reportRunOf, runSetJSON } from '../session/run-set';
import { printMessage } from '../util/message';
import { packageVersion } from '../util/version';
import { endingNote, ProgramOutcome, sessionFromJournal } from './program-end';
import { writeFileAtomic, writeTargetOf } from '../util/write-file';
import { compiledModule } from '../util/package-root';

const FORWARDED_SIGNALS = ['SIGTERM', 'SIGHUP'] as const;

function chooseRenderer(options: CliOptions): Renderer {
  if (options.renderer) return rendererByName(options.renderer);
  if (options.outfile) {
    const byExtension = rendererForPath(options.outfile);
    if (byExtension) return byExtension;
  }
  return rendererByName('text');
}

function renderOptions(options: CliOptions, toTerminal: boolean): TextRenderOptions {
  const colorDefault = toTerminal && !('NO_COLOR' in process.env);
  return {
    unicode: options.unicode ?? toTerminal,
    color: options.color ?? colorDefault,
    timing: options.percent ? 'percent' : 'seconds',
    view: options.view,
    processor: { showAll: options.showAll, hide: options.hide, show: options.show },
  };
}

function output(session: Session, options: CliOptions): void {
  const renderer = chooseRenderer(options);
  if (options.labelFilter.length > 0) session = filterSessionByLabels(session, labelFilterOf(options.labelFilter));
  if (options.thread !== undefined) session = filterSessionByThread(session, options.thread);
  let written: string | undefined;
  const oneThread = writesOneThread(session, renderer.name);
  if (options.outfile) {
    writeFileAtomic(options.outfile, renderer.render(session, renderOptions(options, false)));
    printMessage(`wrote ${renderer.name} report to ${options.outfile}${oneThread ? ' (main thread)' : ''}`);
    written = options.outfile;
    writeWorkerThreadFiles(session, renderer, options, options.outfile);
  } else if (renderer.name === 'html' && (process.stdout.isTTY === true || options.open)) {
    // A page of HTML is no use on a terminal: it goes to a file to open.
    written = writeTemporaryReport(renderer.render(session, renderOptions(options, false)));
    printMessage(`wrote html report to ${written}`);
  } else {
    if (oneThread) {
      printMessage(`a ${renderer.name} file holds one thread: this is the main thread's; give -o to also write each worker thread's file, or --thread to choose one`);
    }
    process.stdout.write(renderer.render(session, renderOptions(options, process.stdout.isTTY === true)));
  }
  if (options.open && written) openInBrowser(written);
}

/**
 * The files of worker threads beside the -o file, for formats of one thread.
 * Beside a device, FIFO or /dev/stdout they would be new files in /dev or
 * /proc: none are written then, and the message says so.
 */
function writeWorkerThreadFiles(session: Session, renderer: Renderer, options: CliOptions, outfile: string): void {
  const files = workerThreadFiles(session, renderer.name, outfile);
  if (files.length > 0 && writeTargetOf(outfile).how !== 'replace') {
    printMessage(`${outfile} is not a regular file: the worker threads' ${renderer.name} files were not written beside it; give -o a file name, or --thread to choose a thread`);
    return;
  }
  for (const file of files) {
    writeFileAtomic(file.path, renderer.render(file.session, renderOptions(options, false)));
    printMessage(`wrote ${renderer.name} report of thread ${escapeControl(file.thread.name)} to ${file.path}`);
  }
}

/** Writes a report to a new file `nodeinstrument-<timestamp>.html` in the temporary directory; returns its path. */
function writeTemporaryReport(data: string | Uint8Array): string {
  const now = new Date();
  const two = (value: number): string => String(value).padStart(2, '0');
  const stamp =
    `${now.getFullYear()}${two(now.getMonth() + 1)}${two(now.getDate())}-` +
    `${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`;
  for (let attempt = 0; ; attempt++) {
    const path = join(tmpdir(), `nodeinstrument-${stamp}${attempt > 0 ? `-${attempt}` : ''}.html`);
    try {
      writeFileSync(path, data, { flag: 'wx' }); // never over another run's report
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 100) {
        throw new Error(`cannot write ${path}: ${(error as Error).message}`);
      }
    }
  }
}

/**
 * Opens a file in the desktop's browser, without waiting for it (some
 * openers only return when the browser closes). Failing to open is reported
 * but never fails the run: the report is written either way.
 */
function openInBrowser(path: string): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [path]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', path]] : ['xdg-open', [path]];
  const report = (message: string): void => {
    printMessage(`could not open the report in a browser (${command}: ${message}); open ${path}`);
  };
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.on('error', (error) => report(error.message));
    child.unref();
  } catch (error) {
    report((error as Error).message);
  }
}

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
export function typeScriptNodeArgs(script: string, nodeArgs: readonly string[], support: TypeScriptSupport = currentTypeScriptSupport()): string[] {
  if (!/\.[cm]?ts$/.test(script)) return [];
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
    const renderer = chooseRenderer(options);
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
      output(await recordAttached({ ...options, attach: options.attach }), options);
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
  for (let run = 1; run <= runs; run++) {
    const recorded = await recordRun(options);
    outcome = recorded.outcome;
    const failed = recorded.session === undefined || outcome.signal !== null || outcome.code !== 0;
    // One run's profile is reported however the program ended; a set keeps only runs that completed.
    if (recorded.session && (runs === 1 || !failed)) sessions.push(recorded.session);
    if (runs > 1) printMessage(runLine(run, runs, recorded.session, failed ? outcome : undefined));
    if (failed) {
      if (run < runs) printMessage(`stopping after run ${run} of ${runs}: a set compares runs that completed`);
      break;
    }
  }
  if (sessions.length > 0 && !outputOrKeep(sessions, options) && outcome.code === 0) outcome.code = 1;
  endLike(outcome);
}

/** Runs the program once; its session, unless none was recorded (said then, and the status made a failure). */
async function recordRun(options: CliOptions): Promise<{ outcome: ProgramOutcome; session?: Session }> {
  const sessionPath = temporarySessionPath();
  const journalPath = `${sessionPath}.journal`;
  writeFileSync(sessionPath, ''); // claim the name; the preload replaces it
  try {
    const outcome = await runProgram(options, sessionPath, journalPath);
    try {
      return { outcome, session: loadSession(sessionPath, journalPath, outcome) };
    } catch (error) {
      printMessage(`no profile was recorded: ${(error as Error).message}`);
      if (outcome.code === 0) outcome.code = 1;
      return { outcome };
    }
  } finally {
    rmSync(sessionPath, { force: true });
    rmSync(journalPath, { force: true });
  }
}

function temporarySessionPath(): string {
  return join(tmpdir(), `nodeinstrument-${process.pid}-${randomBytes(4).toString('hex')}.json`);
}

/** `run 2 of 5: 1.234 s wall, 1.100 s CPU, 1,130 samples` (and how it ended when it failed). */
function runLine(run: number, runs: number, session: Session | undefined, failure: ProgramOutcome | undefined): string {
  const ended = failure ? `; ${failure.signal ? `killed by ${failure.signal}` : `exit status ${failure.code}`}` : '';
  if (!session) return `run ${run} of ${runs}: no profile${ended}`;
  const { duration, cpuTime, sampleCount } = session.meta;
  return `run ${run} of ${runs}: ${duration.toFixed(3)} s wall, ${cpuTime.toFixed(3)} s CPU, ${sampleCount.toLocaleString('en-US')} samples${ended}`;
}

/**
 * The program's session: the one it saved, with a note when a signal ended
 * it, or the one its journal holds when it died before saving.
 */
function loadSession(sessionPath: string, journalPath: string, outcome: ProgramOutcome): Session {
  let saved: Session;
  try {
    saved = Session.load(sessionPath);
  } catch (error) {
    const recovered = sessionFromJournal(journalPath, outcome);
    if (recovered) return recovered;
    if (outcome.signal) {
      // The saved file's own problem (empty, cut short) says nothing to the user: how the program ended does.
      throw new Error(
        `the program was killed by ${outcome.signal} before nodeinstrument could write its profile, and before any of its samples ` +
          'reached the journal (written from the event loop about once a second)',
      );
    }
    throw error;
  }
  const note = endingNote(outcome);
  return note ? saved.with({ meta: { ...saved.meta, notes: [...saved.meta.notes, note] } }) : saved;
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
 * Writes the report (of several runs: all of them to a session file, the
 * median run to any other format); when that fails (unwritable path, full
 * disk) says where and why and keeps the recorded runs, so they are not lost.
 * Returns false when they were kept.
 */
function outputOrKeep(sessions: readonly Session[], options: CliOptions): boolean {
  try {
    if (sessions.length > 1 && chooseRenderer(options).name === 'session') outputRunSet(sessions, options);
    else output(reportRunOf(sessions), options);
    return true;
  } catch (error) {
    printMessage((error as Error).message);
    const kept = temporarySessionPath();
    writeFileAtomic(kept, sessions.length > 1 ? runSetJSON(sessions) : JSON.stringify(sessions[0]));
    printMessage(`the profile is kept in ${kept}; render it with: nodeinstrument --load ${kept} -o <report>`);
    return false;
  }
}

/** Every run in one file, for diff; to stdout when there is no -o. */
function outputRunSet(sessions: readonly Session[], options: CliOptions): void {
  const text = runSetJSON(sessions);
  if (!options.outfile) {
    process.stdout.write(text);
    return;
  }
  writeFileAtomic(options.outfile, text);
  printMessage(`wrote the ${sessions.length} runs' sessions to ${options.outfile} (nodeinstrument diff compares sets; --load shows the median run)`);
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
