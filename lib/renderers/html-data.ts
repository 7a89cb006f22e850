/**
 * Turns a session into the data an HTML report embeds: the frames its stacks
 * use, the stack table with each stack's self time (all the call tree and the
 * flame graph need) and the timeline segments.
 */
import { DEFAULT_MIN_SHARE } from '../processors';
import type { MemorySeries } from '../memory-series';
import { isAllocSession } from '../profile-mode';
import { Session } from '../session';
import { formatCommandLine } from '../session-summary';
import type { HtmlFrames, HtmlRegExp, HtmlReportData, HtmlSettings } from './html-format';
import { buildHtmlLabels } from './html-labels';
import { buildTimeline, TIMELINE_MAX_SEGMENTS } from './html-timeline';
import { displayLocation, escapeControl, TextRenderOptions } from './text';
import { profileWarnings } from '../warnings';

export interface HtmlDataOptions {
  /** Segments the timeline embeds at most before it is resampled. */
  maxTimelineSegments?: number;
}

export function buildHtmlData(session: Session, options: TextRenderOptions = {}, dataOptions: HtmlDataOptions = {}): HtmlReportData {
  const { frames, frameIds } = usedFrames(session);
  const { parent, frame } = session.stacks;
  const stackFrames = frame.map((id) => frameIds[id]!);

  const selfTime = new Float64Array(parent.length);
  const selfSamples = new Float64Array(parent.length);
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

  return {
    // Notes can quote the program (paths, names): shown with control characters visible, as in the text report.
    meta: { ...session.meta, notes: session.meta.notes.map(escapeControl) },
    program: escapeControl(options.title ?? formatCommandLine(session.meta.argv, session.meta.cwd)),
    frames,
    stacks: { parent: [...parent], frame: stackFrames },
    self: { time: Array.from(selfTime, roundNs), samples: Array.from(selfSamples) },
    emptyStack: { time: roundNs(emptyStack.time), samples: emptyStack.samples },
    // An alloc session's samples have an order but no time: no stack timeline.
    timeline: isAllocSession(session.meta)
      ? { sampleCount: stack.length, stack: [], gap: [], length: [] }
      : buildTimeline(session.samples, dataOptions.maxTimelineSegments ?? TIMELINE_MAX_SEGMENTS),
    settings: settingsOf(options),
    warnings: profileWarnings(session),
    ...(session.labels ? { labels: buildHtmlLabels(session, roundNs) } : {}),
    ...(session.memory ? { memory: memoryData(session.memory) } : {}),
  };
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

