/** Files the CLI makes in the temporary directory. */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new, unguessable path for a session (the program's, or one kept when a report could not be written). */
export function temporarySessionPath(): string {
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

