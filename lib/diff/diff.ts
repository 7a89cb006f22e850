/**
 * Compares two sides, each one or several runs of the same program: which
 * call paths (branches) and which functions got faster or slower, in seconds
 * and in share of the total (or of a chosen root function), and whether each
 * change is beyond both sampling noise and the program's own run-to-run
 * variation (lib/diff/stats.ts, docs/optimization-loop.md). Pure: sessions
 * in, a SessionDiff out; renderers in lib/renderers/diff-*.ts.
 */
import { FrameInfo } from '../session/frame';
import { Pair, pairFunctions, pairTrees } from './pairs';
import { DiffError, effectiveShare, functionKey, PreparedRun, processedTree, Side } from './side';
import {
  ASSUMED_RELATIVE_VARIATION,
  ASSUMED_RUN_VARIATION,
  atRunSpeed,
  holmAdjusted,
  MIN_ROW_SAMPLES,
  MIN_SPEED_SAMPLES,
  measureRunVariation,
  RowTest,
  runSpeeds,
  RunVariation,
  SideRuns,
  SideSummary,
  SpeedRatio,
  speedRatio,
  speedRatioOfRuns,
  summarize,
  testRelative,
  testRow,
} from './stats';
import { DEFAULT_MIN_SHARE, hotFrames, ProcessorOptions } from '../processors/processors';
import { buildCallTree, CallNode } from '../session/tree';
import { modeOf, MODES } from '../session/mode';
import { Session, SessionMeta } from '../session/session';
import { findThread, hasThreads, sessionOfThread, ThreadFilterError, threadsOf } from '../threads/threads';
import { ProfileWarning, profileWarnings } from '../processors/warnings';
import { withoutProfilerWork } from '../processors/profiler-work';

export interface DiffOptions {
  /** Hiding rules, applied to both profiles alike (their minShare is ignored: see `minShare`). */
  processor?: ProcessorOptions;
  /** Compare only the time under the function of this name (all its outermost calls), as shares of it. */
  root?: string;
  /** Rows under this share of the root on both sides are left out. Default 1% (0 with processor.showAll). */
  minShare?: number;
  /**
   * Smallest change of share (of the root) reported as a change. Default: 0.02
   * (2 points) when both sides are one run, whose run-to-run variation is only
   * assumed; 0 when a side has several runs, whose variation is measured.
   */
  minChange?: number;
  /** Family-wise false-positive rate (Holm over all rows compared). Default 0.05. */
  alpha?: number;
  /**
   * `wall` (default): wall time, as the profiles show it. `cpu`: the time the
   * thread was on a CPU, from each sample's CPU clock; robust when the machine
   * is busier in one run than in the other, and waiting (idle, I/O) drops out.
   */
  time?: 'wall' | 'cpu';
  /**
   * Profiles with worker threads: compare this thread of each (a name,
   * threadId or unique part of a name, lib/threads/threads.ts). Default: the main
   * thread. Threads are never added together.
   */
  thread?: string;
  /**
   * The run-to-run variation to assume when no side has several runs: the
   * coefficient of variation of a row's time between runs. Default
   * ASSUMED_RUN_VARIATION (10%); 0 judges by sampling noise alone.
   */
  assumedRunVariation?: number;
}

export const DEFAULT_MIN_CHANGE = 0.02;
export const DEFAULT_ALPHA = 0.05;

/**
 * - `faster`, `slower`: the time changed beyond noise, and beyond what the
 *   speed of the whole run explains (model.speed), in the same direction,
 *   and the share by at least minChange.
 * - `noise`: the change in time is within noise.
 * - `minor`: the time changed beyond noise, but not beyond the whole run's speed (or the share not enough):
 *   the node moved with the total (a busier machine, an even speed-up) or
 *   with a change further down its branch, which is marked there.
 */
export type Verdict = 'faster' | 'slower' | 'noise' | 'minor';

export interface DiffSide {
  /** Seconds (total time of a branch; self time of a function), the mean over the side's runs. */
  time: number;
  /** Share of the root's time, pooled over the side's runs, 0..1. */
  share: number;
  /** With several runs: the smallest and the largest of the runs' seconds. */
  range?: [number, number];
}

