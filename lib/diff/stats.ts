/**
 * The noise model of `nodeinstrument diff` (docs/optimization-loop.md explains it).
 *
 * A row (a call path, or a function's self time) has, in each run of a side,
 * a time and a share of that run's total. Two things make it differ from run
 * to run of the same program:
 *
 * - sampling: a row with k of a run's n samples is measured within about
 *   sqrt(k) samples (binomial, with n discounted for uneven sample weights);
 * - the run itself: the same function takes 280 ms in one process and 357 ms
 *   in the next (JIT and GC decisions, the machine). Only repeated runs
 *   measure this, and rows differ in it: a loop of the program's own varies
 *   by a few percent, a builtin that V8 inlines in some processes and not in
 *   others by a factor of ten.
 *
 * Values are compared on the square-root scale, where sampling noise is about
 * the same for every row (the variance-stabilizing transform of counts,
 * Anscombe) and a row seen in no sample of a run still has a variance. A side
 * with several runs gives each row its own spread over them (never less than
 * its sampling noise), and the change is judged by Welch's t test; a side of
 * one run can only be given a model: sampling plus a coefficient of variation
 * c common to all rows (c^2 x level / 4 on this scale), measured from the
 * other side's runs or assumed. A change must also stand out against the
 * speed of the whole run (speedRatio: a busier machine slows every function
 * alike). Rows are judged together by Holm's step-down correction. Pure: no I/O.
 */
import { normal, studentt } from './jstat';

/** One row on one side: per run, its seconds; the side's per-run totals and effective samples. */
export interface SideRuns {
  /** The row's seconds in each run (0 when a run never had it). */
  times: readonly number[];
  /** Seconds under the root of each run. */
  totals: readonly number[];
  /** Effective samples under the root of each run (lib/diff/side.ts). */
  samples: readonly number[];
}

/** The run-to-run variation a comparison assumed (one run per side) or measured (several). */
export interface RunVariation {
  /** Coefficient of variation of a row's time between runs, beyond sampling. */
  time: number;
  /** True when measured from the runs (a side with two or more); false when assumed. */
  measured: boolean;
}

/**
 * The run-to-run variation assumed when no side has several runs: 10% of a
 * function's time, about what the functions of the calibration programs
 * varied by between runs on this kind of machine (docs/optimization-loop.md).
 */
export const ASSUMED_RUN_VARIATION = 0.1;

/**
 * The same for a row's time against the whole run's speed, with one run per
 * side: half, as for a share (a run that is slower all over moves every time
 * alike, and that part cancels). Measured sets use each row's own spread.
 */
export const ASSUMED_RELATIVE_VARIATION = 0.05;

/** A row's seconds in one run on the square-root scale, and the sampling variance of that value. */
function runValue(row: SideRuns, run: number): { value: number; sampling: number } {
  const total = row.totals[run]!;
  const share = total > 0 ? Math.min(1, row.times[run]! / total) : 0;
  const samples = Math.max(1, row.samples[run]!);
  // var(sqrt(p)) = (1 - p) / 4n for a binomial share; seconds are the share of the measured total.
  return { value: Math.sqrt(share * total), sampling: ((1 - share) / (4 * samples)) * total };
}

export interface SideSummary {
  runs: number;
  /** Mean over the runs of the square-rooted seconds. */
  mean: number;
  /** Sample variance of the square-rooted values over the runs (0 for one run). */
  spread: number;
  /** Mean sampling variance of one run's square-rooted value. */
  sampling: number;
  /** Mean seconds over the runs. */
  level: number;
}

export function summarize(row: SideRuns): SideSummary {
  const runs = row.times.length;
  let sum = 0;
  let sampling = 0;
  let level = 0;
  const values: number[] = [];
  for (let run = 0; run < runs; run++) {
    const value = runValue(row, run);
    values.push(value.value);
    sum += value.value;
    sampling += value.sampling;
    level += value.value * value.value;
  }
  const mean = sum / runs;
  const spread = runs > 1 ? values.reduce((total, value) => total + (value - mean) ** 2, 0) / (runs - 1) : 0;
  return { runs, mean, spread, sampling: sampling / runs, level: level / runs };
}

/** Rows with fewer samples a run do not inform the run-to-run variation: sampling noise swamps it. */
export const MIN_ROW_SAMPLES = 20;

/** One side of one row, for measuring the run-to-run variation. */
export interface VariationInput {
  side: SideSummary;
  /** The row's mean samples a run on that side. */
  rowSamples: number;
}

/**
 * The coefficient of variation between runs of a typical row: the median of
 * what each row's spread over its runs implies beyond its sampling noise
 * (only rows with enough samples to show it). Undefined when no row can
 * tell: one run per side, or too few samples. It says how much the program
 * varies (the report's `noise` line) and stands in for the spread of a side
 * that has a single run.
 */
