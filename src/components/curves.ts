// Learning curves as tidy rows, one per metric, split, run and epoch: the shape Plot draws overlaid
// curves from, made here for the study pages and the explorer alike.

/** One epoch of a run's curves; a missing or non-finite value draws no point. */
export interface EpochCurves {
  epoch: number;
  loss?: number | null;
  accuracy?: number | null;
  valLoss?: number | null;
  valAccuracy?: number | null;
}

/** One metric of one split of one run at one epoch. */
export interface RunCurveRow {
  run: string;
  id: string;
  epoch: number;
  split: "train" | "validation";
  metric: "loss" | "accuracy";
  value: number;
}

const SERIES = [
  ["train", "loss", "loss"],
  ["train", "accuracy", "accuracy"],
  ["validation", "loss", "valLoss"],
  ["validation", "accuracy", "valAccuracy"]
] as const;

/** The rows of one run's per-epoch curves, labelled `run` (its title, or the page's own label). */
export function runCurveRows(epochs: readonly EpochCurves[], {run, id}: {run: string; id: string}): RunCurveRow[] {
  const rows: RunCurveRow[] = [];
  for (const [split, metric, field] of SERIES) {
    for (const e of epochs) {
      const value = e[field];
      if (value != null && Number.isFinite(value)) rows.push({run, id, epoch: e.epoch, split, metric, value});
    }
  }
  return rows;
}
