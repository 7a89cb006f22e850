/**
 * The HTML report's timeline data: the samples as segments of consecutive
 * samples with the same stack. Beyond a limit the samples are resampled into
 * equal time buckets, so that an hour at 1 kHz (3.6M samples, a new stack
 * almost every sample) still makes a file a browser opens in a moment.
 */
import type { SampleTable } from '../session/session';
import type { HtmlTimeline } from './html-format';

/** Segments embedded at most: a few MB of JSON, parsed and drawn in well under a second. */
export const TIMELINE_MAX_SEGMENTS = 200_000;

/** Samples closer than this (seconds) count as contiguous. */
const CONTIGUOUS = 1e-6;

interface Segment {
  stack: number;
  start: number;
  end: number;
}

/** Collects segments and writes them delta-encoded in whole microseconds. */
class SegmentWriter {
  readonly stack: number[] = [];
  readonly gap: number[] = [];
  readonly length: number[] = [];
  /** End of the last segment, whole microseconds. Rounding absolute times keeps deltas from drifting. */
  private lastEnd = 0;
  private pending: Segment | undefined;

  /** Adds [start, end) seconds of `stack`, merged into the previous segment when it continues it. */
  add(stack: number, start: number, end: number): void {
    const pending = this.pending;
    if (pending && pending.stack === stack && start - pending.end <= CONTIGUOUS) {
      pending.end = Math.max(pending.end, end);
      return;
    }
    this.flush();
    this.pending = { stack, start, end };
  }

  private flush(): void {
    const pending = this.pending;
    if (!pending) return;
    const start = Math.max(this.lastEnd, Math.round(pending.start * 1e6));
    const end = Math.max(start, Math.round(pending.end * 1e6));
    this.stack.push(pending.stack);
    this.gap.push(start - this.lastEnd);
    this.length.push(end - start);
    this.lastEnd = end;
    this.pending = undefined;
  }

  finish(): { stack: number[]; gap: number[]; length: number[] } {
    this.flush();
    return { stack: this.stack, gap: this.gap, length: this.length };
  }
}

/** How many segments the samples make when consecutive samples of one stack are merged. */
export function countSegments(samples: Readonly<SampleTable>): number {
  const { stack, time, duration } = samples;
  let count = 0;
  let lastStack = NaN;
  let lastEnd = -Infinity;
  for (let i = 0; i < stack.length; i++) {
    const start = time[i]! - duration[i]!;
    if (stack[i] !== lastStack || start - lastEnd > CONTIGUOUS) count++;
    lastStack = stack[i]!;
    lastEnd = time[i]!;
  }
  return count;
}

export function buildTimeline(samples: Readonly<SampleTable>, maxSegments = TIMELINE_MAX_SEGMENTS): HtmlTimeline {
  const sampleCount = samples.stack.length;
  if (countSegments(samples) <= maxSegments) {
    const writer = new SegmentWriter();
    const { stack, time, duration } = samples;
    for (let i = 0; i < sampleCount; i++) writer.add(stack[i]!, time[i]! - duration[i]!, time[i]!);
    return { sampleCount, ...writer.finish() };
  }
  return resample(samples, maxSegments);
}

/**
 * Cuts the profile's time into `buckets` equal buckets and gives each the
 * stack that was sampled for most of its time (ties: the first seen). A
 * sample belongs to the bucket its midpoint falls in. Buckets without samples
 * stay empty, so gaps stay gaps.
 */
function resample(samples: Readonly<SampleTable>, buckets: number): HtmlTimeline {
  const { stack, time, duration } = samples;
  const sampleCount = stack.length;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < sampleCount; i++) {
    first = Math.min(first, time[i]! - duration[i]!);
    last = Math.max(last, time[i]!);
  }
  const span = Math.max(last - first, 1e-9);
  const bucketSeconds = span / buckets;
  const writer = new SegmentWriter();
  const timeByStack = new Map<number, number>();
  let bucket = -1;
  const emit = (): void => {
    let best = 0;
    let bestStack = 0;
    for (const [id, seconds] of timeByStack) {
      if (seconds > best || best === 0) {
        best = seconds;
        bestStack = id;
      }
    }
    writer.add(bestStack, first + bucket * bucketSeconds, first + (bucket + 1) * bucketSeconds);
    timeByStack.clear();
  };
  for (let i = 0; i < sampleCount; i++) {
    const middle = time[i]! - duration[i]! / 2;
    const at = Math.min(buckets - 1, Math.floor((middle - first) / bucketSeconds));
    // Samples come in time order; one that does not is counted in the current bucket.
    if (at > bucket) {
      if (bucket >= 0) emit();
      bucket = at;
    }
    timeByStack.set(stack[i]!, (timeByStack.get(stack[i]!) ?? 0) + duration[i]!);
  }
  if (bucket >= 0) emit();
  return { sampleCount, ...writer.finish(), resampled: { buckets, bucketSeconds } };
}
