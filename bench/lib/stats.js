'use strict';
/** Small, dependency-free statistics for the benchmark tables. */

function sorted(values) {
  return [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/** Linear-interpolated quantile (q in [0, 1]) of a list of numbers. */
function quantile(values, q) {
  const s = sorted(values);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

const median = (values) => quantile(values, 0.5);

function summary(values) {
  const s = sorted(values);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    q1: quantile(s, 0.25),
    q3: quantile(s, 0.75),
    min: s[0],
    max: s[s.length - 1],
  };
}

/** Least-squares fit y = a + b x. */
function linearFit(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { intercept: my - slope * mx, slope };
}

/** Deterministic PRNG for the bootstrap. */
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 95% bootstrap interval of median(a) / median(b), resampling pairs. */
function bootstrapRatio(a, b, iterations = 2000) {
  const rand = mulberry32(12345);
  const pick = (xs) => Array.from(xs, () => xs[Math.floor(rand() * xs.length)]);
  const ratios = [];
  for (let i = 0; i < iterations; i++) ratios.push(median(pick(a)) / median(pick(b)));
  return { lo: quantile(ratios, 0.025), hi: quantile(ratios, 0.975) };
}

/** 95% bootstrap interval of median(xs). */
function bootstrapMedian(xs, iterations = 2000) {
  const rand = mulberry32(54321);
  const meds = [];
  for (let i = 0; i < iterations; i++) meds.push(median(Array.from(xs, () => xs[Math.floor(rand() * xs.length)])));
  return { lo: quantile(meds, 0.025), hi: quantile(meds, 0.975) };
}

/** 95% bootstrap interval of median(a) − median(b). */
function bootstrapDifference(a, b, iterations = 2000) {
  const rand = mulberry32(777);
  const pick = (xs) => Array.from(xs, () => xs[Math.floor(rand() * xs.length)]);
  const diffs = [];
  for (let i = 0; i < iterations; i++) diffs.push(median(pick(a)) - median(pick(b)));
  return { lo: quantile(diffs, 0.025), hi: quantile(diffs, 0.975) };
}

/** A copy of `list` in a random order (Fisher-Yates), drawn from `random` (e.g. a mulberry32). */
function shuffled(list, random = Math.random) {
  const order = [...list];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

module.exports = { quantile, median, summary, linearFit, mulberry32, shuffled, bootstrapRatio, bootstrapMedian, bootstrapDifference };
