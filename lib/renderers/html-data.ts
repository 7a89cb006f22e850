/**
 * Turns a session into the data an HTML report embeds: the frames its stacks
 * use, the stack table with each stack's self time (all the call tree and the
 * flame graph need) and the timeline segments.
 */
import { DEFAULT_MIN_SHARE } from '../processors/processors';
import type { MemorySeries } from '../memory/series';
import { isAllocSession } from './weights';
import { Session } from '../session/session';
import { formatCommandLine } from './header';
import type { HtmlFrames, HtmlRegExp, HtmlReportData, HtmlSettings, HtmlThread, HtmlThreadView, HtmlTimeline } from './html-format';
import { buildHtmlLabels } from './html-labels';
import { buildTimeline, TIMELINE_MAX_SEGMENTS } from './html-timeline';
import { displayLocation, escapeControl, TextRenderOptions } from './text';
import { profileWarnings } from '../processors/warnings';
import { hasThreads, sessionOfThread, threadSessions } from '../threads/threads';

export interface HtmlDataOptions {
  /** Segments the timeline embeds at most before it is resampled. */
  maxTimelineSegments?: number;
}

export function buildHtmlData(session: Session, options: TextRenderOptions = {}, dataOptions: HtmlDataOptions = {}): HtmlReportData {
  const { frames, frameIds } = usedFrames(session);
  const { parent, frame } = session.stacks;
  const stackFrames = frame.map((id) => frameIds[id]!);
  const threaded = hasThreads(session);
  // With worker threads the page opens on the main thread; each other thread's view is embedded for the selector.
  const main = threaded ? sessionOfThread(session, 0) : session;
  const { selfTime, selfSamples, emptyStack } = selfTables(main, parent.length);
  const meta = threaded ? { ...session.meta, sampleCount: main.meta.sampleCount, cpuTime: main.meta.cpuTime, achievedInterval: main.meta.achievedInterval } : session.meta;

  return {
    // Notes can quote the program (paths, names): shown with control characters visible, as in the text report.
    meta: { ...meta, notes: session.meta.notes.map(escapeControl) },
    program: escapeControl(options.title ?? formatCommandLine(session.meta.argv, session.meta.cwd)),
    frames,
    stacks: { parent: [...parent], frame: stackFrames },
    self: { time: Array.from(selfTime, roundNs), samples: Array.from(selfSamples) },
    emptyStack: { time: roundNs(emptyStack.time), samples: emptyStack.samples },
    timeline: timelineOf(main, dataOptions),
    settings: settingsOf(options),
    warnings: profileWarnings(session),
    ...(main.labels ? { labels: buildHtmlLabels(main, roundNs) } : {}),
    ...(session.memory ? { memory: memoryData(session.memory) } : {}),
    ...(threaded ? { threads: threadsData(session, dataOptions) } : {}),
  };
}

/** Seconds and samples per stack id in which that stack was the whole stack, and the samples with an empty stack. */
function selfTables(session: Session, stackCount: number): { selfTime: Float64Array; selfSamples: Float64Array; emptyStack: { time: number; samples: number } } {
  const selfTime = new Float64Array(stackCount);
  const selfSamples = new Float64Array(stackCount);
  const emptyStack = { time: 0, samples: 0 };
  const { stack, duration } = session.samples;
  for (let i = 0; i < stack.length; i++) {
    const id = stack[i]!;
    if (id === -1) {
      emptyStack.time += duration[i]!;
      emptyStack.samples++;
    } else {
      selfTime[id] += duration[i]!;
      selfSamples[id]++;
    }
  }
  return { selfTime, selfSamples, emptyStack };
}

function timelineOf(session: Session, dataOptions: HtmlDataOptions): HtmlTimeline {
  // An alloc session's samples have an order but no time: no stack timeline.
  return isAllocSession(session.meta)
    ? { sampleCount: session.samples.stack.length, stack: [], gap: [], length: [] }
    : buildTimeline(session.samples, dataOptions.maxTimelineSegments ?? TIMELINE_MAX_SEGMENTS);
}

/** The thread list, with each worker's view: a sparse self table (only the stacks it ended in), timeline, warnings, labels. */
function threadsData(session: Session, dataOptions: HtmlDataOptions): HtmlThread[] {
  return threadSessions(session).map(({ thread, index, session: own }): HtmlThread => {
    const info = { ...thread, name: escapeControl(thread.name), sampleCount: own.samples.stack.length };
    if (index === 0) return info;
    const { selfTime, selfSamples, emptyStack } = selfTables(own, session.stacks.parent.length);
    const stacks: number[] = [];
    for (let id = 0; id < selfSamples.length; id++) if (selfSamples[id]! > 0) stacks.push(id);
    const labels = own.labels ? buildHtmlLabels(own, roundNs) : undefined;
    const view: HtmlThreadView = {
      self: {
        stack: stacks,
        time: stacks.map((id) => roundNs(selfTime[id]!)),
        samples: stacks.map((id) => selfSamples[id]!),
        emptyStack: { time: roundNs(emptyStack.time), samples: emptyStack.samples },
      },
      timeline: timelineOf(own, dataOptions),
      warnings: profileWarnings(session, index),
      achievedInterval: own.meta.achievedInterval,
      ...(labels ? { labels } : {}),
    };
    return { ...info, view };
  });
}

function memoryData(series: Readonly<MemorySeries>): MemorySeries {
  return {
    time: series.time.map((seconds) => Math.round(seconds * 1e6) / 1e6),
    rss: series.rss.map(Math.round),
    heapUsed: series.heapUsed.map(Math.round),
  };
}

/** Seconds rounded to nanoseconds: enough for any profile, and fewer digits in the file. */
function roundNs(seconds: number): number {
  return Math.round(seconds * 1e9) / 1e9;
}

/**
 * Sessions hold every function V8 compiled, most never sampled; the report
 * keeps the frames some stack uses, renumbered in order of first use.
 */
function usedFrames(session: Session): { frames: HtmlFrames; frameIds: Int32Array } {
  const frameIds = new Int32Array(session.frames.length).fill(-1);
  const frames: HtmlFrames = { name: [], file: [], line: [], column: [], kind: [], label: [], location: [] };
  const cwd = session.meta.cwd;
  for (const id of session.stacks.frame) {
    if (frameIds[id] !== -1) continue;
    const frame = session.frames[id]!;
    frameIds[id] = frames.name.length;
    frames.name.push(frame.name);
    frames.file.push(frame.file);
    frames.line.push(frame.line);
    frames.column.push(frame.column);
    frames.kind.push(frame.kind);
    frames.label.push(escapeControl(frame.name));
    frames.location.push(escapeControl(displayLocation(frame, cwd)));
  }
  return { frames, frameIds };
}

function settingsOf(options: TextRenderOptions): HtmlSettings {
  const processor = options.processor ?? {};
  const showAll = processor.showAll ?? false;
  const settings: HtmlSettings = {
    timing: options.timing ?? 'seconds',
    showAll,
    minShare: processor.minShare ?? (showAll ? 0 : DEFAULT_MIN_SHARE),
  };
  if (processor.hide) settings.hide = regExpData(processor.hide);
  if (processor.show) settings.show = regExpData(processor.show);
  return settings;
}

function regExpData(regex: RegExp): HtmlRegExp {
  return { source: regex.source, flags: regex.flags.replace(/[gy]/g, '') };
}

