// The claims checker: re-derives each claim's figures and verdict from the stored runs themselves
// (run.json and predictions.bin, not the summaries the claim was built from) and checks that the
// sentence says what they say: the right sign, order and verdict, in the phrases the verdict allows.
import { join } from "node:path";
import { pairedComparison, seedInterval, spearmanTest, verdictOf, welchTest, type Verdict } from "../stats.ts";
import { readInside, readRun, readRunPredictions, readTestSet } from "../../experiments/store.ts";
import type { ProfileName } from "../../spec/schema.ts";
import { correctness } from "../../spec/testPredictions.ts";
import { GAP_PHRASES, REFERENCE_PHRASES, accuracyInterval, correlationPhrase, type Claim, type ComparisonEvidence, type CorrelationEvidence, type Metric, type Side } from "./claim.ts";
import { checkGradient } from "./gradient.ts";
import { checkImportance } from "./importance.ts";
import { NO_DIFFERENCE, RANKING_PHRASES, VERDICT_PHRASES, pointsWord } from "./words.ts";
import { runsRoot } from "../../config.ts";

/** The stored facts a claim is checked against, by run directory name ("<id>--<key>"). */
export interface RawRuns {
  accuracy(dir: string): number | null;
  /** Final training accuracy minus final validation accuracy, from the run's stored history. */
  trainValGap(dir: string): number | null;
  /** The best validation accuracy of any epoch (a search's objective); NaN for a run that did not complete. */
  objective(dir: string): number | null;
  correct(dir: string): { testSet: string; correct: Uint8Array } | null;
  /** A recorded layer's gradient norm before training (inside.json); null when the run recorded none. */
  initialGradient?(dir: string, layer: number): number | null;
}

/** Reads a profile's stored runs straight from disk. */
export function storedRuns(profile: ProfileName): RawRuns {
  const path = (dir: string) => join(runsRoot(), profile, dir);
  return {
    accuracy: (dir) => readRun(path(dir))?.test?.accuracy ?? null,
    trainValGap: (dir) => {
      const last = readRun(path(dir))?.history.at(-1);
      return last?.accuracy != null && last.valAccuracy != null ? last.accuracy - last.valAccuracy : null;
    },
    objective: (dir) => {
      const record = readRun(path(dir));
      if (!record) return null;
      const values = record.history.map((h) => h.valAccuracy).filter((v): v is number => v != null);
      return record.status === "completed" && values.length ? Math.max(...values) : NaN;
    },
    initialGradient: (dir, layer) => readInside(path(dir))?.epochs.find((e) => e.epoch === 0)?.layers[layer]?.gradientNorm ?? null,
    correct: (dir) => {
      const record = readRun(path(dir));
      if (!record?.testSet) return null;
      const testSet = readTestSet(profile, record.testSet);
      if (!testSet) return null;
      return { testSet: record.testSet, correct: correctness(readRunPredictions(path(dir)), testSet) };
    }
  };
}

const close = (a: number, b: number, tol = 1e-9) => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= tol;

function checkSide(side: Side, raw: RawRuns, problems: string[], where: string, metric: Metric = "testAccuracy") {
  side.runs.forEach((dir, i) => {
    const stored = metric === "testAccuracy" ? raw.accuracy(dir) : metric === "trainValGap" ? raw.trainValGap(dir) : raw.objective(dir);
    if (stored == null) problems.push(`${where}: run ${dir} has no stored ${metric}`);
    else if (!close(stored, side.values[i])) problems.push(`${where}: run ${dir} stores ${stored}, the claim quotes ${side.values[i]}`);
  });
}

