/**
 * The recording as it goes, for the CLI. After each drain the profiled
 * process appends what its session gained (new frames, stacks and samples) to
 * a file, one JSON line per drain, so that a process that dies without
 * running any more JavaScript (SIGKILL, out of memory, process.abort(), a
 * native crash) still leaves what was drained until then. The CLI rebuilds a
 * session from it (readJournal) when no saved session came.
 *
 * Frames and stacks of a SessionBuilder are only ever appended, so the lines
 * concatenate into the same ids. Worker threads, label sets, inlined frames
 * and memory series are not journaled: a rebuilt session is the main
 * thread's samples as symbolized at each drain.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { FrameInfo } from './frame';
import { loadNative } from './native';
import { Session, SessionBuilder, SessionMeta, SampleTable, StackTable } from './session';

const JOURNAL_FORMAT = 'nodeinstrument-journal';

/** The first line. */
interface JournalHeader {
  format: typeof JOURNAL_FORMAT;
  meta: SessionMeta;
}

/** Written by the addon when V8's heap nears its limit (native/heap_limit.h). */
interface HeapLimitLine {
  nearHeapLimit: number;
}

/** Every further line: what the session gained since the previous one. */
interface JournalChunk {
  frames: FrameInfo[];
  stacks: StackTable;
  samples: SampleTable;
  /** Seconds since the start: the last sample's time, and the thread's CPU time then. */
  at: number;
  cpuTime: number;
}

export class SessionJournal {
  private fd: number | undefined;
  private frames = 0;
  private stacks = 0;
  private samples = 0;

  constructor(private readonly path: string) {}

  start(meta: SessionMeta): void {
    try {
      this.fd = openSync(this.path, 'a');
    } catch (error) {
      this.fail(error);
      return;
    }
    const header: JournalHeader = { format: JOURNAL_FORMAT, meta };
    this.write(header);
    // V8 calls only the newest near-heap-limit callback: Node's own one
    // (--heapsnapshot-near-heap-limit) is left alone.
    if (!/--heapsnapshot-near-heap-limit/.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`)) {
      loadNative().noteNearHeapLimit(this.fd!);
    }
  }

  /** Appends what `builder` gained since the last call, if anything. */
  append(builder: SessionBuilder, at: number, cpuTime: number): void {
    if (this.fd === undefined || builder.samples.stack.length === this.samples) return;
    const { frames, stacks, samples } = builder;
    const chunk: JournalChunk = {
      frames: frames.slice(this.frames),
      stacks: { parent: stacks.parent.slice(this.stacks), frame: stacks.frame.slice(this.stacks) },
      samples: {
        stack: samples.stack.slice(this.samples),
        time: samples.time.slice(this.samples),
        duration: samples.duration.slice(this.samples),
        cpu: samples.cpu.slice(this.samples),
      },
      at,
      cpuTime,
    };
    this.frames = frames.length;
    this.stacks = stacks.parent.length;
    this.samples = samples.stack.length;
    this.write(chunk);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private write(line: JournalHeader | JournalChunk): void {
    try {
      writeSync(this.fd!, `${JSON.stringify(line)}\n`);
    } catch (error) {
      this.fail(error);
    }
  }

  /** A journal is a safety net: failing to keep it is said once and never fails the run. */
  private fail(error: unknown): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    process.stderr.write(`nodeinstrument: cannot keep the run's journal (${(error as Error).message}); if the program dies abruptly, its profile is lost\n`);
  }
}

/** What a journal holds. */
export interface JournalContents {
  /** The session until the last whole line. */
  session: Session;
  /** Seconds covered: the last journaled sample's time. */
  until: number;
  /** V8's heap limit in bytes, when its heap neared it (the program most likely died of it). */
  nearHeapLimit: number | undefined;
}

/**
 * Rebuilds the session a journal holds; undefined when it holds no sample.
 * A last line cut short (the process died while writing it) is left out.
 */
export function readJournal(path: string): JournalContents | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  let header: JournalHeader | undefined;
  const builder = new SessionBuilder();
  let last: JournalChunk | undefined;
  let nearHeapLimit: number | undefined;
  for (const line of lines) {
    let parsed: JournalHeader | JournalChunk | HeapLimitLine;
    try {
      parsed = JSON.parse(line) as JournalHeader | JournalChunk | HeapLimitLine;
    } catch {
      break; // the end, or a line cut short
    }
    if ('nearHeapLimit' in parsed) {
      nearHeapLimit = parsed.nearHeapLimit;
      continue;
    }
    if (header === undefined) {
      if ((parsed as JournalHeader).format !== JOURNAL_FORMAT) return undefined;
      header = parsed as JournalHeader;
      continue;
    }
    const chunk = parsed as JournalChunk;
    append(builder.frames, chunk.frames);
    append(builder.stacks.parent, chunk.stacks.parent);
    append(builder.stacks.frame, chunk.stacks.frame);
    for (const key of ['stack', 'time', 'duration', 'cpu'] as const) append(builder.samples[key], chunk.samples[key]);
    last = chunk;
  }
  if (header === undefined || last === undefined) return undefined;
  const sampleCount = builder.samples.stack.length;
  const meta: SessionMeta = {
    ...header.meta,
    duration: last.at,
    cpuTime: last.cpuTime,
    sampleCount,
    achievedInterval: sampleCount > 0 ? (header.meta.mode === 'cpu' ? last.cpuTime : last.at) / sampleCount : 0,
  };
  // Validated as a saved session is: the journal is a file like any other.
  const session = Session.fromJSON(builder.build(meta).toJSON());
  return { session, until: last.at, nearHeapLimit };
}

/** push(...items) overflows the stack for long arrays. */
function append<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}