export interface DiffMeasure {
  before: DiffSide;
  after: DiffSide;
  /** after - before, seconds. */
  timeChange: number;
  /** after - before, share of the root. */
  shareChange: number;
  /** timeChange / before.time; undefined when the node is new. */
  relativeChange: number | undefined;
  /**
   * Welch's t of the change in time, and of the change against the two
   * sides' speed ratio (model.speed), on the square-root scale (lib/diff/stats.ts).
   */
  tTime: number;
  tRelative: number;
  /** The change's p-value after Holm's correction over all rows (1 when the two moved apart). */
  p: number;
  verdict: Verdict;
}

export interface DiffNode extends DiffMeasure {
  /** The frame as the after profile has it (the before one's when it is gone). */
  frame: FrameInfo;
  children: DiffNode[];
}

export interface FunctionDiff extends DiffMeasure {
  frame: FrameInfo;
}

export interface DiffProfileInfo {
  /** The first run's. */
  meta: SessionMeta;
  /** Why these profiles may mislead (lib/processors/warnings.ts), each kind once, from any run. */
  warnings: ProfileWarning[];
  /** Seconds under the root: the mean over the runs. */
  total: number;
  /** Samples under the root, all runs together. */
  samples: number;
  /** Seconds under the root of each run. */
  runs: number[];
}

export interface SessionDiff {
  before: DiffProfileInfo;
  after: DiffProfileInfo;
  /** Branches: total time per call path. The root is the whole profile, or the chosen root function. */
  root: DiffNode;
  /** The `root` option, when given. */
  rootName: string | undefined;
  /** Functions by self time, biggest change first. */
  functions: FunctionDiff[];
  /** Rows judged faster / slower (tree and function rows). */
  faster: number;
  slower: number;
  model: {
    alpha: number;
    /** Rows compared (Holm's family). */
    tests: number;
    minChange: number;
    minShare: number;
    /** How much a row varies between runs beyond sampling: measured from the runs, or assumed. */
    runVariation: RunVariation;
    /** How much faster or slower the after side ran as a whole, by the functions that did not change. */
    speed: SpeedRatio;
  };
  time: 'wall' | 'cpu';
  /** The thread compared, when either profile had worker threads (or one was chosen). */
  thread?: string;
}

export { DiffError };

/** The two profiles measure different things (wall or CPU seconds, allocated bytes): no comparison means anything. */
export class DiffModeError extends DiffError {
  override name = 'DiffModeError';
}

/** Throws DiffModeError unless every profile is of one mode (a V8 .cpuprofile is wall). */
export function checkSameMode(before: readonly Session[], after: readonly Session[]): void {
  const a = modeOf(before[0]!.meta);
  for (const [label, side] of [['before', before], ['after', after]] as const) {
    for (const session of side) {
      const b = modeOf(session.meta);
      if (a === b) continue;
      throw new DiffModeError(
        `the before profile measures ${MODES[a].label} (--mode ${a}) and ${label === 'before' ? 'another before profile' : 'the after profile'} ${MODES[b].label} (--mode ${b}); compare profiles of the same mode`,
      );
    }
  }
}
export { matchFrames } from './pairs';
export { effectiveShare, selectRoot } from './side';

