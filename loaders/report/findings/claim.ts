// A claim: one sentence of the report that states a finding, with the evidence it rests on (the runs,
// their figures, the effect, its interval and the test's verdict). Claims are built here from run
// groups and worded by fixed phrases, and loaders/report/findings/check.ts re-derives every verdict from the
// stored runs, so that a sentence cannot say more than its numbers.
import { pairedComparison, seedInterval, spearmanTest, verdictOf, welchTest, wilsonInterval, type Verdict } from "../stats.ts";
import type { GroupableRun, RunGroup } from "./groups.ts";
import type { GradientEvidence } from "./gradient.ts";
import type { ImportanceEvidence } from "./importance.ts";
import { CORRELATION_PHRASES, NO_DIFFERENCE, RANKING_PHRASES, VERDICT_PHRASES, decimal, integer, pValue, pointsInterval, pointsWord, signedPoints } from "./words.ts";

/**
 * What a comparison measures, per run: test accuracy; the final training accuracy minus the final
 * validation accuracy (positive: training ahead, the usual sign of overfitting); or a search's
 * objective, the best validation accuracy of any epoch (loaders/experiments/studies.ts: objectiveOf).
 */
export type Metric = "testAccuracy" | "trainValGap" | "objective";

/** Files a claim under its id; a claim function that returns null (not enough runs for it) files nothing. */
export function addClaim(claims: Record<string, Claim>, claim: Claim | null): void {
  if (claim) claims[claim.id] = claim;
}

export function metricOf(run: GroupableRun, metric: Metric): number | null {
  if (run.status !== "completed") return null;
  if (metric === "testAccuracy") return run.testAccuracy;
  if (metric === "objective") return run.bestValAccuracy ?? null;
  return run.finalTrainAccuracy != null && run.finalValAccuracy != null ? run.finalTrainAccuracy - run.finalValAccuracy : null;
}

/** One side of a comparison: a group's completed runs and their test accuracies. */
export interface Side {
  label: string;
  group: string;
  /** Stored run directories ("<id>--<key>"), one per completed seed. */
  runs: string[];
  values: number[];
  mean: number;
}

export interface ComparisonEvidence {
  kind: "comparison";
  metric: Metric;
  a: Side;
  b: Side;
  /** Welch's t-test when both sides have two seeds or more; else McNemar's exact test on the first runs' shared test images. */
  test: "welch" | "mcnemar" | "none";
  /** Mean of A minus mean of B. */
  difference: number;
  low: number;
  high: number;
  pValue: number | null;
  verdict: Verdict;
  /** McNemar only: the images only A got right, only B got right, and how many both were scored on. */
  onlyA?: number;
  onlyB?: number;
  images?: number;
}

export interface RankingEvidence {
  kind: "ranking";
  metric: "testAccuracy";
  /** Best first by mean test accuracy. */
  items: Side[];
  /** The best against the runner-up: whether the first place is more than noise. */
  lead: ComparisonEvidence | null;
}

export interface FactEvidence {
  kind: "fact";
  /** The stored runs the sentence describes. */
  runs: string[];
  /** The figures it quotes, by name. */
  values: Record<string, number>;
}

/** Our figure beside a write-up's: where their figure falls against our 95% interval. */
export interface ReferenceEvidence {
  kind: "reference";
  ours: Side;
  /** Test images each of our runs was scored on (for the interval of a single run). */
  images: number;
  reported: number;
  source: string;
  /** Over seeds (t) with two or more; over test images (Wilson) for one run. */
  interval: "seeds" | "images";
  low: number;
  high: number;
  position: "below" | "within" | "above";
}

/** A signed figure over seeds (e.g. the train–validation gap) and which side of zero its interval lies. */
export interface SignEvidence {
  kind: "sign";
  metric: Metric;
  side: Side;
  low: number;
  high: number;
  position: "above" | "within" | "below";
}

/** How a metric moves with a setting across configurations: Spearman's rank correlation and its test. */
export interface CorrelationEvidence {
  kind: "correlation";
  metric: "testAccuracy";
  /** The setting in words, as the sentence names it: "the batch-size / learning-rate ratio". */
  setting: string;
  /** One configuration each, with its setting's value. */
  items: (Side & { x: number })[];
  rho: number;
  low: number;
  high: number;
  pValue: number;
  /** "higher": the metric rises with the setting; "lower": it falls as the setting rises. */
  verdict: Verdict;
}

