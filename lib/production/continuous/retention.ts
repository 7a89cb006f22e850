/** Deletes the oldest window files of a directory beyond a limit of files or bytes. */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { windowFileKey } from './file-names';
import type { RetentionLimit } from './options';

export interface RetentionResult {
  deleted: string[];
  kept: number;
  keptBytes: number;
}

/**
 * Keeps the newest window files (by the timestamp in their names) within
 * `limit`; other files in the directory are never touched. Files that vanish
 * meanwhile (another process's retention) are not an error.
 */
export async function applyRetention(dir: string, prefix: string, limit: Required<RetentionLimit>): Promise<RetentionResult> {
  const files: Array<{ name: string; key: string; size: number }> = [];
  for (const name of await fs.readdir(dir)) {
    const key = windowFileKey(name, prefix);
    if (key === undefined) continue;
    try {
      files.push({ name, key, size: (await fs.stat(join(dir, name))).size });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  files.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0)); // newest first
  const deleted: string[] = [];
  let kept = 0;
  let keptBytes = 0;
  let full = false;
  for (const file of files) {
    // The newest file always stays; once a limit is reached, everything older goes.
    full ||= kept > 0 && (kept >= limit.files || keptBytes + file.size > limit.bytes);
    if (!full) {
      kept++;
      keptBytes += file.size;
      continue;
    }
    try {
      await fs.unlink(join(dir, file.name));
      deleted.push(file.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return { deleted, kept, keptBytes };
}
