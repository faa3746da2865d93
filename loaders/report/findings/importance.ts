// The claim that says which setting of a search matters most to its score, and its check: the points
// a search trained at its first budget, a random forest's estimate over them (loaders/report/importance.ts),
// and wording that follows how much of the scores the forest explains out of bag.
import { settingImportance, type SettingImportance } from "../importance.ts";
import type { Params } from "../../spec/params.ts";
import { count, decimal, integer, list, percent, settingWord } from "./words.ts";

/** Out-of-bag R² from which the forest's ranking is worth reading; under it the sentence declines to rank. */
export const READABLE_R2 = 0.5;

/** What the weak verdict says instead of a ranking. */
export const TOO_LITTLE = "too little to rank the settings";

export interface ImportanceEvidence {
  kind: "importance";
  search: string;
  /** The epochs of every run fitted: a successive-halving search's first rung, where every point trained. */
  budget: number;
  /** The settings the forest was offered. */
  settings: string[];
  /** One point per distinct setting: its runs ("<id>--<key>", one per execution) and their mean best validation accuracy. */
  points: { params: Params; runs: string[]; score: number }[];
  importance: SettingImportance;
  /** Each setting in words, as the sentence names it. */
  names: Record<string, string>;
  /** READABLE_R2 when the claim was built, for the evidence box to quote. */
  readableR2: number;
  verdict: "explains" | "weak";
}

/** A search's run as this claim reads it. */
export interface SearchRun {
  id: string;
  key: string;
  params: Record<string, unknown>;
  epochs: number;
  score: number;
}

const pointKey = (params: Record<string, unknown>, settings: string[]) => JSON.stringify(settings.map((s) => params[s] ?? null));

/** The points of `runs` at their smallest budget, each with its runs and mean score. */
export function pointsAtFirstBudget(runs: readonly SearchRun[], settings: string[]): { budget: number; points: ImportanceEvidence["points"] } | null {
  if (!runs.length) return null;
  const budget = Math.min(...runs.map((r) => r.epochs));
  const byPoint = new Map<string, { params: Params; runs: string[]; scores: number[] }>();
  for (const r of runs.filter((r) => r.epochs === budget)) {
    const key = pointKey(r.params, settings);
    const point = byPoint.get(key) ?? { params: Object.fromEntries(settings.filter((s) => r.params[s] != null).map((s) => [s, r.params[s]])) as Params, runs: [], scores: [] };
    point.runs.push(`${r.id}--${r.key}`);
    point.scores.push(r.score);
    byPoint.set(key, point);
  }
  const points = [...byPoint.values()].map((p) => ({ params: p.params, runs: p.runs, score: p.scores.reduce((a, b) => a + b, 0) / p.scores.length }));
  return { budget, points };
}

export function importanceVerdict(importance: SettingImportance): ImportanceEvidence["verdict"] {
  return importance.outOfBagR2 != null && importance.outOfBagR2 >= READABLE_R2 ? "explains" : "weak";
}

/** The phrase the sentence must carry for its verdict. */
export function importancePhrase(e: Pick<ImportanceEvidence, "importance" | "verdict">): string {
  return e.verdict === "explains" ? `${settingWord(e.importance.settings[0].setting)} matters most` : TOO_LITTLE;
}