export type Evidence = ComparisonEvidence | RankingEvidence | FactEvidence | ReferenceEvidence | SignEvidence | CorrelationEvidence | ImportanceEvidence | GradientEvidence;

export interface Claim {
  /** Stable id: "<page>.<finding>", e.g. "overview.cnn-vs-mlp". */
  id: string;
  text: string;
  evidence: Evidence;
}

/** What a group needs to be compared: run directories and, for McNemar, per-image correctness. */
export interface RunLookup {
  /** "<id>--<key>" of a run. */
  dirName(runId: string): string;
  /** Per test image, 1 where the run was right; null when the run stored no predictions. */
  correct(runId: string): { testSet: string; correct: Uint8Array } | null;
}

export function side(group: RunGroup, label: string, lookup: RunLookup, metric: Metric = "testAccuracy"): Side {
  const measured = group.runs.map((r) => ({ run: r, value: metricOf(r, metric) })).filter((m): m is { run: GroupableRun; value: number } => m.value != null && Number.isFinite(m.value));
  const values = measured.map((m) => m.value);
  return {
    label,
    group: group.id,
    runs: measured.map((m) => lookup.dirName(m.run.id)),
    values,
    mean: values.length ? values.reduce((s, v) => s + v, 0) / values.length : NaN
  };
}

/**
 * Compares two groups on a metric: over seeds (Welch) when both have two or more; else, for test
 * accuracy, image by image on the first runs' shared test images (McNemar); else untested.
 */
export function compareGroups(a: RunGroup, b: RunGroup, labels: { a: string; b: string }, lookup: RunLookup, metric: Metric = "testAccuracy"): ComparisonEvidence {
  const sa = side(a, labels.a, lookup, metric);
  const sb = side(b, labels.b, lookup, metric);
  const base = { kind: "comparison" as const, metric, a: sa, b: sb };
  if (sa.values.length >= 2 && sb.values.length >= 2) return compareSides(sa, sb, metric);
  const ra = metric === "testAccuracy" ? a.completed[0] : undefined;
  const rb = metric === "testAccuracy" ? b.completed[0] : undefined;
  const pa = ra ? lookup.correct(ra.id) : null;
  const pb = rb ? lookup.correct(rb.id) : null;
  if (pa && pb && pa.testSet === pb.testSet) {
    const m = pairedComparison(pa.correct, pb.correct);
    return {
      ...base,
      // The sides' figures are then the first runs only.
      a: { ...sa, runs: sa.runs.slice(0, 1), values: sa.values.slice(0, 1), mean: sa.values[0] },
      b: { ...sb, runs: sb.runs.slice(0, 1), values: sb.values.slice(0, 1), mean: sb.values[0] },
      test: "mcnemar",
      difference: m.difference,
      low: m.low,
      high: m.high,
      pValue: m.pValue,
      verdict: verdictOf(m.difference, m.pValue),
      onlyA: m.onlyA,
      onlyB: m.onlyB,
      images: m.n
    };
  }
  const difference = sa.mean - sb.mean;
  return { ...base, test: "none", difference, low: NaN, high: NaN, pValue: null, verdict: "indistinguishable" };
}

/** Two sides over their seeds: Welch's test with two or more a side, else untested. */
export function compareSides(a: Side, b: Side, metric: Metric): ComparisonEvidence {
  const base = { kind: "comparison" as const, metric, a, b };
  const w = welchTest(a.values, b.values);
  if (w) return { ...base, test: "welch", difference: w.difference, low: w.low, high: w.high, pValue: w.pValue, verdict: verdictOf(w.difference, w.pValue) };
  return { ...base, test: "none", difference: a.mean - b.mean, low: NaN, high: NaN, pValue: null, verdict: "indistinguishable" };
}

/** A side from figures already in hand (e.g. a search trial's executions): `runs` are "<id>--<key>". */
export function sideOf(label: string, group: string, measured: readonly { dir: string; value: number }[]): Side {
  const finite = measured.filter((m) => Number.isFinite(m.value));
  const values = finite.map((m) => m.value);
  return { label, group, runs: finite.map((m) => m.dir), values, mean: values.length ? values.reduce((s, v) => s + v, 0) / values.length : NaN };
}

