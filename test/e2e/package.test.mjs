// The npm package as a user gets it: the prebuilt binaries are built
// (scripts/prebuild.sh), the package is packed, and the tarball is installed
// into a new project with no compiler, make or python on PATH, on Node 20, 22
// and 24. The CLI and the API then run from the installed copy. Slow (about
// 30 s, more when the Node releases are not in .cache/ or npm's cache yet), so
// it runs only with NODEINSTRUMENT_PACKAGE_TEST=1; .ci/run sets it for one run.
// It leaves prebuilds/ (gitignored) in the repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { root } from '../helpers.mjs';

const ENABLED = process.env.NODEINSTRUMENT_PACKAGE_TEST === '1';
/** The Node releases the package ships prebuilt for, from the npm registry (scripts/fetch-node.sh). */
const REGISTRY_NODES = ['20.20.2', '22.23.3', '24.21.0'];
const ABI_OF_MAJOR = { 20: '115', 22: '127', 24: '137' };
const TOOLS_THAT_BUILD = ['gcc', 'g++', 'cc', 'c++', 'make', 'python3', 'python'];

function run(command, args, options = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20, ...options });
  if (result.error) throw result.error;
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

function runOk(command, args, options) {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** The real path of an executable found on PATH. */
function which(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, name);
    try {
      if (statSync(path).isFile()) return realpathSync(path);
    } catch {
      // not here
    }
  }
  throw new Error(`${name} is not on PATH`);
}

/** The Node binaries to install with: this one, and the registry's for the other majors. */
function nodesToTest() {
  const current = { version: process.versions.node, path: process.execPath };
  const others = REGISTRY_NODES.filter((version) => version.split('.')[0] !== current.version.split('.')[0]).map((version) => {
    const dir = runOk(join(root, 'scripts', 'fetch-node.sh'), [version]).stdout.trim();
    return { version, path: join(dir, 'bin', 'node') };
  });
  return [current, ...others];
}

/**
 * A directory to be all of PATH: node, npm, npx and sh (npm runs install
 * scripts with it), and nothing that can build an addon.
 */
function pathWithoutCompiler(dir, node) {
  mkdirSync(dir, { recursive: true });
  const npm = which('npm');
  symlinkSync(node, join(dir, 'node'));
  symlinkSync(npm, join(dir, 'npm'));
  symlinkSync(join(dirname(npm), 'npx-cli.js'), join(dir, 'npx'));
  symlinkSync('/bin/sh', join(dir, 'sh'));
  return dir;
}

/** A clean environment: none of the outer npm's npm_config_* (nodedir...) nor its PATH. */
function cleanEnv(path) {
  const env = { PATH: path, HOME: process.env.HOME, LANG: 'C.UTF-8', TMPDIR: tmpdir() };
  return {
    ...env,
    npm_config_build_from_source: 'false',
    npm_config_prefer_offline: 'true', // the dependencies are in npm's cache after npm ci
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    NO_COLOR: '1',
  };
}

const WORK_JS = `'use strict';
function parseAll(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += JSON.parse(JSON.stringify({ i, text: 'x'.repeat(50) })).i;
  return sum;
}
function spin(ms) {
  const end = Date.now() + ms;
  let sum = 0;
  while (Date.now() < end) sum += parseAll(500);
  return sum;
}
spin(400);
console.log('work done');
`;

const API_CHECK = `
const { Profiler } = require('nodeinstrument');
const profiler = new Profiler({ interval: 0.0005 });
profiler.start();
const end = Date.now() + 150;
while (Date.now() < end);
const session = profiler.stop();
if (!(session.meta.sampleCount > 50)) throw new Error('few samples: ' + session.meta.sampleCount);
import('nodeinstrument').then((esm) => {
  if (typeof esm.Profiler !== 'function') throw new Error('no Profiler in the ES module');
  console.log('api ok', session.meta.sampleCount);
});
`;