export function measureRunVariation(inputs: readonly VariationInput[]): number | undefined {
  const usable = inputs.filter(({ side, rowSamples }) => side.runs >= 2 && side.level > 0 && rowSamples >= MIN_ROW_SAMPLES);
  if (usable.length === 0) return undefined;
  // A sample variance with d degrees of freedom has a median of about (1 - 2/9d)^3 times the variance (Wilson-Hilferty).
  const medianShare = (d: number): number => (1 - 2 / (9 * d)) ** 3;
  const implied = usable.map(({ side }) => Math.max(0, (4 * (side.spread / medianShare(side.runs - 1) - side.sampling)) / side.level));
  return Math.sqrt(median(implied));
}

export interface RowTest {
  /** Difference of means on the square-root scale, over its standard error. */
  t: number;
  /** Degrees of freedom of t (Welch-Satterthwaite; Infinity when both sides' variances are the model). */
  df: number;
  /** Two-sided p-value of t. */
  p: number;
}

/** The variance of a side's mean (square-root scale) and the degrees of freedom of that estimate. */
interface MeanVariance {
  variance: number;
  df: number;
}

/**
 * A side with several runs has the row's own spread over them (at least its
 * sampling noise); a side of one run has the model, sampling plus c^2 x
 * level / 4, as if known.
 */
function meanVariance(side: SideSummary, cv: number): MeanVariance {
  return side.runs >= 2
    ? { variance: Math.max(side.spread, side.sampling) / side.runs, df: side.runs - 1 }
    : { variance: side.sampling + (cv * cv * side.level) / 4, df: Infinity };
}

/** t, its Welch-Satterthwaite degrees of freedom and p, for a change over the sum of independent variances. */
function welch(change: number, parts: readonly MeanVariance[]): RowTest {
  const errorSquared = parts.reduce((sum, part) => sum + part.variance, 0);
  const error = Math.sqrt(errorSquared);
  const t = error > 0 ? change / error : change === 0 ? 0 : Math.sign(change) * Infinity;
  const denominator = parts.reduce((sum, part) => sum + (Number.isFinite(part.df) ? (part.variance * part.variance) / part.df : 0), 0);
  const df = denominator > 0 ? (errorSquared * errorSquared) / denominator : Infinity;
  return { t, df, p: twoSidedP(t, df) };
}

/**
 * Welch's t test of one row's time between the two sides (square-root
 * scale). The spreads of a side of few runs are uncertain, and the t
 * distribution with Welch-Satterthwaite's degrees of freedom says by how much.
 */
export function testRow(before: SideSummary, after: SideSummary, cv: number): RowTest {
  return welch(after.mean - before.mean, [meanVariance(before, cv), meanVariance(after, cv)]);
}

/**
 * How much faster or slower the after side ran as a whole, by the rows that
 * did not change: the median over functions of their after/before ratio of
 * mean seconds (most functions are untouched by an edit, so the median is
 * theirs), with the variance of its logarithm. A busier machine, a slower
 * disk, another CPU frequency move every function alike; the median sees it,
 * and a function that moved only as much is not a change of its own.
 */
export interface SpeedRatio {
  /** after / before, 1 when the sides ran alike. */
  ratio: number;
  /** Variance of log(ratio). */
  logVariance: number;
  /**
   * `runs`: each run's own speed (runSpeeds), for sets of runs on both sides;
   * `functions`: the median function's ratio; `totals`: the ratio of the
   * sides' mean totals, when too few functions were measured well enough for
   * a median (a row's time against it is then its share).
   */
  basis: 'runs' | 'functions' | 'totals';
  /** With basis `runs`: each run's speed (1 = the geometric mean of all runs), before's runs then after's. */
  runs?: { before: number[]; after: number[] };
}

/**
 * A function tells its run's speed with this many effective samples a run on
 * both sides: each is a rough measure (a third, by sampling), but their median
 * over a dozen functions is within a few percent, well under what a shared
 * machine moves a whole run by (up to 1.9x between runs here).
 */
export const MIN_SPEED_SAMPLES = 10;

/** Fewer functions measured well enough on both sides than this, and the totals stand in for their median. */
export const MIN_SPEED_FUNCTIONS = 8;

/**
 * The speed ratio from the functions' mean seconds on each side (functions
 * measured well enough on both), or from the sides' mean totals.
 */
