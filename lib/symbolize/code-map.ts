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

/** Ranges sorted by start that never overlap (so ends are sorted too): the storage of each of CodeMap's two levels. */
class SortedRanges<T> {
  readonly starts: number[] = emptyDoubles();
  readonly ends: number[] = emptyDoubles();
  readonly values: T[] = emptyObjects<T>();
  /** Ranges a newer one overlapped while they waited to be dropped (the main level's, until merged). */
  readonly dead: boolean[] = [];

  get length(): number {
    return this.starts.length;
  }

  push(start: number, end: number, value: T): void {
    this.starts.push(start);
    this.ends.push(end);
    this.values.push(value);
    this.dead.push(false);
  }

  /** Adds a range, removing every range it overlaps; whether any was removed. */
  add(start: number, end: number, value: T): boolean {
    const last = this.ends.length - 1;
    if (last < 0 || start >= this.ends[last]!) {
      this.push(start, end, value);
      return false;
    }
    const index = this.firstEndingAfter(start);
    let evictUntil = index;
    while (evictUntil < this.starts.length && this.starts[evictUntil]! < end) evictUntil++;
    this.starts.splice(index, evictUntil - index, start);
    this.ends.splice(index, evictUntil - index, end);
    this.values.splice(index, evictUntil - index, value);
    this.dead.splice(index, evictUntil - index, false);
    return evictUntil > index;
  }

  /** Marks every live range overlapping [start, end) dead, without moving the others; whether any was. */
  killOverlapping(start: number, end: number): boolean {
    let killed = false;
    for (let index = this.firstEndingAfter(start); index < this.starts.length && this.starts[index]! < end; index++) {
      if (!this.dead[index]) killed = this.dead[index] = true;
    }
    return killed;
  }

  removeAt(index: number): void {
    this.starts.splice(index, 1);
    this.ends.splice(index, 1);
    this.values.splice(index, 1);
    this.dead.splice(index, 1);
  }

  /** Index of the range holding `address`, -1 when none. */
  indexAt(address: number): number {
    const index = this.firstEndingAfter(address);
    return index < this.starts.length && this.starts[index]! <= address ? index : -1;
  }

  indexOfStart(start: number): number {
    const index = this.firstEndingAfter(start);
    return index < this.starts.length && this.starts[index] === start ? index : -1;
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
}

/** The live ranges of `newer` and `older` that `keep` accepts, passed through `copy`; an older range that any newer one overlaps is left out. Linear in both. */
function mergeRanges<T>(newer: SortedRanges<T>, older: SortedRanges<T>, keep: (value: T) => boolean, copy: (value: T) => T): SortedRanges<T> {
  const merged = new SortedRanges<T>();
  const push = (ranges: SortedRanges<T>, index: number): void => {
    if (!ranges.dead[index] && keep(ranges.values[index]!)) merged.push(ranges.starts[index]!, ranges.ends[index]!, copy(ranges.values[index]!));
  };
  let n = 0;
  for (let o = 0; o < older.length; o++) {
    // Newer ranges that end before this older one starts come first.
    while (n < newer.length && newer.ends[n]! <= older.starts[o]!) push(newer, n++);
    const overlaps = n < newer.length && newer.starts[n]! < older.ends[o]!;
    if (!overlaps) push(older, o);
  }
  while (n < newer.length) push(newer, n++);
  return merged;
}

const keepAll = (): boolean => true;
const same = <T>(value: T): T => value;

/**
 * Ranges added out of address order wait in a second, shorter level before
 * they are merged into the main one: an add is then a splice into a short
 * array. Adding each range straight into one sorted array made a program that
 * compiles tens of thousands of functions quadratic (60k new functions: 6.9 s
 * of splices at stop; docs/benchmarks.md). The second level holds up to
 * RECENT_PER_ROOT times the square root of the main level's size: a splice
 * (a memmove) costs far less per element than a merge (a copy in JavaScript),
 * and this balances the two.
 */
const RECENT_MIN = 1024;
const RECENT_PER_ROOT = 32;

export class CodeMap<T> {
  /** The main level. Its ranges that a later one overlapped are marked dead: look-ups skip them, and merging drops them. */
  private main = new SortedRanges<T>();
  /** Ranges added since the last merge, newer than the main level's. */
  private recent = new SortedRanges<T>();
  private readonly lookupCache = new Map<number, T>();
  private static readonly CACHE_LIMIT = 1 << 16;

