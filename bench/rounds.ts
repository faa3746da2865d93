// How the benchmark turns interleaved rounds into figures: each variant's median with the range of its
// rounds, and ratios of ours to the others, thread for thread first, each saying whether the rounds of
// the two sides are apart (every round of one above every round of the other) or overlap.
import { median, roundsApart } from "../src/components/spread.ts";

export { median, roundsApart };

/** A measured variant of one model: one figure per round (null where the round failed). */
export interface RoundFigure {
  model: string;
  variant: string;
  samplesPerSecond: number | null;
  note?: string;
  /** Threads it computes on, for the thread-for-thread ratios. */
  threads?: number;
}

export interface AggregatedFigure extends RoundFigure {
  rounds: number[];
  min?: number;
  max?: number;
}

export interface Ratio {
  model: string;
  ours: string;
  versus: string;
  /** Ours' median over theirs'. */
  ratio: number;
  /** Both sides on the same number of threads. */
  threadForThread: boolean;
  /** Every round of one side above every round of the other: a difference larger than the rounds' spread. */
  apart: boolean;
}

/** One figure per (model, variant): the median of its rounds, their range, and a note if every round failed. */
export function aggregateRounds(rounds: readonly RoundFigure[][]): AggregatedFigure[] {
  const out: AggregatedFigure[] = [];
  for (const figure of rounds.flat()) {
    if (out.some((o) => o.model === figure.model && o.variant === figure.variant)) continue;
    const same = rounds.flatMap((r) => r.filter((f) => f.model === figure.model && f.variant === figure.variant));
    const values = same.map((f) => f.samplesPerSecond).filter((v): v is number => v != null && Number.isFinite(v));
    const failed = same.find((f) => f.samplesPerSecond == null);
    out.push({
      ...figure,
      samplesPerSecond: values.length ? median(values) : null,
      rounds: values,
      ...(values.length ? { min: Math.min(...values), max: Math.max(...values) } : {}),
      ...(failed?.note ? { note: failed.note } : {})
    });
  }
  return out;
}

const isOurs = (f: RoundFigure) => f.variant.startsWith("ours");

/**
 * Ours against the others, from the medians: first against PyTorch on as many threads (the comparison a
 * skeptic asks for), then against tfjs' own backends, and ours on several cores against ours on one.
 */
export function ratiosOf(figures: readonly AggregatedFigure[], oneThread = "ours (wasm + our kernels)"): Ratio[] {
  const threadForThread: Ratio[] = [];
  const other: Ratio[] = [];
  const measured = figures.filter((f) => f.samplesPerSecond != null);
  for (const mine of measured.filter(isOurs)) {
    for (const theirs of measured.filter((f) => f.model === mine.model && f !== mine)) {
      const ratio: Ratio = {
        model: mine.model,
        ours: mine.variant,
        versus: theirs.variant,
        ratio: mine.samplesPerSecond! / theirs.samplesPerSecond!,
        threadForThread: mine.threads != null && mine.threads === theirs.threads && !isOurs(theirs),
        apart: roundsApart(mine.rounds, theirs.rounds)
      };
      if (ratio.threadForThread) threadForThread.push(ratio);
      else if (!isOurs(theirs) ? !theirs.variant.startsWith("pytorch") || theirs.threads == null : theirs.variant === oneThread && mine.variant !== oneThread) other.push(ratio);
    }
  }
  return [...threadForThread, ...other];
}
