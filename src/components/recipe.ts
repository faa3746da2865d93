// How two runs' training recipes differ, in words, for the study pages' sentences.
import type { RunSummary } from "../../loaders/report/summary.ts";

/** What recipeDifferences reads of a run: the fields of its summary row that describe how it trained. */
export type RecipeRun = Pick<RunSummary, "trainCount" | "epochsDeclared" | "batchSize"> & { schedule?: { decayPerEpoch: number } | null; augmentation?: unknown };


/**
 * How run `a` was trained differently from run `b`, beyond its model: phrases such as "on more images"
 * or "in smaller batches (64 against 128)", in the order data, augmentation, epochs, batch size, learning-rate decay.
 */
export function recipeDifferences(a: RecipeRun, b: RecipeRun): string[] {
  const out: string[] = [];
  const more = (x: number, y: number, word: string, fewer: string) => (x > y ? `on more ${word}` : x < y ? `on ${fewer} ${word}` : null);
  const data = more(a.trainCount, b.trainCount, "images", "fewer");
  if (data) out.push(`${data} (${a.trainCount.toLocaleString("en-US")} against ${b.trainCount.toLocaleString("en-US")})`);
  if (Boolean(a.augmentation) !== Boolean(b.augmentation)) out.push(a.augmentation ? "with augmented images" : "without augmented images");
  if (a.epochsDeclared !== b.epochsDeclared) out.push(`for ${a.epochsDeclared > b.epochsDeclared ? "more" : "fewer"} epochs (up to ${a.epochsDeclared} against ${b.epochsDeclared})`);
  if (a.batchSize !== b.batchSize) out.push(`in ${a.batchSize < b.batchSize ? "smaller" : "larger"} batches (${a.batchSize} against ${b.batchSize})`);
  const decay = (r: RecipeRun) => r.schedule?.decayPerEpoch ?? null;
  if (decay(a) !== decay(b)) out.push(decay(a) == null ? "with a constant learning rate" : `with the learning rate multiplied by ${decay(a)} after every epoch${decay(b) == null ? "" : ` (against ${decay(b)})`}`);
  return out;
}
