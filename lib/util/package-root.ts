/**
 * Where this copy of nodeinstrument is installed, found in one place for
 * every module that needs a file of the package: the addon, the HTML report's
 * assets, the preload the CLI hands to its child, the attach agent.
 * lib/ compiles to dist/cjs/ (dist/esm/ only re-exports it), so this module
 * runs as dist/cjs/util/package-root.js, three folders below the root.
 */
import { join, sep } from 'node:path';

export const PACKAGE_ROOT = join(__dirname, '..', '..', '..');

/** The compiled package: dist/cjs, dist/esm and dist/html-app. */
export const DIST_DIR = join(PACKAGE_ROOT, 'dist');

/** The compiled file of a module, by its path under lib/: `compiledModule('preload')` is dist/cjs/preload.js. */
export function compiledModule(libPath: string): string {
  return join(DIST_DIR, 'cjs', `${libPath}.js`);
}

let libraryDirs: string[] | undefined;

/**
 * Where the libraries that nodeinstrument runs on the profiled thread are
 * (acorn, which parses sources for inlined frames; the source map reader),
 * each ending in a separator. Found through the module resolver, as the
 * package loads them; a library that cannot be found is left out.
 */
export function profilerLibraryDirs(): string[] {
  libraryDirs ??= ['acorn', '@jridgewell/trace-mapping'].flatMap((name) => {
    try {
      const main = require.resolve(name);
      const modules = `${sep}node_modules${sep}`;
      const at = main.lastIndexOf(modules);
      // The package's folder; for a scoped package its scope's, which holds its own dependencies too.
      return at < 0 ? [] : [`${main.slice(0, at + modules.length)}${name.split('/')[0]}${sep}`];
    } catch {
      return [];
    }
  });
  return libraryDirs;
}
