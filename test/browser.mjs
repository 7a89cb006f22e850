// Headless Chromium (Debian's package, /usr/bin/chromium) driven by
// playwright-core, for the tests of the HTML report in a real browser.
// Their tests take { skip }: they are skipped when Chromium is missing.
import { after, before } from 'node:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { REPEAT_PASS } from './helpers.mjs';

// NODEINSTRUMENT_CHROMIUM names another Chromium build (or a missing one, to see the tests skip).
export const CHROMIUM = process.env.NODEINSTRUMENT_CHROMIUM || '/usr/bin/chromium';
/** false, or why the browser tests are skipped. */
export const skip = !existsSync(CHROMIUM) ? `${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)` : REPEAT_PASS;
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Launches Chromium (with `extraArgs`) before the file's tests and a
 * temporary directory (named from `dirPrefix`) for their pages; both go after
 * the tests. Returns { browser, dir }, set once the tests run.
 */
export function useBrowser(dirPrefix, { extraArgs = [] } = {}) {
  const context = { browser: undefined, dir: undefined };
  before(async () => {
    if (skip) return;
    context.browser = await chromium.launch({ executablePath: CHROMIUM, args: [...LAUNCH_ARGS, ...extraArgs] });
    context.dir = mkdtempSync(join(tmpdir(), dirPrefix));
  });
  after(async () => {
    await context.browser?.close();
    if (context.dir) rmSync(context.dir, { recursive: true, force: true });
  });
  return context;
}
