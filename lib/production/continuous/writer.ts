/**
 * Writes each window into the directory, in each format, atomically
 * (temporary file, then rename), then applies retention. The async path is
 * for a live service (gzip runs on libuv's thread pool, files are written
 * without blocking); the sync path is for the process's 'exit', where
 * nothing asynchronous runs any more.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import { buildPprofProfile } from '../../renderers/pprof';
import { Session } from '../../session/session';
import { writeFileAtomic, writeFileAtomicAsync } from '../../util/write-file';
import { windowFileName } from './file-names';
import type { RetentionLimit, WindowFormat } from './options';
import { ProblemLog } from './problems';
import { applyRetention } from './retention';

const gzipAsync = promisify(gzip);

/** The gzipped pprof of a window; the compression runs on libuv's thread pool. */
export function renderPprofAsync(session: Session): Promise<Buffer> {
  return gzipAsync(buildPprofProfile(session).encode());
}

export interface WriterCounts {
  filesWritten: number;
  bytesWritten: number;
  filesDeleted: number;
}

export class WindowWriter {
  readonly counts: WriterCounts = { filesWritten: 0, bytesWritten: 0, filesDeleted: 0 };

  constructor(
    private readonly dir: string,
    private readonly formats: readonly WindowFormat[],
    private readonly prefix: string,
    private readonly retain: Required<RetentionLimit>,
    private readonly problems: ProblemLog,
  ) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      problems.report('write', `cannot create the profile directory ${dir}: ${(error as Error).message}`);
    }
  }

  /** Writes the window's files (`pprof`: its gzipped pprof, if already rendered); returns the paths written. Never throws. */
  async write(session: Session, index: number, pprof?: Uint8Array): Promise<string[]> {
    const written: string[] = [];
    for (const format of this.formats) {
      const path = join(this.dir, windowFileName(this.prefix, session.meta.startTime, process.pid, index, format));
      try {
        const data = format === 'pprof' ? (pprof ?? (await renderPprofAsync(session))) : JSON.stringify(session);
        await writeFileAtomicAsync(path, data);
        this.wrote(data);
        written.push(path);
      } catch (error) {
        this.problems.report('write', `could not write a profile window: ${(error as Error).message}`);
      }
    }
    try {
      this.counts.filesDeleted += (await applyRetention(this.dir, this.prefix, this.retain)).deleted.length;
    } catch (error) {
      this.problems.report('retention', `could not apply retention in ${this.dir}: ${(error as Error).message}`);
    }
    return written;
  }

  /** The same, blocking: for process exit. Retention runs at the next start's first window. */
  writeSync(session: Session, index: number): string[] {
    const written: string[] = [];
    for (const format of this.formats) {
      const path = join(this.dir, windowFileName(this.prefix, session.meta.startTime, process.pid, index, format));
      try {
        const data = format === 'pprof' ? gzipSync(buildPprofProfile(session).encode()) : JSON.stringify(session);
        writeFileAtomic(path, data);
        this.wrote(data);
        written.push(path);
      } catch (error) {
        this.problems.report('write', `could not write a profile window: ${(error as Error).message}`);
      }
    }
    return written;
  }

  private wrote(data: string | Uint8Array): void {
    this.counts.filesWritten++;
    this.counts.bytesWritten += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  }
}
