// Builds the HTML report's page script and styles (lib/html-app) with esbuild
// into dist/html-app/app.js and app.css, which lib/renderers/html.ts inlines
// into every report. Run by `npm run build:html` (and so by build:ts).
'use strict';
const { mkdirSync, realpathSync, writeFileSync } = require('node:fs');
const { join, relative, sep } = require('node:path');
const esbuild = require('esbuild');

const root = join(__dirname, '..');
const outdir = join(root, 'dist', 'html-app');

// What the page may be built from: its own code, the pure tree and processor
// modules it shares with the text report (and the native names they use), and Preact. Anything else (say a
// module that imports node:fs) means Node-only code slipped in.
const ALLOWED_INPUTS = [/^lib\/html-app\//, /^lib\/(session\/(tree|frame|mode)|processors\/processors|symbolize\/native-names|renderers\/header|memory\/series)\.ts$/, /^node_modules\/preact\//];

const result = esbuild.buildSync({
  entryPoints: { app: join(root, 'lib', 'html-app', 'main.tsx') },
  outdir,
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15', 'edge100'],
  tsconfig: join(root, 'lib', 'html-app', 'tsconfig.json'),
  define: { 'process.env.NODE_ENV': '"production"' },
  // ASCII output: \u escapes for anything else, so the page's encoding cannot matter.
  charset: 'ascii',
  legalComments: 'eof',
  metafile: true,
  write: false,
  logLevel: 'warning',
});

// esbuild names modules by their real path; a checkout whose node_modules is a
// symlink (a git worktree sharing the main checkout's) would otherwise see
// Preact as an unexpected module outside the tree.
const realNodeModules = realpathSync(join(root, 'node_modules'));
const inputs = Object.keys(result.metafile.inputs).map((path) => {
  const absolute = join(root, path);
  const inNodeModules = relative(realNodeModules, absolute);
  const fromRoot = inNodeModules.startsWith('..') ? relative(root, absolute) : join('node_modules', inNodeModules);
  return fromRoot.split(sep).join('/');
});
const unexpected = inputs.filter((path) => !ALLOWED_INPUTS.some((allowed) => allowed.test(path)));
if (unexpected.length > 0) {
  console.error(`build-html-app: unexpected modules in the page script:\n  ${unexpected.join('\n  ')}`);
  process.exit(1);
}

mkdirSync(outdir, { recursive: true });
for (const file of result.outputFiles) {
  let text = file.text;
  if (file.path.endsWith('.js')) {
    // Inside <script>, `</script` would end the element. Outside strings and
    // regular expressions it cannot occur in JavaScript, and within them
    // `<\/` means the same.
    text = text.replace(/<\/(script)/gi, '<\\/$1');
  } else if (/<\/style/i.test(text)) {
    console.error('build-html-app: the styles contain </style');
    process.exit(1);
  }
  writeFileSync(file.path, text);
  console.log(`build-html-app: ${relative(root, file.path)} ${(text.length / 1024).toFixed(1)} kB`);
}
