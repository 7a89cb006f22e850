/** The search box: which frames match a query (case-insensitive, by name or file). */
import type { FrameInfo } from '../session/frame';

/** One flag per frame id, or undefined when there is no query. */
export type FrameMatches = Uint8Array | undefined;

export function matchFrames(query: string, frames: readonly FrameInfo[], locations: readonly string[]): FrameMatches {
  const needle = query.trim().toLowerCase();
  if (!needle) return undefined;
  const matches = new Uint8Array(frames.length);
  frames.forEach((frame, id) => {
    if (frame.name.toLowerCase().includes(needle) || frame.file.toLowerCase().includes(needle) || locations[id]!.toLowerCase().includes(needle)) {
      matches[id] = 1;
    }
  });
  return matches;
}
