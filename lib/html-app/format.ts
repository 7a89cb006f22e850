/** How the report writes times, shares, counts and dates. */
import { formatBytes } from '../memory/series';
export { formatBytes, formatMemorySummary } from '../memory/series';
export { formatMode, formatRate, formatTimestamp } from '../renderers/header';

export type Timing = 'seconds' | 'percent';

/** What a node's weight is: seconds of wall time, or bytes (alloc sessions). */
export type Unit = 'seconds' | 'bytes';

/** A node's time as the tree shows it: seconds with three decimals (bytes: `12.3 MB`), or percent of the total with one. */
export function formatNodeTime(seconds: number, total: number, timing: Timing, unit: Unit = 'seconds'): string {
  if (timing === 'percent') return `${(total > 0 ? (seconds / total) * 100 : 0).toFixed(1)}%`;
  return unit === 'bytes' ? formatBytes(seconds) : seconds.toFixed(3);
}

/** A weight for tooltips: formatSeconds, or bytes. */
export function formatValue(value: number, unit: Unit): string {
  return unit === 'bytes' ? formatBytes(value) : formatSeconds(value);
}

/** A duration for tooltips and axes, with a unit that suits it: `1.23 s`, `45.6 ms`, `789 µs`. */
export function formatSeconds(seconds: number, digits = 3): string {
  const abs = Math.abs(seconds);
  if (abs >= 1 || abs === 0) return `${trim(seconds.toFixed(digits))} s`;
  if (abs >= 1e-3) return `${trim((seconds * 1e3).toFixed(Math.max(0, digits - 1)))} ms`;
  return `${trim((seconds * 1e6).toFixed(Math.max(0, digits - 2)))} µs`;
}

function trim(number: string): string {
  return number.includes('.') ? number.replace(/\.?0+$/, '') : number;
}

export function formatPercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

export function formatCount(count: number): string {
  return Math.round(count).toLocaleString('en-US');
}

/** `3.6M`, `200k`: counts in notes. */
export function formatShortCount(count: number): string {
  if (count >= 1e6) return `${trim((count / 1e6).toFixed(1))}M`;
  if (count >= 1e4) return `${Math.round(count / 1e3)}k`;
  return formatCount(count);
}




/** pyinstrument's heat bands (as the text report colours them): from 60%, 30%, 10% of the total, then dim. */
export function heatClass(share: number): string {
  if (share >= 0.6) return 'heat-4';
  if (share >= 0.3) return 'heat-3';
  if (share >= 0.1) return 'heat-2';
  return 'heat-1';
}

/** A round step (1, 2 or 5 times a power of ten) at least `minimum`. */
export function niceStep(minimum: number): number {
  if (!(minimum > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(minimum));
  for (const factor of [1, 2, 5, 10]) {
    if (factor * power >= minimum) return factor * power;
  }
  return 10 * power;
}
