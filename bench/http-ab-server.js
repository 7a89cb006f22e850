'use strict';
/**
 * The server half of bench/http-ab.js: the HTTP service of bench/lib/http-service.js,
 * which switches profilers on and off in phases while the parent keeps it under load.
 *
 * argv[2]: JSON { contenders, groups, settleMs, phaseMs, intervalUs, seed }.
 * A group is one phase per contender ('none' twice: the A/A pair), in a shuffled
 * order; the first group warms every contender up and is marked so. A phase starts
 * the contender, lets it settle (its start, first drain and the queue left by the
 * previous phase's stop fall there), then measures phaseMs, then stops it. The
 * parent counts the responses that ended inside each measured span.
 *
 * Messages: sends { port } when listening; on 'go' runs the phases and sends
 * { phases }; on 'stop' exits.
 */
const { contender } = require('./lib/contenders');
const { workloadServer } = require('./lib/http-service');
const { mulberry32, shuffled } = require('./lib/stats');

const config = JSON.parse(process.argv[2]);
const service = workloadServer({ asyncHandler: config.asyncHandler === true });
const { server } = service;
const profilers = Object.fromEntries([...new Set(['none', ...config.contenders])].map((name) => [name, contender(name, service)]));
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function runPhases() {
  const random = mulberry32(config.seed);
  // Two unprofiled phases per group: 'none' and its A/A twin.
  const slots = ['none', 'none', ...config.contenders.filter((name) => name !== 'none')];
  const phases = [];
  for (let group = 0; group <= config.groups; group++) {
    // Which of the two unprofiled phases is the A/A twin is a coin toss, not their order: a phase
    // right after a profiler's stop can be a little slower, and the earlier one follows a profiler more often.
    const twin = random() < 0.5 ? 0 : 1;
    let noneSeen = 0;
    for (const name of shuffled(slots, random)) {
      const label = name === 'none' && noneSeen++ === twin ? 'none (A/A)' : name;
      const profiler = profilers[name];
      profiler.start(config.intervalUs);
      await sleep(config.settleMs);
      const start = now();
      await sleep(config.phaseMs);
      const end = now();
      const result = profiler.stop();
      phases.push({ group: group - 1, warmUp: group === 0, name: label, start, end, samples: result.samples, durationS: result.durationS });
    }
  }
  return phases;
}

server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));

process.on('message', (message) => {
  if (message === 'go') {
    runPhases().then(
      (phases) => process.send({ phases }),
      (error) => process.send({ error: String(error.stack || error) }),
    );
  } else if (message === 'stop') {
    server.close();
    process.exit(0);
  }
});
