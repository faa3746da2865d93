// What training the full profile would cost with every training split whole: the stored runs whose
// training set was cut to fit the budget, each with its measured training time scaled to the whole split.
// An estimate for the benchmark and the cost page, not a measurement: training time grows with the
// images per epoch, while evaluation, start-up and early stopping are taken as they were.
import type { PlannedRun } from "../experiments/plan.ts";
import type { RunRecord } from "../spec/record.ts";
import { summarize } from "./summary.ts";

/** One stored run, as the estimate reads it. */
export interface UncutRun {
  id: string;
  /** The study that declared it (trials included); null for a model page's own run. */
  study: string | null;
  /** The training images it used, and those it could have used (null: a class subset, never cut). */
  trainCount: number;
  availableTrainCount: number | null;
  trainSeconds: number;
}

/** A study's cut runs, summed. */
export interface UncutStudy {
  study: string;
  runs: number;
  /** The training images of its cut runs (the smallest and largest when they differ), and of the whole split. */
  trainCount: [number, number];
  availableTrainCount: [number, number];
  seconds: number;
  uncutSeconds: number;
}

export interface UncutEstimate {
  /** Training seconds of every stored run as measured, and with the cut runs scaled to their whole splits. */
  seconds: number;
  uncutSeconds: number;
  /** uncutSeconds / seconds: what the full profile's time from nothing is multiplied by. */
  factor: number;
  runs: number;
  /** The studies whose runs were cut, largest added time first. */
  cut: UncutStudy[];
}

/**
 * A run was cut for the budget when it trained on fewer images than its split holds and its study does
 * not vary the training-set size (as the overfitting study does, from 10 images up: there the size is
 * what is measured, not a saving). A run without a study is a model page's run, cut on the same terms.
 */
export function uncutEstimate(runs: readonly UncutRun[]): UncutEstimate {
  const sizesByStudy = new Map<string, Set<number>>();
  for (const r of runs) {
    if (r.availableTrainCount == null || r.trainCount >= r.availableTrainCount) continue;
    const key = r.study ?? r.id;
    if (!sizesByStudy.has(key)) sizesByStudy.set(key, new Set());
    sizesByStudy.get(key)!.add(r.trainCount);
  }
  const byStudy = new Map<string, UncutStudy>();
  let seconds = 0;
  let uncutSeconds = 0;
  for (const r of runs) {
    seconds += r.trainSeconds;
    const key = r.study ?? r.id;
    const cut = r.availableTrainCount != null && r.trainCount < r.availableTrainCount && sizesByStudy.get(key)!.size === 1;
    if (!cut) {
      uncutSeconds += r.trainSeconds;
      continue;
    }
    const scaled = (r.trainSeconds * r.availableTrainCount!) / r.trainCount;
    uncutSeconds += scaled;
    const s = byStudy.get(key);
    const span = (pair: [number, number], v: number): [number, number] => [Math.min(pair[0], v), Math.max(pair[1], v)];
    if (s == null) {
      byStudy.set(key, { study: key, runs: 1, trainCount: [r.trainCount, r.trainCount], availableTrainCount: [r.availableTrainCount!, r.availableTrainCount!], seconds: r.trainSeconds, uncutSeconds: scaled });
    } else {
      s.runs++;
      s.trainCount = span(s.trainCount, r.trainCount);
      s.availableTrainCount = span(s.availableTrainCount, r.availableTrainCount!);
      s.seconds += r.trainSeconds;
      s.uncutSeconds += scaled;
    }
  }
  const cut = [...byStudy.values()].sort((a, b) => b.uncutSeconds - b.seconds - (a.uncutSeconds - a.seconds));
  return { seconds, uncutSeconds, factor: seconds > 0 ? uncutSeconds / seconds : 1, runs: runs.length, cut };
}

/** The estimate's view of stored runs (allStoredRuns: declared runs, tuner trials and retrained winners). */
export function uncutRuns(stored: readonly { planned: PlannedRun; record: RunRecord }[]): UncutRun[] {
  return stored.map(({ planned, record }) => {
    const s = summarize(planned, record);
    return { id: s.id, study: planned.experiment.study ?? null, trainCount: s.trainCount, availableTrainCount: s.availableTrainCount, trainSeconds: s.trainSeconds };
  });
}
