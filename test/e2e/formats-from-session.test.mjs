// One recorded session, saved, then rendered to every registered format with
// --load, each output checked by its real consumer or published schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Ajv from 'ajv';
import { cli, fixture, root, runNode } from '../helpers.mjs';

const require = createRequire(import.meta.url);
const { renderers } = require('../internals.cjs');
const { Session } = require('../internals.cjs');
const { Profile } = require('pprof-format');
const speedscopeSchema = require('speedscope/dist/release/file-format-schema.json');
const { marked } = require('marked');

const HOT = 'busy';
const hasGo = spawnSync('go', ['version']).status === 0;

/** Per format: what proves a consumer reads it. */
const checks = {
  text: (file) => assert.match(readFileSync(file, 'utf8'), /busy {2}test\/fixtures\/cli-exit3\.js:1/),
  session: (file, original) => assert.deepEqual(Session.load(file).toJSON(), original.toJSON(), 'lossless'),
  html: (file) => {
    const html = readFileSync(file, 'utf8');
    assert.doesNotMatch(html, /(src|href)=["']?https?:/i, 'loads nothing from the network');
    assert.match(html, /<script type="application\/json"/);
    assert.ok(html.includes(HOT));
  },
  speedscope: (file) => {
    const data = JSON.parse(readFileSync(file, 'utf8'));
    const validate = new Ajv({ allErrors: true }).compile(speedscopeSchema);
    assert.ok(validate(data), JSON.stringify(validate.errors));
    assert.ok(data.shared.frames.some((frame) => frame.name === HOT));
  },
  pprof: (file, _original, t) => {
    const profile = Profile.decode(gunzipSync(readFileSync(file)));
    assert.ok(profile.sample.length > 0);
    if (!hasGo) return t.diagnostic('go not installed: decoded with pprof-format only');
    const top = spawnSync('go', ['tool', 'pprof', '-top', file], { encoding: 'utf8' });
    assert.equal(top.status, 0, top.stderr);
    assert.match(top.stdout, new RegExp(`\\b${HOT}\\b`));
  },
  cpuprofile: (file) => {
    const profile = JSON.parse(readFileSync(file, 'utf8'));
    const ids = new Set(profile.nodes.map((node) => node.id));
    assert.equal(ids.size, profile.nodes.length, 'node ids are unique');
    for (const node of profile.nodes) for (const child of node.children ?? []) assert.ok(ids.has(child));
    for (const sample of profile.samples) assert.ok(ids.has(sample));
    assert.equal(profile.timeDeltas.length, profile.samples.length);
    assert.ok(profile.endTime >= profile.startTime);
    assert.ok(profile.nodes.some((node) => node.callFrame.functionName === HOT));
  },
  collapsed: (file) => {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    for (const line of lines) assert.match(line, /^\S.* \d+$/);
    assert.ok(lines.some((line) => line.includes(`;${HOT} `)));
  },
  summary: (file) => {
    // GitHub-flavoured Markdown (marked): the conditions and both hotspot lists are tables.
    const html = marked.parse(readFileSync(file, 'utf8'), { gfm: true });
    assert.equal(html.match(/<table>/g)?.length, 3, html);
    assert.match(html, new RegExp(`<td><code>${HOT}</code></td>`));
  },
};

test('every registered format has a consumer check here', () => {
  assert.deepEqual(renderers.map((renderer) => renderer.name).sort(), Object.keys(checks).sort());
});

test('one recorded session renders to every format from --load', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-formats-'));
  const saved = join(dir, 'run.json');
  const recorded = runNode([cli, '-o', saved, fixture('cli-exit3.js')], { cwd: root });
  assert.equal(recorded.status, 3, recorded.stderr);
  const original = Session.load(saved);
  for (const renderer of renderers) {
    await t.test(renderer.name, (st) => {
      const out = join(dir, `out${renderer.extensions[0]}`);
      const result = runNode([cli, '--load', saved, '-r', renderer.name, '-o', out], { cwd: root });
      assert.equal(result.status, 0, result.stderr);
      checks[renderer.name](out, original, st);
    });
  }
});
