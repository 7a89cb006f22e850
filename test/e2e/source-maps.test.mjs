// Source maps: unit tests of the resolver (maps in memory and on disk), and
// end-to-end tests through the CLI of programs built by real tools: tsc and
// esbuild, external and inline maps.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { SourceMapResolver, applySourceMaps } from '../internals.cjs';
import { cli, fixture, root, runNode } from '../helpers.mjs';
import { makeSession } from '../sessions.mjs';

// ---------------------------------------------------------------------------
// Maps made by hand.

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function vlq(value) {
  let rest = value < 0 ? (-value << 1) | 1 : value << 1;
  let text = '';
  do {
    let digit = rest & 31;
    rest >>>= 5;
    if (rest > 0) digit |= 32;
    text += B64[digit];
  } while (rest > 0);
  return text;
}

/** Encodes lines of absolute segments [generatedColumn, source, line, column, name?] (all 0-based). */
function encodeMappings(lines) {
  const state = [0, 0, 0, 0];
  return lines
    .map((segments) => {
      let column = 0;
      return segments
        .map((segment) => {
          let text = vlq(segment[0] - column);
          column = segment[0];
          for (let i = 1; i < segment.length; i++) {
            text += vlq(segment[i] - state[i - 1]);
            state[i - 1] = segment[i];
          }
          return text;
        })
        .join(',');
    })
    .join(';');
}

// A generated script where a bundler renamed `helper` (line 3 of the
// original) to `helper2`. V8 reports helper2 at its parameter list: line 2,
// 1-based column 17.
const GENERATED = '"use strict";\nfunction helper2(a) { return a; }\nhelper2(1);\n';
const MAPPINGS = encodeMappings([[], [[0, 0, 2, 0], [9, 0, 2, 16, 0], [16, 0, 2, 22]], [[0, 0, 3, 0, 0]]]);
const helper2 = (file) => ({ name: 'helper2', file, line: 2, column: 17, kind: 'js' });
const mapJson = (fields = {}) => JSON.stringify({ version: 3, sources: ['orig.ts'], names: ['helper'], mappings: MAPPINGS, ...fields });

/** A resolver over files in memory that counts reads per path. */
function memoryResolver(files) {
  const reads = new Map();
  const resolver = new SourceMapResolver((path) => {
    reads.set(path, (reads.get(path) ?? 0) + 1);
    return files[path];
  });
  return { resolver, reads };
}

test('an inline base64 map moves a frame to its original file, line, column and name', () => {
  const base64 = Buffer.from(mapJson()).toString('base64');
  const { resolver } = memoryResolver({ '/app/dist/gen.js': `${GENERATED}//# sourceMappingURL=data:application/json;charset=utf-8;base64,${base64}\n` });
  assert.deepEqual(resolver.resolve(helper2('/app/dist/gen.js')), { name: 'helper', file: '/app/dist/orig.ts', line: 3, column: 23, kind: 'js' });
});

test('an inline URL-encoded map and the older //@ comment work too', () => {
  const url = `data:application/json,${encodeURIComponent(mapJson())}`;
  const { resolver } = memoryResolver({ '/app/gen.js': `${GENERATED}//@ sourceMappingURL=${url}\n` });
  assert.equal(resolver.resolve(helper2('/app/gen.js')).file, '/app/orig.ts');
});

test('an external map: its path is relative to the script, its sources relative to the map', () => {
  const { resolver } = memoryResolver({
    '/app/out/gen.js': `${GENERATED}//# sourceMappingURL=../maps/gen.js.map`,
    '/app/maps/gen.js.map': mapJson({ sources: ['../src/orig.ts'] }),
  });
  assert.deepEqual(resolver.resolve(helper2('/app/out/gen.js')), { name: 'helper', file: '/app/src/orig.ts', line: 3, column: 23, kind: 'js' });
});

