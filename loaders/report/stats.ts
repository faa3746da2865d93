// Statistics behind every comparison the report states: intervals for an accuracy (over seeds and
// over test images), McNemar's exact test for two models scored on the same test images, Welch's
// test across seeds, Spearman's rank correlation, and the verdict a sentence's wording must follow. The distributions come from
// stdlib (@stdlib/*); this module only composes them. No Node-only imports: pages may use it too.
import binomialCdf from "@stdlib/stats-base-dists-binomial-cdf";
import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import pcorrtest from "@stdlib/stats-pcorrtest";
import ranks from "@stdlib/stats-ranks";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import ttest2 from "@stdlib/stats-ttest2";

/** The significance level every verdict on the site uses. */
export const ALPHA = 0.05;
/** Confidence level of every interval on the site. */
export const LEVEL = 1 - ALPHA;

/** The two-sided normal quantile of an interval at `level`: 1.96 for 95%. */
export function normalZ(level = LEVEL): number {
  return normalQuantile(1 - (1 - level) / 2, 0, 1);
}

export interface Interval {
  low: number;
  high: number;
}

export interface SeedSummary extends Interval {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1 in the denominator); 0 for a single value. */
  sd: number;
  min: number;
  max: number;
  /** False when there is one value only: the interval is then the value itself and means nothing. */
  hasInterval: boolean;
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * Mean of repeated runs (one value per seed) with its Student-t interval:
 * mean ± t(1 - α/2, n - 1) · sd / √n.
 */
export function seedInterval(values: readonly number[], level = LEVEL): SeedSummary {
  if (values.length === 0) throw new RangeError("seedInterval: no values");
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError(`seedInterval: values must be finite, got [${values.join(", ")}]`);
  const n = values.length;
  const m = mean(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (n === 1) return { n, mean: m, sd: 0, min, max, low: m, high: m, hasInterval: false };
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean: m, sd, min, max, low: m - half, high: m + half, hasInterval: true };
}

/**
 * Wilson score interval for an accuracy measured on n test images, `correct` of them right:
 * how far the accuracy of this one trained model could move on another test set of the same size.
 */