/** Compares two sides, each one session (one run) or several runs of the same program. */
export function diffSessions(before: Session | readonly Session[], after: Session | readonly Session[], options: DiffOptions = {}): SessionDiff {
  const runsBefore = runsOf(before, 'before');
  const runsAfter = runsOf(after, 'after');
  checkSameMode(runsBefore, runsAfter);
  const thread = comparedThread(runsBefore[0]!, runsAfter[0]!, options.thread);
  const time = options.time ?? 'wall';
  const basesBefore = runsBefore.map((run) => runBasis(run, options, 'before'));
  const basesAfter = runsAfter.map((run) => runBasis(run, options, 'after'));
  const prepared = prepareRuns([...basesBefore, ...basesAfter], options);
  const preparedBefore = prepared.slice(0, runsBefore.length);
  const preparedAfter = prepared.slice(runsBefore.length);
  const sideBefore = new Side(preparedBefore, options.root, 'before');
  const sideAfter = new Side(preparedAfter, options.root, 'after');
  const minShare = options.minShare ?? (options.processor?.showAll ? 0 : DEFAULT_MIN_SHARE);
  const severalRuns = sideBefore.runs > 1 || sideAfter.runs > 1;
  const minChange = options.minChange ?? (severalRuns ? 0 : DEFAULT_MIN_CHANGE);
  const alpha = options.alpha ?? DEFAULT_ALPHA;

  const pairs = pairTrees(sideBefore, sideAfter, minShare);
  const functionPairs = pairFunctions(sideBefore, sideAfter, minShare);
  const judge = new Judge(sideBefore, sideAfter, alpha, minChange);
  const root = judge.tree(pairs.root);
  // Rows are judged all together, after all are known: judge() fills in these same objects.
  const functions: FunctionDiff[] = functionPairs.map(([a, b]) => Object.assign(judge.row(a?.times, b?.times, 'function'), { frame: (b ?? a)!.frame }));
  const { runVariation, speed } = judge.judge(options.assumedRunVariation ?? ASSUMED_RUN_VARIATION);
  functions.sort(byChange);
  sortDiffTree(root);
  let faster = 0;
  let slower = 0;
  const count = (measure: DiffMeasure): void => {
    if (measure.verdict === 'faster') faster++;
    if (measure.verdict === 'slower') slower++;
  };
  forEachDiffNode(root, (node) => node !== root && count(node));
  functions.forEach(count);
  return {
    before: profileInfo(runsBefore, preparedBefore, sideBefore),
    after: profileInfo(runsAfter, preparedAfter, sideAfter),
    root,
    rootName: options.root,
    functions,
    faster,
    slower,
    model: { alpha, tests: judge.tests, minChange, minShare, runVariation, speed },
    time,
    ...(thread !== undefined ? { thread } : {}),
  };
}

/** A run as a comparison's settings see it, before hiding: its raw call tree and what is known of it. */
interface RunBasis {
  /** The call tree of the run's samples (the profiler's own left out, the thread chosen, wall or CPU time). */
  raw: CallNode;
  /** Library functions hot enough in this run to stay visible in a report (lib/processors/processors.ts). */
  hot: string[];
  effectiveShare: number;
  warnings: ProfileWarning[];
  /** Processed trees by the set of functions kept visible in every run of the comparison. */
  processed: Map<string, CallNode | undefined>;
}

/** A run prepared for a comparison, with its warnings. */
interface PreparedProfile extends PreparedRun {
  warnings: ProfileWarning[];
}

/**
 * Runs prepared once per session and settings: the calibration harness
 * (scripts/diff-calibration.js) compares many draws from one pool of runs.
 */
const runBases = new WeakMap<Session, Map<string, RunBasis>>();

function runBasis(session: Session, options: DiffOptions, label: string): RunBasis {
  const { processor = {}, thread, time = 'wall' } = options;
  const key = [time, thread, processor.showAll].map(String).join('\u0000');
  let bySettings = runBases.get(session);
  if (!bySettings) runBases.set(session, (bySettings = new Map()));
  let basis = bySettings.get(key);
  if (basis) return basis;
  // As every report: the profiler's own drains are left out (their weight varies from run to run).
  let run = processor.showAll ? session : withoutProfilerWork(session);
  if (comparedThread(run, run, thread) !== undefined) run = threadOfSide(run, thread, label);
  if (time === 'cpu') run = onCpuTime(run);
  const raw = buildCallTree(run);
  basis = {
    raw,
    hot: hotFrames(raw).map(functionKey),
    effectiveShare: effectiveShare(run.samples.duration),
    warnings: profileWarnings(session),
    processed: new Map(),
  };
  bySettings.set(key, basis);
  return basis;
}

/**
 * Every run processed alike: a library function that is hot enough to stay
 * visible in any run of either side stays visible in all of them (otherwise a
 * function at 1% of one run and 0.9% of another would be a row in one and
 * hidden in its library's entry point in the other, and the entry point would
 * seem to change).
 */
function prepareRuns(bases: readonly RunBasis[], options: DiffOptions): PreparedProfile[] {
  const hot = new Set(bases.flatMap((basis) => basis.hot));
  const { processor = {}, root } = options;
  const key = [root, processor.hide, processor.show, [...hot].sort().join('\u0001')].map(String).join('\u0000');
  const settings: ProcessorOptions = { ...processor, minShare: 0, hotFrames: (frame) => hot.has(functionKey(frame)) };
  return bases.map((basis) => {
    let tree = basis.processed.get(key);
    if (!basis.processed.has(key)) basis.processed.set(key, (tree = processedTree(basis.raw, settings, root)));
    return { tree, effectiveShare: basis.effectiveShare, warnings: basis.warnings };
  });
}

