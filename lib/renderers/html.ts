/**
 * The HTML report: one self-contained page (no network requests) with an
 * interactive call tree, a timeline and a flame graph. The page's script and
 * styles are built from lib/html-app into dist/html-app at build time and
 * inlined here; the profile goes in as JSON in a non-executing script tag.
 */
import { filterSessionByLabels } from '../labels/filter';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from '../session/session';
import { filterSessionByThread } from '../threads/threads';
import { packageVersion } from '../util/version';
import { buildHtmlData, HtmlDataOptions } from './html-data';
import { TextRenderOptions } from './text';
import { DIST_DIR } from '../util/package-root';
import { withoutProfilerWork } from '../processors/profiler-work';

/** Where scripts/build-html-app.js puts the front end: dist/html-app, beside dist/cjs. */
const ASSET_DIR = join(DIST_DIR, 'html-app');

interface Assets {
  script: string;
  style: string;
}

let cachedAssets: Assets | undefined;

function loadAssets(): Assets {
  if (cachedAssets) return cachedAssets;
  let script: string;
  let style: string;
  try {
    script = readFileSync(join(ASSET_DIR, 'app.js'), 'utf8');
    style = readFileSync(join(ASSET_DIR, 'app.css'), 'utf8');
  } catch (error) {
    throw new Error(`the HTML report's page script is missing (run 'npm run build:html'): ${(error as Error).message}`);
  }
  // The build escapes these already; a closing tag inside would end the element early.
  if (/<\/script/i.test(script) || /<\/style/i.test(style)) throw new Error(`${ASSET_DIR} holds a closing tag; rebuild it with 'npm run build:html'`);
  cachedAssets = { script, style };
  return cachedAssets;
}

/**
 * JSON that is safe inside a <script> element: `<` never appears raw (so no
 * `</script>` or `<!--` can end or change the element), nor the line
 * separators older JavaScript parsers reject in strings.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function renderHtml(session: Session, options: TextRenderOptions = {}, dataOptions: HtmlDataOptions = {}): string {
  if (!options.processor?.showAll) session = withoutProfilerWork(session);
  if (options.labels) session = filterSessionByLabels(session, options.labels);
  if (options.thread !== undefined) session = filterSessionByThread(session, options.thread);
  const { script, style } = loadAssets();
  const data = buildHtmlData(session, options, dataOptions);
  // Only the page's own script may run: an injected <script> or onerror= is
  // refused by the browser even if a bug let one through. Nothing may be loaded.
  const scriptHash = createHash('sha256').update(script, 'utf8').digest('base64');
  const policy = `default-src 'none'; script-src 'sha256-${scriptHash}'; style-src 'unsafe-inline'; img-src data:`;
  const title = data.program ? `${data.program} - nodeinstrument` : 'nodeinstrument';
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${policy}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="nodeinstrument ${escapeHtml(packageVersion())}">`,
    `<title>${escapeHtml(title)}</title>`,
    // An empty icon, or the browser asks for /favicon.ico.
    '<link rel="icon" href="data:,">',
    `<style>${style}</style>`,
    '</head>',
    '<body>',
    '<div id="app"><p class="loading">Loading the profile&hellip;</p></div>',
    '<noscript><p class="loading">This report needs JavaScript.</p></noscript>',
    `<script type="application/json" id="nodeinstrument-data">${jsonForScript(data)}</script>`,
    `<script>${script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