test('the last sourceMappingURL comment counts: an earlier one may be text of the program', () => {
  const decoy = 'const text = "//# sourceMappingURL=decoy.map";\n';
  const { resolver, reads } = memoryResolver({ '/app/gen.js': `${GENERATED}${decoy}//# sourceMappingURL=gen.js.map`, '/app/gen.js.map': mapJson() });
  assert.equal(resolver.resolve(helper2('/app/gen.js')).file, '/app/orig.ts');
  assert.equal(reads.has('/app/decoy.map'), false);
});

test('without a comment, <script>.map beside the script is used', () => {
  const { resolver } = memoryResolver({ '/app/gen.js': GENERATED, '/app/gen.js.map': mapJson() });
  assert.equal(resolver.resolve(helper2('/app/gen.js')).file, '/app/orig.ts');
});

test('sourceRoot, file: URL sources and webpack:// sources', () => {
  const cases = [
    [{ sourceRoot: 'src', sources: ['orig.ts'] }, '/app/src/orig.ts'],
    [{ sourceRoot: '/abs/root/', sources: ['orig.ts'] }, '/abs/root/orig.ts'],
    [{ sources: ['file:///abs/my%20dir/orig.ts'] }, '/abs/my dir/orig.ts'],
    [{ sources: ['webpack://app/./src/orig.ts'] }, 'webpack://app/./src/orig.ts'],
  ];
  for (const [fields, expected] of cases) {
    const { resolver } = memoryResolver({ '/app/gen.js': `${GENERATED}//# sourceMappingURL=gen.js.map`, '/app/gen.js.map': mapJson(fields) });
    assert.equal(resolver.resolve(helper2('/app/gen.js')).file, expected, JSON.stringify(fields));
  }
});

test('ES module frames (file: URLs) are mapped', () => {
  const { resolver } = memoryResolver({ '/app/my dir/gen.mjs': GENERATED, '/app/my dir/gen.mjs.map': mapJson() });
  const frame = resolver.resolve(helper2(pathToFileURL('/app/my dir/gen.mjs').href));
  assert.equal(frame.file, '/app/my dir/orig.ts');
  assert.equal(frame.name, 'helper');
});

test('names: V8 name kept when the map has none; top-level code of a one-source script maps to that source', () => {
  const noNames = encodeMappings([[], [[0, 0, 2, 0], [9, 0, 2, 16], [16, 0, 2, 22]]]);
  const { resolver } = memoryResolver({ '/app/gen.js': GENERATED, '/app/gen.js.map': mapJson({ names: [], mappings: noNames }) });
  assert.deepEqual(resolver.resolve(helper2('/app/gen.js')), { name: 'helper2', file: '/app/orig.ts', line: 3, column: 23, kind: 'js' });
  assert.deepEqual(resolver.resolve({ name: '(module)', file: '/app/gen.js', line: 1, column: 1, kind: 'js' }),
    { name: '(module)', file: '/app/orig.ts', line: 1, column: 1, kind: 'js' });
});

test("a bundle's top-level code stays the bundle's; a position before the line's first mapping takes the next one", () => {
  const mappings = encodeMappings([[], [[4, 0, 2, 0], [9, 1, 7, 0]]]);
  const { resolver } = memoryResolver({ '/app/b.js': GENERATED, '/app/b.js.map': mapJson({ sources: ['a.ts', 'b.ts'], names: [], mappings }) });
  const module = { name: '(module)', file: '/app/b.js', line: 1, column: 1, kind: 'js' };
  assert.equal(resolver.resolve(module), module);
  assert.deepEqual(resolver.resolve({ name: 'early', file: '/app/b.js', line: 2, column: 1, kind: 'js' }),
    { name: 'early', file: '/app/a.ts', line: 3, column: 1, kind: 'js' });
  assert.equal(resolver.resolve({ name: 'late', file: '/app/b.js', line: 2, column: 17, kind: 'js' }).file, '/app/b.ts');
  const unmapped = { name: 'x', file: '/app/b.js', line: 3, column: 1, kind: 'js' };
  assert.equal(resolver.resolve(unmapped), unmapped);
});

