import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The most `--load` and `diff` read of one profile: far above any real
 * session (a profile holds its frames once and a few numbers per sample), and
 * below V8's longest string (about 512 MiB), which JSON.parse needs the file in.
 */
export const MAX_PROFILE_BYTES = 256 * 1024 * 1024;

const CHUNK_BYTES = 1024 * 1024;

function tooLarge(limit: number): Error {
  return new Error(`more than ${limit / (1024 * 1024)} MiB, the largest profile nodeinstrument reads`);
}

/**
 * Reads a profile file as UTF-8 text, refusing one over `limit` bytes: a
 * regular file by its size, before reading; anything else (a FIFO, a device
 * such as /dev/zero that never ends) by counting as it reads.
 */
export function readProfileText(path: string, limit = MAX_PROFILE_BYTES): string {
  const fd = openSync(path, 'r');
  try {
    const stats = fstatSync(fd);
    if (stats.isFile() && stats.size > limit) throw tooLarge(limit);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, limit + 1 - total));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      total += read;
      if (total > limit) throw tooLarge(limit);
      chunks.push(chunk.subarray(0, read));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
