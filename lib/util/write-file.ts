import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
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

/** writeFileAtomic without blocking the event loop (continuous profiling writes from a live service). */
export async function writeFileAtomicAsync(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new Error(`cannot write ${path}: ${(error as Error).message}`);
  }
}
