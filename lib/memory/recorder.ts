/**
 * Process memory beside time: RSS and V8 heap used, every 100 ms, recorded
 * off the JavaScript thread's hot path. native/memory_monitor.cc runs a thread
 * of its own that reads /proc/self/statm (about 5 us a read); V8's heap size
 * may only be read on the JS thread, so it is taken in a GC epilogue callback
 * (after each collection, inside the GC) and at each drain tick (every
 * 200 ms when the event loop is free), and the thread publishes the latest.
 * Costs are measured in docs/benchmarks.md (memory series).
 */
import type { MemorySeries } from './series';
import type { NativeSampler } from '../native/addon';

export type { MemorySeries } from './series';

/** How often the monitor thread takes a point. */
export const MEMORY_INTERVAL_MS = 100;

/** Records the series for one recording; `startNs` is the session's monotonic start. */
export class MemoryRecorder {
  private series: MemorySeries = { time: [], rss: [], heapUsed: [] };
  private stopped = false;

  constructor(
    private readonly native: NativeSampler,
    private startNs: number,
    intervalMs = MEMORY_INTERVAL_MS,
  ) {
    try {
      native.memoryStart(intervalMs * 1e6);
    } catch {
      // Memory is an extra: a process that cannot read /proc/self/statm is still profiled, without the series.
      this.stopped = true;
    }
  }

  /** From the drain timer: refreshes the heap figure and moves points out of the native buffer. */
  poll(): void {
    if (this.stopped) return;
    this.native.memorySample();
    this.take();
  }

  /**
   * Continuous windows: the series of the window ending at `endNs` (points up
   * to now), and a fresh series for the next window, which starts there.
   */
  cut(endNs: number): MemorySeries | undefined {
    if (!this.stopped) this.take();
    const series = this.series;
    this.series = { time: [], rss: [], heapUsed: [] };
    this.startNs = endNs;
    return series.time.length > 0 ? series : undefined;
  }

  /** The series, or undefined when memory could not be recorded. */
  stop(): MemorySeries | undefined {
    if (!this.stopped) {
      this.stopped = true;
      this.native.memoryStop();
      this.take();
    }
    return this.series.time.length > 0 ? this.series : undefined;
  }

  private take(): void {
    const points = this.native.memoryDrain();
    // Points come from two threads (the monitor's RSS readings, the JS
    // thread's after each GC), each stamped before it is stored: order them,
    // and keep time from going back across batches.
    const order: number[] = [];
    for (let i = 0; i + 2 < points.length; i += 3) order.push(i);
    order.sort((a, b) => points[a]! - points[b]!);
    const { time } = this.series;
    for (const i of order) {
      const seconds = Math.max(0, Math.round(points[i]! - this.startNs)) / 1e9;
      time.push(Math.max(seconds, time.length > 0 ? time[time.length - 1]! : 0));
      this.series.rss.push(points[i + 1]!);
      this.series.heapUsed.push(points[i + 2]!);
    }
  }
}
