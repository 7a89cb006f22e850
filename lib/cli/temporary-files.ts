/** Files the CLI makes in the temporary directory. */
import type * as Crypto from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A new directory of the run's own for the program's session, its journal and
 * the program's temporary file as it writes the session: mkdtemp makes the
 * name unique and the directory private (mode 0700), so no other user can put
 * a file or a link where the program writes. The caller removes it.
 * (Made without node:crypto, which took 6 ms of the CLI's start before the program's.)
 */
export function temporaryRunDirectory(): string {
  return mkdtempSync(join(tmpdir(), `nodeinstrument-${process.pid}-`));
}

/** A new, unguessable path for a session kept when a report could not be written. */
export function temporarySessionPath(): string {
  const { randomBytes } = require('node:crypto') as typeof Crypto;
  return join(tmpdir(), `nodeinstrument-${process.pid}-${randomBytes(4).toString('hex')}.json`);
}

/** Writes a report to a new file `nodeinstrument-<timestamp>.html` in the temporary directory; returns its path. */
export function writeTemporaryReport(data: string | Uint8Array): string {
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

