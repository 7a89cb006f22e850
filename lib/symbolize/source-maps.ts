/**
 * Source maps: moves frames of transpiled or bundled JavaScript (tsc, esbuild,
 * babel, webpack...) to their original source, file, line, column and, where
 * the map records it, the function's original name.
 *
 * A separate step between recording and rendering: it reads the generated
 * scripts, so it has to run where they exist (in the profiled process, when
 * the session is built). Every renderer then sees the original positions.
 *
 * Maps are found the way Node and browsers find them: the last
 * `//# sourceMappingURL=` comment of the script (a data: URL or a path
 * relative to the script), and, as a fallback, `<script>.map` beside it.
 */
import { join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as TraceMapping from '@jridgewell/trace-mapping';
import { FrameInfo } from '../session/frame';
import { mapLinesOf } from '../session/lines';
import { Session } from '../session/session';
import { readTextFileOnce } from '../util/text-files';
import { DIST_DIR } from '../util/package-root';

/** Reads a text file; undefined when it cannot be read. */
export type ReadFile = (path: string) => string | undefined;

/** A script whose source map was referenced but could not be used. */
export interface SourceMapProblem {
  /** The generated script. */
  file: string;
  message: string;
}

type TraceMap = TraceMapping.TraceMap;

/**
 * The profiler's own scripts, whose frames keep their generated positions:
 * this package's dist/ and the libraries its pipeline runs (pprof encoding,
 * source maps). A long recording samples its own pipeline (drains, cuts,
 * pprof encoding) script by script over its first minutes, and each of these
 * maps, once loaded, held some 20 times its size in JS heap for good
 * (trace-mapping's decoded segments: about 125 KB per script of dist/, 2.2 MB
 * for the four libraries, 0.86 MB of it pprof-format's): most of the RSS that
 * continuous mode grew by after its first minute (docs/benchmarks.md, section 9).
 * The maps of dist/ point at lib/*.ts, which the package does not ship anyway.
 */
const OWN_PACKAGES = ['pprof-format', '@jridgewell/trace-mapping', '@jridgewell/sourcemap-codec', '@jridgewell/resolve-uri'];
let ownScriptDirs: string[] | undefined;

function isOwnScript(path: string): boolean {
  // Found on first use: the resolver is loaded at the start of every profiled program.
  ownScriptDirs ??= [DIST_DIR + sep, ...OWN_PACKAGES.map(installedPackageDir).filter((dir): dir is string => dir !== undefined)];
  return ownScriptDirs.some((dir) => path.startsWith(dir));
}

/** Where a package this one loads is installed (…/node_modules/<name>/), or undefined. */
function installedPackageDir(name: string): string | undefined {
  try {
    // The @jridgewell packages below trace-mapping may be installed under it.
    const main = require.resolve(name, { paths: [__dirname, join(require.resolve('@jridgewell/trace-mapping'), '..')] });
    const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
    const at = main.lastIndexOf(marker);
    return at === -1 ? undefined : main.slice(0, at + marker.length);
  } catch {
    return undefined;
  }
}

interface LoadedMap {
  map: TraceMap;
  /** Display file of each of the map's resolved sources. */
  files: Map<string, string>;
  /** Lines of the generated script, to find function names in. */
  lines: string[];
}

export class SourceMapResolver {
  /** Problems met so far, in the order met. */
  readonly problems: SourceMapProblem[] = [];
  /** Per generated script: its map, or null when it has none (so files are read once). */
  private readonly maps = new Map<string, LoadedMap | null>();

  constructor(private readonly readFile: ReadFile = readTextFile) {}

  /** The frame at its original position, or the frame itself when no map applies. */
  resolve(frame: FrameInfo): FrameInfo {
    if (frame.kind !== 'js' || frame.line < 1) return frame;
    const path = scriptPath(frame.file);
    if (path === undefined || isOwnScript(path)) return frame;
    const loaded = this.mapOf(path);
    if (!loaded) return frame;
    try {
      return mapFrame(frame, loaded) ?? frame;
    } catch {
      // Mappings are decoded when loaded; this is for anything left that a hostile map can do.
      return frame;
    }
  }

  /**
   * The original line of a generated line of `frame`'s script, by the first
   * mapping on it, when that mapping is in `file` (the file the frame was
   * mapped to); 0 when unknown. Lines carry no column, so code that puts
   * statements of several original lines on one line (minified) gets the first.
   */
  originalLine(frame: FrameInfo, file: string, line: number): number {
    const path = scriptPath(frame.file);
    const loaded = path === undefined ? null : this.mapOf(path);
    if (!loaded) return 0;
    try {
      const { originalPositionFor, LEAST_UPPER_BOUND } = traceMapping();
      const position = originalPositionFor(loaded.map, { line, column: 0, bias: LEAST_UPPER_BOUND });
      if (position.source === null || (loaded.files.get(position.source) ?? position.source) !== file) return 0;
      return position.line;
    } catch {
      return 0;
    }
  }

  private mapOf(path: string): LoadedMap | null {
    let loaded = this.maps.get(path);
    if (loaded === undefined) {
      loaded = this.load(path);
      this.maps.set(path, loaded);
    }
    return loaded;
  }

  private load(path: string): LoadedMap | null {
    const text = this.read(path);
    if (text === undefined) return null;
    const found = this.findMap(path, text);
    if (!found) return null;
    try {
      const map = new (traceMapping().AnyMap)(found.json, found.mapUrl);
      traceMapping().decodedMappings(map); // decode now, so that a corrupt map fails here rather than at each frame
      return { map, files: displayFiles(map), lines: text.split(LINE_TERMINATOR) };
    } catch (error) {
      this.problems.push({ file: path, message: `its source map is not valid (${(error as Error).message})` });
      return null;
    }
  }

  /** The map's JSON text and the URL its sources are relative to; undefined when the script has no map. */
  private findMap(path: string, text: string): { json: string; mapUrl: string } | undefined {
    const url = lastSourceMappingUrl(text);
    if (url === undefined) {
      const mapPath = `${path}.map`;
      const json = this.read(mapPath);
      return json === undefined ? undefined : { json, mapUrl: mapPath };
    }
    if (url.startsWith('data:')) {
      const json = decodeDataUrl(url);
      if (json === undefined) this.problems.push({ file: path, message: 'its inline source map cannot be decoded' });
      return json === undefined ? undefined : { json, mapUrl: path };
    }
    const mapPath = mapFilePath(url, path);
    if (mapPath === undefined) return undefined; // http: and other remote maps are not fetched
    const json = this.read(mapPath);
    if (json === undefined) this.problems.push({ file: path, message: `its source map ${mapPath} cannot be read` });
    return json === undefined ? undefined : { json, mapUrl: mapPath };
  }

  /** A given reader may throw; a missing file is no error here. */
  private read(path: string): string | undefined {
    try {
      return this.readFile(path);
    } catch {
      return undefined;
    }
  }
}

/**
 * The session with every frame at its original position. Frame ids stay the
 * same, so stacks and samples are shared with the given session; two frames
 * that map to the same function stay two frames. Problems with maps of the
 * program's own files (not node_modules) become notes of the session.
 * Never throws; returns the session itself when nothing changed.
 */
export function applySourceMaps(session: Session, resolver: SourceMapResolver = new SourceMapResolver()): Session {
  const problemsBefore = resolver.problems.length;
  let changed = false;
  const mapped = new Set<number>();
  const frames = session.frames.map((frame, id) => {
    const resolved = resolver.resolve(frame);
    if (resolved !== frame) {
      changed = true;
      mapped.add(id);
    }
    return resolved;
  });
  const notes = problemNotes(resolver.problems.slice(problemsBefore));
  if (!changed && notes.length === 0) return session;
  const meta = notes.length > 0 ? { ...session.meta, notes: [...session.meta.notes, ...notes] } : session.meta;
  // Executing lines are the generated code's: mapped too, each by the first mapping on its line.
  const originalLines = new Map<string, number>();
  const mapLine = (id: number, line: number): number => {
    if (!mapped.has(id) || line < 1) return line;
    const key = `${id}:${line}`;
    let original = originalLines.get(key);
    if (original === undefined) originalLines.set(key, (original = resolver.originalLine(session.frames[id]!, frames[id]!.file, line)));
    return original;
  };
  const lines = changed ? mapLinesOf(session, mapLine) : session.lines;
  return session.with({ meta, frames, lines });
}

// ---------------------------------------------------------------------------
// Finding and reading maps.

let traceMappingModule: typeof TraceMapping | undefined;

/**
 * The source map library, loaded on first use: most programs have no maps,
 * and loading it costs milliseconds at the start of every profiled program
 * (the recorder, which imports this module, is loaded there).
 */
function traceMapping(): typeof TraceMapping {
  traceMappingModule ??= require('@jridgewell/trace-mapping') as typeof TraceMapping;
  return traceMappingModule;
}

/** ECMAScript line terminators, which both V8 and source maps count lines by. */
const LINE_TERMINATOR = /\r\n|[\n\r\u2028\u2029]/;

/** `//# sourceMappingURL=...`, also the older `//@` and the CSS-style `/*# ... *\/`, read where a match starts. */
const SOURCE_MAPPING_URL = /(?:\/\/|\/\*)[#@][ \t]+sourceMappingURL=([^\s'"`*]+)/y;
const URL_MARKER = 'sourceMappingURL=';

function readTextFile(path: string): string | undefined {
  try {
    return readTextFileOnce(path);
  } catch {
    return undefined;
  }
}

/** The path of a frame's script: absolute paths and file: URLs (ES modules); nothing for node:, wasm: and the like. */
function scriptPath(file: string): string | undefined {
  if (file.startsWith('/')) return file;
  if (!file.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(file);
  } catch {
    return undefined;
  }
}

/**
 * The last sourceMappingURL of the script: tools append theirs, so an earlier one may be quoted
 * text. Searched from the end, where it is: a script that quotes the comment in its code
 * (typescript.js, 9 MB) is not matched whole (10 ms at the end of a TypeScript check).
 */
export function lastSourceMappingUrl(text: string): string | undefined {
  for (let at = text.lastIndexOf(URL_MARKER); at !== -1; at = at === 0 ? -1 : text.lastIndexOf(URL_MARKER, at - 1)) {
    // A match ends its prefix here: blanks, then # or @, then // or /*.
    let start = at;
    while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
    if (start === at || start < 3) continue;
    SOURCE_MAPPING_URL.lastIndex = start - 3;
    const match = SOURCE_MAPPING_URL.exec(text);
    if (match === null) continue;
    // Glued to the text before it, it may be the tail of an earlier comment's URL, which a
    // reading from the start takes instead: read so (`//# sourceMappingURL=a//# ...`).
    return start - 3 > 0 && !URL_END.test(text[start - 4]!) ? lastUrlFromStart(text) : match[1];
  }
  return undefined;
}

/** What ends a sourceMappingURL (SOURCE_MAPPING_URL's URL). */
const URL_END = /[\s'"`*]/;

function lastUrlFromStart(text: string): string | undefined {
  let url: string | undefined;
  for (const match of text.matchAll(new RegExp(SOURCE_MAPPING_URL.source, 'g'))) url = match[1];
  return url;
}

/** The JSON of a `data:application/json;base64,...` or URL-encoded data: URL. */
function decodeDataUrl(url: string): string | undefined {
  const comma = url.indexOf(',');
  if (comma === -1) return undefined;
  const parameters = url.slice('data:'.length, comma).split(';');
  const data = url.slice(comma + 1);
  if (parameters.includes('base64')) return Buffer.from(data, 'base64').toString('utf8');
  try {
    return decodeURIComponent(data);
  } catch {
    return undefined;
  }
}

/** The map file a sourceMappingURL points at, relative to the script; undefined for remote URLs. */
function mapFilePath(url: string, scriptFile: string): string | undefined {
  try {
    const resolved = new URL(url, pathToFileURL(scriptFile));
    return resolved.protocol === 'file:' ? fileURLToPath(resolved) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What reports show for each source of the map. trace-mapping has resolved
 * them against the map's location and sourceRoot: paths become absolute
 * paths (so reports can show them relative to the working directory),
 * file: URLs become paths, and sources with another scheme (webpack://...)
 * are kept as the map wrote them.
 */
function displayFiles(map: TraceMap): Map<string, string> {
  const files = new Map<string, string>();
  map.resolvedSources.forEach((resolved, index) => {
    const raw = map.sources[index] ?? '';
    if (files.has(resolved)) return;
    if (/^[A-Za-z][\w+.-]*:/.test(raw) && !raw.startsWith('file:')) files.set(resolved, raw);
    else files.set(resolved, resolved.startsWith('file:') ? (scriptPath(resolved) ?? resolved) : resolved);
  });
  return files;
}

// ---------------------------------------------------------------------------
// Mapping frames.

/**
 * The frame at its original position, or undefined when the map has none
 * for it. V8 gives the position where the function is defined (its
 * parameter list), 1-based; source maps count columns from 0.
 */
function mapFrame(frame: FrameInfo, loaded: LoadedMap): FrameInfo | undefined {
  if (frame.name === '(module)' && frame.line === 1 && frame.column === 1) return mapModuleFrame(frame, loaded);
  const { originalPositionFor, GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND } = traceMapping();
  const column = Math.max(0, frame.column - 1);
  let position = originalPositionFor(loaded.map, { line: frame.line, column, bias: GREATEST_LOWER_BOUND });
  // Nothing mapped at or before the position on its line: take the next mapping on that line.
  if (position.source === null) position = originalPositionFor(loaded.map, { line: frame.line, column, bias: LEAST_UPPER_BOUND });
  if (position.source === null) return undefined;
  return {
    name: originalName(frame, loaded, column),
    file: loaded.files.get(position.source) ?? position.source,
    line: position.line,
    column: position.column + 1,
    kind: frame.kind,
    ...(frame.inlined ? { inlined: true } : {}),
  };
}

/**
 * A script's top-level code. Of a script compiled from one source (tsc,
 * babel) it is that source's top-level code; of a bundle it is the bundle's
 * (the modules' top-level code is inlined into it), so it stays.
 */
function mapModuleFrame(frame: FrameInfo, loaded: LoadedMap): FrameInfo | undefined {
  const files = new Set(loaded.files.values());
  if (files.size !== 1) return undefined;
  const [file] = files;
  return { ...frame, file: file! };
}

/** Trailing identifier of a V8 function name: `foo2` of `foo2`, `get size`, `exports.foo2`. */
const TRAILING_IDENTIFIER = /[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;
const IDENTIFIER_PART = /[\p{ID_Continue}$\u200c\u200d]/u;
/** How far before the parameter list the name is looked for (`foo2 = async function* (`). */
const NAME_WINDOW = 200;

/**
 * The function's original name. V8 names the function as the generated code
 * does; a bundler may have renamed it (esbuild: `helper` to `helper2`) and a
 * minifier surely has. The map records the original name on the mapping of
 * the name identifier, which stands before the parameter list in the
 * generated code: `function helper2(`, `helper2(` (a method), `helper2 =
 * (`. Without such a name, V8's name is kept.
 */
function originalName(frame: FrameInfo, loaded: LoadedMap, column: number): string {
  const identifier = TRAILING_IDENTIFIER.exec(frame.name);
  const text = loaded.lines[frame.line - 1];
  if (!identifier || text === undefined) return frame.name;
  const start = lastWordBefore(text, identifier[0], column);
  if (start === -1) return frame.name;
  const segment = traceMapping().traceSegment(loaded.map, frame.line - 1, start);
  if (!segment || segment[0] !== start || segment.length !== 5) return frame.name;
  const name = loaded.map.names[segment[4]];
  if (!name || name === identifier[0]) return frame.name;
  return frame.name.slice(0, identifier.index) + name;
}

/** Column of the last whole-word `word` that ends at or before `end` (and not too far before it); -1 if none. */
function lastWordBefore(text: string, word: string, end: number): number {
  if (end < word.length) return -1;
  const limit = Math.max(0, end - NAME_WINDOW);
  for (let start = text.lastIndexOf(word, end - word.length); start >= limit; start = text.lastIndexOf(word, start - 1)) {
    const before = start > 0 ? text[start - 1]! : '';
    const after = text[start + word.length] ?? '';
    if (!IDENTIFIER_PART.test(before) && !IDENTIFIER_PART.test(after)) return start;
    if (start === 0) break;
  }
  return -1;
}

// ---------------------------------------------------------------------------
// Notes.

const MAX_PROBLEM_NOTES = 3;

/** Notes about maps of the program's own scripts; broken maps in node_modules are common and not the reader's to fix. */
function problemNotes(problems: readonly SourceMapProblem[]): string[] {
  const own = problems.filter((problem) => !/[\\/]node_modules[\\/]/.test(problem.file));
  const notes = own.slice(0, MAX_PROBLEM_NOTES).map((problem) => `source maps: ${problem.file} is reported as generated: ${problem.message}`);
  if (own.length > MAX_PROBLEM_NOTES) notes.push(`source maps: ${own.length - MAX_PROBLEM_NOTES} more script(s) with unusable source maps`);
  return notes;
}
