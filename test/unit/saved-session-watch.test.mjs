// watchSavedSession: the CLI reads the program's session once the preload has renamed it into
// place, while the program's process is still ending; loadSession uses that reading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSession, outputOrKeep, parseArgs, prepareOutput, watchSavedSession } from '../internals.cjs';
import { makeSession } from '../sessions.mjs';

const frame = (name) => ({ name, file: '/app/app.js', line: 1, column: 1, kind: 'js' });

/** The watch's session once its event has come (the event loop runs meanwhile); undefined after ten seconds. */
async function taken(watch) {
  for (let waited = 0; waited < 10_000; waited += 10) {
    const session = watch.take();
    if (session !== undefined) return session;
    await sleep(10);
  }
  return undefined;
}

function claimedPath(t) {
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-watch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'session.json');
  writeFileSync(path, ''); // as the CLI claims the name before the program starts
  return { dir, path };
}

test('a session renamed into place is read before anyone asks, and loadSession uses that reading', async (t) => {
  const { dir, path } = claimedPath(t);
  const watch = watchSavedSession(path);
  t.after(() => watch.close());
  // Other files of the directory (the journal, another run's session) are not read.
  writeFileSync(join(dir, 'session.json.journal'), 'not a session');
  const session = makeSession([[[frame('main'), frame('work')], 0.002]]);
  writeFileSync(join(dir, '.session.json.tmp'), JSON.stringify(session));
  renameSync(join(dir, '.session.json.tmp'), path);
  const read = await taken(watch);
  assert.ok(read, 'the saved session was read when it was renamed into place');
  assert.equal(read.samples.stack.length, 1);
  // Removed before the exit: loadSession has what was read, and adds how the program ended.
  rmSync(path);
  const loaded = loadSession(path, `${path}.journal`, { code: null, signal: 'SIGTERM' }, read);
  assert.equal(loaded.samples.stack.length, 1);
  assert.ok(loaded.meta.notes.includes('the program ended by SIGTERM'));
});

test('a file that does not load is left to loadSession, which says what is wrong with it', async (t) => {
  const { dir, path } = claimedPath(t);
  const watch = watchSavedSession(path);
  t.after(() => watch.close());
  writeFileSync(join(dir, '.session.json.tmp'), '{"format":');
  renameSync(join(dir, '.session.json.tmp'), path);
  await sleep(200);
  assert.equal(watch.take(), undefined);
  assert.throws(() => loadSession(path, `${path}.journal`, { code: 0, signal: null }, watch.take()), /not a nodeinstrument session/);
});

test('closed before the program saved: nothing is read', async (t) => {
  const { dir, path } = claimedPath(t);
  const watch = watchSavedSession(path);
  watch.close();
  writeFileSync(join(dir, '.session.json.tmp'), JSON.stringify(makeSession([[[frame('main')], 0.001]])));
  renameSync(join(dir, '.session.json.tmp'), path);
  await sleep(200);
  assert.equal(watch.take(), undefined);
});

test('onRead gets the session when it is read; one that throws leaves the session read', async (t) => {
  for (const throws of [false, true]) {
    const { dir, path } = claimedPath(t);
    const given = [];
    const watch = watchSavedSession(path, (session) => {
      given.push(session);
      if (throws) throw new Error('cannot render');
    });
    t.after(() => watch.close());
    writeFileSync(join(dir, '.session.json.tmp'), JSON.stringify(makeSession([[[frame('main')], 0.001]])));
    renameSync(join(dir, '.session.json.tmp'), path);
    const read = await taken(watch);
    assert.ok(read);
    assert.deepEqual(given, [read], `called once with what was read (throwing: ${throws})`);
  }
});

test('a report prepared from the session is written as prepared, nothing before; another session is rendered anew', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-prepared-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const outfile = join(dir, 'report.txt');
  const options = parseArgs(['-o', outfile, 'app.js']);
  const first = makeSession([[[frame('main'), frame('firstWork')], 0.002]]);
  const second = makeSession([[[frame('main'), frame('secondWork')], 0.002]]);
  const messages = [];
  t.mock.method(process.stderr, 'write', (text) => (messages.push(String(text)), true));
  const prepared = prepareOutput(first, options);
  assert.deepEqual(messages, [], 'no message while preparing (the program may still print)');
  assert.throws(() => readFileSync(outfile), /ENOENT/, 'no file while preparing');
  // Written as prepared, not rendered again (here with other options, to tell the two apart).
  assert.equal(outputOrKeep([first], parseArgs(['-o', outfile, '--percent', 'app.js']), prepared), true);
  assert.match(readFileSync(outfile, 'utf8'), /firstWork/);
  assert.doesNotMatch(readFileSync(outfile, 'utf8'), /%\s+main/);
  assert.match(messages.join(''), /wrote text report to/);
  // The program's session changed after the preparation (a note of how it ended): rendered again.
  assert.equal(outputOrKeep([second], options, prepared), true);
  assert.match(readFileSync(outfile, 'utf8'), /secondWork/);
});
