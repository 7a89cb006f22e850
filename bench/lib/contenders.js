'use strict';
/**
 * The profilers compared, behind one interface:
 *   const c = contender(name); c.start(intervalUs); ...; const r = c.stop();
 *   r = { samples, durationS, ... }
 * Each is loaded lazily so a child process only loads what it measures.
 */
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const FLOOR_ADDON = path.join(ROOT, 'bench', 'floor', 'build', 'Release', 'floor.node');

function postSync(session, method, params) {
  let done = false;
  let error;
  let result;
  session.post(method, params, (err, res) => {
    done = true;
    error = err;
    result = res;
  });
  if (!done) throw new Error(`inspector ${method} did not answer synchronously`);
  if (error) throw error;
  return result;
}

/**
 * The profiler with `[await]` tracking (issue 17). everyRequest: each request
 * tagged and tracked (what a profiled request pays, on all of them); else the
 * tracker starts in a context of its own, which no request runs in (what the
 * rest of the server pays while one request is profiled: the promise hooks).
 */
function awaitsContender(service, everyRequest) {
  const { Profiler } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
  const { tagRequest } = require(path.join(ROOT, 'dist', 'cjs', 'production', 'middleware', 'request-work.js'));
  const { AwaitTracker } = require(path.join(ROOT, 'dist', 'cjs', 'recording', 'await-tracker.js'));
  const { AsyncResource } = require('node:async_hooks');
  if (everyRequest && !service?.setAround) throw new Error('nodeinstrument-awaits needs the HTTP service (bench/http-ab.js)');
  const clock = () => performance.now() * 1e6;
  let profiler;
  let tracker;
  return {
    start(intervalUs) {
      profiler = new Profiler({ interval: intervalUs / 1e6 });
      profiler.start();
      tracker = new AsyncResource('nodeinstrument-bench').runInAsyncScope(() => new AwaitTracker(clock));
      if (everyRequest) service.setAround((fn) => tagRequest(() => tracker.track(fn)));
    },
    stop() {
      if (everyRequest) service.setAround(undefined);
      const { waits } = tracker.stop();
      const session = profiler.stop();
      return { samples: session.meta.sampleCount, durationS: session.meta.duration, waits: waits.length };
    },
  };
}

const factories = {
  none: () => ({
    start() {},
    stop: () => ({ samples: 0, durationS: 0 }),
  }),

  floor: () => {
    const floor = require(FLOOR_ADDON);
    return {
      start(intervalUs) {
        if (!floor.start(intervalUs)) throw new Error('floor helper already running');
      },
      stop() {
        const r = floor.stop();
        return { samples: r.delivered, durationS: r.durationNs / 1e9, sent: r.sent, late: r.late, busy: r.busy };
      },
    };
  },

  nodeinstrument: () => {
    const { Profiler } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
    const native = require(path.join(ROOT, 'build', 'Release', 'nodeinstrument.node'));
    let profiler;
    return {
      start(intervalUs) {
        profiler = new Profiler({ interval: intervalUs / 1e6 });
        profiler.start();
      },
      stop() {
        const session = profiler.stop();
        const m = session.meta;
        return {
          samples: m.sampleCount,
          durationS: m.duration,
          dropped: m.droppedSamples,
          stats: native.stats(),
          session,
        };
      },
    };
  },

  // The profiler as the request middleware runs it (issue 17): every request's handling tagged as
  // the profiled request's own work (withLabels, which enables the label hook while recording).
  // `service.setAround` (bench/lib/http-service.js) wraps each request.
  'nodeinstrument-tagged': (service) => {
    const { Profiler } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
    const { tagRequest } = require(path.join(ROOT, 'dist', 'cjs', 'production', 'middleware', 'request-work.js'));
    if (!service?.setAround) throw new Error('nodeinstrument-tagged needs the HTTP service (bench/http-ab.js)');
    let profiler;
    return {
      start(intervalUs) {
        profiler = new Profiler({ interval: intervalUs / 1e6 });
        profiler.start();
        service.setAround(tagRequest);
      },
      stop() {
        service.setAround(undefined);
        const session = profiler.stop();
        return { samples: session.meta.sampleCount, durationS: session.meta.duration };
      },
    };
  },

  // `[await]` tracking as the request middleware runs it (issue 17), worst case: every request
  // tagged and its awaits tracked (a stack captured per await), not only the profiled one.
  'nodeinstrument-awaits': (service) => awaitsContender(service, true),

  // What the rest of the server pays while one request is profiled with `[await]` (issue 17): the
  // promise hooks run for every promise on the thread, and no request is in the tracked context.
  'nodeinstrument-await-hooks': (service) => awaitsContender(service, false),

  // Continuous mode (issue 5): windows of `windowS` seconds written as pprof
  // into a temporary directory; stop() reports when each window was cut.
  continuous: () => {
    const windowS = Number(process.env.NI_BENCH_WINDOW_S || 2);
    const { startContinuous } = require(path.join(ROOT, 'dist', 'cjs', 'index.js'));
    const fs = require('node:fs');
    const os = require('node:os');
    let continuous;
    let dir;
    const windows = [];
    return {
      start(intervalUs) {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ni-bench-continuous-'));
        continuous = startContinuous({
          interval: intervalUs / 1e6,
          window: windowS,
          dir,
          retain: 10,
          onWindow: (session, info) => {
            windows.push({ start: info.start, end: info.end, samples: session.meta.sampleCount, handedAt: Date.now() });
          },
        });
      },
      stop() {
        const stats = continuous.stopSync();
        fs.rmSync(dir, { recursive: true, force: true });
        const samples = windows.reduce((a, w) => a + w.samples, 0);
        const durationS = windows.length ? (windows[windows.length - 1].end - windows[0].start) / 1000 : 0;
        return { samples, durationS, windows, cutMs: stats.cutMs, problems: stats.problems };
      },
    };
  },

  v8: () => {
    const inspector = require('node:inspector');
    const session = new inspector.Session();
    session.connect();
    postSync(session, 'Profiler.enable');
    return {
      start(intervalUs) {
        postSync(session, 'Profiler.setSamplingInterval', { interval: intervalUs });
        postSync(session, 'Profiler.start');
      },
      stop() {
        const { profile } = postSync(session, 'Profiler.stop');
        return { samples: profile.samples.length, durationS: (profile.endTime - profile.startTime) / 1e6 };
      },
    };
  },

  datadog: () => {
    const { time } = require('@datadog/pprof');
    return {
      start(intervalUs) {
        time.start({ intervalMicros: intervalUs, durationMillis: 3600 * 1000 });
      },
      stop() {
        const profile = time.stop();
        let samples = 0;
        for (const s of profile.sample) samples += Number(s.value[0]);
        return { samples, durationS: Number(profile.durationNanos) / 1e9 };
      },
    };
  },
};

/** `service`: what a contender may need of the program it profiles (the HTTP service's setAround). */
function contender(name, service) {
  const factory = factories[name];
  if (!factory) throw new Error(`unknown contender ${name} (known: ${Object.keys(factories).join(', ')})`);
  return factory(service);
}

module.exports = { contender, contenderNames: Object.keys(factories), ROOT, FLOOR_ADDON };
