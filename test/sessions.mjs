// Small hand-made sessions for unit tests of trees, processors and renderers.
import { SessionBuilder } from './internals.cjs';

export const testMeta = {
  startTime: Date.UTC(2026, 10, 26, 12, 3, 4), duration: 0.02, cpuTime: 0.01, sampleCount: 0, requestedInterval: 0.001,
  achievedInterval: 0.001, droppedSamples: 0, unresolvedFrames: 0, totalFrames: 0, nodeVersion: 'v20', v8Version: '11',
  platform: 'linux', arch: 'x64', pid: 1, cwd: '/app', argv: ['/usr/bin/node', '/app/app.js'], signal: 39, notes: [],
};

/**
 * A session of `samples`: [[frames root first], duration seconds, cpu seconds = duration],
 * with testMeta overridden by `meta`.
 */
export function makeSession(samples, meta = {}) {
  const builder = new SessionBuilder();
  let time = 0;
  for (const [frames, duration, cpu = duration] of samples) {
    const stack = builder.internStackOf(frames.map((frame) => builder.internFrame(frame)));
    time += duration;
    builder.addSample(stack, time, duration, cpu);
  }
  return builder.build({ ...testMeta, sampleCount: samples.length, ...meta });
}

/** A small seeded PRNG (mulberry32): the same sequence every run, so failures reproduce. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const codeNames = new TextEncoder();
/** A code event as lib/drain/decode.ts hands it over ('added'); codeType 1: JIT code, 0: bytecode. */
export const codeAdded = (seq, start, size, name, codeType = 1) => ({ kind: 'added', seq, codeType, start, size, nameBytes: codeNames.encode(name) });