  get size(): number {
    this.settle();
    return this.main.length;
  }

  add(start: number, size: number, value: T): void {
    const end = start + Math.max(size, 1);
    const { main, recent } = this;
    if ((main.length === 0 || start >= main.ends[main.length - 1]!) && (recent.length === 0 || start >= recent.ends[recent.length - 1]!)) {
      // After every range: nothing to evict. V8 lists existing code mostly in
      // address order, and allocates new code mostly upwards, so most adds come
      // this way. (Live ranges of the two levels never overlap: a later range
      // evicts or kills what it overlaps in both.)
      main.push(start, end, value);
      return;
    }
    // A cached look-up can only change where the new range overlaps an older one.
    const evicted = recent.add(start, end, value);
    if (main.killOverlapping(start, end) || evicted) this.lookupCache.clear();
    if (recent.length >= Math.max(RECENT_MIN, RECENT_PER_ROOT * Math.sqrt(main.length))) this.settle();
  }

  /**
   * A new map of the ranges of `newer` and `older` that `keep` accepts, each
   * value passed through `copy`; a range of `older` that overlaps any range
   * of `newer`, kept or not, is stale and left out. Linear in both.
   */
  static merge<T>(newer: CodeMap<T>, older: CodeMap<T>, keep: (value: T) => boolean, copy: (value: T) => T): CodeMap<T> {
    newer.settle();
    older.settle();
    const merged = new CodeMap<T>();
    merged.main = mergeRanges(newer.main, older.main, keep, copy);
    return merged;
  }

  /** Every value, in address order. */
  entries(): readonly T[] {
    this.settle();
    return this.main.values;
  }

  /** Moves the range that starts exactly at `from` (GC relocation); returns its size, 0 if there is none. */
  move(from: number, to: number): number {
    let level = this.recent;
    let index = level.indexOfStart(from);
    if (index === -1) {
      level = this.main;
      index = level.indexOfStart(from);
      if (index === -1 || level.dead[index]) return 0;
    }
    const size = level.ends[index]! - from;
    const value = level.values[index]!;
    level.removeAt(index);
    this.lookupCache.clear();
    this.add(to, size, value);
    return size;
  }

  /** The range holding `address`, with its bounds. Not cached. */
  rangeAt(address: number): CodeRange<T> | undefined {
    const { recent, main } = this;
    const fromRecent = recent.indexAt(address);
    if (fromRecent !== -1) return { start: recent.starts[fromRecent]!, end: recent.ends[fromRecent]!, value: recent.values[fromRecent]! };
    const index = this.liveMainIndexAt(address);
    return index === -1 ? undefined : { start: main.starts[index]!, end: main.ends[index]!, value: main.values[index]! };
  }

  /** Start of the range holding `address`, -1 when none: rangeAt without an object per call (the drain asks once per sampled frame). */
  startAt(address: number): number {
    const fromRecent = this.recent.indexAt(address);
    if (fromRecent !== -1) return this.recent.starts[fromRecent]!;
    const index = this.liveMainIndexAt(address);
    return index === -1 ? -1 : this.main.starts[index]!;
  }

  lookup(address: number): T | undefined {
    const cached = this.lookupCache.get(address);
    if (cached !== undefined) return cached;
    const fromRecent = this.recent.indexAt(address);
    let value: T | undefined;
    if (fromRecent !== -1) {
      value = this.recent.values[fromRecent];
    } else {
      const index = this.liveMainIndexAt(address);
      if (index === -1) return undefined;
      value = this.main.values[index];
    }
    if (this.lookupCache.size >= CodeMap.CACHE_LIMIT) this.lookupCache.clear();
    this.lookupCache.set(address, value!);
    return value;
  }

  /** Index of the live main range holding `address`, -1 when none. */
  private liveMainIndexAt(address: number): number {
    const index = this.main.indexAt(address);
    return index === -1 || this.main.dead[index] ? -1 : index;
  }

  /** Merges the recent level into the main one (look-ups answer the same before and after). */
  private settle(): void {
    if (this.recent.length === 0) return;
    this.main = mergeRanges(this.recent, this.main, keepAll, same);
    this.recent = new SortedRanges<T>();
  }
}
