import { lstatSync, readlinkSync, realpathSync, renameSync, rmSync, Stats, writeFileSync, writeSync } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * How a report is written to a path, decided by what is there now:
 * - `replace`: a regular file, or nothing yet, at `path` (the end of any
 *   symlinks): written to a temporary file beside it and renamed over it, so
 *   readers see the old or the whole new content and the links stay links;
 * - `through`: anything else (a character or block device such as /dev/null,
 *   a FIFO, a directory, another process's /proc/<pid>/fd/N): opened and
 *   written in place (appending), as a shell's `>>` would.
 *   Renaming over it would replace the device or pipe with a file;
 * - `descriptor`: one of this process's own open files named through /proc
 *   (/dev/stdout, /dev/fd/N, bash's `>(cmd)`): written to that descriptor, as
 *   bash does for these names. Its offset and append mode are the shell's,
 *   and a socket (which cannot be opened by path) works too.
 */
export type WriteTarget = { how: 'replace'; path: string } | { how: 'through' } | { how: 'descriptor'; fd: number };

/** Linux's own limit on symlinks followed in one lookup (ELOOP beyond). */
const MAX_LINKS = 40;

export function writeTargetOf(path: string): WriteTarget {
  let current = path;
  for (let hop = 0; hop < MAX_LINKS; hop++) {
    let stats: Stats;
    try {
      stats = lstatSync(current);
    } catch {
      // Nothing there yet (or the directory is the problem, which the write reports): a new file.
      return { how: 'replace', path: current };
    }
    if (stats.isFile()) return { how: 'replace', path: current };
    if (!stats.isSymbolicLink()) return { how: 'through' };
    const directory = realpathSync(dirname(current));
    // Links in /proc are no ordinary links (`pipe:[…]` is no path): stop at them.
    if (directory === '/proc' || directory.startsWith('/proc/')) return procTarget(directory, basename(current));
    current = resolve(directory, readlinkSync(current));
  }
  return { how: 'through' }; // a loop of links: open() reports ELOOP
}

/** `/proc/<our pid>[/task/<tid>]/fd/N` is our descriptor N; other /proc links are opened by path. */
function procTarget(directory: string, name: string): WriteTarget {
  const ownDescriptors = new RegExp(`^/proc/${process.pid}(?:/task/\\d+)?/fd$`);
  return ownDescriptors.test(directory) && /^\d+$/.test(name) ? { how: 'descriptor', fd: Number(name) } : { how: 'through' };
}

/** Writes all of data to an open descriptor, waiting out EAGAIN (a pipe or socket left non-blocking). */
function writeToDescriptor(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

let temporaries = 0;

/**
 * Temporary files of asynchronous writes under way. One the thread pool is
 * still writing when the process exits would stay behind (a continuous
 * window's, rewritten synchronously at exit under a name of its own): they
 * are removed at exit.
 */
const asyncTemporaries = new Set<string>();
let removesAtExit = false;

function trackAsyncTemporary(path: string): void {
  asyncTemporaries.add(path);
  if (removesAtExit) return;
  removesAtExit = true;
  process.on('exit', () => {
    for (const temporary of asyncTemporaries) rmSync(temporary, { force: true });
  });
}

/**
 * A name of its own for each write: an asynchronous write of a continuous
 * window may still be running in the thread pool when the process exits and
 * writes the same window synchronously (lib/production/continuous/continuous.ts).
 */
function temporaryBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${++temporaries}.tmp`);
}

/**
 * Writes a report to `path` (see WriteTarget): a regular file is replaced
 * atomically, a device, FIFO or open descriptor is written straight through
 * (appending: output the program already sent to the same file is kept).
 * Errors are `cannot write <path>: <reason>`; nothing is renamed after a failed write.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  let temporary: string | undefined;
  try {
    const target = writeTargetOf(path);
    if (target.how === 'descriptor') return writeToDescriptor(target.fd, data);
    if (target.how === 'through') return writeFileSync(path, data, { flag: 'a' });
    temporary = temporaryBeside(target.path);
    writeFileSync(temporary, data);
    renameSync(temporary, target.path);
  } catch (error) {
    try {
      if (temporary !== undefined) rmSync(temporary, { force: true });
    } catch {
      // The directory itself is the problem (ENOTDIR, EACCES): nothing was written to remove.
    }
    throw new Error(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/**
 * writeFileAtomic without blocking the event loop on the data (continuous
 * profiling writes from a live service); deciding the target is a few lstat
 * calls, done synchronously.
 */
export async function writeFileAtomicAsync(path: string, data: string | Uint8Array): Promise<void> {
  // Loaded when used (continuous windows): the preload that loads this module should not wait for it.
  const { rename, rm, writeFile } = require('node:fs/promises') as typeof FsPromises;
  let temporary: string | undefined;
  try {
    const target = writeTargetOf(path);
    if (target.how === 'descriptor') return writeToDescriptor(target.fd, data); // stdout and the like: no file to wait on
    if (target.how === 'through') return await writeFile(path, data, { flag: 'a' });
    temporary = temporaryBeside(target.path);
    trackAsyncTemporary(temporary);
    await writeFile(temporary, data);
    await rename(temporary, target.path);
  } catch (error) {
    if (temporary !== undefined) await rm(temporary, { force: true }).catch(() => undefined);
    throw new Error(`cannot write ${path}: ${(error as Error).message}`);
  } finally {
    if (temporary !== undefined) asyncTemporaries.delete(temporary);
  }
}
