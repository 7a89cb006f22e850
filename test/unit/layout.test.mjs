// lib/README.md maps the folders of lib/ in pipeline order: every folder is on
// the map, every folder on the map exists, and lib/ keeps few files at its top.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../helpers.mjs';

test('lib/README.md names every folder of lib/ and no other; lib/ has at most 12 files at its top', () => {
  const lib = join(root, 'lib');
  const entries = readdirSync(lib, { withFileTypes: true });
  const subfolders = (dir) => readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  // The production folder's own areas are on the map too.
  const folders = [...subfolders(lib), ...subfolders(join(lib, 'production'))].sort();
  const map = readFileSync(join(lib, 'README.md'), 'utf8');
  const mapped = [...new Set([...map.matchAll(/`([a-z-]+)\/`/g)].map((match) => match[1]))].sort();
  assert.deepEqual(mapped, folders);
  const files = entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
  assert.ok(files.length <= 12, `lib/ has ${files.length} files at its top: ${files.join(', ')}`);
  for (const file of files.filter((name) => name.endsWith('.ts'))) assert.match(map, new RegExp(`\`${file.replace('.', '\\.')}\``), `${file} is on the map`);
});
