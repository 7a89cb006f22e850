/**
 * Where this copy of nodeinstrument is installed, found in one place for
 * every module that needs a file of the package: the addon, the HTML report's
 * assets, the preload the CLI hands to its child, the attach agent.
 * lib/ compiles to dist/cjs/ (dist/esm/ only re-exports it), so this module
 * runs as dist/cjs/util/package-root.js, three folders below the root.
 */
import { join } from 'node:path';

export const PACKAGE_ROOT = join(__dirname, '..', '..', '..');

/** The compiled package: dist/cjs, dist/esm and dist/html-app. */
export const DIST_DIR = join(PACKAGE_ROOT, 'dist');

/** The compiled file of a module, by its path under lib/: `compiledModule('preload')` is dist/cjs/preload.js. */
export function compiledModule(libPath: string): string {
  return join(DIST_DIR, 'cjs', `${libPath}.js`);
}
