/**
 * Text files read at the end of a recording, kept until the event loop's
 * next turn: inline recovery and source maps both read the sampled scripts
 * one after the other, and a 9 MB bundle takes 50 ms to read.
 */
import { readFileSync } from 'node:fs';

const recent = new Map<string, string>();

/** The file's text (throws as readFileSync does); read once per turn of the event loop. */
export function readTextFileOnce(path: string): string {
  const known = recent.get(path);
  if (known !== undefined) return known;
  const text = readFileSync(path, 'utf8');
  // At exit the immediate never runs, and nothing needs the memory back.
  if (recent.size === 0) setImmediate(() => recent.clear()).unref();
  recent.set(path, text);
  return text;
}
