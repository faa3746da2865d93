// Colour scales whose legends list only the series a chart actually draws, each series keeping the
// colour it has on every other chart.

/**
 * A Plot color scale over the fixed `domain` and `range`, cut down to the series in `present` (an
 * iterable of domain values); its legend is drawn only when at least `legendFrom` series are present.
 */
export function seriesColor<T>(
  domain: T[],
  range: string[],
  present: Iterable<T>,
  {legendFrom = 1}: { legendFrom?: number } = {}
): { domain: T[]; range: string[]; legend: boolean } {
  const has = new Set(present);
  const kept = domain.map((d, i) => [d, range[i]] as const).filter(([d]) => has.has(d));
  return {domain: kept.map(([d]) => d), range: kept.map(([, c]) => c), legend: kept.length >= legendFrom};
}
