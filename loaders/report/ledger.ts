// The per-image ledger: for every test image of a task, how many of the stored runs got it right,
// from each run's per-image predictions (predictions.bin). From it, the images that (almost) every
// model gets wrong, and those that many models get wrong the same way with high confidence: the
// candidates for a wrong label. No tracker keeps this across runs; here every stored run adds to it.
import type { RunPredictions, TestSet } from "../spec/testPredictions.ts";

export interface LedgerRun {
  id: string;
  title: string;
  testAccuracy: number;
  predictions: RunPredictions;
}

export interface Answer {
  /** Index of the run in the ledger's `runs`. */
  run: number;
  predicted: number;
  confidence: number;
}

export interface LedgerImage {
  /** Position in the test set, and index in the dataset's official test set. */
  position: number;
  index: number;
  label: number;
  /** How many of the ledger's runs got it right. */
  right: number;
  /** The most common wrong answer, how many runs gave it, and their mean confidence in it. */
  commonWrong: { predicted: number; runs: number; meanConfidence: number } | null;
  answers: Answer[];
}

export interface Ledger {
  testSet: string;
  /** The runs counted: completed runs of the task at or above the median test accuracy of them all. */
  runs: { id: string; title: string; testAccuracy: number }[];
  /** The lowest test accuracy of a counted run. */
  threshold: number;
  /** Of all the task's completed runs. */
  candidates: number;
  /** rightHistogram[k]: how many test images exactly k of the counted runs got right (k = 0 .. runs). */
  rightHistogram: number[];
  /** Per test image, in the test set's order: how many of the counted runs got it right. */
  rightCounts: Uint16Array;
  /** Per test image: its index in the official test set and its label. */
  index: Uint16Array;
  label: Uint8Array;
  /** Images at most `hardShare` of the runs got right, fewest first (with every run's answer). */
  hardest: LedgerImage[];
  /** Images most runs got wrong the same way, confidently: label-noise candidates. */
  suspectLabels: LedgerImage[];
}

export interface LedgerOptions {
  /** An image is among the hardest when at most this share of the runs got it right. */
  hardShare?: number;
  /** A suspect label: at least this share of all runs gave the same wrong answer ... */
  agreeShare?: number;
  /** ... with at least this mean confidence. */
  minConfidence?: number;
  /** At most this many images in each list. */
  limit?: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The ledger of one test set over the given runs (all scored on `testSet`). */
export function buildLedger(testSet: TestSet, candidates: readonly LedgerRun[], options: LedgerOptions = {}): Ledger {
  const { hardShare = 0.1, agreeShare = 0.7, minConfidence = 0.9, limit = 48 } = options;
  const n = testSet.label.length;
  for (const run of candidates) {
    if (run.predictions.predicted.length !== n) throw new RangeError(`ledger: run ${run.id} has ${run.predictions.predicted.length} predictions for the ${n} images of ${testSet.id}`);
  }
  const threshold = candidates.length ? median(candidates.map((r) => r.testAccuracy)) : 1;
  const runs = candidates.filter((r) => r.testAccuracy >= threshold).sort((a, b) => b.testAccuracy - a.testAccuracy);
  const right = new Uint16Array(n);
  for (const run of runs) {
    const p = run.predictions.predicted;
    for (let i = 0; i < n; i++) if (p[i] === testSet.label[i]) right[i]++;
  }
  const rightHistogram = new Array(runs.length + 1).fill(0);
  for (let i = 0; i < n; i++) rightHistogram[right[i]]++;

  const image = (i: number): LedgerImage => {
    const answers = runs.map((run, r) => ({ run: r, predicted: run.predictions.predicted[i], confidence: Math.round(run.predictions.confidence[i] * 1000) / 1000 }));
    const wrong = new Map<number, Answer[]>();
    for (const a of answers) if (a.predicted !== testSet.label[i]) wrong.set(a.predicted, [...(wrong.get(a.predicted) ?? []), a]);
    const top = [...wrong.entries()].sort((x, y) => y[1].length - x[1].length || x[0] - y[0])[0];
    return {
      position: i,
      index: testSet.index[i],
      label: testSet.label[i],
      right: right[i],
      commonWrong: top ? { predicted: top[0], runs: top[1].length, meanConfidence: top[1].reduce((s, a) => s + a.confidence, 0) / top[1].length } : null,
      answers
    };
  };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => right[a] - right[b] || a - b);
  const hardest = runs.length ? order.filter((i) => right[i] <= hardShare * runs.length).slice(0, limit).map(image) : [];
  const suspectLabels = runs.length
    ? order
        .filter((i) => right[i] <= (1 - agreeShare) * runs.length)
        .map(image)
        .filter((d) => d.commonWrong && d.commonWrong.runs >= agreeShare * runs.length && d.commonWrong.meanConfidence >= minConfidence)
        .sort((a, b) => b.commonWrong!.runs * b.commonWrong!.meanConfidence - a.commonWrong!.runs * a.commonWrong!.meanConfidence || a.position - b.position)
        .slice(0, limit)
    : [];
  return {
    testSet: testSet.id,
    runs: runs.map((r) => ({ id: r.id, title: r.title, testAccuracy: r.testAccuracy })),
    threshold,
    candidates: candidates.length,
    rightHistogram,
    rightCounts: right,
    index: testSet.index,
    label: testSet.label,
    hardest,
    suspectLabels
  };
}
