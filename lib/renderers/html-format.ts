/**
 * The data an HTML report embeds for its front end (lib/html-app): written by
 * the renderer, read by the page's script. Types only, so that the browser
 * bundle takes nothing from this file but its shape.
 */
import type { FrameKind } from '../session/frame';
import type { MemorySeries } from '../memory/series';
import type { SessionMeta } from '../session/session';
import type { ProfileWarning } from '../processors/warnings';

export interface HtmlReportData {
  meta: SessionMeta;
  /** The header's Program line: the title option, or the command line. */
  program: string;
  /** The frames the stacks use (renumbered: ids index these columns). */
  frames: HtmlFrames;
  /** The session's stack prefix table, frame ids renumbered. */
  stacks: { parent: number[]; frame: number[] };
  /** Per stack id: seconds and samples in which that stack was the whole stack (the leaf). */
  self: { time: number[]; samples: number[] };
  /** Samples whose stack was empty. */
  emptyStack: { time: number; samples: number };
  timeline: HtmlTimeline;
  settings: HtmlSettings;
  /** Why the profile may mislead (lib/processors/warnings.ts); shown as a banner. */
  warnings: ProfileWarning[];
  /** Process memory over the run, when the session recorded it: times rounded to microseconds, whole bytes. */
  memory?: MemorySeries;
  /** Present when samples carry labels (withLabels): for the page's label selector. */
  labels?: HtmlLabels;
  /**
   * Present for profiles with worker threads, for the page's thread selector.
   * The top-level self, emptyStack, timeline, warnings and labels are then
   * the main thread's (threads[0]), and meta's sampleCount, cpuTime and
   * achievedInterval too; the others' are in their `view`.
   */
  threads?: HtmlThread[];
}

/** One thread of the profile (ThreadInfo, lib/session/session.ts) and its samples. */
export interface HtmlThread {
  /** As displayed: control characters made visible. */
  name: string;
  threadId: number;
  start: number;
  end: number;
  cpuTime: number;
  exited: boolean;
  sampleCount: number;
  /** Absent for the main thread (index 0), whose view is the report's top-level data. */
  view?: HtmlThreadView;
}

/** What the page shows for one worker thread: its own self table (sparse), timeline, warnings and labels. */
export interface HtmlThreadView {
  self: HtmlLabelSelf;
  timeline: HtmlTimeline;
  warnings: ProfileWarning[];
  achievedInterval: number;
  labels?: HtmlLabels;
}

/** Label pairs and, per pair, the self table of the samples that carry it. */
export interface HtmlLabels {
  /** `key=value`, sorted, as displayed. */
  pairs: string[];
  /** Per pair, in the same order. */
  self: HtmlLabelSelf[];
}

/** A sparse self table: the stacks some samples ended in, with their seconds and sample counts. */
export interface HtmlLabelSelf {
  stack: number[];
  time: number[];
  samples: number[];
  emptyStack: { time: number; samples: number };
}

/** Frames in columns (one array per field), which is smaller than an array of objects. */
export interface HtmlFrames {
  name: string[];
  file: string[];
  line: number[];
  column: number[];
  kind: FrameKind[];
  /** The name as displayed: control and bidi characters made visible. */
  label: string[];
  /** Where the frame is, as displayed: relative to cwd, from node_modules/ on; '' when nothing useful. */
  location: string[];
}

/**
 * The samples in time order as segments: a run of consecutive samples with
 * the same stack is one segment. Times are whole microseconds since the
 * session start, delta-encoded to keep the file small.
 */
export interface HtmlTimeline {
  /** Samples in the session. */
  sampleCount: number;
  /** Stack id of each segment; -1 for an empty stack. */
  stack: number[];
  /** Microseconds from the previous segment's end (the session start for the first) to this segment's start. */
  gap: number[];
  /** Microseconds the segment lasts. */
  length: number[];
  /**
   * Present when the samples made too many segments to embed: time was cut
   * into `buckets` equal buckets and each shows the stack that took most of it.
   */
  resampled?: { buckets: number; bucketSeconds: number };
}

/** The report options the page starts with (the user can change them there). */
export interface HtmlSettings {
  timing: 'seconds' | 'percent';
  showAll: boolean;
  hide?: HtmlRegExp;
  show?: HtmlRegExp;
  /** Nodes under this share of the total are left out of the call tree view. */
  minShare: number;
}

export interface HtmlRegExp {
  source: string;
  flags: string;
}
