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
import { CodeListing } from './code-listing';
import { CodeMap } from './code-map';
import { CodeType, decodeCodeEvents } from '../drain/decode';
import { loadNative } from '../native/addon';
import { CodeCatalog, CodeEntry, detachedCodeEntry } from './code-entry';

/**
 * Every copy of nodeinstrument loaded in a process (the CLI's and an app's
 * own, say) has its own addon, and V8 has one code event handler slot: a
 * recording by another copy replaces this copy's handler and removes it at
 * its end. Copies count recordings here so that a watcher knows when it
 * missed events.
 */
interface SharedCodeEvents {
  /** Recordings started by any copy. */
  generation: number;
  /** The copy whose recording is running, if any. */
  recordingCopy: object | undefined;
}
const SHARED_KEY = Symbol.for('nodeinstrument.codeEvents');
const shared: SharedCodeEvents = ((globalThis as Record<symbol, unknown>)[SHARED_KEY] ??= {
  generation: 0,
  recordingCopy: undefined,
}) as SharedCodeEvents;
const THIS_COPY = {};

/** The code known while watching; undefined when not watching. */
let catalog: CodeCatalog | undefined;
/** Line tables waiting for their code's 'added' event. */
const pendingLines = new Map<number, Uint32Array>();
/** `shared.generation` when the catalog was last complete. */
let seenGeneration = 0;
/** Times the watched log was listed afresh (overflow, or another copy's recording). */
let relistings = 0;

/**
 * Starts watching the code V8 creates, so that later recordings start
 * without walking the heap and name code compiled before them (hot loops).
 * Costs V8 a name per compiled function while armed, and our log up to 8 MB
 * between recordings. Idempotent; main thread only. Throws while another
 * copy of nodeinstrument is recording (taking V8's handler would blind it).
 */
export function watchCode(): void {
  if (catalog !== undefined) return;
  if (shared.recordingCopy !== undefined && shared.recordingCopy !== THIS_COPY) {
    throw new Error('another copy of nodeinstrument is recording in this process; watch code once it has stopped');
  }
  loadNative().watchCode(true);
  catalog = new CodeMap<CodeEntry>();
  seenGeneration = shared.generation;
  // The listing of existing code is applied now, while arming, rather than
  // in the first recording's start().
  watchedCodeCatalog();
}

/**
 * watchCode() for the tools that profile a live service on demand (the pprof
 * endpoint, the signal trigger, the middleware), armed when they are set up.
 * Watching only improves the later profiles, so where it cannot (no usable
 * addon, which the capture itself reports; another copy recording) the
 * process is left as it is.
 */
export function watchCodeForCaptures(): void {
  try {
    watchCode();
  } catch {
    // Captures work without it, as profiles did before it existed.
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

/** Times the watched code was listed afresh because events were missed (for tests and diagnostics). */
export function watchedCodeRelistings(): number {
  return relistings;
}

/**
 * For a recording about to start: the watched code, brought up to date
 * with the events logged since the last recording. Undefined when not
 * watching.
 */
export function watchedCodeCatalog(): CodeCatalog | undefined {
  if (catalog === undefined) return undefined;
  const missed = shared.generation !== seenGeneration;
  const { codeEvents, overflowed } = loadNative().takeCodeEvents(missed);
  // A fresh listing of all existing code: start over.
  if (overflowed) {
    catalog = new CodeMap<CodeEntry>();
    seenGeneration = shared.generation;
    relistings++;
  }
  for (const event of decodeCodeEvents(codeEvents)) {
    if (event.kind === 'moved') {
      catalog.move(event.start, event.newStart);
    } else if (event.kind === 'listing') {
      // All existing code, newer than what the catalog knew: names copied, as below.
      for (const { start, end, entry } of new CodeListing(event.payload).remaining()) {
        catalog.add(start, end - start, detachedCodeEntry(entry));
      }
    } else if (event.kind === 'lines') {
      // A line table comes just before the 'added' event of its code.
      pendingLines.set(event.start, event.table.slice());
    } else {
      // A copy: a view would keep the whole drained buffer alive.
      const entry: CodeEntry = { nameBytes: event.nameBytes.slice(), isWasm: event.codeType === CodeType.wasm, frameId: -1, interpreterPlumbing: false };
      const lines = pendingLines.get(event.start);
      if (lines !== undefined) {
        entry.lines = lines;
        entry.isBytecode = event.codeType === CodeType.bytecode;
        pendingLines.delete(event.start);
      }
      catalog.add(event.start, event.size, entry);
    }
  }
  if (pendingLines.size > 10000) pendingLines.clear(); // tables whose code never came
  return catalog;
}

/** A recording of this copy starts (after watchedCodeCatalog()). */
export function recordingStarted(): void {
  shared.generation++;
  shared.recordingCopy = THIS_COPY;
}

/**
 * A recording of this copy stopped; `codeMap` is its code map merged with
 * what it inherited, which is what a watcher knows now (undefined when the
 * process is ending: nothing will read it).
 */
export function recordingStopped(codeMap: CodeCatalog | undefined): void {
  if (shared.recordingCopy === THIS_COPY) shared.recordingCopy = undefined;
  if (catalog === undefined || codeMap === undefined) return;
  catalog = codeMap;
  seenGeneration = shared.generation;
}

