/**
 * The memory series a session carries, and how reports describe it. Pure:
 * the HTML page bundles it too.
 */

/** Three columns of one length, in time order. */
export interface MemorySeries {
  /** Seconds since the session start. */
  time: number[];
  /** Resident set size of the process, bytes. */
  rss: number[];
  /** V8 heap used (live objects and not yet collected garbage) as of the last GC or drain, bytes. */
  heapUsed: number[];
}

/** What the report headers say about memory. */
export interface MemorySummary {
  peakRss: number;
  heapStart: number;
  heapEnd: number;
  peakHeap: number;
}

export function summarizeMemory(series: MemorySeries | undefined): MemorySummary | undefined {
  if (!series || series.time.length === 0) return undefined;
  return {
    peakRss: maximum(series.rss),
    heapStart: series.heapUsed[0]!,
    heapEnd: series.heapUsed[series.heapUsed.length - 1]!,
    peakHeap: maximum(series.heapUsed),
  };
}

/** The largest value (a loop: a day of points is too many arguments for Math.max(...values)). */
export function maximum(values: readonly number[]): number {
  let max = -Infinity;
  for (const value of values) if (value > max) max = value;
  return max;
}

/** `1.5 KB`, `52.3 MB`, `1.20 GB` (powers of 1024, as RSS figures usually are). */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${sign}${Math.round(abs)} B`;
  if (abs < 1024 ** 2) return `${sign}${(abs / 1024).toFixed(1)} KB`;
  if (abs < 1024 ** 3) return `${sign}${(abs / 1024 ** 2).toFixed(1)} MB`;
  return `${sign}${(abs / 1024 ** 3).toFixed(2)} GB`;
}

/** `peak RSS 120.4 MB · V8 heap 4.1 MB -> 55.0 MB (+50.9 MB, peak 60.2 MB)`, or '' without a series. */
export function formatMemorySummary(series: MemorySeries | undefined): string {
  const summary = summarizeMemory(series);
  if (!summary) return '';
  const growth = summary.heapEnd - summary.heapStart;
  return (
    `peak RSS ${formatBytes(summary.peakRss)}, V8 heap ${formatBytes(summary.heapStart)} -> ${formatBytes(summary.heapEnd)} ` +
    `(${growth >= 0 ? '+' : ''}${formatBytes(growth)}, peak ${formatBytes(summary.peakHeap)})`
  );
}

/** Checks an untrusted series (from a session file); `fail` throws the loader's error. */
export function validateMemorySeries(value: unknown, fail: (message: string) => never): MemorySeries {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('memory must be an object');
  const object = value as Record<string, unknown>;
  const column = (key: 'time' | 'rss' | 'heapUsed'): number[] => {
    const list = Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
    if (!Array.isArray(list)) fail(`memory.${key} must be an array`);
    for (const item of list) {
      if (typeof item !== 'number' || !Number.isFinite(item) || item < 0) fail(`memory.${key} must hold only finite non-negative numbers`);
    }
    return list as number[];
  };
  const time = column('time');
  const rss = column('rss');
  const heapUsed = column('heapUsed');
  if (rss.length !== time.length || heapUsed.length !== time.length) fail('memory.time, rss and heapUsed differ in length');
  for (let i = 1; i < time.length; i++) {
    if (time[i]! < time[i - 1]!) fail(`memory.time[${i}] goes back in time`);
  }
  return { time, rss, heapUsed };
}