test('missing, corrupt and foreign maps leave frames unchanged and are reported', () => {
  const files = {
    '/app/missing.js': `${GENERATED}//# sourceMappingURL=missing.js.map`,
    '/app/notjson.js': `${GENERATED}//# sourceMappingURL=notjson.js.map`,
    '/app/notjson.js.map': '{"version": 3, "mappings": ',
    '/app/notamap.js': GENERATED,
    '/app/notamap.js.map': '{"hello": "world"}',
    '/app/baddata.js': `${GENERATED}//# sourceMappingURL=data:application/json,%E0%A4%A`,
    '/app/remote.js': `${GENERATED}//# sourceMappingURL=https://example.com/remote.js.map`,
  };
  const { resolver } = memoryResolver(files);
  for (const file of Object.keys(files).filter((path) => path.endsWith('.js'))) {
    const frame = helper2(file);
    assert.equal(resolver.resolve(frame), frame, file);
  }
  assert.deepEqual(resolver.problems.map((problem) => problem.file), ['/app/missing.js', '/app/notjson.js', '/app/notamap.js', '/app/baddata.js']);
});

test('files that do not exist, node: internals and non-JS frames are left alone; each file is read once', () => {
  const { resolver, reads } = memoryResolver({});
  const frames = [
    helper2('/nowhere/gen.js'),
    { ...helper2('/nowhere/gen.js'), name: 'other', line: 3 },
    { name: 'runMain', file: 'node:internal/modules/run_main', line: 5, column: 3, kind: 'js' },
    { name: 'ArrayForEach', file: '', line: 0, column: 0, kind: 'builtin' },
    { name: '[native] node', file: '/usr/bin/node', line: 0, column: 0, kind: 'native' },
    { name: '(idle)', file: '', line: 0, column: 0, kind: 'special' },
  ];
  for (const frame of frames) assert.equal(resolver.resolve(frame), frame);
  assert.deepEqual([...reads.entries()], [['/nowhere/gen.js', 1]]);
});

test("the profiler's own scripts (dist/, pprof-format, trace-mapping) keep their generated positions and their maps are never read", () => {
  // A long recording samples its own pipeline: the decoded maps of these held JS heap for good (docs/benchmarks.md, section 9).
  const base64 = Buffer.from(mapJson()).toString('base64');
  const owns = [
    join(root, 'dist', 'cjs', 'session', 'session.js'),
    join(root, 'node_modules', 'pprof-format', 'dist', 'commonjs', 'index.js'),
    join(root, 'node_modules', '@jridgewell', 'trace-mapping', 'dist', 'trace-mapping.umd.js'),
  ];
  const { resolver, reads } = memoryResolver(Object.fromEntries(owns.map((own) => [own, `${GENERATED}//# sourceMappingURL=data:application/json;base64,${base64}\n`])));
  for (const own of owns) {
    const frame = helper2(own);
    assert.equal(resolver.resolve(frame), frame, own);
    assert.equal(resolver.resolve(helper2(pathToFileURL(own).href)).file, pathToFileURL(own).href);
  }
  assert.deepEqual([...reads.keys()], []);
  // The same script elsewhere is mapped: only this copy's dist/ is left alone.
  const elsewhere = join(root, 'test', 'fixtures', 'dist', 'cjs', 'session', 'session.js');
  const other = memoryResolver({ [elsewhere]: `${GENERATED}//# sourceMappingURL=data:application/json;base64,${base64}\n` });
  assert.equal(other.resolver.resolve(helper2(elsewhere)).name, 'helper');
});

test('maps on disk: an external map in another directory and a .map beside the script (default file reader)', () => {
  const dir = fixture('sourcemaps/unit');
  const resolver = new SourceMapResolver();
  for (const script of ['external.js', 'sibling.js']) {
    assert.deepEqual(resolver.resolve(helper2(join(dir, script))),
      { name: 'helper', file: join(dir, 'src', 'orig.ts'), line: 3, column: 23, kind: 'js' }, script);
  }
  const missing = helper2(join(dir, 'does-not-exist.js'));
  assert.equal(resolver.resolve(missing), missing);
  assert.deepEqual(resolver.problems, []);
});