export function speedRatio(levels: ReadonlyArray<readonly [number, number]>, totals: readonly [number, number]): SpeedRatio {
  const logs = levels.filter(([before, after]) => before > 0 && after > 0).map(([before, after]) => Math.log(after / before));
  if (logs.length < MIN_SPEED_FUNCTIONS) return { ratio: totals[0] > 0 ? totals[1] / totals[0] : 1, logVariance: 0, basis: 'totals' };
  const center = median(logs);
  // The median's variance: pi/2 times the mean's, with the spread from the median absolute deviation (robust to the changed rows).
  const sigma = 1.4826 * median(logs.map((value) => Math.abs(value - center)));
  return { ratio: Math.exp(center), logVariance: ((Math.PI / 2) * sigma * sigma) / logs.length, basis: 'functions' };
}

/**
 * Each run's speed, for sets of runs: the median over the reference functions
 * (MIN_SPEED_SAMPLES a run on both sides) of the function's time in that run
 * against its geometric mean over all runs of both sides. A run on a busier
 * machine (another CPU frequency, a neighbour on the same core) is slower in
 * every function alike: on this shared machine one program's runs took from
 * 0.6 to 1.2 s of CPU time, all functions together, while against its own
 * run's speed a function varied by a few percent (docs/optimization-loop.md).
 * `times`: per reference function, its seconds in every run (before's runs
 * then after's). Undefined with fewer than MIN_SPEED_FUNCTIONS references.
 */
export function runSpeeds(times: ReadonlyArray<readonly number[]>, runs: number): number[] | undefined {
  if (times.length < MIN_SPEED_FUNCTIONS) return undefined;
  const centers = times.map((perRun) => {
    const logs = perRun.filter((time) => time > 0).map(Math.log);
    return logs.length > 0 ? logs.reduce((sum, value) => sum + value, 0) / logs.length : undefined;
  });
  const speeds: number[] = [];
  for (let run = 0; run < runs; run++) {
    const logs: number[] = [];
    times.forEach((perRun, index) => {
      const center = centers[index];
      if (center !== undefined && perRun[run]! > 0) logs.push(Math.log(perRun[run]!) - center);
    });
    speeds.push(logs.length > 0 ? Math.exp(median(logs)) : 1);
  }
  return speeds;
}

/** A row's runs with each run's time and total divided by that run's speed (its share is unchanged). */
export function atRunSpeed(row: SideRuns, speeds: readonly number[]): SideRuns {
  return { ...row, times: row.times.map((time, run) => time / speeds[run]!), totals: row.totals.map((total, run) => total / speeds[run]!) };
}

/**
 * The speed ratio of two sides from their runs' speeds: the ratio of their
 * geometric means, with the variance of its logarithm from the runs' scatter.
 */
export function speedRatioOfRuns(before: readonly number[], after: readonly number[]): SpeedRatio {
  const logs = (speeds: readonly number[]): { mean: number; variance: number } => {
    const values = speeds.map(Math.log);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    const variance = values.length > 1 ? values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1) : 0;
    return { mean, variance };
  };
  const a = logs(before);
  const b = logs(after);
  return { ratio: Math.exp(b.mean - a.mean), logVariance: a.variance / before.length + b.variance / after.length, basis: 'runs', runs: { before: [...before], after: [...after] } };
}

/**
 * The row's change against the speed ratio: its after mean divided by the
 * ratio (square-root scale: by its square root), tested as testRow, with the
 * ratio's own uncertainty added.
 */
export function testRelative(before: SideSummary, after: SideSummary, cv: number, speed: SpeedRatio): RowTest {
  const root = Math.sqrt(speed.ratio);
  const scaled = meanVariance(after, cv);
  const ratioPart = { variance: ((after.mean * after.mean) / (4 * speed.ratio)) * speed.logVariance, df: Infinity };
  return welch(after.mean / root - before.mean, [meanVariance(before, cv), { variance: scaled.variance / speed.ratio, df: scaled.df }, ratioPart]);
}

/** P(|T| >= |t|) for Student's t with df degrees of freedom (the normal when df is infinite). */
export function twoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? 1 : 0;
  const tail = Number.isFinite(df) ? studentt.cdf(-Math.abs(t), df) : normal.cdf(-Math.abs(t), 0, 1);
  return Math.min(1, 2 * tail);
}

/**
 * Holm's step-down adjustment: p-values that keep the chance of any false
 * finding among all of them at most alpha when compared with alpha (as
 * Bonferroni does, but rejecting more when several rows really changed).
 */
export function holmAdjusted(pValues: readonly number[]): number[] {
  const order = pValues.map((p, index) => ({ p, index })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(pValues.length);
  let running = 0;
  order.forEach(({ p, index }, rank) => {
    running = Math.max(running, Math.min(1, (pValues.length - rank) * p));
    adjusted[index] = running;
  });
  return adjusted;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The |t| at which a single test is significant at p (two-sided), for messages and the smallest detectable change. */
export function criticalT(p: number, df: number): number {
  return Number.isFinite(df) ? -studentt.inv(p / 2, df) : -normal.inv(p / 2, 0, 1);
}