/** Problems with one comparison: its figures, its test, its verdict, and the words of `text`. */
function checkComparison(e: ComparisonEvidence, text: string, raw: RawRuns, where: string): string[] {
  const problems: string[] = [];
  checkSide(e.a, raw, problems, `${where} (${e.a.label})`, e.metric);
  checkSide(e.b, raw, problems, `${where} (${e.b.label})`, e.metric);
  if (e.test !== "welch" && e.a.values.length >= 2 && e.b.values.length >= 2) problems.push(`${where}: both sides have several seeds, so the test must be Welch's across them`);
  let difference: number;
  let p: number | null;
  if (e.test === "welch") {
    const w = welchTest(e.a.values, e.b.values);
    if (!w) return [...problems, `${where}: Welch's test needs two seeds a side`];
    difference = w.difference;
    p = w.pValue;
  } else if (e.test === "mcnemar") {
    if (e.a.values.length !== 1 || e.b.values.length !== 1) problems.push(`${where}: McNemar's test compares one run a side`);
    const ca = raw.correct(e.a.runs[0]);
    const cb = raw.correct(e.b.runs[0]);
    if (!ca || !cb) return [...problems, `${where}: McNemar's test needs both runs' stored predictions`];
    if (ca.testSet !== cb.testSet) return [...problems, `${where}: the runs were scored on different test sets (${ca.testSet}, ${cb.testSet})`];
    const m = pairedComparison(ca.correct, cb.correct);
    difference = m.difference;
    p = m.pValue;
  } else {
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    difference = mean(e.a.values) - mean(e.b.values);
    p = null;
  }
  if (!close(difference, e.difference)) problems.push(`${where}: difference ${e.difference}, the stored runs give ${difference}`);
  if (p != null && !close(p, e.pValue ?? NaN, 1e-9)) problems.push(`${where}: p-value ${e.pValue}, the stored runs give ${p}`);
  const verdict = p == null ? "indistinguishable" : verdictOf(difference, p);
  if (verdict !== e.verdict) problems.push(`${where}: verdict "${e.verdict}", the stored runs give "${verdict}"`);
  const none = `${e.a.label} and ${e.b.label} ${NO_DIFFERENCE[e.metric]}`;
  const phrases = VERDICT_PHRASES[e.metric];
  if (verdict === "indistinguishable") {
    if (!text.includes(none)) problems.push(`${where}: the sentence must say "${none}": "${text}"`);
    if (text.includes(`${e.a.label} ${phrases.higher} ${e.b.label}`) || text.includes(`${e.a.label} ${phrases.lower} ${e.b.label}`)) problems.push(`${where}: the sentence states a direction the test did not find: "${text}"`);
  } else {
    const phrase = `${e.a.label} ${phrases[verdict]} ${e.b.label} by ${pointsWord(difference)}`;
    if (!text.includes(phrase)) problems.push(`${where}: the sentence must say "${phrase}": "${text}"`);
    const opposite = `${e.a.label} ${phrases[verdict === "higher" ? "lower" : "higher"]} ${e.b.label}`;
    if (text.includes(opposite) || text.includes(none)) problems.push(`${where}: the sentence also says the opposite: "${text}"`);
  }
  return problems;
}

/** Problems with a correlation: each configuration's figures, the test re-run on them, and the words. */
function checkCorrelation(e: CorrelationEvidence, text: string, raw: RawRuns, where: string): string[] {
  const problems: string[] = [];
  e.items.forEach((item) => checkSide(item, raw, problems, `${where} (${item.label})`));
  const means = e.items.map((item) => item.runs.map((dir) => raw.accuracy(dir) ?? NaN).reduce((s, v) => s + v, 0) / item.runs.length);
  if (means.some((m) => !Number.isFinite(m))) return [...problems, `${where}: a configuration has no stored test accuracy`];
  const test = spearmanTest(
    e.items.map((i) => i.x),
    means
  );
  if (!test) return [...problems, `${where}: Spearman's test needs four configurations with spread`];
  if (!close(test.rho, e.rho)) problems.push(`${where}: rho ${e.rho}, the stored runs give ${test.rho}`);
  if (!close(test.pValue, e.pValue)) problems.push(`${where}: p-value ${e.pValue}, the stored runs give ${test.pValue}`);
  const verdict = verdictOf(test.rho, test.pValue);
  if (verdict !== e.verdict) problems.push(`${where}: verdict "${e.verdict}", the stored runs give "${verdict}"`);
  const phrase = correlationPhrase(verdict, e.setting);
  if (!text.includes(phrase)) problems.push(`${where}: the sentence must say "${phrase}": "${text}"`);
  for (const other of ["higher", "lower", "indistinguishable"] as Verdict[]) {
    if (other !== verdict && text.includes(correlationPhrase(other, e.setting))) problems.push(`${where}: the sentence also says "${correlationPhrase(other, e.setting)}"`);
  }
  return problems;
}

