// Which addon loads (lib/native/addon.ts): a build from source that does not load
// in this Node (left from another Node version) must not hide the prebuilt
// binary that fits (issue 21); when nothing fits, one line names each
// candidate and why. The build for another Node is made as the dynamic
// linker sees one: a shared object needing a V8 symbol this Node lacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from '../helpers.mjs';

const MISSING_V8_SYMBOL = '_ZN2v812api_internal18GlobalizeReferenceEPNS_8internal7IsolateEPm_nodeinstrument_test';
const hasCompiler = spawnSync('cc', ['--version']).status === 0;

/** A copy of the package with the given addons; returns its directory. */
function packageWith({ foreignBuild, prebuilt }) {
  const dir = mkdtempSync(join(tmpdir(), 'ni-native-load-'));
  for (const part of ['package.json', 'bin', 'dist']) cpSync(join(root, part), join(dir, part), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  if (foreignBuild) {
    mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
    const source = join(dir, 'foreign.c');
    // Taking the symbol's address makes the linker resolve it at load, as V8's C++ API calls do.
    writeFileSync(source, `extern void ${MISSING_V8_SYMBOL}(void);\nvoid *nodeinstrument_needs = (void *)&${MISSING_V8_SYMBOL};\n`);
    const built = spawnSync('cc', ['-shared', '-fPIC', '-o', join(dir, 'build', 'Release', 'nodeinstrument.node'), source], { encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
  }
  if (prebuilt) {
    const prebuilds = join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
    mkdirSync(prebuilds, { recursive: true });
    copyFileSync(join(root, 'build', 'Release', 'nodeinstrument.node'), join(prebuilds, `nodeinstrument.abi${process.versions.modules}.glibc.node`));
  }
  writeFileSync(join(dir, 'work.js'), 'function spin() { const end = Date.now() + 300; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1); return x; }\nspin();\n');
  return dir;
}

function profile(dir) {
  const env = { ...process.env };
  delete env.NODEINSTRUMENT_ADDON_NOTED;
  return spawnSync(process.execPath, [join(dir, 'bin', 'nodeinstrument.js'), '--no-color', 'work.js'], { cwd: dir, encoding: 'utf8', env, timeout: 60_000 });
}

test('a build from source that does not load in this Node is skipped with one note, and the prebuilt binary is used', { skip: !hasCompiler && 'needs cc to make a build for another Node' }, () => {
  // It used to stop at the build: "no native sampler fits ... Cause: ... undefined symbol".
  const dir = packageWith({ foreignBuild: true, prebuilt: true });
  try {
    const result = profile(dir);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /spin\s+work\.js:1/);
    const notes = result.stderr.split('\n').filter((line) => line.startsWith('nodeinstrument: note:'));
    assert.equal(notes.length, 1, result.stderr); // the CLI's, not again in the program
    assert.match(notes[0], new RegExp(`build/Release/nodeinstrument.node does not load \\(.*undefined symbol: ${MISSING_V8_SYMBOL}\\): using prebuilds/${process.platform}-${process.arch}/nodeinstrument\\.abi${process.versions.modules}\\.glibc\\.node`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('when nothing fits: one line naming each candidate and why, and the rebuild command; status 1', { skip: !hasCompiler && 'needs cc to make a build for another Node' }, () => {
  const dir = packageWith({ foreignBuild: true, prebuilt: false });
  try {
    const result = profile(dir);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], new RegExp(`^nodeinstrument: no native sampler fits Node ${process.version} \\(ABI ${process.versions.modules}, `));
    assert.match(lines[0], /build\/Release\/nodeinstrument\.node does not load \(.*undefined symbol/);
    // Why the prebuilt binary is missing: this copy has none at all (installed from a checkout).
    assert.match(lines[0], new RegExp(`prebuilds/${process.platform}-${process.arch}/nodeinstrument\\.abi${process.versions.modules}\\.glibc\\.node is not there \\(this copy of the package has no prebuilt binaries for ${process.platform}-${process.arch}: installed from a git checkout or a package packed without them; prebuilt binaries ship for Node 20, 22 and 24`));
    assert.match(lines[0], /npm rebuild nodeinstrument/);
    // No more "binaries ship for Node 24 ... none fits" with nothing said of the build that failed.
    assert.doesNotMatch(lines[0], /Cause:/);
    // With binaries for other Nodes only, it says which it has.
    const prebuilds = join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
    mkdirSync(prebuilds, { recursive: true });
    writeFileSync(join(prebuilds, 'nodeinstrument.abi999.glibc.node'), '');
    const other = profile(dir);
    assert.equal(other.status, 1);
    assert.match(other.stderr, new RegExp(`is not there \\(prebuilds/${process.platform}-${process.arch} holds nodeinstrument\\.abi999\\.glibc\\.node, for other Node versions or libcs;`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Another Node on this machine whose prebuilt binary is in prebuilds/ (CI: after the packed-package test). */
function otherNodeWithPrebuild() {
  const cache = join(root, '.cache');
  const nodes = ['/usr/bin/node', ...(existsSync(cache) ? readdirSync(cache).filter((name) => name.startsWith('node-')).map((name) => join(cache, name, 'bin', 'node')) : [])];
  for (const node of nodes) {
    if (!existsSync(node) || realpathSync(node) === realpathSync(process.execPath)) continue;
    const abi = spawnSync(node, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).stdout.trim();
    const prebuilt = join(root, 'prebuilds', `${process.platform}-${process.arch}`, `nodeinstrument.abi${abi}.glibc.node`);
    if (abi !== process.versions.modules && existsSync(prebuilt)) return { node, abi, prebuilt };
  }
  return undefined;
}

const other = otherNodeWithPrebuild();

test('a real build for this Node, run under another Node: the prebuilt binary for that Node is used', { skip: !other && 'needs another Node and its prebuilt binary in prebuilds/ (CI has them after the packed-package test)' }, () => {
  const dir = packageWith({ foreignBuild: false, prebuilt: false });
  try {
    mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
    copyFileSync(join(root, 'build', 'Release', 'nodeinstrument.node'), join(dir, 'build', 'Release', 'nodeinstrument.node'));
    const prebuilds = join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
    mkdirSync(prebuilds, { recursive: true });
    copyFileSync(other.prebuilt, join(prebuilds, `nodeinstrument.abi${other.abi}.glibc.node`));
    const env = { ...process.env };
    delete env.NODEINSTRUMENT_ADDON_NOTED;
    const result = spawnSync(other.node, [join(dir, 'bin', 'nodeinstrument.js'), '--no-color', 'work.js'], { cwd: dir, encoding: 'utf8', env, timeout: 60_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /spin\s+work\.js:1/);
    assert.match(result.stderr, new RegExp(`nodeinstrument: note: build/Release/nodeinstrument.node (does not load|was built for another Node \\(ABI ${process.versions.modules}\\)).*: using prebuilds/.*abi${other.abi}\\.glibc\\.node`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
