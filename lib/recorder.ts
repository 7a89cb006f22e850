/**
 * One recording: starts the native sampler, drains it periodically and at the
 * end, feeds the symbolizer and produces a Session.
 */
import { decodeCodeEvents, decodeSamples } from './drain';
import { loadNative, NativeSampler, NativeStats } from './native';
import { Session, SessionBuilder, SessionMeta } from './session';
import { applySourceMaps } from './source-maps';
import { NativeObjects } from './native-objects';
import { claimSampling } from './sampling-claim';
import { CodeCatalog, NativeResolver, Symbolizer } from './symbolizer';

export interface RecorderOptions {
  /** Sampling interval in seconds. */
  interval: number;
  /** Deepest stack recorded; deeper stacks keep their leaf-most frames. */
  maxStackDepth: number;
  /** Signal number the sampler uses; 0 for the default. */
  signal: number;
  /** How often buffered samples are symbolized while running, ms. */
  drainInterval: number;
}

/** The code map the last recording in this process ended with (see CodeCatalog). */
let lastCodeCatalog: CodeCatalog | undefined;

export class Recorder {
  private readonly native: NativeSampler;
  private readonly builder = new SessionBuilder();
  private readonly symbolizer: Symbolizer;
  private readonly drainTimer: NodeJS.Timeout;
  private readonly startWallTime: number;
  private readonly startNs: number;
  private readonly startCpuNs: number;
  private session: Session | undefined;
  private readonly releaseClaim: () => void;

  constructor(private readonly options: RecorderOptions) {
    this.native = loadNative();
    this.startWallTime = Date.now();
    this.releaseClaim = claimSampling();
    try {
      this.native.start({
        intervalNs: Math.round(options.interval * 1e9),
        maxFrames: options.maxStackDepth,
        signal: options.signal,
      });
    } catch (error) {
      this.releaseClaim();
      throw error;
    }
    const stats = this.native.stats()!;
    this.startNs = stats.startTimeNs;
    this.startCpuNs = stats.startCpuTimeNs;
    const objects = new NativeObjects();
    const resolver: NativeResolver = {
      objectOf: (address) => objects.objectOf(address),
      symbolOf: (address) => this.native.resolveSymbol(address),
    };
    this.symbolizer = new Symbolizer(this.builder, resolver, this.startNs, this.startCpuNs, lastCodeCatalog);
    this.drainTimer = setInterval(() => this.drain(), options.drainInterval);
    this.drainTimer.unref();
  }

  get isRunning(): boolean {
    return this.session === undefined;
  }

  /** Stops sampling (idempotent) and returns the session. */
  stop(): Session {
    if (this.session) return this.session;
    clearInterval(this.drainTimer);
    const endNs = this.native.monotonicNow();
    const endCpuNs = this.native.threadCpuTime();
    this.native.stop();
    this.releaseClaim();
    this.drain();
    const stats = this.native.stats()!;
    lastCodeCatalog = this.symbolizer.catalog();
    // Source maps are read here, in the profiled process, where the files are.
    this.session = applySourceMaps(this.builder.build(this.meta(stats, endNs, endCpuNs)));
    return this.session;
  }

  private drain(): void {
    const { samples, codeEvents } = this.native.drain();
    this.symbolizer.process(decodeSamples(samples), decodeCodeEvents(codeEvents));
  }

  private meta(stats: NativeStats, endNs: number, endCpuNs: number): SessionMeta {
    const duration = Math.max(0, endNs - this.startNs) / 1e9;
    const sampleCount = this.builder.samples.stack.length;
    const notes: string[] = [];
    if (stats.sigprofHandlerChanges > 0) {
      notes.push(
        `another profiler changed the SIGPROF handler ${stats.sigprofHandlerChanges} time(s) during the run ` +
          `(V8's CpuProfiler: inspector Profiler.start, --cpu-prof); nodeinstrument samples on signal ${stats.signal} and kept sampling`,
      );
    }
    if (stats.handlerReinstalls > 0) {
      notes.push(
        `the handler of signal ${stats.signal} was replaced ${stats.handlerReinstalls} time(s) by other code and reinstalled` +
          (stats.lostSignals > 0 ? `; ${stats.lostSignals} signal(s) went to the other handler` : ''),
      );
    }
    if (stats.foreignSignals > 0) {
      notes.push(`${stats.foreignSignals} signal(s) ${stats.signal} came from elsewhere and were ignored`);
    }
    const counts = this.symbolizer.counts;
    return {
      startTime: this.startWallTime,
      duration,
      cpuTime: Math.max(0, endCpuNs - this.startCpuNs) / 1e9,
      sampleCount,
      requestedInterval: this.options.interval,
      achievedInterval: sampleCount > 0 ? duration / sampleCount : 0,
      droppedSamples: stats.droppedRingFull + stats.droppedStoreFull,
      unresolvedFrames: counts.unresolvedFrames,
      totalFrames: counts.totalFrames,
      nodeVersion: process.version,
      v8Version: process.versions.v8,
      platform: process.platform,
      arch: process.arch,
      pid: process.pid,
      cwd: process.cwd(),
      argv: [...process.argv],
      signal: stats.signal,
      notes,
    };
  }
}