test('applySourceMaps: new frames, same ids, stacks and samples; notes only for the program\'s own broken maps', () => {
  const dir = fixture('sourcemaps/unit');
  const generated = helper2(join(dir, 'external.js'));
  const internal = { name: 'runMain', file: 'node:internal/main', line: 1, column: 1, kind: 'js' };
  const session = makeSession([[[internal, generated], 0.002], [[internal], 0.001]]);
  const mapped = applySourceMaps(session);
  assert.notEqual(mapped, session);
  assert.equal(mapped.stacks, session.stacks);
  assert.equal(mapped.samples, session.samples);
  assert.deepEqual(mapped.frames.map((frame) => `${frame.name} ${frame.file}:${frame.line}`),
    session.frames.map((frame) => (frame === generated ? `helper ${join(dir, 'src', 'orig.ts')}:3` : `${frame.name} ${frame.file}:${frame.line}`)));
  assert.deepEqual(mapped.meta.notes, []);

  const untouched = makeSession([[[internal], 0.001]]);
  assert.equal(applySourceMaps(untouched), untouched);

  const { resolver } = memoryResolver({
    '/app/broken.js': `${GENERATED}//# sourceMappingURL=broken.js.map`,
    '/app/node_modules/lib/index.js': `${GENERATED}//# sourceMappingURL=index.js.map`,
  });
  const broken = applySourceMaps(makeSession([[[helper2('/app/broken.js'), helper2('/app/node_modules/lib/index.js')], 0.001]]), resolver);
  assert.equal(broken.meta.notes.length, 1);
  assert.match(broken.meta.notes[0], /\/app\/broken\.js .*broken\.js\.map cannot be read/);
});

// ---------------------------------------------------------------------------
// Real tools, through the CLI. The program (test/fixtures/sourcemaps/app)
// spends 300 ms in crunchNumbers (math.ts), 150 ms in parseRecords and 150 ms
// in TextParser.scanTokens (parser.ts). math.ts and parser.ts both have a
// local `helper`, which esbuild renames to helper2 in the bundle.

const projects = [];
after(() => {
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

/** A temporary project: the program's sources in src/. */
function makeProject() {
  const dir = mkdtempSync(join(tmpdir(), 'ni-sourcemaps-'));
  projects.push(dir);
  cpSync(fixture('sourcemaps/app'), join(dir, 'src'), { recursive: true });
  return dir;
}

function compileWithTsc(dir, mapOptions) {
  const compilerOptions = { target: 'ES2022', module: 'commonjs', strict: true, rootDir: 'src', outDir: 'out', ...mapOptions };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }));
  const result = runNode([join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir]);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  return join(dir, 'out', 'main.js');
}

function bundleWithEsbuild(dir, sourcemap) {
  const outfile = join(dir, 'dist', 'bundle.js');
  mkdirSync(join(dir, 'dist'));
  buildSync({ entryPoints: [join(dir, 'src', 'main.ts')], bundle: true, sourcemap, platform: 'node', outfile, logLevel: 'silent' });
  return outfile;
}

