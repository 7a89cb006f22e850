// Sessions for the HTML report's tests: a synthetic hour at 1 kHz, and one
// whose functions and files have hostile names.
import { SessionBuilder } from './internals.cjs';
import { makeSession, seededRandom, testMeta } from './sessions.mjs';


const LIBRARIES = ['express', 'body-parser', 'lodash', 'pg', '@scope/orm', 'ws', 'undici', 'ajv'];

/**
 * An hour of a busy server sampled at 1 kHz: 3.6M samples over a few
 * thousand distinct stacks (a prefix tree grown from a request loop into
 * application code, libraries, Node's internals and builtins), popularity
 * following a power law, and a stack that often stays for a few samples.
 */
export function largeSession({ samples = 3_600_000, stacks = 3000, seed = 42 } = {}) {
  const next = seededRandom(seed);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const builder = new SessionBuilder();
  const frame = (name, file, line, kind = 'js') => builder.internFrame({ name, file, line, column: 1, kind });

  const app = [];
  for (let i = 0; i < 400; i++) app.push(frame(`handler${i}`, `/srv/app/src/module${i % 40}.js`, 10 + i));
  const lib = [];
  for (let i = 0; i < 600; i++) {
    const name = LIBRARIES[i % LIBRARIES.length];
    lib.push(frame(`${name.replace(/\W/g, '')}Fn${i}`, `/srv/app/node_modules/${name}/lib/file${i % 7}.js`, 5 + i));
  }
  const internal = [];
  for (let i = 0; i < 40; i++) internal.push(frame(`internal${i}`, `node:internal/module${i % 5}`, i + 1));
  const builtins = ['ArrayForEach', 'JsonParse', 'StringPrototypeReplace', 'ArrayPrototypeSort', 'ArrayMap'].map((name) => frame(name, '', 0, 'builtin'));
  const natives = ['[native] node', '[native] libc.so.6'].map((name) => frame(name, '', 0, 'native'));
  const idle = frame('(idle)', '', 0, 'special');
  const gc = frame('(garbage collection)', '', 0, 'special');
  const loop = [frame('processTicksAndRejections', 'node:internal/process/task_queues', 95), frame('(module)', '/srv/app/src/server.js', 1)];

  // Grow the prefix tree: each new stack extends a random earlier one, cut at a random depth.
  const stackFrames = [loop];
  while (stackFrames.length < stacks) {
    const base = pick(stackFrames);
    const cut = base.slice(0, 1 + Math.floor(next() * base.length));
    const grow = 1 + Math.floor(next() * 5);
    for (let i = 0; i < grow && cut.length < 40; i++) {
      const roll = next();
      cut.push(roll < 0.45 ? pick(app) : roll < 0.8 ? pick(lib) : roll < 0.9 ? pick(internal) : roll < 0.96 ? pick(builtins) : pick(natives));
    }
    stackFrames.push(cut);
  }
  const stackIds = stackFrames.map((frames) => builder.internStackOf(frames));
  stackIds.push(builder.internStackOf([idle]), builder.internStackOf([gc]));

  // Power-law popularity; cumulative weights for a binary search per draw.
  const cumulative = new Float64Array(stackIds.length);
  let sum = 0;
  for (let i = 0; i < stackIds.length; i++) {
    sum += 1 / (i + 1) ** 1.1;
    cumulative[i] = sum;
  }
  const draw = () => {
    const target = next() * sum;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle] < target) low = middle + 1;
      else high = middle;
    }
    return stackIds[low];
  };

  let time = 0;
  let stack = draw();
  let cpu = 0;
  for (let i = 0; i < samples; i++) {
    if (next() > 0.55) stack = draw();
    const duration = 0.001 + (next() - 0.5) * 0.0001;
    time += duration;
    const sampleCpu = stack === stackIds.at(-2) ? 0 : duration * 0.95;
    cpu += sampleCpu;
    builder.addSample(stack, time, duration, sampleCpu);
  }
  return builder.build({
    ...testMeta,
    startTime: Date.UTC(2026, 10, 26, 10, 0, 0),
    duration: time,
    cpuTime: cpu,
    sampleCount: samples,
    achievedInterval: time / samples,
    totalFrames: samples * 12,
    cwd: '/srv/app',
    argv: ['/usr/bin/node', '/srv/app/src/server.js'],
  });
}

export const HOSTILE_NAME = '<img src=x onerror=alert(1)>';
export const HOSTILE_FILE = '/app/</script><script>alert(1)</script>.js';

/** Functions and files named to break out of HTML, the JSON's script element, or JavaScript strings. */
export function hostileSession() {
  const main = { name: 'main', file: '/app/app.js', line: 1, column: 1, kind: 'js' };
  const img = { name: HOSTILE_NAME, file: '/app/app.js', line: 5, column: 3, kind: 'js' };
  const script = { name: 'scriptBreaker', file: HOSTILE_FILE, line: 7, column: 1, kind: 'js' };
  const comment = { name: '<!--<script>', file: '/app/x\u2028y\u2029z.js', line: 9, column: 1, kind: 'js' };
  const bidi = { name: 'evil\u202egnp.js\u0007', file: '/app/"quotes\'&amp;.js', line: 11, column: 1, kind: 'js' };
  return makeSession(
    [
      [[main, img], 0.004],
      [[main, script], 0.003],
      [[main, comment], 0.002],
      [[main, bidi], 0.001],
      [[main], 0.001],
    ],
    { argv: ['/usr/bin/node', '/app/app.js', '</title><script>alert(2)</script>'], notes: ['<b onmouseover=alert(3)>note</b>'] },
  );
}