/** Everything wrong with a claim as stated; empty when its words agree with its stored runs. */
export function checkClaim(claim: Claim, raw: RawRuns): string[] {
  const where = `claim ${claim.id}`;
  const e = claim.evidence;
  if (e.kind === "comparison") return checkComparison(e, claim.text, raw, where);
  if (e.kind === "ranking") {
    const problems: string[] = [];
    e.items.forEach((item) => checkSide(item, raw, problems, `${where} (${item.label})`));
    const means = e.items.map((item) => item.values.reduce((s, v) => s + v, 0) / item.values.length);
    for (let i = 1; i < means.length; i++) {
      if (means[i] > means[i - 1] + 1e-12) problems.push(`${where}: ${e.items[i].label} (${means[i]}) is ranked below ${e.items[i - 1].label} (${means[i - 1]})`);
    }
    // "ranks first" only when the first place beats the runner-up; otherwise only "has the highest mean".
    const phrase = !e.lead || e.lead.verdict === "higher" ? RANKING_PHRASES.clear : RANKING_PHRASES.tied;
    if (e.items.length && !claim.text.includes(`${e.items[0].label} ${phrase}`)) problems.push(`${where}: the sentence must say "${e.items[0].label} ${phrase}": "${claim.text}"`);
    if (phrase === RANKING_PHRASES.tied && claim.text.includes(RANKING_PHRASES.clear)) problems.push(`${where}: a first place the test cannot tell from the runner-up is not "${RANKING_PHRASES.clear}": "${claim.text}"`);
    if (e.lead) problems.push(...checkComparison(e.lead, claim.text, raw, `${where} (lead)`));
    return problems;
  }
  if (e.kind === "sign") {
    const problems: string[] = [];
    checkSide(e.side, raw, problems, where, e.metric);
    const interval = e.side.values.length >= 2 ? seedInterval(e.side.values) : null;
    const mean = e.side.values.reduce((a, b) => a + b, 0) / e.side.values.length;
    const low = interval?.low ?? mean;
    const high = interval?.high ?? mean;
    const position = low > 0 ? "above" : high < 0 ? "below" : "within";
    if (position !== e.position) problems.push(`${where}: the stored runs put the figure ${position} zero, the claim says ${e.position}`);
    if (!claim.text.includes(GAP_PHRASES[position])) problems.push(`${where}: the sentence must say "${GAP_PHRASES[position]}": "${claim.text}"`);
    for (const other of Object.values(GAP_PHRASES)) if (other !== GAP_PHRASES[position] && claim.text.includes(other)) problems.push(`${where}: the sentence also says "${other}"`);
    return problems;
  }
  if (e.kind === "correlation") return checkCorrelation(e, claim.text, raw, where);
  if (e.kind === "importance") return checkImportance(e, claim.text, (dir) => raw.objective(dir), where);
  if (e.kind === "gradient") return checkGradient(e, claim.text, (dir, layer) => raw.initialGradient?.(dir, layer) ?? null, where);
  if (e.kind === "reference") {
    const problems: string[] = [];
    checkSide(e.ours, raw, problems, where);
    const { low, high } = accuracyInterval(e.ours.values, e.images);
    if (!close(low, e.low) || !close(high, e.high)) problems.push(`${where}: interval ${e.low}..${e.high}, the stored runs give ${low}..${high}`);
    const position = e.reported < low ? "below" : e.reported > high ? "above" : "within";
    if (position !== e.position) problems.push(`${where}: the reported figure lies ${position} our interval, the claim says ${e.position}`);
    if (!claim.text.includes(REFERENCE_PHRASES[position])) problems.push(`${where}: the sentence must say "${REFERENCE_PHRASES[position]}": "${claim.text}"`);
    return problems;
  }
  const problems: string[] = [];
  for (const dir of e.runs) if (raw.accuracy(dir) == null && raw.trainValGap(dir) == null) problems.push(`${where}: run ${dir} has no stored figures`);
  return problems;
}
