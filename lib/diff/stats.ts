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
 *   measure this; it is assumed when a side has one run.
 *
 * Values are compared on the square-root scale, where sampling noise is about
 * the same for every row (the variance-stabilizing transform of counts,
 * Anscombe) and a row seen in no sample of a run still has a variance. The
 * run's own variation is taken as proportional: a coefficient of variation c
 * common to all rows of a comparison (on the square-root scale, c^2 x level / 4),
 * measured from the rows themselves when a side has several runs. Each row's
 * variance is then that model, moderated by the row's own spread over its
 * runs (a row that varies more than the rest, such as a function that is
 * fast in some processes and slow in others, keeps its own), as limma does for
 * few replicates of many genes. Rows are judged by Student t tests, the
 * family of rows by Holm's step-down correction.
 * Pure: no I/O.
 */
import { centralF, normal, studentt } from './jstat';

/** One row on one side: per run, its seconds; the side's per-run totals and effective samples. */
export interface SideRuns {
  /** The row's seconds in each run (0 when a run never had it). */
  times: readonly number[];
  /** Seconds under the root of each run. */
  totals: readonly number[];
  /** Effective samples under the root of each run (lib/diff/side.ts). */
  samples: readonly number[];
}

export type Measure = 'time' | 'share';

/** The run-to-run variation a comparison assumes (one run per side) or measured (several). */
export interface RunVariation {
  /** Coefficient of variation of a row's time between runs, beyond sampling. */
  time: number;
  /** The same for its share of the run's total (steadier: a busier machine moves every time alike). */
  share: number;
  /** True when measured from the runs (a side with two or more); false when assumed. */
  measured: boolean;
  /**
   * How many runs' worth of trust the common model gets against a row's own
   * spread (limma's prior degrees of freedom), for time and share: large when
   * the rows vary alike, small when some vary far more than others (a builtin
   * that TurboFan inlines in some processes and not in others). Measured
   * with the variation; Infinity when assumed.
   */
  priorRuns: { time: number; share: number };
}

/**
 * The run-to-run variation assumed when no side has several runs: 10% of a
 * function's time and 5% of its share (a share varies less: a run that is
 * slower all over moves every time alike and no share), about what the
 * functions of the calibration programs varied by between runs on this kind
 * of machine (docs/optimization-loop.md).
 */
export const ASSUMED_RUN_VARIATION: Readonly<{ time: number; share: number }> = { time: 0.1, share: 0.05 };

/** A row's value in one run on the square-root scale, and the sampling variance of that value. */
function runValue(row: SideRuns, run: number, measure: Measure): { value: number; sampling: number } {
  const total = row.totals[run]!;
  const share = total > 0 ? Math.min(1, row.times[run]! / total) : 0;
  const samples = Math.max(1, row.samples[run]!);
  // var(sqrt(p)) = (1 - p) / 4n for a binomial share; times are share x the measured total.
  const sampling = (1 - share) / (4 * samples);
  return measure === 'share' ? { value: Math.sqrt(share), sampling } : { value: Math.sqrt(share * total), sampling: sampling * total };
}

export interface SideSummary {
  runs: number;
  /** Mean over the runs of the square-rooted value. */
  mean: number;
  /** Sample variance of the square-rooted values over the runs (0 for one run). */
  spread: number;
  /** Mean sampling variance of one run's square-rooted value. */
  sampling: number;
  /** Mean value (seconds or share) over the runs. */
  level: number;
}

