import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file so that readers see either the old or the whole new content:
 * the data goes to a temporary file beside the target, which is then renamed.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // The directory itself is the problem (ENOTDIR, EACCES): nothing was written to remove.
    }
    throw new Error(`cannot write ${path}: ${(error as Error).message}`);
  }
}