/** A claim comparing two sides built by `sideOf`, worded by its verdict. */
export function sidesClaim(id: string, a: Side, b: Side, metric: Metric): Claim {
  const evidence = compareSides(a, b, metric);
  return { id, text: `${comparisonSentence(evidence)}.`, evidence };
}

/** The parenthesis that says how a comparison was tested. */
export function testClause(e: ComparisonEvidence): string {
  if (e.test === "welch") {
    const seeds = e.a.values.length === e.b.values.length ? `${e.a.values.length} seeds each` : `${e.a.values.length} and ${e.b.values.length} seeds`;
    return `${seeds}; 95% interval of the difference ${pointsInterval(e.low, e.high)}, Welch's t-test ${pValue(e.pValue!)}`;
  }
  if (e.test === "mcnemar") {
    return `one run a side on the same ${integer(e.images!)} test images; 95% interval ${pointsInterval(e.low, e.high)}, McNemar's exact test ${pValue(e.pValue!)}`;
  }
  return e.metric === "testAccuracy" ? "one run a side, not scored on the same test images, so no test is possible" : "fewer than two runs a side, so no test is possible";
}

/**
 * The sentence for a comparison, its verb chosen by the verdict alone:
 * "A beats B by 0.44 percentage points (…)", "A falls short of B by …", or
 * "A and B show no difference that these runs can detect (A: +0.12 pp; …)".
 */
export function comparisonSentence(e: ComparisonEvidence): string {
  if (e.verdict === "indistinguishable") return `${e.a.label} and ${e.b.label} ${NO_DIFFERENCE[e.metric]} (difference ${signedPoints(e.difference)}; ${testClause(e)})`;
  return `${e.a.label} ${VERDICT_PHRASES[e.metric][e.verdict]} ${e.b.label} by ${pointsWord(e.difference)} (${testClause(e)})`;
}

/** A claim comparing two groups, worded by its verdict. */
export function comparisonClaim(id: string, a: RunGroup, b: RunGroup, labels: { a: string; b: string }, lookup: RunLookup, metric: Metric = "testAccuracy"): Claim {
  const evidence = compareGroups(a, b, labels, lookup, metric);
  return { id, text: `${comparisonSentence(evidence)}.`, evidence };
}

/**
 * A ranking of groups by mean test accuracy: "Of A, B and C, A ranks first (mean 99.12%); against the
 * runner-up B it <comparison>". The first place is qualified by its own test.
 */
export function rankingClaim(id: string, groups: { group: RunGroup; label: string }[], lookup: RunLookup, { what = "these" }: { what?: string } = {}): Claim | null {
  const ranked = groups.filter((g) => g.group.testAccuracy != null).sort((x, y) => y.group.testAccuracy!.mean - x.group.testAccuracy!.mean);
  if (!ranked.length) return null;
  const items = ranked.map((g) => side(g.group, g.label, lookup));
  const lead = ranked.length > 1 ? compareGroups(ranked[0].group, ranked[1].group, { a: ranked[0].label, b: ranked[1].label }, lookup) : null;
  const top = ranked[0];
  const clear = !lead || lead.verdict === "higher";
  const text =
    `Of ${what}, ${top.label} ${clear ? RANKING_PHRASES.clear : RANKING_PHRASES.tied} ${clear ? "with a mean test accuracy of" : "test accuracy,"} ${(top.group.testAccuracy!.mean * 100).toFixed(2)}%` +
    (lead ? `; against the runner-up, ${comparisonSentence(lead)}.` : ".");
  return { id, text, evidence: { kind: "ranking", metric: "testAccuracy", items, lead } };
}

/** Our interval for a side's test accuracy: over seeds with two or more, else over the test images. */
export function accuracyInterval(values: readonly number[], images: number): { interval: "seeds" | "images"; low: number; high: number } {
  if (values.length >= 2) {
    const s = seedInterval(values);
    return { interval: "seeds", low: s.low, high: s.high };
  }
  const w = wilsonInterval(Math.round(values[0] * images), images);
  return { interval: "images", low: w.low, high: w.high };
}

/** Words for where a reported figure lies against our interval. */
export const REFERENCE_PHRASES = {
  below: "below our interval, so ours is higher",
  within: "within our interval, so the two agree",
  above: "above our interval, so ours is lower"
} as const;

/**
 * A write-up's test accuracy beside ours: "Write-up 004 reported 97.48%; ours is 97.62% (mean of 3
 * seeds, 95% interval 97.41% to 97.83%): their figure lies within our interval, so the two agree."
 */
