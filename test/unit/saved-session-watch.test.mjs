// watchSavedSession: the CLI reads the program's session once the preload has renamed it into
// place, while the program's process is still ending; loadSession uses that reading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSession, watchSavedSession } from '../internals.cjs';
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
