// The HTML page's own modules (lib/html-app/*.ts), bundled for Node as the
// page bundles them, so tests can run the front end's pure logic.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from './helpers.mjs';

const require = createRequire(import.meta.url);

/** The named modules' exports, merged into one object. */
export async function loadAppModules(names) {
  const esbuild = require('esbuild');
  const outdir = mkdtempSync(join(tmpdir(), 'nodeinstrument-html-app-'));
  try {
    esbuild.buildSync({
      entryPoints: Object.fromEntries(names.map((name) => [name, join(root, 'lib', 'html-app', `${name}.ts`)])),
      outdir,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      outExtension: { '.js': '.mjs' },
      logLevel: 'error',
    });
    const modules = await Promise.all(names.map((name) => import(pathToFileURL(join(outdir, `${name}.mjs`)).href)));
    return Object.assign({}, ...modules);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
