/**
 * Loads a profile for `nodeinstrument diff`: a nodeinstrument session, or a
 * V8 CPU profile (.cpuprofile, as `node --cpu-prof` writes), told apart by
 * content. Errors are SessionFormatErrors naming the file.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { loadCpuProfile, looksLikeCpuProfile } from '../loaders/cpuprofile';
import { Session, SESSION_FORMAT, SessionFormatError } from '../session/session';
import { escapeControl } from '../util/escape';
import { readProfileText } from '../util/read-file';

export function loadProfile(path: string): Session {
  let text: string;
  let modifiedMs: number | undefined;
  try {
    text = readProfileText(path);
    modifiedMs = statSync(path).mtimeMs;
  } catch (error) {
    throw new SessionFormatError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SessionFormatError(`${path} is neither a nodeinstrument session nor a V8 .cpuprofile (not JSON: ${escapeControl((error as Error).message)})`);
  }
  try {
    if (typeof data === 'object' && data !== null && (data as { format?: unknown }).format === SESSION_FORMAT) return Session.fromJSON(data);
    if (looksLikeCpuProfile(data)) return loadCpuProfile(data, { name: basename(path), modifiedMs });
  } catch (error) {
    throw new SessionFormatError(`${path}: ${(error as Error).message}`);
  }
  throw new SessionFormatError(`${path} is neither a nodeinstrument session nor a V8 .cpuprofile`);
}
