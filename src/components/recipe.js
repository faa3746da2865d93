// How two runs' training recipes differ, in words, for the study pages' sentences.

/**
 * How run `a` was trained differently from run `b`, beyond its model: phrases such as "on more images"
 * or "in smaller batches (64 against 128)", in the order data, epochs, batch size, learning-rate decay.
 */
export function recipeDifferences(a, b) {
  const out = [];
  const more = (x, y, word, fewer) => (x > y ? `on more ${word}` : x < y ? `on ${fewer} ${word}` : null);
  const data = more(a.trainCount, b.trainCount, "images", "fewer");
  if (data) out.push(`${data} (${a.trainCount.toLocaleString("en-US")} against ${b.trainCount.toLocaleString("en-US")})`);
  if (a.epochsDeclared !== b.epochsDeclared) out.push(`for ${a.epochsDeclared > b.epochsDeclared ? "more" : "fewer"} epochs (up to ${a.epochsDeclared} against ${b.epochsDeclared})`);
  if (a.batchSize !== b.batchSize) out.push(`in ${a.batchSize < b.batchSize ? "smaller" : "larger"} batches (${a.batchSize} against ${b.batchSize})`);
  const decay = (r) => r.schedule?.decayPerEpoch ?? null;
  if (decay(a) !== decay(b)) out.push(decay(a) == null ? "with a constant learning rate" : `with the learning rate multiplied by ${decay(a)} after every epoch${decay(b) == null ? "" : ` (against ${decay(b)})`}`);
  return out;
}