export function referenceClaim(id: string, group: RunGroup, label: string, reported: { testAccuracy: number; source: string; name: string }, images: number, lookup: RunLookup): Claim | null {
  const ours = side(group, label, lookup);
  if (!ours.values.length) return null;
  const { interval, low, high } = accuracyInterval(ours.values, images);
  const position = reported.testAccuracy < low ? "below" : reported.testAccuracy > high ? "above" : "within";
  const how = interval === "seeds" ? `mean of ${ours.values.length} seeds, 95% interval ${(low * 100).toFixed(2)}% to ${(high * 100).toFixed(2)}%` : `one run, 95% interval over its ${integer(images)} test images ${(low * 100).toFixed(2)}% to ${(high * 100).toFixed(2)}%`;
  return {
    id,
    text: `${reported.name} reported ${(reported.testAccuracy * 100).toFixed(2)}%; ${label} scores ${(ours.mean * 100).toFixed(2)}% (${how}): their figure lies ${REFERENCE_PHRASES[position]}.`,
    evidence: { kind: "reference", ours, images, reported: reported.testAccuracy, source: reported.source, interval, low, high, position }
  };
}

/** Words for where a train–validation gap lies against zero. */
export const GAP_PHRASES = {
  above: "training ended ahead of validation",
  within: "training and validation ended level within the spread between seeds",
  below: "validation ended ahead of training"
} as const;

/**
 * The final train–validation gap of a group: "Over its 3 seeds, training ended ahead of validation by a
 * mean of 1.62 percentage points (95% interval +1.40 to +1.84 pp)". With one seed there is no interval,
 * and the sentence says so.
 */
export function gapClaim(id: string, group: RunGroup, label: string, lookup: RunLookup): Claim | null {
  const s = side(group, label, lookup, "trainValGap");
  if (!s.values.length) return null;
  const interval = s.values.length >= 2 ? seedInterval(s.values) : null;
  const low = interval?.low ?? s.mean;
  const high = interval?.high ?? s.mean;
  const position = low > 0 ? "above" : high < 0 ? "below" : "within";
  const size = position === "within" ? `mean difference ${signedPoints(s.mean)}` : `${pointsWord(s.mean)} on average`;
  // The interval reads in the sentence's direction: how far ahead, whichever side is ahead.
  const [from, to] = position === "below" ? [-high, -low] : [low, high];
  const spread = interval ? `95% interval ${position === "within" ? pointsInterval(low, high) : `${(from * 100).toFixed(2)} to ${(to * 100).toFixed(2)} points`} over ${s.values.length} seeds` : "one seed, so no interval";
  return {
    id,
    text: `In the last epoch of ${label}, ${GAP_PHRASES[position]} (${position === "within" ? size : `by ${size}`}; ${spread}).`,
    evidence: { kind: "sign", metric: "trainValGap", side: s, low, high, position }
  };
}

/** The clause each correlation verdict allows, for a setting named in words. */
export function correlationPhrase(verdict: Verdict, setting: string): string {
  return CORRELATION_PHRASES[verdict].replace("{setting}", setting);
}

/**
 * How mean test accuracy moves with a setting across configurations: "Mean test accuracy falls as the
 * ratio rises (Spearman's ρ = −0.71 over 16 cells, 95% interval …, p = 0.002)". The direction is only
 * stated when the test finds one. Null with fewer than four configurations.
 */
export function correlationClaim(id: string, groups: { group: RunGroup; label: string; x: number }[], setting: string, lookup: RunLookup): Claim | null {
  const items = groups.filter((g) => g.group.testAccuracy != null).map((g) => ({ ...side(g.group, g.label, lookup), x: g.x }));
  const test = spearmanTest(
    items.map((i) => i.x),
    items.map((i) => i.mean)
  );
  if (!test) return null;
  const verdict = verdictOf(test.rho, test.pValue);
  const text = `Mean test accuracy ${correlationPhrase(verdict, setting)} (Spearman's ρ = ${decimal(test.rho)} over ${items.length} configurations, 95% interval ${decimal(test.low)} to ${decimal(test.high)}, ${pValue(test.pValue)}).`;
  return { id, text, evidence: { kind: "correlation", metric: "testAccuracy", setting, items, rho: test.rho, low: test.low, high: test.high, pValue: test.pValue, verdict } };
}
