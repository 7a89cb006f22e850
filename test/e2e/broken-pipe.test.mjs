// `nodeinstrument ... | head`: when the reader goes away the CLI ends as cat
// and git do, killed by SIGPIPE, with no stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, fixture } from '../helpers.mjs';
import { makeSession } from '../sessions.mjs';

/** Runs the CLI with its stdout a pipe whose reader is gone before it writes; resolves with how it ended. */
function runWithClosedStdout(args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    child.stdout.destroy(); // the reader (head) has left
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stderr }));
  });
}

test('-r pprof of a script into a closed pipe: ends by SIGPIPE, no stack trace, no session left behind', async () => {
  // A temporary directory of its own, where the CLI keeps the recorded session until the report is out.
  const dir = mkdtempSync(join(tmpdir(), 'ni-epipe-'));
  try {
    const result = await runWithClosedStdout(['-r', 'pprof', fixture('short-busy.js')], { ...process.env, TMPDIR: dir });
    assert.equal(result.signal, 'SIGPIPE', `status ${result.status}: ${result.stderr}`);
    assert.equal(result.stderr, '');
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--load into a closed pipe (| head -3): ends by SIGPIPE, no stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ni-epipe-'));
  try {
    const frame = (name) => ({ name, file: '/app/app.js', line: 1, column: 1, kind: 'js' });
    const samples = Array.from({ length: 200 }, (_, i) => [[frame('main'), frame(`f${i}`)], 0.001]);
    const path = join(dir, 'run.json');
    makeSession(samples).save(path);
    const result = await runWithClosedStdout(['--load', path, '--flat']);
    assert.equal(result.signal, 'SIGPIPE', `status ${result.status}: ${result.stderr}`);
    assert.equal(result.stderr, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
