// What the cost page says about the throughput benchmark (bench/run.ts, stored in data/bench.json): how its
// figures were taken and the ratios of ours to the other engines, from the file's own fields, so that a
// benchmark stored by an older version (the best round) and a newer one (the median) are each described
// as what they are.
import type {Ratio, RoundFigure} from "../../bench/rounds.ts";

/** A throughput figure as stored: the current form (median, range) or the older one (best round only). */
export type StoredFigure = RoundFigure & {rounds?: number[]; min?: number; max?: number};

/** The parts of data/bench.json these sentences read. */
export interface StoredThroughput {
  measuredAt: string;
  machine: {cpu: string; cores: number};
  batchSize: number;
  throughput: StoredFigure[];
  ratios: (Omit<Ratio, "threadForThread" | "apart" | "ours"> & Partial<Pick<Ratio, "threadForThread" | "apart">> & {ours?: string})[];
}

/** Whether the figures are medians of rounds (with their range) rather than the best round. */
export const mediansOfRounds = (bench: StoredThroughput): boolean => bench.throughput.some((d) => d.min != null);

/** How the figures were measured, in one sentence. */
export function throughputIntro(bench: StoredThroughput): string {
  const rounds = Math.max(1, ...bench.throughput.map((d) => d.rounds?.length ?? 1));
  const how =
    rounds < 2
      ? ""
      : mediansOfRounds(bench)
        ? `; each figure is the median of ${rounds} interleaved rounds (the table gives their range), every engine on the same real MNIST batches`
        : `; each figure is the best of ${rounds} interleaved rounds, because the machine is shared and a single measurement can come out low (a benchmark stored before the figures became medians)`;
  return `Measured by npm run bench on ${bench.machine.cpu} (${bench.machine.cores} cores) at ${bench.measuredAt.slice(0, 10)}: training samples per second with Adam and batch ${bench.batchSize}, one process, side by side in one run${how}.`;
}

/** One row of the ratio table. */
export interface RatioRow {
  model: string;
  ours: string;
  versus: string;
  ratio: number;
  /** "yes" where every round of one side is above every round of the other, "no" where they overlap, "" where not recorded. */
  apart: string;
}

/** The ratios as the table shows them, thread for thread first (as stored). */
export function ratioRows(bench: StoredThroughput): RatioRow[] {
  return bench.ratios.map((r) => ({
    model: r.model,
    ours: r.ours ?? "ours (wasm + our kernels)",
    versus: r.versus,
    ratio: r.ratio,
    apart: r.apart == null ? "" : r.apart ? "yes" : "no, the rounds overlap"
  }));
}