/** Runs the CLI in the project directory (so reports show paths relative to it); returns stdout. */
function profile(dir, args) {
  const result = runNode([cli, '--no-color', '--no-unicode', ...args], { cwd: dir });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

/** Seconds on the report line of `name  location`, asserting the line is there. */
function secondsOf(report, name, location) {
  const escaped = `${name}  ${location}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`(\\d+\\.\\d+) ${escaped}$`, 'm').exec(report);
  assert.ok(match, `no line for ${name}  ${location} in:\n${report}`);
  return Number(match[1]);
}

/** The text report shows the original .ts files, lines and names, with the expected shares of time. */
function assertOriginalReport(report, generatedFile) {
  secondsOf(report, 'runWorkload', 'src/main.ts:6');
  const crunch = secondsOf(report, 'crunchNumbers', 'src/math.ts:8');
  secondsOf(report, 'helper', 'src/math.ts:4');
  const parse = secondsOf(report, 'parseRecords', 'src/parser.ts:12');
  secondsOf(report, 'helper', 'src/parser.ts:8');
  const scan = secondsOf(report, 'scanTokens', 'src/parser.ts:20');
  secondsOf(report, 'spinFor', 'src/spin.ts:2');
  assert.ok(crunch >= 0.2 && parse >= 0.1 && scan >= 0.1, report);
  assert.ok(crunch > parse && crunch > scan, `crunchNumbers has twice the time of the others:\n${report}`);
  assert.doesNotMatch(report, /helper2/);
  // In the call tree, only the top-level code of a bundle stays in the generated file.
  const generatedLines = report.split('\n').filter((line) => /\d\.\d{3} /.test(line) && line.includes(generatedFile));
  assert.ok(generatedLines.every((line) => /\(module\) {2}/.test(line)), generatedLines.join('\n'));
}

test('tsc with sourceMap: the report shows the .ts files and functions', () => {
  const dir = makeProject();
  const entry = compileWithTsc(dir, { sourceMap: true });
  assert.match(readFileSync(entry, 'utf8'), /sourceMappingURL=main\.js\.map/);
  const report = profile(dir, [entry]);
  assertOriginalReport(report, 'out/');
  secondsOf(report, '(module)', 'src/main.ts:1');
  // The program's work runs in the entry's top-level code, mapped to src/main.ts: not start-up.
  assert.doesNotMatch(report, /Start-up dominates/);
  // --lines: the executing lines are mapped too, and shown with the .ts source's text.
  // Code V8 compiled without a line table (Sparkplug, Maglev) may leave a sliver
  // under "line unknown"; the mapped line holds nearly all of it.
  const lines = profile(dir, ['--lines', entry]);
  const spin = /(\d\.\d{3}) spinFor {2}src\/spin\.ts:2\n +(\d\.\d{3}) {2}line 5 +while \(Date\.now\(\) < end\) x \+= Math\.sqrt\(x \+ 1\);/.exec(lines);
  assert.ok(spin, lines);
  assert.ok(Number(spin[2]) >= 0.9 * Number(spin[1]), lines);
});

test('tsc with inlineSourceMap: the report shows the .ts files and functions', () => {
  const dir = makeProject();
  const entry = compileWithTsc(dir, { inlineSourceMap: true });
  assert.match(readFileSync(entry, 'utf8'), /sourceMappingURL=data:application\/json;base64,/);
  assertOriginalReport(profile(dir, [entry]), 'out/');
});

test('esbuild bundle with an external map: text and collapsed reports show the .ts files and original names', () => {
  const dir = makeProject();
  const bundle = bundleWithEsbuild(dir, true);
  assert.match(readFileSync(bundle, 'utf8'), /function helper2\(/, 'esbuild renamed one helper');
  assertOriginalReport(profile(dir, [bundle]), 'dist/bundle.js');

  const collapsed = profile(dir, ['-r', 'collapsed', bundle]);
  assert.match(collapsed, /;runWorkload src\/main\.ts:6;crunchNumbers src\/math\.ts:8;helper src\/math\.ts:4;spinFor src\/spin\.ts:2/);
  assert.match(collapsed, /;parseRecords src\/parser\.ts:12;helper src\/parser\.ts:8;spinFor src\/spin\.ts:2/);
});

test('esbuild bundle with an inline map: the .cpuprofile points at the .ts files', () => {
  const dir = makeProject();
  const bundle = bundleWithEsbuild(dir, 'inline');
  profile(dir, ['-o', 'out.cpuprofile', bundle]);
  const profileJson = JSON.parse(readFileSync(join(dir, 'out.cpuprofile'), 'utf8'));
  const frames = new Set(profileJson.nodes.map(({ callFrame }) => `${callFrame.functionName} ${callFrame.url}:${callFrame.lineNumber}`));
  const url = (name) => pathToFileURL(join(dir, 'src', name)).href;
  // cpuprofile lines are 0-based.
  for (const expected of [`crunchNumbers ${url('math.ts')}:7`, `helper ${url('math.ts')}:3`, `helper ${url('parser.ts')}:7`,
    `scanTokens ${url('parser.ts')}:19`, `spinFor ${url('spin.ts')}:1`]) {
    assert.ok(frames.has(expected), `${expected} not in ${[...frames].join('\n')}`);
  }
});
