/**
 * The source text of a script V8 compiled, by the file name its code events
 * carry: files on disk (paths and file: URLs) and Node's own modules
 * (`node:internal/...`, whose sources Node keeps in memory and lists in
 * process.binding('natives')). The offsets in V8's line position tables are
 * offsets in exactly this text: Node compiles CommonJS and ES modules and its
 * own modules from the file's text unchanged. Code compiled from other text
 * (eval, vm, a loader that transpiles) has no source here, or a source that
 * does not match; lib/inline/stack.ts checks that the function V8 named
 * starts where the code event says before trusting a source.
 */
import { fileURLToPath } from 'node:url';
import { readTextFileOnce } from '../util/text-files';

export type SourceReader = (file: string) => string | undefined;

let nodeSources: Record<string, string> | null | undefined;

/** Node's own modules' sources, keyed without `node:`; null when this Node does not expose them. */
function builtinSources(): Record<string, string> | null {
  if (nodeSources === undefined) {
    try {
      // Deprecated (DEP0111) but present on Node 20 to 24, without a warning unless --pending-deprecation.
      const binding = (process as unknown as { binding(name: string): unknown }).binding('natives');
      nodeSources = typeof binding === 'object' && binding !== null ? (binding as Record<string, string>) : null;
    } catch {
      nodeSources = null;
    }
  }
  return nodeSources;
}

/** Reads a script's source; undefined when it is not on disk or in Node. */
export const readScriptSource: SourceReader = (file) => {
  try {
    if (isNodeBuiltinScript(file)) {
      const source = builtinSources()?.[file.slice('node:'.length)];
      return typeof source === 'string' ? source : undefined;
    }
    // Node strips a byte order mark before compiling.
    if (file.startsWith('file:')) return stripBom(readTextFileOnce(fileURLToPath(file)));
    if (file.startsWith('/')) return stripBom(readTextFileOnce(file));
  } catch {
    // Deleted, unreadable, or not a file.
  }
  return undefined;
};

/**
 * Whether V8 compiled the script from the very text readScriptSource gives:
 * Node's own modules, whose text is in this running binary. Files on disk may
 * have changed since, or have been transpiled by a loader.
 */
export function isNodeBuiltinScript(file: string): boolean {
  return file.startsWith('node:');
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