export function wilsonInterval(correct: number, n: number, level = LEVEL): Interval & { accuracy: number } {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`wilsonInterval: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(correct) || correct < 0 || correct > n) throw new RangeError(`wilsonInterval: correct must be an integer in [0, ${n}], got ${correct}`);
  const z = normalZ(level);
  const p = correct / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  // At 0 or n correct one end is exactly 0 or 1; rounding would leave a few ulps there.
  return { accuracy: p, low: correct === 0 ? 0 : Math.max(0, centre - half), high: correct === n ? 1 : Math.min(1, centre + half) };
}

export interface PairedComparison extends Interval {
  /** Test images both models were scored on. */
  n: number;
  /** Images model A got right and model B got wrong. */
  onlyA: number;
  /** Images model B got right and model A got wrong. */
  onlyB: number;
  /** Accuracy of A minus accuracy of B: (onlyA - onlyB) / n. */
  difference: number;
  /** Two-sided exact McNemar test: a binomial test of onlyA out of onlyA + onlyB at one half. */
  pValue: number;
}

/** McNemar's exact test from the discordant counts: two-sided p-value (1 when there is no discordant pair). */
export function mcnemarExact(onlyA: number, onlyB: number): number {
  for (const [name, v] of [["onlyA", onlyA], ["onlyB", onlyB]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`mcnemarExact: ${name} must be a non-negative integer, got ${v}`);
  }
  const n = onlyA + onlyB;
  const fewer = Math.min(onlyA, onlyB);
  // At one half the binomial is symmetric, so the outcomes at most as likely as the observed one are the
  // two tails beyond it, and the two-sided p-value is twice the lower tail. The whole binomial test
  // (stdlib's binomialTest) sums every term instead, which a build of thousands of pairs pays for.
  if (2 * fewer >= n) return 1;
  return Math.min(1, 2 * binomialCdf(fewer, n, 0.5));
}

/**
 * Two models scored on the same test images: the difference of their accuracies with a Wald
 * interval for paired proportions, and McNemar's exact test. `a` and `b` say, per image, whether
 * each model was right (1) or wrong (0).
 */
export function pairedComparison(a: ArrayLike<number | boolean>, b: ArrayLike<number | boolean>, level = LEVEL): PairedComparison {
  if (a.length !== b.length) throw new RangeError(`pairedComparison: the two models were scored on different numbers of images (${a.length} and ${b.length})`);
  const n = a.length;
  if (n === 0) throw new RangeError("pairedComparison: no test images");
  let onlyA = 0;
  let onlyB = 0;
  for (let i = 0; i < n; i++) {
    const ra = Boolean(a[i]);
    const rb = Boolean(b[i]);
    if (ra && !rb) onlyA++;
    else if (rb && !ra) onlyB++;
  }
  return pairedFromCounts(onlyA, onlyB, n, level);
}

/** pairedComparison from the discordant counts alone. */
export function pairedFromCounts(onlyA: number, onlyB: number, n: number, level = LEVEL): PairedComparison {
  const difference = (onlyA - onlyB) / n;
  const z = normalZ(level);
  const se = Math.sqrt(Math.max(0, onlyA + onlyB - (onlyA - onlyB) ** 2 / n)) / n;
  return { n, onlyA, onlyB, difference, low: difference - z * se, high: difference + z * se, pValue: mcnemarExact(onlyA, onlyB) };
}

export interface SeedComparison extends Interval {
  /** Mean of A minus mean of B. */
  difference: number;
  pValue: number;
  df: number;
  a: SeedSummary;
  b: SeedSummary;
}

/**
 * Welch's two-sample t-test between two groups of seeds (no equal-variance assumption), with the
 * interval of the difference of means. Needs at least two seeds a side; null otherwise.
 */
export function welchTest(a: readonly number[], b: readonly number[], level = LEVEL): SeedComparison | null {
  if (a.length < 2 || b.length < 2) return null;
  const sa = seedInterval(a, level);
  const sb = seedInterval(b, level);
  const difference = sa.mean - sb.mean;
  if (sa.sd === 0 && sb.sd === 0) {
    // No spread at all: the difference is exact (stdlib would divide by zero).
    return { difference, low: difference, high: difference, pValue: difference === 0 ? 1 : 0, df: a.length + b.length - 2, a: sa, b: sb };
  }
  const result = ttest2([...a], [...b], { alpha: 1 - level, variance: "unequal" });
  return { difference, low: result.ci[0], high: result.ci[1], pValue: result.pValue, df: result.df, a: sa, b: sb };
}

export interface RankCorrelation extends Interval {
  /** Spearman's rho: Pearson's correlation of the two variables' ranks (ties share their mean rank). */
  rho: number;
  /** Two-sided, from Student's t with n - 2 degrees of freedom (as scipy.stats.spearmanr). */
  pValue: number;
  n: number;
}

/**
 * Spearman's rank correlation of x and y with its test of rho = 0 and a Fisher-z interval. Needs four
 * pairs or more (the interval divides by n - 3) and some spread in each variable; null otherwise.
 */
export function spearmanTest(x: readonly number[], y: readonly number[], level = LEVEL): RankCorrelation | null {
  if (x.length !== y.length) throw new RangeError(`spearmanTest: x has ${x.length} values and y ${y.length}`);
  if ([...x, ...y].some((v) => !Number.isFinite(v))) throw new RangeError("spearmanTest: values must be finite");
  if (x.length < 4 || new Set(x).size < 2 || new Set(y).size < 2) return null;
  const result = pcorrtest(ranks([...x]), ranks([...y]), { alpha: 1 - level });
  return { rho: result.pcorr, pValue: result.pValue, n: x.length, low: result.ci[0], high: result.ci[1] };
}

/** What a comparison may say: A is higher, lower, or no difference these runs can detect. */
export type Verdict = "higher" | "lower" | "indistinguishable";

/** The verdict of a test: a difference counts only when its p-value is below ALPHA. */
export function verdictOf(difference: number, pValue: number, alpha = ALPHA): Verdict {
  if (!(pValue < alpha) || difference === 0) return "indistinguishable";
  return difference > 0 ? "higher" : "lower";
}
