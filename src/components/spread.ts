// The median of repeated measurements and whether two sets of them are apart (every one of one above every
// one of the other): shared by the benchmark (bench/rounds.ts), which stores the figures, and the cost page,
// which words them. It lives among the components because the page can import only from under src/.

/** The median; the mean of the middle two for an even count. */
export function median(xs: readonly number[]): number {
  if (!xs.length) throw new Error("median of nothing");
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Every round of `a` above every round of `b`, or below: a difference larger than the rounds' spread. */
export function roundsApart(a: readonly number[], b: readonly number[]): boolean {
  return a.length > 0 && b.length > 0 && (Math.min(...a) > Math.max(...b) || Math.min(...b) > Math.max(...a));
}
