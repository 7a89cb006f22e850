/**
 * Which code lies at which address, as V8's code events describe it.
 *
 * V8 never says when code dies: flushed or collected code just disappears and
 * its addresses are reused. So a newly added range evicts every range it
 * overlaps, and a move takes the range with it.
 */

export interface CodeRange<T> {
  start: number;
  end: number;
  value: T;
}

/**
 * An empty array that holds doubles from the start. Code addresses are above
 * 2^31, so the arrays become double arrays with their first element; an array
 * that starts as [] (small integers) makes every new map's first add hit code
 * V8 optimized for double arrays, which it then throws away (a deopt, then
 * interpreted adds until it optimizes again: milliseconds per recording,
 * measured with --trace-deopt).
 */
function emptyDoubles(): number[] {
  const array = [0.5];
  array.pop();
  return array;
}

/** The same for the values: an empty array that holds objects from the start. */
function emptyObjects<T>(): T[] {
  const array: unknown[] = [{}];
  array.pop();
  return array as T[];
}

export class CodeMap<T> {
  // Parallel arrays sorted by start; ranges never overlap, so ends are sorted too.
  private starts: number[] = emptyDoubles();
  private ends: number[] = emptyDoubles();
  private values: T[] = emptyObjects<T>();
  private readonly lookupCache = new Map<number, T>();
  private static readonly CACHE_LIMIT = 1 << 16;

  get size(): number {
    return this.starts.length;
  }

  add(start: number, size: number, value: T): void {
    const end = start + Math.max(size, 1);
    const last = this.ends.length - 1;
    if (last < 0 || start >= this.ends[last]!) {
      // After every range: nothing to evict. V8 lists existing code mostly in
      // address order, so most of a recording's first drain comes this way.
      this.starts.push(start);
      this.ends.push(end);
      this.values.push(value);
      return;
    }
    const index = this.firstEndingAfter(start);
    let evictUntil = index;
    while (evictUntil < this.starts.length && this.starts[evictUntil]! < end) evictUntil++;
    if (evictUntil > index) this.lookupCache.clear();
    this.starts.splice(index, evictUntil - index, start);
    this.ends.splice(index, evictUntil - index, end);
    this.values.splice(index, evictUntil - index, value);
  }

  /**
   * A new map of the ranges of `newer` and `older` that `keep` accepts, each
   * value passed through `copy`; a range of `older` that overlaps any range
   * of `newer`, kept or not, is stale and left out. Linear in both.
   */
  static merge<T>(newer: CodeMap<T>, older: CodeMap<T>, keep: (value: T) => boolean, copy: (value: T) => T): CodeMap<T> {
    const merged = new CodeMap<T>();
    const push = (map: CodeMap<T>, index: number): void => {
      if (!keep(map.values[index]!)) return;
      merged.starts.push(map.starts[index]!);
      merged.ends.push(map.ends[index]!);
      merged.values.push(copy(map.values[index]!));
    };
    let n = 0;
    for (let o = 0; o < older.starts.length; o++) {
      // Newer ranges that end before this older one starts come first.
      while (n < newer.starts.length && newer.ends[n]! <= older.starts[o]!) push(newer, n++);
      const overlaps = n < newer.starts.length && newer.starts[n]! < older.ends[o]!;
      if (!overlaps) push(older, o);
    }
    while (n < newer.starts.length) push(newer, n++);
    return merged;
  }

  /** Every value, in address order. */
  entries(): readonly T[] {
    return this.values;
  }

  /** Moves the range that starts exactly at `from` (GC relocation); returns its size, 0 if there is none. */
  move(from: number, to: number): number {
    const index = this.indexOfStart(from);
    if (index === -1) return 0;
    const size = this.ends[index]! - from;
    const value = this.values[index]!;
    this.starts.splice(index, 1);
    this.ends.splice(index, 1);
    this.values.splice(index, 1);
    this.lookupCache.clear();
    this.add(to, size, value);
    return size;
  }

  /** The range holding `address`, with its bounds. Not cached. */
  rangeAt(address: number): CodeRange<T> | undefined {
    const index = this.firstEndingAfter(address);
    if (index >= this.starts.length || this.starts[index]! > address) return undefined;
    return { start: this.starts[index]!, end: this.ends[index]!, value: this.values[index]! };
  }

  lookup(address: number): T | undefined {
    const cached = this.lookupCache.get(address);
    if (cached !== undefined) return cached;
    const index = this.firstEndingAfter(address);
    if (index >= this.starts.length || this.starts[index]! > address) return undefined;
    const value = this.values[index]!;
    if (this.lookupCache.size >= CodeMap.CACHE_LIMIT) this.lookupCache.clear();
    this.lookupCache.set(address, value);
    return value;
  }

  /** Index of the first range whose end is after `address`. */
  private firstEndingAfter(address: number): number {
    let low = 0;
    let high = this.ends.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.ends[mid]! <= address) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private indexOfStart(start: number): number {
    const index = this.firstEndingAfter(start);
    return index < this.starts.length && this.starts[index] === start ? index : -1;
  }
}