function runsOf(side: Session | readonly Session[], label: string): Session[] {
  const runs = side instanceof Session ? [side] : [...side];
  if (runs.length === 0) throw new DiffError(`no ${label} profiles`);
  return runs;
}

function profileInfo(runs: readonly Session[], prepared: readonly PreparedProfile[], side: Side): DiffProfileInfo {
  const warnings = new Map<string, { warning: ProfileWarning; runs: number }>();
  for (const run of prepared) {
    for (const warning of run.warnings) {
      const seen = warnings.get(warning.kind);
      if (seen) seen.runs++;
      else warnings.set(warning.kind, { warning, runs: 1 });
    }
  }
  return {
    meta: runs[0]!.meta,
    warnings: [...warnings.values()].map(({ warning, runs: count }) =>
      runs.length > 1 ? { ...warning, message: `${count} of ${runs.length} runs: ${warning.message}` } : warning,
    ),
    total: side.meanTime(side.totals),
    samples: side.sampleCounts.reduce((sum, count) => sum + count, 0),
    runs: [...side.totals],
  };
}

/** The name of the thread compared: the chosen one, or main when either profile has worker threads. */
function comparedThread(before: Session, after: Session, selector: string | undefined): string | undefined {
  if (selector === undefined) return hasThreads(before) || hasThreads(after) ? threadsOf(before)[0]!.name : undefined;
  const side = hasThreads(after) ? after : before;
  return threadsOf(side)[threadIndex(side, selector, hasThreads(after) ? 'after' : 'before')]!.name;
}

/** One thread of a profile: the chosen one, or the main thread. */
function threadOfSide(session: Session, selector: string | undefined, label: string): Session {
  return sessionOfThread(session, selector === undefined ? 0 : threadIndex(session, selector, label));
}

function threadIndex(session: Session, selector: string, label: string): number {
  try {
    return findThread(session, selector);
  } catch (error) {
    if (error instanceof ThreadFilterError) throw new DiffError(`the ${label} profile: ${error.message}`);
    throw error;
  }
}

/** The session with each sample standing for the CPU time the thread used, not the wall time. */
export function onCpuTime(session: Session): Session {
  const { samples } = session;
  return session.with({ samples: { ...samples, duration: samples.cpu } });
}

/** Visits every node of a diff tree, parents first, without recursion. */
export function forEachDiffNode(root: DiffNode, visit: (node: DiffNode, depth: number) => void): void {
  const pending: Array<[DiffNode, number]> = [[root, 0]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [node, depth] = item;
    visit(node, depth);
    for (let i = node.children.length - 1; i >= 0; i--) pending.push([node.children[i]!, depth + 1]);
  }
}

/** Whether a verdict is a reported change. */
export function isChange(verdict: Verdict): boolean {
  return verdict === 'faster' || verdict === 'slower';
}

// ---------------------------------------------------------------------------
// Judging.

interface RowInput {
  measure: DiffMeasure;
  kind: 'tree' | 'function';
  /** The row's time on each side, per run. */
  runs: [SideRuns, SideRuns];
  /** The row's time on each side, summarized over the runs. */
  summaries: [SideSummary, SideSummary];
  /** Mean samples a run on each side, for telling which rows can inform the run-to-run variation. */
  samples: [number, number];
}

/**
 * Collects every row of the comparison, then judges them together: the
 * run-to-run variation is measured over all rows, and Holm's correction
 * needs all p-values.
 */
class Judge {
  private readonly rows: RowInput[] = [];

  constructor(
    private readonly before: Side,
    private readonly after: Side,
    private readonly alpha: number,
    private readonly minChange: number,
  ) {}

  get tests(): number {
    return this.rows.length;
  }

