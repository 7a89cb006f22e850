import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The one place that knows where this file sits in the repository.
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const script = join(repoRoot, 'scripts', 'check-import-cycles.js');

function check(dir) {
  const result = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** files: { 'relative/path.ts': source }, written to a fresh temp directory. */
function withFixture(files, body) {
  const dir = mkdtempSync(join(tmpdir(), 'ni-import-cycles-'));
  try {
    for (const [file, source] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), source);
    }
    return body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// An acyclic part: d.ts reaches a.ts and util/ (an index.ts folder, a re-export, a dynamic import).
const acyclic = {
  'a.ts': "import { b } from './b';\nexport const a = () => b();\n",
  'b.ts': "export { c as b } from './c';\n",
  'c.ts': "import type { Util } from './util';\nexport const c = (u?: Util) => u;\n",
  'd.ts': "import { a } from './a';\nexport const d = async () => [a(), await import('./util')];\n",
  'util/index.ts': "export type Util = { name: string };\nexport const util = 1;\n",
};

test('a cycle closed by a type-only import is found and named; exit code 1', () => {
  const files = { ...acyclic, 'c.ts': "import type { A } from './a';\nexport const c = (x?: A) => x;\n" };
  withFixture(files, (dir) => {
    const { code, stdout, stderr } = check(dir);
    assert.equal(code, 1, stdout + stderr);
    const lines = stderr.trim().split('\n');
    assert.deepEqual(lines, [
      'cycle: a.ts -> b.ts -> c.ts -> a.ts',
      '  type-only: c.ts -> a.ts',
      '5 files, 5 imports, 1 import cycle',
    ]);
  });
});

test('an acyclic directory passes with a one-line summary; exit code 0', () => {
  withFixture(acyclic, (dir) => {
    const { code, stdout, stderr } = check(dir);
    assert.equal(code, 0, stdout + stderr);
    assert.equal(stdout, '5 files, 5 imports, no cycles\n');
    assert.equal(stderr, '');
  });
});

// Fails until lib/ has no cycles; today: code-listing.ts <-> symbolizer.ts (with logged-code-entry.ts) and
// labels-registry.ts <-> labels-state.ts. Type-only imports count.
test('lib/ has no import cycles', () => {
  const { code, stdout, stderr } = check(join(repoRoot, 'lib'));
  assert.equal(code, 0, `import cycles in lib/:\n${stderr}`);
  assert.match(stdout, /^\d+ files, \d+ imports, no cycles\n$/);
});