test('the packed package installs without a compiler and profiles on Node 20, 22 and 24', { timeout: 1_500_000 }, async (t) => {
  if (!ENABLED) {
    t.skip('slow (builds the prebuilds, packs, installs three times): set NODEINSTRUMENT_PACKAGE_TEST=1 to run it');
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'nodeinstrument-package-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const nodes = nodesToTest();
  let tarball;

  await t.test('npm run build:prebuilds builds one binary per ABI', () => {
    const result = runOk('npm', ['run', '--silent', 'build:prebuilds'], { cwd: root });
    t.diagnostic(`prebuilds: ${result.seconds.toFixed(1)} s`);
    const built = readdirSync(join(root, 'prebuilds', 'linux-x64')).sort();
    assert.deepEqual(built, ['nodeinstrument.abi115.glibc.node', 'nodeinstrument.abi127.glibc.node', 'nodeinstrument.abi137.glibc.node']);
  });

  await t.test('npm pack ships the prebuilds, the compiled code and the sources, no local build', () => {
    const result = runOk('npm', ['pack', '--json', '--pack-destination', work], { cwd: root });
    const [pack] = JSON.parse(result.stdout.slice(result.stdout.indexOf('[')));
    const files = pack.files.map((file) => file.path);
    for (const abi of Object.values(ABI_OF_MAJOR)) {
      assert.ok(files.includes(`prebuilds/linux-x64/nodeinstrument.abi${abi}.glibc.node`), `prebuild for ABI ${abi}`);
    }
    for (const file of ['dist/cjs/index.js', 'dist/esm/index.mjs', 'bin/nodeinstrument.js', 'bin/check-native.js', 'binding.gyp', 'native/addon.cc']) {
      assert.ok(files.includes(file), file);
    }
    assert.deepEqual(files.filter((file) => file.startsWith('build/')), [], 'no build/ in the package');
    tarball = join(work, pack.filename);
    t.diagnostic(`${pack.filename}: ${(pack.size / 1024).toFixed(0)} kB packed, ${pack.entryCount} files, ${result.seconds.toFixed(1)} s`);
  });

  for (const node of nodes) {
    await t.test(`Node ${node.version}: installs from the tarball without building, and profiles`, () => {
      assert.ok(tarball, 'the tarball was packed');
      const major = node.version.split('.')[0];
      const base = join(work, `node-${node.version}`);
      const env = cleanEnv(pathWithoutCompiler(join(base, 'bin'), node.path));
      for (const tool of TOOLS_THAT_BUILD) {
        assert.notEqual(run('/bin/sh', ['-c', `command -v ${tool}`], { env }).status, 0, `${tool} must not be on PATH`);
      }
      const project = join(base, 'project');
      mkdirSync(project);
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
      writeFileSync(join(project, 'work.js'), WORK_JS);

      const install = runOk('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: project, env });
      const installed = join(project, 'node_modules', 'nodeinstrument');
      assert.equal(existsSync(join(installed, 'build')), false, 'the addon was built from source instead of taken from prebuilds/');

      const version = runOk('npx', ['nodeinstrument', '--version'], { cwd: project, env });
      assert.match(version.stdout, /^nodeinstrument \d+\.\d+\.\d+/);
      const profiled = runOk('npx', ['nodeinstrument', '--no-color', 'work.js'], { cwd: project, env });
      t.diagnostic(`Node ${node.version}: npm install ${install.seconds.toFixed(1)} s, npx nodeinstrument work.js ${profiled.seconds.toFixed(1)} s`);
      assert.match(profiled.stdout, /work done/);
      assert.match(profiled.stdout, /Samples: \d+/);
      assert.match(profiled.stdout, /Program: node work\.js/);
      assert.match(profiled.stdout, /spin\s+work\.js:7/);
      assert.match(profiled.stdout, /parseAll\s+work\.js:\d+/);
      assert.match(run('node', ['-p', 'process.versions.node'], { env }).stdout, new RegExp(`^${node.version.replace(/\./g, '\\.')}`));

      const api = runOk('node', ['-e', API_CHECK], { cwd: project, env });
      assert.match(api.stdout, /api ok \d+/);

      // Without the binary for this ABI: one line that says what to do, status 1.
      const prebuild = join(installed, 'prebuilds', 'linux-x64', `nodeinstrument.abi${ABI_OF_MAJOR[major]}.glibc.node`);
      renameSync(prebuild, `${prebuild}.off`);
      const missing = run('npx', ['nodeinstrument', 'work.js'], { cwd: project, env });
      renameSync(`${prebuild}.off`, prebuild);
      assert.equal(missing.status, 1);
      assert.equal(missing.stdout, '', 'the program did not run');
      // (npm's own warnings aside, such as the one about npm_config_build_from_source)
      const lines = missing.stderr.trimEnd().split('\n').filter((line) => !line.startsWith('npm warn'));
      assert.equal(lines.length, 1, missing.stderr);
      assert.match(lines[0], new RegExp(`^nodeinstrument: no native sampler fits Node v${node.version} \\(ABI ${ABI_OF_MAJOR[major]}, linux-x64`));
      assert.match(lines[0], /npm rebuild nodeinstrument/);
    });
  }
});