  /** A row's measure, to be judged by judge(); times per run, undefined for a side without the row. */
  row(timesBefore: number[] | undefined, timesAfter: number[] | undefined, kind: 'tree' | 'function' | 'root'): DiffMeasure {
    const a = timesBefore ?? this.before.absent();
    const b = timesAfter ?? this.after.absent();
    const before = sideOf(this.before, a);
    const after = sideOf(this.after, b);
    const measure: DiffMeasure = {
      before,
      after,
      timeChange: after.time - before.time,
      shareChange: after.share - before.share,
      relativeChange: before.time > 0 ? (after.time - before.time) / before.time : undefined,
      tTime: 0,
      tRelative: 0,
      p: 1,
      verdict: 'minor',
    };
    if (kind === 'root') return measure;
    const runsBefore: SideRuns = { times: a, totals: this.before.totals, samples: this.before.samples };
    const runsAfter: SideRuns = { times: b, totals: this.after.totals, samples: this.after.samples };
    this.rows.push({
      measure,
      kind,
      runs: [runsBefore, runsAfter],
      summaries: [summarize(runsBefore), summarize(runsAfter)],
      samples: [meanRowSamples(runsBefore), meanRowSamples(runsAfter)],
    });
    return measure;
  }

  /** The diff tree of paired nodes; the root is measured but never judged (both are 100%). */
  tree(rootPair: Pair): DiffNode {
    const make = (pair: Pair, kind: 'tree' | 'root'): DiffNode =>
      Object.assign(this.row(pair.before?.times, pair.after?.times, kind), { frame: (pair.after ?? pair.before)!.frame, children: [] as DiffNode[] });
    const root = make(rootPair, 'root');
    const pending: Array<[Pair, DiffNode]> = [[rootPair, root]];
    for (let item = pending.pop(); item; item = pending.pop()) {
      const [pair, node] = item;
      for (const childPair of pair.children) {
        const child = make(childPair, 'tree');
        node.children.push(child);
        pending.push([childPair, child]);
      }
    }
    return root;
  }

  /** Sets every row's t, p and verdict; returns the run-to-run variation and the speed ratio used. */
  judge(assumed: number): { runVariation: RunVariation; speed: SpeedRatio } {
    const sets = this.before.runs > 1 && this.after.runs > 1;
    // The functions measured well enough on both sides: the speed of a run, or of a side, is theirs.
    const measuredWith = (minimum: number): RowInput[] =>
      sets ? this.rows.filter(({ kind, samples }) => kind === 'function' && samples[0] >= minimum && samples[1] >= minimum) : [];
    const speeds = runSpeeds(
      measuredWith(MIN_SPEED_SAMPLES).map(({ runs }) => [...runs[0].times, ...runs[1].times]),
      this.before.runs + this.after.runs,
    );
    // Too few functions to tell each run's speed (short runs, small programs): the sides' speed.
    // (Tried: each run's total less the row's own time. In wall time the rest holds waits that
    // vary on their own, and the calibration's asynchronous program lost half its findings.)
    return speeds ? this.judgeAtRunSpeed(speeds, assumed) : this.judgeAgainstSides(assumed, measuredWith(MIN_ROW_SAMPLES));
  }

  /**
   * Sets of runs on both sides, with enough functions to tell each run's
   * speed: every row is judged by its time against its own run's speed
   * (runSpeeds: before's runs then after's), which takes out what moved the
   * whole run (the machine), so that a row's spread over the runs is its own.
   */
  private judgeAtRunSpeed(speeds: readonly number[], assumed: number): { runVariation: RunVariation; speed: SpeedRatio } {
    const before = speeds.slice(0, this.before.runs);
    const after = speeds.slice(this.before.runs);
    const atSpeed = this.rows.map(({ runs }) => [summarize(atRunSpeed(runs[0], before)), summarize(atRunSpeed(runs[1], after))] as const);
    const runVariation = this.runVariation(assumed, atSpeed);
    const tests = this.rows.map(({ summaries: [a, b] }, index) => ({
      time: testRow(a, b, runVariation.time),
      relative: testRow(atSpeed[index]![0], atSpeed[index]![1], runVariation.time),
    }));
    // Its time must also have changed the same way by itself (one test at alpha, after Holm's
    // choice, so it only withholds findings): when an edit moves many functions (the JIT
    // compiles the rest differently), the median function is among them, and an untouched
    // function seems to change against its run's speed while its seconds stay the same.
    const confirmed = tests.map(({ time, relative }) => time.p <= this.alpha && Math.sign(time.t) === Math.sign(relative.t));
    this.setVerdicts(tests, tests.map(({ relative }) => relative.p), confirmed);
    return { runVariation, speed: speedRatioOfRuns(before, after) };
  }

