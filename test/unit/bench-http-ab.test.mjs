// The arithmetic of bench/http-ab.js (issue 4's HTTP figures): phases cut out of
// one continuous load, throughput per group against its unprofiled phases, pooled
// latency quantiles, bootstrap intervals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { analyse, summarise } = require('../../bench/http-ab.js');

/** Ten groups; per group, phases of 1 s: two unprofiled with `base` responses, one profiled with fewer and slower ones. */
function syntheticRun({ base = 200, profiled = 180, slowdown = 1.1 } = {}) {
  const phases = [];
  const time = [];
  const latency = [];
  let t = 1_000_000;
  const phase = (group, name, count, scale) => {
    const start = t + 100;
    phases.push({ group, warmUp: group < 0, name, start, end: start + 1000, samples: name.startsWith('none') ? 0 : 1000, durationS: name.startsWith('none') ? 0 : 1.35 });
    // Responses spread over the phase, plus a few in the settle time before it (not counted).
    for (let i = 0; i < 5; i++) { time.push(t + i); latency.push(50); }
    for (let i = 0; i < count; i++) { time.push(start + (i + 0.5) * (1000 / count)); latency.push(scale * (1 + (i % 100) / 100)); }
    t = start + 1250;
  };
  for (let group = -1; group < 10; group++) {
    phase(group, 'none', base, 1);
    phase(group, 'nodeinstrument', profiled, slowdown);
    phase(group, 'none (A/A)', base, 1);
  }
  return { phases, responses: { time, latency } };
}

test('http A/B: throughput per group against the unprofiled phases; the warm-up group and settle times are not counted', () => {
  const analysis = analyse(syntheticRun());
  assert.deepEqual(analysis.groups, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const none = analysis.phases.filter((p) => p.name === 'none');
  assert.ok(none.every((p) => Math.abs(p.rps - 200) < 1e-9), `unprofiled rps: ${none.map((p) => p.rps)}`);
  const { contenders, unprofiled } = summarise(analysis, 200);
  const ni = contenders.find((c) => c.name === 'nodeinstrument');
  const aa = contenders.find((c) => c.name === 'none (A/A)');
  assert.ok(Math.abs(ni.rpsChange - -10) < 1e-9, `Δ req/s ${ni.rpsChange}`);
  assert.ok(Math.abs(aa.rpsChange) < 1e-9);
  assert.equal(ni.groups, 10);
  assert.equal(unprofiled.responses, 4000);
  assert.equal(ni.responses, 1800);
  assert.ok(Math.abs(ni.sampleRate - 1000 / 1.35) < 1e-6);
});

test('http A/B: pooled p50/p99 against the unprofiled phases, with bootstrap intervals around them', () => {
  const { contenders, unprofiled } = summarise(analyse(syntheticRun({ profiled: 200, slowdown: 1.1 })), 200);
  const ni = contenders.find((c) => c.name === 'nodeinstrument');
  assert.ok(Math.abs(unprofiled.p99 - 1.99) < 0.01, `unprofiled p99 ${unprofiled.p99}`);
  assert.ok(Math.abs(ni.p99Change - 10) < 0.1, `Δ p99 ${ni.p99Change}`);
  assert.ok(Math.abs(ni.p50Change - 10) < 0.5, `Δ p50 ${ni.p50Change}`);
  // Every group alike: the intervals are tight around the change (the histograms' bins are 0.5% wide).
  assert.ok(ni.p99ChangeCi.lo > 9 && ni.p99ChangeCi.hi < 11, `CI ${JSON.stringify(ni.p99ChangeCi)}`);
  assert.ok(ni.rpsChangeCi.lo <= ni.rpsChange && ni.rpsChange <= ni.rpsChangeCi.hi);
});
