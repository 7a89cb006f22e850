/**
 * Growable columns of numbers kept outside the V8 heap, for what a recording
 * adds with every sample (the sample table, each sample's position stack,
 * label set and thread). In plain arrays they grew the profiled program's
 * heap by 3.5 MB a minute at 1 kHz (docs/benchmarks.md, section 18), and a
 * program running near its heap limit could die of it. Typed arrays keep
 * their data in memory V8 does not count against the heap; chunks of a fixed
 * size grow without copying and waste at most one chunk.
 */

/** A column as readers see it. */
export interface NumberColumn {
  readonly length: number;
  get(index: number): number;
}

type TypedArray = Int32Array | Float64Array;

/** Entries per chunk: 128 KB of doubles, well past the size V8 keeps typed arrays on its heap. */
const CHUNK = 16384;

abstract class ChunkedColumn<T extends TypedArray> implements NumberColumn {
  private readonly chunks: T[] = [];
  private size = 0;

  protected abstract allocate(length: number): T;

  get length(): number {
    return this.size;
  }

  push(value: number): void {
    const offset = this.size % CHUNK;
    if (offset === 0) this.chunks.push(this.allocate(CHUNK));
    this.chunks[this.chunks.length - 1]![offset] = value;
    this.size++;
  }

  /** Appends every value of `values`. */
  pushAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.push(values[i]!);
  }

  get(index: number): number {
    if (index < 0 || index >= this.size) throw new RangeError(`index ${index} is outside a column of ${this.size}`);
    return this.chunks[Math.floor(index / CHUNK)]![index % CHUNK]!;
  }

  set(index: number, value: number): void {
    if (index < 0 || index >= this.size) throw new RangeError(`index ${index} is outside a column of ${this.size}`);
    this.chunks[Math.floor(index / CHUNK)]![index % CHUNK] = value;
  }

  /** The values from `start` on, in one typed array of their own. */
  sliceFrom(start: number): T {
    const out = this.allocate(Math.max(0, this.size - start));
    for (let at = start; at < this.size; ) {
      const chunk = Math.floor(at / CHUNK);
      const from = at % CHUNK;
      const to = Math.min(CHUNK, this.size - chunk * CHUNK);
      out.set(this.chunks[chunk]!.subarray(from, to), at - start);
      at += to - from;
    }
    return out;
  }

  /** The values as a plain array (a session's tables are plain arrays). */
  toArray(): number[] {
    const out = new Array<number>(this.size);
    let i = 0;
    for (const chunk of this.chunks) {
      const end = Math.min(chunk.length, this.size - i);
      for (let j = 0; j < end; j++) out[i++] = chunk[j]!;
    }
    return out;
  }
}

/** Integers (ids, indexes): 4 bytes each. */
export class Int32Column extends ChunkedColumn<Int32Array> {
  protected allocate(length: number): Int32Array {
    return new Int32Array(length);
  }

  static of(values: ArrayLike<number>): Int32Column {
    const column = new Int32Column();
    column.pushAll(values);
    return column;
  }

  /** A column of `length` copies of `value`. */
  static filled(length: number, value: number): Int32Column {
    const column = new Int32Column();
    for (let i = 0; i < length; i++) column.push(value);
    return column;
  }
}

/** Doubles (times in seconds): 8 bytes each, exact. */
export class Float64Column extends ChunkedColumn<Float64Array> {
  protected allocate(length: number): Float64Array {
    return new Float64Array(length);
  }
}
