// Runs one workload under one profiler and prints its function profile as
// JSON. Usage: node run-one.js <v8|nodeinstrument> <interval-us> <workload>
// The profiler covers exactly the workload's run(), after its prepare().
'use strict';
const path = require('node:path');
const { fromCpuProfile, fromSession, toJSON } = require('./function-profile');

const [profilerName, intervalArg, workloadName] = process.argv.slice(2);
const intervalUs = Number(intervalArg);
const workload = require(path.join(__dirname, 'workloads', `${workloadName}.js`));
if (workload.prepare) workload.prepare();

let profile;
/** nodeinstrument's profile without the inlined frames V8's CpuProfiler leaves out. */
let v8View;
if (profilerName === 'v8') {
  const { Session } = require('node:inspector');
  const session = new Session();
  session.connect();
  // The main thread's own inspector session answers synchronously.
  const post = (method, params) => {
    let result;
    session.post(method, params, (error, value) => {
      if (error) throw error;
      result = value;
    });
    return result;
  };
  post('Profiler.enable');
  post('Profiler.setSamplingInterval', { interval: intervalUs });
  post('Profiler.start');
  workload.run();
  // nodeinstrument applies source maps to its frames: the same here.
  const { SourceMapResolver } = require('../../dist/cjs/index.js');
  const resolver = new SourceMapResolver();
  profile = fromCpuProfile(post('Profiler.stop').profile, (frame) => resolver.resolve(frame));
  session.disconnect();
} else if (profilerName === 'nodeinstrument') {
  const { Profiler } = require('../../dist/cjs/index.js');
  const profiler = new Profiler({ interval: intervalUs / 1e6 });
  profiler.start();
  workload.run();
  const session = profiler.stop();
  profile = fromSession(session);
  v8View = fromSession(session, true);
} else {
  throw new Error(`unknown profiler ${profilerName}`);
}
process.stdout.write(JSON.stringify({ profile: toJSON(profile), v8View: toJSON(v8View ?? profile) }));