/** The sentence: how well the forest explains the scores, then its ranking, or why it gives none. */
export function importanceSentence(e: ImportanceEvidence): string {
  const imp = e.importance;
  const r2 = imp.outOfBagR2;
  const fitted = `A random forest fitted to the ${integer(imp.trials)} points of this search (each scored by ${e.points.some((p) => p.runs.length > 1) ? "the mean of its runs' best validation accuracies" : "its best validation accuracy"} after ${count(e.budget)} epoch${e.budget === 1 ? "" : "s"}${imp.diverged ? `; ${count(imp.diverged)} that diverged left out` : ""})`;
  const explained = r2 == null ? "could not be scored out of bag" : `explains ${r2 <= 0 ? "none" : percent(r2, 0)} of the scores' variance out of bag (R² ${decimal(r2)})`;
  if (e.verdict === "weak") return `${fitted} ${explained}: ${TOO_LITTLE}.`;
  const [top, ...rest] = imp.settings;
  const next = rest.slice(0, 2).map((s) => `${settingWord(s.setting)} (${percent(s.share, 0)})`);
  return `${fitted} ${explained}. By its estimate, ${importancePhrase(e)}, with ${percent(top.share, 0)} of the forest's splitting gain${next.length ? `, then ${list(next)}` : ""}.`;
}

/** The claim for one search, or null when its runs leave the forest nothing to fit. */
export function importanceClaim(id: string, search: string, runs: readonly SearchRun[], settings: string[]) {
  const first = pointsAtFirstBudget(runs, settings);
  if (!first) return null;
  const importance = settingImportance(first.points, settings);
  // With one setting varied there is nothing to rank.
  if (!importance || importance.settings.length < 2) return null;
  const evidence: ImportanceEvidence = { kind: "importance", search, budget: first.budget, settings, points: first.points, importance, names: Object.fromEntries(settings.map((s) => [s, settingWord(s)])), readableR2: READABLE_R2, verdict: importanceVerdict(importance) };
  return { id, text: importanceSentence(evidence), evidence };
}

/**
 * Problems with an importance claim: each point's score against its stored runs' objectives, the forest
 * fitted again on them, and the sentence's phrase for the verdict.
 */
export function checkImportance(e: ImportanceEvidence, text: string, objective: (dir: string) => number | null, where: string): string[] {
  const problems: string[] = [];
  const close = (a: number | null, b: number | null) => (a == null || b == null ? a === b : (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-9);
  const points = e.points.map((p) => {
    const values = p.runs.map((dir) => objective(dir));
    if (values.some((v) => v == null)) problems.push(`${where}: a run of ${JSON.stringify(p.params)} has no stored objective`);
    const score = values.reduce<number>((a, v) => a + (v ?? NaN), 0) / values.length;
    if (!close(score, p.score)) problems.push(`${where}: ${JSON.stringify(p.params)} scores ${p.score}, its stored runs give ${score}`);
    return { params: p.params, score };
  });
  const again = settingImportance(points, e.settings);
  if (!again) return [...problems, `${where}: the stored runs leave the forest nothing to fit`];
  if (!close(again.outOfBagR2, e.importance.outOfBagR2)) problems.push(`${where}: out-of-bag R² ${e.importance.outOfBagR2}, the stored runs give ${again.outOfBagR2}`);
  again.settings.forEach((s, i) => {
    const claimed = e.importance.settings[i];
    if (!claimed || claimed.setting !== s.setting || !close(claimed.share, s.share)) problems.push(`${where}: rank ${i + 1} is ${s.setting} (${s.share}), the claim says ${claimed?.setting} (${claimed?.share})`);
  });
  const verdict = importanceVerdict(again);
  if (verdict !== e.verdict) problems.push(`${where}: verdict "${e.verdict}", the stored runs give "${verdict}"`);
  const phrase = importancePhrase({ importance: again, verdict });
  if (!text.includes(phrase)) problems.push(`${where}: the sentence must say "${phrase}": "${text}"`);
  if (verdict === "weak" && / matters most/.test(text)) problems.push(`${where}: the forest explains too little for a ranking, but the sentence ranks: "${text}"`);
  if (verdict === "explains") {
    for (const other of again.settings.slice(1)) if (text.includes(`${settingWord(other.setting)} matters most`)) problems.push(`${where}: the sentence names ${other.setting} first, the forest ranks it lower`);
    if (text.includes(TOO_LITTLE)) problems.push(`${where}: the sentence declines a ranking the forest supports`);
  }
  return problems;
}
