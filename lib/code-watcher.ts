/**
 * Watching V8's code between recordings (`watchCode()`).
 *
 * A recording must know the code that exists when it starts. Without a
 * watcher, V8 lists it at every start by walking the heap (start() then
 * grows with the heap: ~10 ms at 20 MB, ~25 ms at 50 MB here), and it never
 * lists the optimized code of hot loops (OSR code) compiled before the
 * process's first recording, so a profile taken from a long-running process
 * shows those loops as `(unresolved)`. A watcher keeps V8's code event
 * handler installed from the moment it is armed: the events wait in the
 * native log (capped; see native/code_event_log.h) and are applied to a
 * catalog when a recording starts, which then starts without the heap walk.
 * The pprof endpoint, the signal trigger and the middleware arm one.
 */
import { CodeMap } from './code-map';
import { CodeType, decodeCodeEvents } from './drain';
import { loadNative } from './native';
import { CodeCatalog, CodeEntry } from './symbolizer';

/** The code known while watching; undefined when not watching. */
let catalog: CodeCatalog | undefined;

/**
 * Starts watching the code V8 creates, so that later recordings start
 * without walking the heap and name code compiled before them (hot loops).
 * Costs V8 a name per compiled function while armed, and our log up to 8 MB
 * between recordings. Idempotent; main thread only.
 */
export function watchCode(): void {
  if (catalog !== undefined) return;
  loadNative().watchCode(true);
  catalog = new CodeMap<CodeEntry>();
  // The listing of existing code is applied now, while arming, rather than
  // in the first recording's start().
  watchedCodeCatalog();
}

/**
 * watchCode() for the tools that profile a live service on demand (the pprof
 * endpoint, the signal trigger, the middleware), armed when they are set up.
 * Watching only improves the later profiles, so a process where it cannot
 * (no usable addon: the capture itself reports that) is left as it is.
 */
export function watchCodeForCaptures(): void {
  try {
    watchCode();
  } catch {
    // The capture will fail with the reason, where someone reads it.
  }
}

/** Stops watching (idempotent); the next recording lists existing code itself. */
export function unwatchCode(): void {
  if (catalog === undefined) return;
  loadNative().watchCode(false);
  catalog = undefined;
}

export function isWatchingCode(): boolean {
  return catalog !== undefined;
}

/**
 * For a recording about to start: the watched code, brought up to date
 * with the events logged since the last recording. Undefined when not
 * watching.
 */
export function watchedCodeCatalog(): CodeCatalog | undefined {
  if (catalog === undefined) return undefined;
  const { codeEvents, overflowed } = loadNative().takeCodeEvents();
  // After an overflow the log listed all existing code again: start over.
  if (overflowed) catalog = new CodeMap<CodeEntry>();
  for (const event of decodeCodeEvents(codeEvents)) {
    if (event.kind === 'moved') {
      catalog.move(event.start, event.newStart);
    } else {
      // A copy: a view would keep the whole drained buffer alive.
      const entry: CodeEntry = { nameBytes: event.nameBytes.slice(), isWasm: event.codeType === CodeType.wasm, frameId: -1, interpreterPlumbing: false };
      catalog.add(event.start, event.size, entry);
    }
  }
  return catalog;
}

/** After a recording: its code map (merged with what it inherited) is what is known now. */
export function updateWatchedCode(next: CodeCatalog): void {
  if (catalog !== undefined) catalog = next;
}
