// V8's --interpreted-frames-native-stack turned on at run time: with it the
// stack walk looks code up under V8 mutexes, and a sample taken while the
// interrupted code held one hung the process (docs/design.md, "Locks the
// stack walk can meet"). Each way of turning it on must end in a refusal or
// a recording that stops sampling with a note, never a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, REPEAT_PASS, runNode } from '../helpers.mjs';

const REFUSAL = /^nodeinstrument: V8's --interpreted-frames-native-stack is on in this process \(set at run time\): .*takes locks/;
const NOTE = /^sampling stopped \d+\.\d{3} s into the recording: V8's --interpreted-frames-native-stack was turned on at run time/;

function run(how, ms = 600) {
  // A hang is the failure this guards against: the timeout turns it into one.
  const result = runNode([fixture('native-stack-flag.js'), how, String(ms)], { timeout: 60_000, killSignal: 'SIGKILL' });
  assert.equal(result.signal, null, `${how}: killed by ${result.signal} (hung?)\n${result.stderr}`);
  assert.equal(result.status, 0, `${how}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

for (const how of ['before-load', 'before-start']) {
  test(`the flag set ${how.replace('-', ' ')}: start refuses, naming it`, () => {
    const result = run(how);
    assert.equal(result.started, false);
    assert.match(result.error, REFUSAL);
    assert.match(result.restart, REFUSAL);
    assert.ok(result.functions > 100, `functions: ${result.functions}`);
  });
}

for (const how of ['during', 'during-captured', 'during-esm', 'worker']) {
  test(`the flag set during a recording (${how}): no hang, sampling stops with a note, later starts refuse`, () => {
    // Three rounds, as a hang comes at a random sample; one in CI's repeat passes (test/helpers.mjs).
    for (let round = 0; round < (REPEAT_PASS ? 1 : 3); round++) {
      const result = run(how);
      assert.equal(result.started, true, result.error);
      assert.ok(result.notes.some((note) => NOTE.test(note)), `notes: ${JSON.stringify(result.notes)}`);
      assert.ok(result.samples > 0, 'the recording has the samples from before');
      assert.match(result.restart, REFUSAL);
    }
  });
}
