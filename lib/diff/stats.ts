/**
 * The sampling-noise model of `nodeinstrument diff` (docs/optimization-loop.md explains it).
 *
 * A profile measures its total wall time exactly; what sampling estimates is
 * the share of that time each node had: k of n samples. The share's noise is
 * at least binomial, sqrt(p(1-p)/n), and more when the node's time comes in
 * bursts (batch means). A node's time is total x share, so its noise is
 * total x that. Two profiles are independent, so their variances add.
 * Pure: no I/O.
 */

export interface SideCounts {
  /** The node's share of its profile's root (0..1), from time. */
  share: number;
  /** Samples under the root of that profile (effective: discounted for uneven sample weights). */
  samples: number;
  /** Seconds under the root of that profile. */
  total: number;
  /**
   * The node's share in each of consecutive time slices of the profile
   * (batch means); empty when the profile is too short to slice.
   */
  batches?: readonly number[];
}

export interface NoiseTest {
  /** (after - before) share, divided by its standard error. */
  zShare: number;
  /** (after - before) seconds, divided by its standard error. */
  zTime: number;
}

/**
 * The variance of a share: binomial, with Agresti-Caffo's one success and one
 * failure added (so a node seen 0 or n times still has one, and small counts
 * are judged conservatively), or the batch-means variance when that is larger.
 * Samples are not independent draws: a program runs in phases, and a node
 * whose time comes in bursts (start-up work, a GC storm, a compile) varies
 * more than binomially. Batch means measure that from the profile itself.
 */
export function shareVariance(side: SideCounts): number {
  const n = side.samples;
  const p = (side.share * n + 1) / (n + 2);
  const binomial = (p * (1 - p)) / (n + 2);
  return Math.max(binomial, batchMeansVariance(side.batches ?? []));
}

/** The variance of the mean of `values`: their sample variance over their count. */
export function batchMeansVariance(values: readonly number[]): number {
  const count = values.length;
  if (count < 2) return 0;
  const mean = values.reduce((sum, value) => sum + value, 0) / count;
  const squares = values.reduce((sum, value) => sum + (value - mean) ** 2, 0);
  return squares / (count - 1) / count;
}

export function noiseTest(before: SideCounts, after: SideCounts): NoiseTest {
  const varBefore = shareVariance(before);
  const varAfter = shareVariance(after);
  const shareError = Math.sqrt(varBefore + varAfter);
  const timeError = Math.sqrt(before.total ** 2 * varBefore + after.total ** 2 * varAfter);
  const shareChange = after.share - before.share;
  const timeChange = after.total * after.share - before.total * before.share;
  return {
    zShare: shareError > 0 ? shareChange / shareError : 0,
    zTime: timeError > 0 ? timeChange / timeError : 0,
  };
}

/**
 * The |z| beyond which a difference counts as significant, two-sided, with a
 * Bonferroni correction over `tests` comparisons (so that two runs of the
 * same program, compared node by node, show no difference with probability
 * at least 1 - alpha as far as sampling noise goes).
 */
export function criticalZ(alpha: number, tests: number): number {
  const perTest = alpha / Math.max(1, tests);
  return normalQuantile(1 - perTest / 2);
}

/**
 * The standard normal quantile (inverse CDF), P. J. Acklam's rational
 * approximation (relative error under 1.2e-9), for 0 < p < 1.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
