/**
 * What the CLI does once the program has ended: loads its session (or what
 * its journal kept) and writes the report. Loaded while the program runs
 * (cli.ts), not before it starts: the renderers and the session reader are
 * most of the CLI's own modules, and the program's start should not wait for them.
 */
import { spawn } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { CliOptions } from './args';
import { filterSessionByLabels, labelFilterOf } from '../labels/filter';
import { chooseRenderer } from '../renderers';
import { escapeControl, TextRenderOptions } from '../renderers/text';
import { workerThreadFiles, writesOneThread } from '../threads/files';
import { filterSessionByThread } from '../threads/threads';
import { Session } from '../session/session';
import { reportRunOf, runSetJSON } from '../session/run-set';
import { printMessage } from '../util/message';
import { endingNote, ProgramOutcome, sessionFromJournal } from './program-end';
import { writeFileAtomic, writeTargetOf } from '../util/write-file';
import { temporarySessionPath, writeTemporaryReport } from './temporary-files';

export { reportRunOf };

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

export function output(session: Session, options: CliOptions): void {
  prepareOutput(session, options).write();
}

/** A report rendered from `session` and ready to be written (output() is both steps at once). */
export interface PreparedOutput {
  readonly session: Session;
  write(): void;
}

/**
 * Renders the report (and the worker threads' files beside it) without
 * writing anything: messages and files come with write(), once the program
 * has ended, so that nothing it still prints comes after them.
 */
export function prepareOutput(session: Session, options: CliOptions): PreparedOutput {
  const from = session;
  const renderer = chooseRenderer(options.renderer, options.outfile);
  if (options.labelFilter.length > 0) session = filterSessionByLabels(session, labelFilterOf(options.labelFilter));
  if (options.thread !== undefined) session = filterSessionByThread(session, options.thread);
  const oneThread = writesOneThread(session, renderer.name);
  const { outfile } = options;
  if (outfile) {
    const text = renderer.render(session, renderOptions(options, false));
    const threadFiles = workerThreadFiles(session, renderer.name, outfile).map((file) => ({ ...file, text: renderer.render(file.session, renderOptions(options, false)) }));
    return {
      session: from,
      write: () => {
        writeFileAtomic(outfile, text);
        printMessage(`wrote ${renderer.name} report to ${outfile}${oneThread ? ' (main thread)' : ''}`);
        if (threadFiles.length > 0 && writeTargetOf(outfile).how !== 'replace') {
          // Beside a device, FIFO or /dev/stdout they would be new files in /dev or /proc.
          printMessage(`${outfile} is not a regular file: the worker threads' ${renderer.name} files were not written beside it; give -o a file name, or --thread to choose a thread`);
        } else {
          for (const file of threadFiles) {
            writeFileAtomic(file.path, file.text);
            printMessage(`wrote ${renderer.name} report of thread ${escapeControl(file.thread.name)} to ${file.path}`);
          }
        }
        if (options.open) openInBrowser(outfile);
      },
    };
  }
  if (renderer.name === 'html' && (process.stdout.isTTY === true || options.open)) {
    // A page of HTML is no use on a terminal: it goes to a file to open.
    const page = renderer.render(session, renderOptions(options, false));
    return {
      session: from,
      write: () => {
        const written = writeTemporaryReport(page);
        printMessage(`wrote html report to ${written}`);
        if (options.open) openInBrowser(written);
      },
    };
  }
  const text = renderer.render(session, renderOptions(options, process.stdout.isTTY === true));
  return {
    session: from,
    write: () => {
      if (oneThread) {
        printMessage(`a ${renderer.name} file holds one thread: this is the main thread's; give -o to also write each worker thread's file, or --thread to choose one`);
      }
      process.stdout.write(text);
    },
  };
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


/** `run 2 of 5: 1.234 s wall, 1.100 s CPU, 1,130 samples` (and how it ended when it failed). */
export function runLine(run: number, runs: number, session: Session | undefined, failure: ProgramOutcome | undefined): string {
  const ended = failure ? `; ${failure.signal ? `killed by ${failure.signal}` : `exit status ${failure.code}`}` : '';
  if (!session) return `run ${run} of ${runs}: no profile${ended}`;
  const { duration, cpuTime, sampleCount } = session.meta;
  return `run ${run} of ${runs}: ${duration.toFixed(3)} s wall, ${cpuTime.toFixed(3)} s CPU, ${sampleCount.toLocaleString('en-US')} samples${ended}`;
}

/**
 * The program's session: the one it saved (read already by watchSavedSession,
 * or now), with a note when a signal ended it, or the one its journal holds
 * when it died before saving.
 */
export function loadSession(sessionPath: string, journalPath: string, outcome: ProgramOutcome, readEarly?: Session): Session {
  let saved: Session;
  try {
    saved = readEarly ?? Session.load(sessionPath);
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


/** The session a program saved, once it has (watchSavedSession). */
export interface SavedSessionWatch {
  /** The session, if it was saved and read by now. */
  take(): Session | undefined;
  close(): void;
}

/**
 * Reads the program's session as soon as its preload has saved it (renamed
 * into place whole), while the program's process is still ending: after the
 * save, Node frees the program's heap, 40-100 ms before the exit is seen here
 * on the corpus (docs/benchmarks.md, section 18), and reading the session
 * (45 ms for a TypeScript check's) fits in that time; `onRead` then uses the
 * rest of it (the CLI renders the report). Anything unexpected (no watch, a
 * file that does not load, `onRead` throwing) leaves the work to after the
 * exit, as without this.
 */
export function watchSavedSession(sessionPath: string, onRead?: (session: Session) => void): SavedSessionWatch {
  let session: Session | undefined;
  let watcher: FSWatcher | undefined;
  const close = (): void => {
    watcher?.close();
    watcher = undefined;
  };
  try {
    watcher = watch(dirname(sessionPath), (_event, name) => {
      if (name !== basename(sessionPath)) return;
      close();
      try {
        session = Session.load(sessionPath);
      } catch {
        // Read again after the exit, where its problem is reported.
        return;
      }
      try {
        onRead?.(session);
      } catch {
        // Done again after the exit, where its problem is reported.
      }
    });
    watcher.on('error', close);
  } catch {
    watcher = undefined;
  }
  return { take: () => session, close };
}

/**
 * Writes the report (of several runs: all of them to a session file, the
 * median run to any other format; of one, the one `prepared` from it if
 * given); when that fails (unwritable path, full disk) says where and why
 * and keeps the recorded runs, so they are not lost.
 * Returns false when they were kept.
 */
export function outputOrKeep(sessions: readonly Session[], options: CliOptions, prepared?: PreparedOutput): boolean {
  try {
    if (sessions.length > 1 && chooseRenderer(options.renderer, options.outfile).name === 'session') outputRunSet(sessions, options);
    else if (sessions.length === 1 && prepared?.session === sessions[0]) prepared.write();
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

