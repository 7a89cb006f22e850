// Small hand-made sessions for unit tests of trees, processors and renderers.
import { SessionBuilder } from '../dist/cjs/session.js';

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
