/**
 * The recording as it goes, for the CLI. At drains, at most once a second,
 * the profiled process appends what its session gained (new frames, stacks
 * and samples) to a file, so that a process that dies without running any
 * more JavaScript (SIGKILL, out of memory, a native crash) still leaves what
 * was drained until then. The CLI rebuilds a session from it (readJournal)
 * when no saved session came.
 *
 * Frames and stacks of a SessionBuilder are only ever appended, so the
 * records concatenate into the same ids. Worker threads, label sets, inlined
 * frames and memory series are not journaled: a rebuilt session is the main
 * thread's samples as symbolized at each drain.
 *
 * The file: a JSON line (the header), then records. A record is a JSON line
 * (new frames, times, and the byte length of each column) followed by the
 * columns' raw bytes: stack parents, stack frames and sample stacks as
 * Int32Array, sample time, duration and CPU as Float64Array. Raw bytes, not
 * JSON numbers: printing doubles cost more than the drain itself (4 us a
 * sample, measured). The addon may add `{"nearHeapLimit":N}` lines between
 * records (native/heap_limit.h).
 */
import { closeSync, openSync, readFileSync, write as fsWrite } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { FrameInfo } from '../session/frame';
import { loadNative } from '../native/addon';
import { Session, SESSION_FORMAT, SESSION_VERSION, SessionBuilder, SessionMeta } from '../session/session';

const JOURNAL_FORMAT = 'nodeinstrument-journal';
/**
 * Records are written at most this often (at a drain): each has a fixed cost
 * of about half a millisecond, and a death loses at most this much more.
 */
const JOURNAL_PERIOD_MS = 1000;

/** The first line. */
interface JournalHeader {
  format: typeof JOURNAL_FORMAT;
  meta: SessionMeta;
}

/** Written by the addon when V8's heap nears its limit. */
interface HeapLimitLine {
  nearHeapLimit: number;
}

/** A record's JSON line; its columns follow. */
interface RecordLine {
  frames: FrameInfo[];
  /** Byte length of each column, in COLUMNS order. */
  bytes: number[];
  /** Seconds since the start: the last sample's time, and the thread's CPU time then. */
  at: number;
  cpuTime: number;
}

/** What a journal's records add up to: the columns in the order they are written. */
interface JournalTables {
  frames: FrameInfo[];
  stackParent: number[];
  stackFrame: number[];
  sampleStack: number[];
  time: number[];
  duration: number[];
  cpu: number[];
}

/** Int32 columns first, then Float64 ones (alignment is not kept: the reader copies). */
const INT_COLUMNS = ['stackParent', 'stackFrame', 'sampleStack'] as const;
const FLOAT_COLUMNS = ['time', 'duration', 'cpu'] as const;
const COLUMNS = [...INT_COLUMNS, ...FLOAT_COLUMNS];

export class SessionJournal {
  private fd: number | undefined;
  private frames = 0;
  private stacks = 0;
  private samples = 0;
  private lastWrite = -Infinity;
  private readonly queued: Buffer[] = [];
  private writing = false;
  private written: Array<() => void> = [];

  /** periodMs: the least time between records (tests write each append). */
  constructor(
    private readonly path: string,
    private readonly periodMs = JOURNAL_PERIOD_MS,
  ) {}

  /** Resolves when every record appended so far is in the file (or the journal failed). */
  whenWritten(): Promise<void> {
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => this.written.push(resolve));
  }

  start(meta: SessionMeta): void {
    try {
      this.fd = openSync(this.path, 'a');
    } catch (error) {
      this.fail(error);
      return;
    }
    const header: JournalHeader = { format: JOURNAL_FORMAT, meta };
    this.write([Buffer.from(`${JSON.stringify(header)}\n`)]);
    // V8 calls only the newest near-heap-limit callback: Node's own one
    // (--heapsnapshot-near-heap-limit) is left alone.
    if (!/--heapsnapshot-near-heap-limit/.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`)) {
      loadNative().noteNearHeapLimit(this.fd);
    }
  }

  /** Appends what `builder` gained since the last record, if anything and if it is time. */
  append(builder: SessionBuilder, at: number, cpuTime: number): void {
    if (this.fd === undefined || builder.sampleCount === this.samples) return;
    const now = performance.now();
    if (now - this.lastWrite < this.periodMs) return;
    this.lastWrite = now;
    // Builtins (slice, typed array constructors): fast before the JIT warms up.
    const samples = builder.samplesFrom(this.samples);
    const columns = [
      new Int32Array(builder.stacks.parent.slice(this.stacks)),
      new Int32Array(builder.stacks.frame.slice(this.stacks)),
      samples.stack,
      samples.time,
      samples.duration,
      samples.cpu,
    ].map((typed) => Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength));
    const line: RecordLine = { frames: builder.frames.slice(this.frames), bytes: columns.map((column) => column.length), at, cpuTime };
    this.frames = builder.frames.length;
    this.stacks = builder.stacks.parent.length;
    this.samples = builder.sampleCount;
    this.write([Buffer.from(`${JSON.stringify(line)}\n`), ...columns]);
  }

  /**
   * Records go out through libuv's thread pool, one write at a time (so they
   * stay whole and in order): a slow disk must not stall the program. A
   * death loses only a record still in flight.
   */
  private write(parts: Buffer[]): void {
    this.queued.push(Buffer.concat(parts));
    if (!this.writing) this.writeQueued();
  }

  private writeQueued(): void {
    const fd = this.fd;
    if (fd === undefined || this.queued.length === 0) {
      this.writing = false;
      for (const resolve of this.written.splice(0)) resolve();
      return;
    }
    this.writing = true;
    const data = this.queued.length === 1 ? this.queued.pop()! : Buffer.concat(this.queued.splice(0));
    const writeFrom = (offset: number): void => {
      fsWrite(fd, data, offset, data.length - offset, null, (error, written) => {
        if (error) return this.fail(error);
        if (offset + written < data.length) writeFrom(offset + written);
        else this.writeQueued();
      });
    };
    writeFrom(0);
  }

  /** A journal is a safety net: failing to keep it is said once and never fails the run. */
  private fail(error: unknown): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.queued.length = 0;
    this.writeQueued(); // settles whenWritten()
    process.stderr.write(`nodeinstrument: cannot keep the run's journal (${(error as Error).message}); if the program dies abruptly, its profile is lost\n`);
  }
}

