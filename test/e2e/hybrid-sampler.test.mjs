// The hybrid sampler (sampler: 'hybrid', native/sampler.h): samples through
// V8 interrupts where the thread serves them in time, through the signal
// elsewhere. What a user relies on: the stacks are the ones a signal takes at
// the same moment, time in C++ is still found (JSON.parse, which serves no
// interrupt, by the signal; JSON.stringify, which serves them inside its C++,
// by the callback's native callers), and the known split holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, fixture, root, runJson, runNode } from '../helpers.mjs';

test('an interrupt sample walks the same frames as a signal taken at the same moment', () => {
  const result = runJson([fixture('hybrid-check.js'), '200', '600']);
  assert.ok(result.sink);
  assert.ok(result.interruptSamples > 0, JSON.stringify(result));
  assert.ok(result.pairs >= 20, `only ${result.pairs} interrupt/signal pairs: ${JSON.stringify(result)}`);
  assert.equal(result.same, result.pairs, JSON.stringify(result.differing));
  assert.equal(result.withChain, result.interruptSamples, 'every interrupt sample carries its native callers');
});

test('the known split holds with the hybrid sampler, at 1 ms and 100 us', () => {
  for (const interval of ['0.001', '0.0001']) {
    const result = runJson([fixture('known-split.js'), interval, '1500'], { env: { ...process.env, NODEINSTRUMENT_SAMPLER: 'hybrid' } });
    for (const name of ['middle', 'leafA', 'leafB', 'leafC']) {
      // Three standard errors of the samples delivered, and at least a point (the timing of the calls themselves).
      const allowance = Math.max(0.01, 3 * result.allowance[name]);
      assert.ok(
        Math.abs(result.shares[name] - result.expected[name]) <= allowance,
        `${name} at ${interval}: ${result.shares[name].toFixed(3)} vs ${result.expected[name].toFixed(3)} (allowance ${allowance.toFixed(3)})`,
      );
    }
  }
});

/** Share of the run under frames whose name matches `pattern`, from the CLI's --flat --show-all report. */
function flatShare(report, pattern) {
  const rows = report.split('\n').map((line) => line.match(/^\s+(\d+\.\d+)\s+(.*)$/)).filter(Boolean);
  const total = Number(report.match(/Duration: (\d+\.\d+) s/)[1]);
  return rows.filter((row) => pattern.test(row[2])).reduce((sum, row) => sum + Number(row[1]), 0) / total;
}

test('time in C++ is found as the signal finds it: JSON.stringify (served inside its C++) and JSON.parse (never served)', () => {
  const script = fixture('json-both.js');
  const shares = {};
  for (const sampler of ['signal', 'hybrid']) {
    const run = runNode([cli, '--flat', '--show-all', '--no-color', '-i', '200us', script], { env: { ...process.env, NODEINSTRUMENT_SAMPLER: sampler } });
    assert.equal(run.status, 0, run.stderr);
    // Which C++ function a stringify sample names differs (the callback's caller, not the pc's),
    // so stringify is counted as all of V8's C++ less the parser's.
    const native = flatShare(run.stdout, /\[native\] node$/);
    const parse = flatShare(run.stdout, /JsonParser/);
    shares[sampler] = { parse, stringify: native - parse };
  }
  for (const which of ['stringify', 'parse']) {
    assert.ok(shares.signal[which] > 0.1, `the workload spends time in ${which}: ${JSON.stringify(shares)}`);
    assert.ok(Math.abs(shares.hybrid[which] - shares.signal[which]) < 0.1, `${which}: ${JSON.stringify(shares)}`);
  }
});

test('a bad sampler is refused in one line', () => {
  const script = `const { Profiler } = require(${JSON.stringify(`${root}/dist/cjs/index.js`)});
    try { new Profiler({ sampler: 'interrupts' }).start(); } catch (error) { console.log(error.message); }`;
  const run = runNode(['-e', script]);
  assert.equal(run.stdout.trim(), `the sampler option must be one of 'signal', 'hybrid', got "interrupts"`);
});

test('the API: meta.interruptSamples says how many samples an interrupt took, and survives a round trip', () => {
  const index = JSON.stringify(`${root}/dist/cjs/index.js`);
  const script = `const { Profiler, Session } = require(${index});
    const p = new Profiler({ interval: 0.0002, sampler: 'hybrid' });
    p.start();
    const end = Date.now() + 300; let x = 0;
    while (Date.now() < end) for (let i = 0; i < 1000; i++) x += i % 7;
    const session = p.stop();
    const back = Session.fromJSON(JSON.parse(JSON.stringify(session)));
    let refused = '';
    try { Session.fromJSON({ ...JSON.parse(JSON.stringify(session)), meta: { ...session.meta, interruptSamples: -1 } }); } catch (error) { refused = error.message; }
    const signal = new Profiler({ interval: 0.001 }); signal.start(); signal.stop();
    console.log(JSON.stringify({ count: session.meta.sampleCount, interrupts: session.meta.interruptSamples, back: back.meta.interruptSamples, refused, signal: signal.lastSession.meta.interruptSamples ?? null }));`;
  const result = JSON.parse(runNode(['-e', script]).stdout);
  assert.ok(result.interrupts > 0.5 * result.count, JSON.stringify(result)); // a JavaScript loop serves nearly every tick
  assert.ok(result.interrupts <= result.count, JSON.stringify(result));
  assert.equal(result.back, result.interrupts);
  assert.match(result.refused, /interruptSamples must be a non-negative integer/);
  assert.equal(result.signal, null);
});

/** Runs spin-profiled.js with its inspector open and a client asking it to evaluate while it spins; both outputs. */
async function inspectedWhileSpinning(sampler) {
  // It spins until the client is done (at most 30 s), however slowly the client starts.
  const dir = mkdtempSync(join(tmpdir(), 'ni-inspector-'));
  const stopFile = join(dir, 'stop');
  const target = spawn(process.execPath, ['--inspect=127.0.0.1:0', fixture('spin-profiled.js'), '30000', stopFile], {
    env: { ...process.env, NODEINSTRUMENT_SAMPLER: sampler },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  target.stdout.on('data', (data) => (stdout += data));
  target.stderr.on('data', (data) => (stderr += data));
  const ended = once(target, 'exit');
  const deadline = Date.now() + 10_000;
  while (!(/ws:\/\/\S+/.test(stderr) && stdout.includes('spinning')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const url = stderr.match(/ws:\/\/\S+/)?.[0];
  if (!url) target.kill();
  assert.ok(url, `no inspector URL: ${stderr}`);
  // WebSocket is a global from Node 22; Node 20 has it behind a flag.
  const flags = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-websocket', '--no-warnings'] : [];
  const client = runNode([...flags, fixture('inspector-client.js'), url]);
  writeFileSync(stopFile, '');
  const [code] = await ended;
  rmSync(dir, { recursive: true, force: true });
  assert.equal(code, 0, stderr);
  assert.equal(client.status, 0, client.stderr);
  return { client: JSON.parse(client.stdout), target: JSON.parse(stdout.trim().split('\n').at(-1)) };
}

test('beside the inspector, which reaches a busy thread by interrupts too: every request answered, samples by interrupt', async () => {
  for (const sampler of ['signal', 'hybrid']) {
    const { client, target } = await inspectedWhileSpinning(sampler);
    assert.equal(client.answered, client.asked, `${sampler}: ${JSON.stringify(client)}`);
    assert.ok(target.spin && target.samples > 100, `${sampler}: ${JSON.stringify(target)}`);
    if (sampler === 'hybrid') assert.ok(target.interrupts > 0.5 * target.samples, JSON.stringify(target));
  }
});
