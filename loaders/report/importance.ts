// Which settings of a search matter to its validation score: a random forest (ml-random-forest) fitted
// to the trials, each setting's share of the forest's impurity decrease, and how much of the scores'
// variance the forest explains out of bag, so a page can say when the estimate is too weak to read.
import { RandomForestRegression } from "ml-random-forest";
import type { Params } from "../spec/params.ts";

/** One trial as the estimate reads it: its point and its (mean) validation score. */
export interface ScoredPoint {
  params: Params;
  score: number;
}

export interface SettingImportance {
  /** Each setting that varied across the trials, most important first, with its share (the shares sum to 1). */
  settings: { setting: string; share: number }[];
  /** Settings that took one value in every trial: nothing can be said of them. */
  constant: string[];
  /** Trials fitted, and those left out because their score is not finite (diverged). */
  trials: number;
  diverged: number;
  /**
   * 1 - (out-of-bag squared error / variance of the scores): near 1, the settings explain the scores; near
   * or under 0, the forest predicts no better than the mean, and the shares say little. Null when no
   * trial was out of bag for any tree.
   */
  outOfBagR2: number | null;
  /** Trees in the forest. */
  trees: number;
}

/** More trees steady the shares against the bagging seed; a search's few dozen points fit in well under a second. */
const TREES = 200;

/** Fewer trials than this leave a forest nothing to learn from. */
export const MIN_TRIALS = 6;

/**
 * Numbers stay as they are (a tree only compares them, so a log scale changes nothing); other values
 * become the rank of their text among the values seen, an order the trees may split anywhere along.
 */
function encoder(points: ScoredPoint[], setting: string): (value: Params[string] | undefined) => number {
  const values = points.map((p) => p.params[setting]);
  if (values.every((v) => typeof v === "number")) return (v) => v as number;
  const order = [...new Set(values.map(String))].sort();
  return (v) => order.indexOf(String(v));
}

/**
 * The importance of each of `settings` to the score of `points`, or null with fewer than MIN_TRIALS
 * finite scores or no setting that varied. `seed` fixes the forest's bagging, so the estimate is reproducible.
 */
export function settingImportance(points: ScoredPoint[], settings: string[], seed = 1): SettingImportance | null {
  const fitted = points.filter((p) => Number.isFinite(p.score));
  const varied = settings.filter((s) => new Set(fitted.map((p) => String(p.params[s]))).size > 1);
  const constant = settings.filter((s) => !varied.includes(s));
  if (fitted.length < MIN_TRIALS || varied.length === 0) return null;
  const encoders = varied.map((s) => encoder(fitted, s));
  const x = fitted.map((p) => varied.map((s, i) => encoders[i](p.params[s])));
  const y = fitted.map((p) => p.score);
  const forest = new RandomForestRegression({
    nEstimators: TREES,
    // Every tree sees every setting (an integer count: a float is read as a fraction of the settings).
    maxFeatures: varied.length,
    replacement: false,
    useSampleBagging: true,
    seed,
    treeOptions: { minNumSamples: 2 }
  } as ConstructorParameters<typeof RandomForestRegression>[0]);
  forest.train(x, y);
  const raw = (forest as unknown as { featureImportance(): number[] }).featureImportance();
  const total = raw.reduce((a, b) => a + b, 0);
  const shares = raw.map((v) => (total > 0 ? v / total : 1 / raw.length));
  return {
    settings: varied.map((setting, i) => ({ setting, share: shares[i] })).sort((a, b) => b.share - a.share || a.setting.localeCompare(b.setting)),
    constant,
    trials: fitted.length,
    diverged: points.length - fitted.length,
    outOfBagR2: outOfBagR2(forest, y),
    trees: TREES
  };
}

/** The forest's out-of-bag R²: each trial predicted only by the trees that did not see it. */
function outOfBagR2(forest: RandomForestRegression, y: number[]): number | null {
  const oob = (forest as unknown as { oobResults?: { predicted: number; all: number[] }[] }).oobResults;
  if (!oob) return null;
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  let squaredError = 0;
  let variance = 0;
  let counted = 0;
  oob.forEach((row, i) => {
    if (!row || !row.all?.length || !Number.isFinite(row.predicted)) return;
    squaredError += (row.predicted - y[i]) ** 2;
    variance += (y[i] - mean) ** 2;
    counted++;
  });
  if (counted === 0 || variance === 0) return null;
  return 1 - squaredError / variance;
}