/** What a journal holds. */
export interface JournalContents {
  /** The session until the last whole record. */
  session: Session;
  /** Seconds covered: the last journaled sample's time. */
  until: number;
  /** V8's heap limit in bytes, when its heap neared it (the program most likely died of it). */
  nearHeapLimit: number | undefined;
}

/**
 * Rebuilds the session a journal holds; undefined when it holds no sample.
 * A record cut short (the process died while it was written) is left out.
 */
export function readJournal(path: string): JournalContents | undefined {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    return undefined;
  }
  let header: JournalHeader | undefined;
  const tables: JournalTables = { frames: [], stackParent: [], stackFrame: [], sampleStack: [], time: [], duration: [], cpu: [] };
  let last: RecordLine | undefined;
  let nearHeapLimit: number | undefined;
  for (let offset = 0; offset < data.length; ) {
    const end = data.indexOf(10, offset); // '\n'
    if (end < 0) break;
    let parsed: JournalHeader | RecordLine | HeapLimitLine;
    try {
      parsed = JSON.parse(data.toString('utf8', offset, end)) as JournalHeader | RecordLine | HeapLimitLine;
    } catch {
      break;
    }
    offset = end + 1;
    if ('nearHeapLimit' in parsed) {
      nearHeapLimit = parsed.nearHeapLimit;
    } else if (header === undefined) {
      if ((parsed as JournalHeader).format !== JOURNAL_FORMAT) return undefined;
      header = parsed as JournalHeader;
    } else {
      const record = parsed as RecordLine;
      if (!wellFormed(record, COLUMNS.length)) break;
      const total = record.bytes.reduce((sum, bytes) => sum + bytes, 0);
      if (offset + total > data.length) break; // cut short
      record.bytes.forEach((bytes, i) => {
        // A copy: the bytes in the file are not aligned for a typed array view.
        const copy = data.buffer.slice(data.byteOffset + offset, data.byteOffset + offset + bytes);
        append(tables[COLUMNS[i]!], i < INT_COLUMNS.length ? new Int32Array(copy) : new Float64Array(copy));
        offset += bytes;
      });
      append(tables.frames, record.frames);
      last = record;
    }
  }
  if (header === undefined || last === undefined) return undefined;
  const sampleCount = tables.sampleStack.length;
  const meta: SessionMeta = {
    ...header.meta,
    duration: last.at,
    cpuTime: last.cpuTime,
    sampleCount,
    achievedInterval: sampleCount > 0 ? (header.meta.mode === 'cpu' ? last.cpuTime : last.at) / sampleCount : 0,
  };
  // Validated as a saved session is: the journal is a file like any other.
  const session = Session.fromJSON({
    format: SESSION_FORMAT,
    version: SESSION_VERSION,
    meta,
    frames: tables.frames,
    stacks: { parent: tables.stackParent, frame: tables.stackFrame },
    samples: { stack: tables.sampleStack, time: tables.time, duration: tables.duration, cpu: tables.cpu },
  });
  return { session, until: last.at, nearHeapLimit };
}

/** Whether a record's line describes columns this reader can take. */
function wellFormed(record: RecordLine, columns: number): boolean {
  const { bytes, frames } = record;
  return (
    Array.isArray(frames) &&
    Array.isArray(bytes) &&
    bytes.length === columns &&
    bytes.every((size, i) => Number.isInteger(size) && size >= 0 && size % (i < INT_COLUMNS.length ? 4 : 8) === 0)
  );
}

/** push(...items) overflows the stack for long arrays. */
function append<T>(target: T[], items: ArrayLike<T>): void {
  for (let i = 0; i < items.length; i++) target.push(items[i]!);
}
