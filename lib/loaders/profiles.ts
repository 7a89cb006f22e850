/**
 * Reads saved profiles for `--load` and `diff`: a nodeinstrument session, a
 * set of runs (`--repeat`), or a V8 CPU profile (.cpuprofile, as `node
 * --cpu-prof` writes), told apart by content; for `diff`, a directory of them
 * too (`node --cpu-prof --cpu-prof-dir=before` run several times). Errors are
 * SessionFormatErrors naming the file.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadCpuProfile, looksLikeCpuProfile } from './cpuprofile';
import { isRunSetData, runSetFromJSON } from '../session/run-set';
import { Session, SESSION_FORMAT, SessionFormatError } from '../session/session';
import { escapeControl } from '../util/escape';
import { readProfileText } from '../util/read-file';

/** The runs a file holds: one for a session or a .cpuprofile, each run of a set. */
export function readProfileFile(path: string): Session[] {
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
    if (typeof data === 'object' && data !== null && (data as { format?: unknown }).format === SESSION_FORMAT) return [Session.fromJSON(data)];
    if (isRunSetData(data)) return runSetFromJSON(data);
    if (looksLikeCpuProfile(data)) return [loadCpuProfile(data, { name: basename(path), modifiedMs })];
  } catch (error) {
    throw new SessionFormatError(`${path}: ${(error as Error).message}`);
  }
  throw new SessionFormatError(`${path} is neither a nodeinstrument session nor a V8 .cpuprofile`);
}

/** Files a directory of profiles is read for: sessions and sets (.json) and V8 profiles (.cpuprofile). */
const PROFILE_FILE = /\.(?:json|cpuprofile)$/i;

/**
 * The runs at a path: those of a file, or of every .json and .cpuprofile
 * file in a directory (in name order; a directory without any is an error).
 */
export function readProfiles(path: string): Session[] {
  let directory = false;
  try {
    directory = statSync(path).isDirectory();
  } catch {
    // readProfileFile says why the path cannot be read.
  }
  if (!directory) return readProfileFile(path);
  const files = readdirSync(path)
    .filter((name) => PROFILE_FILE.test(name))
    .sort();
  if (files.length === 0) throw new SessionFormatError(`${path} is a directory without profiles (.json or .cpuprofile files)`);
  return files.flatMap((name) => readProfileFile(join(path, name)));
}

/** One profile: a session or a .cpuprofile (a set of several runs is refused: read it with readProfiles). */
export function loadProfile(path: string): Session {
  const runs = readProfileFile(path);
  if (runs.length > 1) throw new SessionFormatError(`${path} holds ${runs.length} runs (--repeat); read them with readProfiles()`);
  return runs[0]!;
}