export function summarize(row: SideRuns, measure: Measure): SideSummary {
  const runs = row.times.length;
  let sum = 0;
  let sampling = 0;
  let level = 0;
  const values: number[] = [];
  for (let run = 0; run < runs; run++) {
    const value = runValue(row, run, measure);
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

/** The most trust the common model gets, in runs: it is a model, however alike the rows. */
const MAX_PRIOR_RUNS = 50;

/** One side of one row, for measuring the run-to-run variation. */
export interface VariationInput {
  side: SideSummary;
  /** The row's mean samples a run on that side. */
  rowSamples: number;
}

/**
 * Measures the run-to-run variation from the rows of a comparison, by
 * empirical Bayes as limma does: the coefficient of variation c from the
 * median of what each row's spread implies beyond its sampling noise, and
 * the prior's weight from how much the rows' spreads differ from the model
 * beyond what their own few runs explain (the variance of log s^2 is
 * trigamma(d/2) for d degrees of freedom). Undefined when no row can tell:
 * one run per side, or too few samples.
 */
export function measureRunVariation(inputs: readonly VariationInput[]): { cv: number; priorRuns: number } | undefined {
  const usable = inputs.filter(({ side, rowSamples }) => side.runs >= 2 && side.level > 0 && rowSamples >= MIN_ROW_SAMPLES);
  if (usable.length === 0) return undefined;
  // A sample variance with d degrees of freedom has median about d(1 - 2/9d)^3 / d times the variance (Wilson-Hilferty).
  const medianShare = (d: number): number => (1 - 2 / (9 * d)) ** 3;
  const implied = usable.map(({ side }) => Math.max(0, (4 * (side.spread / medianShare(side.runs - 1) - side.sampling)) / side.level));
  const cv2 = median(implied);
  const logs: number[] = [];
  let expected = 0;
  for (const { side } of usable) {
    const model = side.sampling + (cv2 * side.level) / 4;
    if (!(side.spread > 0) || !(model > 0)) continue;
    const d = side.runs - 1;
    logs.push(Math.log(side.spread / model) - digamma(d / 2) + Math.log(d / 2));
    expected += trigamma(d / 2);
  }
  let priorRuns = MAX_PRIOR_RUNS;
  if (logs.length >= 3) {
    const mean = logs.reduce((sum, value) => sum + value, 0) / logs.length;
    const variance = logs.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (logs.length - 1);
    const excess = variance - expected / logs.length;
    priorRuns = excess > 0 ? Math.min(MAX_PRIOR_RUNS, 2 * inverseTrigamma(excess)) : MAX_PRIOR_RUNS;
  }
  return { cv: Math.sqrt(cv2), priorRuns };
}

export interface RowTest {
  /** Difference of means on the square-root scale, over its standard error. */
  t: number;
  /** Degrees of freedom of t (Infinity when the variance is a model, not measured). */
  df: number;
  /** Two-sided p-value of t. */
  p: number;
}

/**
 * Below this, a row's spread is too large for the common model (an F test of
 * its spread against the model's variance, with d0 for the model's own
 * scatter), and the row is judged by its own spread alone: limma's robust
 * variant in its simplest form. Many well-behaved rows make d0 large, and
 * without this a row that is bimodal between runs (a builtin V8 inlines in
 * some processes only) would borrow their small variance.
 */
const OUTLIER_P = 0.05;

/**
 * Student's t test of one row's measure between the two sides. Each side's
 * variance of one run is the model (sampling plus c^2 x level / 4), moderated
 * by the row's own spread when the variation was measured; a side whose
 * spread the model cannot explain keeps its own, and the t's degrees of
 * freedom are then the runs' alone.
 */
export function testRow(before: SideSummary, after: SideSummary, cv: number, priorRuns: number): RowTest {
  const measured = Number.isFinite(priorRuns);
  let outlier = false;
  const variance = (side: SideSummary): number => {
    const model = side.sampling + (cv * cv * side.level) / 4;
    if (!measured || side.runs < 2) return model;
    const d = side.runs - 1;
    if (model > 0 && 1 - centralF.cdf(side.spread / model, d, priorRuns) < OUTLIER_P) {
      outlier = true;
      return Math.max(side.spread, side.sampling);
    }
    return (priorRuns * model + d * side.spread) / (priorRuns + d);
  };
  const error = Math.sqrt(variance(before) / before.runs + variance(after) / after.runs);
  const change = after.mean - before.mean;
  const t = error > 0 ? change / error : change === 0 ? 0 : Math.sign(change) * Infinity;
  const own = Math.max(0, before.runs - 1) + Math.max(0, after.runs - 1);
  const df = !measured ? Infinity : outlier ? Math.max(1, own) : priorRuns + own;
  return { t, df, p: twoSidedP(t, df) };
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

/** The digamma function (asymptotic series after shifting x above 6). */
export function digamma(x: number): number {
  let result = 0;
  for (; x < 6; x++) result -= 1 / x;
  const f = 1 / (x * x);
  return result + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}

/** The trigamma function, the derivative of digamma. */
export function trigamma(x: number): number {
  let result = 0;
  for (; x < 6; x++) result += 1 / (x * x);
  const f = 1 / (x * x);
  return result + 1 / x + f / 2 + (f / x) * (1 / 6 - f * (1 / 30 - f * (1 / 42 - f / 30)));
}

/** x with trigamma(x) = y, for y > 0 (trigamma falls from infinity to 0: bisection on a log scale). */
export function inverseTrigamma(y: number): number {
  let low = 1e-8;
  let high = 1e8;
  for (let i = 0; i < 200 && high / low > 1 + 1e-12; i++) {
    const middle = Math.sqrt(low * high);
    if (trigamma(middle) > y) low = middle;
    else high = middle;
  }
  return Math.sqrt(low * high);
}

/** The |t| at which a single test is significant at p (two-sided), for messages and the smallest detectable change. */
export function criticalT(p: number, df: number): number {
  return Number.isFinite(df) ? -studentt.inv(p / 2, df) : -normal.inv(p / 2, 0, 1);
}