  /**
   * One run on a side, or too few functions for each run's speed: a row's
   * time must change beyond noise, and so must its time against the speed of
   * the whole side (the median function's ratio, or the totals'), the same way.
   */
  private judgeAgainstSides(assumed: number, references: readonly RowInput[]): { runVariation: RunVariation; speed: SpeedRatio } {
    const runVariation = this.runVariation(assumed);
    const cv = runVariation.time;
    // The median function's ratio needs functions' means: a single run's functions scatter by their whole
    // run-to-run variation, and its total is then the steadier measure of the run's speed.
    const speed = speedRatio(
      references.map(({ summaries }) => [summaries[0].level, summaries[1].level] as const),
      [this.before.meanTime(this.before.totals), this.after.meanTime(this.after.totals)],
    );
    // With one run per side the variation against the run's speed is assumed smaller than the time's (common factors cancel).
    const relativeCv = runVariation.measured ? cv : (cv * ASSUMED_RELATIVE_VARIATION) / ASSUMED_RUN_VARIATION;
    const tests = this.rows.map(({ summaries: [before, after] }) => ({
      time: testRow(before, after, cv),
      relative: testRelative(before, after, relativeCv, speed),
    }));
    // A change is a change of the time, and against the rest of the program, the same way: its p is the larger of the two.
    this.setVerdicts(
      tests,
      tests.map(({ time, relative }) => (Math.sign(time.t) !== 0 && Math.sign(time.t) === Math.sign(relative.t) ? Math.max(time.p, relative.p) : 1)),
    );
    return { runVariation, speed };
  }

  /**
   * Verdicts from each row's p of a change (Holm over all rows), withheld
   * where `confirmed` says no, and of its time alone (changed, but no more
   * than the run: minor).
   */
  private setVerdicts(tests: ReadonlyArray<{ time: RowTest; relative: RowTest }>, pChange: readonly number[], confirmed?: readonly boolean[]): void {
    const changed = holmAdjusted(pChange);
    const timeOnly = holmAdjusted(tests.map(({ time }) => time.p));
    this.rows.forEach(({ measure }, index) => {
      measure.tTime = tests[index]!.time.t;
      measure.tRelative = tests[index]!.relative.t;
      measure.p = changed[index]!;
      if (changed[index]! <= this.alpha && (confirmed?.[index] ?? true) && Math.abs(measure.shareChange) >= this.minChange) {
        measure.verdict = measure.tRelative < 0 ? 'faster' : 'slower';
      } else {
        measure.verdict = timeOnly[index]! <= this.alpha ? 'minor' : 'noise';
      }
    });
  }

  /**
   * The variation between runs, measured over the rows (both sides) that
   * have several runs and enough samples to show it; assumed when none has.
   */
  private runVariation(assumed: number, summaries: ReadonlyArray<readonly [SideSummary, SideSummary]> = this.rows.map((row) => row.summaries)): RunVariation {
    const time = measureRunVariation(this.rows.flatMap(({ samples }, index) => [0, 1].map((side) => ({ side: summaries[index]![side]!, rowSamples: samples[side]! }))));
    return time === undefined ? { time: assumed, measured: false } : { time, measured: true };
  }
}

function sideOf(side: Side, times: readonly number[]): DiffSide {
  const result: DiffSide = { time: side.meanTime(times), share: side.share(times) };
  if (times.length > 1) result.range = [Math.min(...times), Math.max(...times)];
  return result;
}

function meanRowSamples(row: SideRuns): number {
  let sum = 0;
  row.times.forEach((time, run) => (sum += row.totals[run]! > 0 ? (time / row.totals[run]!) * row.samples[run]! : 0));
  return sum / row.times.length;
}

function sortDiffTree(root: DiffNode): void {
  forEachDiffNode(root, (node) => node.children.sort(byChange));
}

/** Biggest change in seconds first; then the bigger node; then by name for a stable order. */
function byChange(a: DiffMeasure & { frame: FrameInfo }, b: DiffMeasure & { frame: FrameInfo }): number {
  const change = Math.abs(b.timeChange) - Math.abs(a.timeChange);
  if (change !== 0) return change;
  const size = Math.max(b.before.time, b.after.time) - Math.max(a.before.time, a.after.time);
  if (size !== 0) return size;
  return a.frame.name < b.frame.name ? -1 : a.frame.name > b.frame.name ? 1 : 0;
}
