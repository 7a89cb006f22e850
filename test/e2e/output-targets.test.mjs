// `-o <path>` writes to whatever is at the path the way a shell's `>` would:
// a regular file is replaced atomically, but a device, a FIFO or an open file
// of this process (/dev/stdout) is written through, never replaced by a file,
// and a symlink is followed. All in a temporary directory: devices made with
// mknod (tests run as root), never the real /dev.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, fixture, runNode } from '../helpers.mjs';
import { threadedSession } from '../thread-sessions.mjs';

const SCRIPT = fixture('short-busy.js');

function withDir(body) {
  const dir = mkdtempSync(join(tmpdir(), 'ni-targets-'));
  try {
    return body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function mknod(path, major, minor) {
  const result = spawnSync('mknod', [path, 'c', String(major), String(minor)], { encoding: 'utf8' });
  assert.equal(result.status, 0, `mknod ${path}: ${result.stderr}`);
}

/** Nothing but the expected entries in dir: no temporary file was left, none renamed in. */
function assertOnly(dir, names) {
  assert.deepEqual(readdirSync(dir).sort(), [...names].sort());
}

test('-o to a character device writes through it: /dev/null stays a device', () => {
  withDir((dir) => {
    const nullDevice = join(dir, 'null');
    mknod(nullDevice, 1, 3);
    const result = runNode([cli, '-o', nullDevice, SCRIPT]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /wrote text report to .*null/);
    assert.ok(statSync(nullDevice).isCharacterDevice(), 'still a character device');
    assert.equal(statSync(nullDevice).rdev, statSync('/dev/null').rdev);
    assertOnly(dir, ['null']);
  });
});

test('a write error on a device (ENOSPC from a /dev/full twin) is reported, nothing renamed, the device kept', () => {
  withDir((dir) => {
    const full = join(dir, 'full');
    mknod(full, 1, 7);
    const result = runNode([cli, '-o', full, SCRIPT]);
    assert.equal(result.status, 1, result.stderr);
    assert.ok(result.stderr.includes(`nodeinstrument: cannot write ${full}: ENOSPC`), result.stderr);
    assert.doesNotMatch(result.stderr, /wrote/);
    assert.ok(statSync(full).isCharacterDevice());
    const kept = /the profile is kept in (\S+\.json)/.exec(result.stderr);
    assert.ok(kept, result.stderr);
    rmSync(kept[1], { force: true });
    assertOnly(dir, ['full']);
  });
});

test('-o to a FIFO delivers the whole report to its reader, and the FIFO stays a FIFO', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ni-targets-'));
  try {
    const fifo = join(dir, 'fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const received = join(dir, 'received.json');
    const reader = spawn('sh', ['-c', 'cat "$1" > "$2"', 'reader', fifo, received], { stdio: 'ignore' });
    const readerDone = new Promise((resolve) => reader.on('exit', resolve));
    const writer = spawn(process.execPath, [cli, '-o', fifo, '-r', 'session', SCRIPT], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    writer.stderr.on('data', (chunk) => (stderr += chunk));
    const status = await new Promise((resolve) => writer.on('exit', resolve));
    // Were the FIFO replaced by a file, its reader would wait forever: give it 10 s.
    const timeout = setTimeout(() => reader.kill(), 10_000);
    const readerStatus = await readerDone;
    clearTimeout(timeout);
    assert.equal(status, 0, stderr);
    assert.equal(readerStatus, 0, 'the reader got an end of file');
    const session = JSON.parse(readFileSync(received, 'utf8'));
    assert.equal(session.format, 'nodeinstrument-session');
    assert.ok(Array.isArray(session.samples.stack));
    assert.ok(lstatSync(fifo).isFIFO(), 'still a FIFO');
    assertOnly(dir, ['fifo', 'received.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('-o through a symlink to a regular file replaces the target and keeps the link', () => {
  withDir((dir) => {
    const target = join(dir, 'real.txt');
    writeFileSync(target, 'old report\n');
    const link = join(dir, 'link.txt');
    symlinkSync('real.txt', link);
    const result = runNode([cli, '-o', link, SCRIPT]);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still a link');
    assert.equal(readlinkSync(link), 'real.txt');
    const report = readFileSync(target, 'utf8');
    assert.match(report, /Samples: \d+/);
    assert.doesNotMatch(report, /old report/);
    assertOnly(dir, ['link.txt', 'real.txt']);
  });
});

test('-o through a symlink to a device writes through to the device', () => {
  withDir((dir) => {
    const device = join(dir, 'null');
    mknod(device, 1, 3);
    const link = join(dir, 'out.txt');
    symlinkSync(device, link);
    const result = runNode([cli, '-o', link, SCRIPT]);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.ok(statSync(device).isCharacterDevice());
    assertOnly(dir, ['null', 'out.txt']);
  });
});

// A twin of /dev/stdout in the temporary directory: were the fix missing, the
// rename would replace this link, not the real /dev/stdout.
test('-o to a link to /proc/self/fd/1 (as /dev/stdout is) writes to the open stdout: a pipe gets the report, a file opened to append keeps what was there', () => {
  withDir((dir) => {
    const stdout = join(dir, 'stdout');
    symlinkSync('/proc/self/fd/1', stdout);
    const piped = runNode([cli, '-o', stdout, SCRIPT]);
    assert.equal(piped.status, 0, piped.stderr);
    assert.match(piped.stdout, /Samples: \d+/);
    const log = join(dir, 'log.txt');
    writeFileSync(log, 'earlier line\n');
    const fd = openSync(log, 'a');
    try {
      const result = runNode([cli, '-o', stdout, SCRIPT], { stdio: ['ignore', fd, 'pipe'] });
      assert.equal(result.status, 0, result.stderr);
    } finally {
      closeSync(fd);
    }
    const text = readFileSync(log, 'utf8');
    assert.ok(text.startsWith('earlier line\n'), 'the earlier content is kept');
    assert.match(text, /Samples: \d+/);
    assert.ok(lstatSync(stdout).isSymbolicLink(), 'the link is still a link');
    assertOnly(dir, ['log.txt', 'stdout']);
  });
});

test("-o >(cmd): bash's process substitution (/dev/fd/63, a pipe) gets the whole report", () => {
  withDir((dir) => {
    const received = join(dir, 'received.json');
    const script = '"$3" "$0" -o >(cat > "$1") -r session "$2"; status=$?; wait $!; exit $status';
    const result = spawnSync('bash', ['-c', script, cli, received, SCRIPT, process.execPath], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /wrote session report to \/dev\/fd\/\d+/);
    const session = JSON.parse(readFileSync(received, 'utf8'));
    assert.ok(Array.isArray(session.samples.stack));
    assertOnly(dir, ['received.json']);
  });
});

test('-o to a new path and over a regular file still write a whole file atomically', () => {
  withDir((dir) => {
    const path = join(dir, 'report.txt');
    for (let round = 0; round < 2; round++) {
      const result = runNode([cli, '-o', path, SCRIPT]);
      assert.equal(result.status, 0, result.stderr);
      assert.ok(lstatSync(path).isFile());
      assert.match(readFileSync(path, 'utf8'), /Samples: \d+/);
      assertOnly(dir, ['report.txt']);
    }
  });
});

test('a one-thread format with -o to a device writes no worker-thread files beside it (they would land in /dev), and says so', () => {
  withDir((dir) => {
    const session = join(dir, 'threads.json');
    threadedSession().save(session);
    const out = join(dir, 'out');
    mkdirSync(out);
    const device = join(out, 'null');
    mknod(device, 1, 3);
    const result = runNode([cli, '--load', session, '-r', 'cpuprofile', '-o', device]);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(result.stderr.includes(`nodeinstrument: ${device} is not a regular file: the worker threads' cpuprofile files were not written beside it`), result.stderr);
    assertOnly(out, ['null']);
    // To a regular file they are written, as before.
    const file = join(out, 'run.cpuprofile');
    const regular = runNode([cli, '--load', session, '-o', file]);
    assert.equal(regular.status, 0, regular.stderr);
    assertOnly(out, ['null', 'run.cpuprofile', 'run.worker-1.cpuprofile', 'run.worker-2.cpuprofile']);
  });
});

test("-o '' is a usage error, not stdout", () => {
  for (const args of [['-o', '', SCRIPT], ['--outfile=', SCRIPT], ['diff', fixture('diff/before.js'), fixture('diff/after.js'), '-o', '']]) {
    const result = runNode([cli, ...args]);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^nodeinstrument: (-o|--outfile) needs a file name/);
    assert.equal(result.stdout, '');
  }
});
