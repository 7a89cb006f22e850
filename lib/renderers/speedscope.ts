/**
 * The speedscope renderer: speedscope's own file format
 * (https://www.speedscope.app/file-format-schema.json) holding one "sampled"
 * profile whose weights are the samples' wall time in seconds (an alloc
 * session's: bytes, unit 'bytes', samples in allocation order); with worker
 * threads, one such profile per thread, named by the thread.
 */
import { relative } from 'node:path';
import { FrameInfo } from '../session/frame';
import { isAllocSession } from './weights';
import { Session } from '../session/session';
import { hasThreads, threadSessions } from '../threads/threads';
import { packageVersion } from '../util/version';

export const SPEEDSCOPE_SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

export interface SpeedscopeFrame {
  name: string;
  file?: string;
  line?: number;
  col?: number;
}

export interface SpeedscopeSampledProfile {
  type: 'sampled';
  name: string;
  unit: 'seconds' | 'bytes';
  startValue: number;
  endValue: number;
  /** Stacks as indices into shared.frames, root first. */
  samples: number[][];
  weights: number[];
}

export interface SpeedscopeFile {
  $schema: typeof SPEEDSCOPE_SCHEMA;
  shared: { frames: SpeedscopeFrame[] };
  profiles: SpeedscopeSampledProfile[];
  name: string;
  activeProfileIndex: number;
  exporter: string;
}

export interface SpeedscopeOptions {
  /** Replaces the program's command line as the profile's name. */
  title?: string;
}

export function renderSpeedscope(session: Session, options: SpeedscopeOptions = {}): string {
  return JSON.stringify(buildSpeedscopeFile(session, options));
}

export function buildSpeedscopeFile(session: Session, options: SpeedscopeOptions = {}): SpeedscopeFile {
  const name = options.title ?? programName(session);
  const frames = new FrameTable(session);
  const unit = isAllocSession(session.meta) ? 'bytes' : 'seconds';
  // Worker threads: one profile per thread, named by it (speedscope lists them in its profile selector).
  const parts = hasThreads(session) ? threadSessions(session).map((part) => ({ name: part.thread.name, session: part.session })) : [{ name, session }];
  const profiles = parts.map((part): SpeedscopeSampledProfile => {
    const { samples, weights } = timeOrderedSamples(part.session, frames);
    return { type: 'sampled', name: part.name, unit, startValue: 0, endValue: sum(weights), samples, weights };
  });
  return {
    $schema: SPEEDSCOPE_SCHEMA,
    shared: { frames: frames.frames },
    profiles,
    name,
    activeProfileIndex: 0,
    exporter: `nodeinstrument@${packageVersion()}`,
  };
}

/**
 * Samples in time order, so speedscope's time-ordered view shows the run as it
 * happened. Consecutive samples of the same stack become one sample with the
 * summed weight: that view draws them the same, and files shrink a lot.
 */
function timeOrderedSamples(session: Session, frames: FrameTable): { samples: number[][]; weights: number[] } {
  const { stack, duration } = session.samples;
  const samples: number[][] = [];
  const weights: number[] = [];
  let previousStack: number | undefined;
  for (let i = 0; i < stack.length; i++) {
    const stackId = stack[i]!;
    if (stackId === previousStack) {
      weights[weights.length - 1] += duration[i]!;
    } else {
      samples.push(frames.stackOf(stackId));
      weights.push(duration[i]!);
      previousStack = stackId;
    }
  }
  return { samples, weights };
}

/** The frames that samples use, numbered in order of first use; and each stack as those numbers. */
class FrameTable {
  readonly frames: SpeedscopeFrame[] = [];
  private readonly indexOfFrame = new Map<number, number>();
  private readonly stacks = new Map<number, number[]>();

  constructor(private readonly session: Session) {}

  stackOf(stackId: number): number[] {
    let indices = this.stacks.get(stackId);
    if (!indices) {
      indices = stackId === -1 ? [] : this.session.stackFrames(stackId).map((frameId) => this.indexOf(frameId));
      this.stacks.set(stackId, indices);
    }
    return indices;
  }

  private indexOf(frameId: number): number {
    let index = this.indexOfFrame.get(frameId);
    if (index === undefined) {
      index = this.frames.length;
      this.frames.push(speedscopeFrame(this.session.frames[frameId]!));
      this.indexOfFrame.set(frameId, index);
    }
    return index;
  }
}

/** Speedscope's optional fields are left out when unknown rather than given as '' or 0. */
function speedscopeFrame(frame: FrameInfo): SpeedscopeFrame {
  const result: SpeedscopeFrame = { name: frame.name };
  if (frame.file) result.file = frame.file;
  if (frame.line > 0) result.line = frame.line;
  if (frame.column > 0) result.col = frame.column;
  return result;
}

/** The profiled command line without the node executable, the script relative to cwd: `busy.js --fast`. */
function programName(session: Session): string {
  const { argv, cwd } = session.meta;
  const [script, ...args] = argv.slice(1);
  if (script === undefined) return 'nodeinstrument profile';
  const shown = cwd && script.startsWith(`${cwd}/`) ? relative(cwd, script) : script;
  return [shown, ...args].join(' ');
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
