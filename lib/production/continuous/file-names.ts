/**
 * Names of window files: `<prefix>-<UTC start>-<pid>-<index>.<ext>`, e.g.
 * `profile-20261126T041500.123Z-4242-0007.pb.gz`. The timestamp sorts by name,
 * and retention recognises its own files by this pattern (it never touches
 * anything else in the directory).
 */
import type { WindowFormat } from './options';

export const EXTENSIONS: Record<WindowFormat, string> = { pprof: 'pb.gz', session: 'json' };

export function windowFileName(prefix: string, startMs: number, pid: number, index: number, format: WindowFormat): string {
  const stamp = new Date(Math.floor(startMs)).toISOString().replace(/[-:]/g, ''); // 20261126T041500.123Z
  return `${prefix}-${stamp}-${pid}-${String(index).padStart(4, '0')}.${EXTENSIONS[format]}`;
}

const WINDOW_FILE = /^(?<prefix>[A-Za-z0-9._-]+)-(?<stamp>\d{8}T\d{6}\.\d{3}Z)-\d+-\d+\.(?:pb\.gz|json)$/;

/** The sort key (timestamp, then name) of a window file with this prefix, or undefined for any other file. */
export function windowFileKey(name: string, prefix: string): string | undefined {
  const match = WINDOW_FILE.exec(name);
  if (!match || match.groups!.prefix !== prefix) return undefined;
  return `${match.groups!.stamp} ${name}`;
}
