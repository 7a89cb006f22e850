// Hand-made sessions with worker threads, built through SessionBuilder as the recorder builds them.
import { SessionBuilder } from './internals.cjs';
import { internLabels, labelSetById } from './internals.cjs';
import { testMeta } from './sessions.mjs';

export const app = (name, line, file = '/app/app.js') => ({ name, file, line, column: 1, kind: 'js' });
export const special = (name) => ({ name, file: '', line: 0, column: 0, kind: 'special' });

export const THREADS = [
  { name: 'main', threadId: 0, start: 0, end: 0.04, cpuTime: 0.03, exited: false },
  { name: 'worker 1 /app/crunch.js', threadId: 1, start: 0.001, end: 0.04, cpuTime: 0.02, exited: false },
  { name: 'worker 2 /app/hash.js', threadId: 2, start: 0.002, end: 0.007, cpuTime: 0.005, exited: true },
];

/**
 * 65 samples of 1 ms, interleaved as the recorder adds them:
 * main: 30 main>work, 10 main>wait (40); worker 1: 20 runCrunch>crunch, half
 * labelled job=crunch; worker 2 (exited): 5 hashIt.
 */
export function threadedSession(meta = {}, threads = THREADS) {
  const builder = new SessionBuilder(labelSetById);
  const stackOf = (...frames) => builder.internStackOf(frames.map((frame) => builder.internFrame(frame)));
  const work = stackOf(app('main', 1), app('work', 10));
  const wait = stackOf(app('main', 1), app('wait', 20));
  const crunch = stackOf(app('runCrunch', 1, '/app/crunch.js'), app('crunch', 5, '/app/crunch.js'));
  const hash = stackOf(app('hashIt', 3, '/app/hash.js'));
  const job = internLabels({ job: 'crunch' });
  for (let i = 0; i < 40; i++) {
    const time = (i + 1) * 0.001;
    builder.addSample(i % 4 === 3 ? wait : work, time, 0.001, 0.001, 0, 0);
    if (i < 20) builder.addSample(crunch, time, 0.001, 0.001, i % 2 === 0 ? job : 0, 1);
    if (i < 5) builder.addSample(hash, time, 0.001, 0.001, 0, 2);
  }
  return builder.build({ ...testMeta, sampleCount: 65, duration: 0.04, cpuTime: 0.055, ...meta }, undefined, threads);
}
