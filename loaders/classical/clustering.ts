// Clustering scores: contingency tables, homogeneity / completeness / V-measure, the adjusted Rand
// index and the silhouette coefficient, defined as in scikit-learn (natural logarithms, Euclidean
// distances), for integer labels.

/** Contingency table of two labelings: rows are the true classes, columns the clusters (both relabelled 0..n-1). */
export function contingency(truth: ArrayLike<number>, predicted: ArrayLike<number>): number[][] {
  if (truth.length !== predicted.length) {
    throw new RangeError(`labelings differ in length: ${truth.length} true labels, ${predicted.length} predicted`);
  }
  const rows = new Map<number, number>();
  const cols = new Map<number, number>();
  for (let i = 0; i < truth.length; i++) {
    if (!rows.has(truth[i])) rows.set(truth[i], rows.size);
    if (!cols.has(predicted[i])) cols.set(predicted[i], cols.size);
  }
  const table = Array.from({ length: rows.size }, () => new Array<number>(cols.size).fill(0));
  for (let i = 0; i < truth.length; i++) table[rows.get(truth[i])!][cols.get(predicted[i])!]++;
  return table;
}

/** Shannon entropy (nats) of a distribution given by counts. */
function entropy(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / total) * Math.log(c / total);
  return h;
}

/** The entropy within each group, weighted by group size: H(A | B) when each group is the counts of A for one value of B. */
function conditionalEntropy(groups: number[][]): number {
  const n = groups.flat().reduce((a, b) => a + b, 0);
  let h = 0;
  for (const group of groups) {
    const size = group.reduce((a, b) => a + b, 0);
    if (size > 0) h += (size / n) * entropy(group);
  }
  return h;
}

export interface ClusterScores {
  /** Each cluster holds members of a single class (1 is perfect). */
  homogeneity: number;
  /** All members of a class are in the same cluster (1 is perfect). */
  completeness: number;
  /** Harmonic mean of homogeneity and completeness. */
  vMeasure: number;
}

/**
 * Homogeneity 1 − H(C|K)/H(C), completeness 1 − H(K|C)/H(K) and their harmonic mean, where C is
 * the true class and K the cluster. Each is 1 when its denominator entropy is zero.
 */
export function homogeneityCompleteness(truth: ArrayLike<number>, predicted: ArrayLike<number>): ClusterScores {
  if (truth.length === 0) return { homogeneity: 1, completeness: 1, vMeasure: 1 };
  const table = contingency(truth, predicted);
  const columns = table[0].map((_, j) => table.map((row) => row[j])); // class counts within each cluster
  const hC = entropy(table.map((row) => row.reduce((a, b) => a + b, 0)));
  const hK = entropy(columns.map((col) => col.reduce((a, b) => a + b, 0)));
  const homogeneity = hC === 0 ? 1 : 1 - conditionalEntropy(columns) / hC; // H(C|K): classes within clusters
  const completeness = hK === 0 ? 1 : 1 - conditionalEntropy(table) / hK; // H(K|C): clusters within classes
  const vMeasure = homogeneity + completeness === 0 ? 0 : (2 * homogeneity * completeness) / (homogeneity + completeness);
  return { homogeneity, completeness, vMeasure };
}

export function homogeneity(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  return homogeneityCompleteness(truth, predicted).homogeneity;
}

const pairs = (n: number) => (n * (n - 1)) / 2;

/**
 * The adjusted Rand index: the Rand index corrected for chance, (index − expected) / (max − expected)
 * over pairs of samples. 1 for identical partitions (up to renaming), about 0 for random ones, and
 * negative when agreement is below chance. Returns 1 when the partitions are both trivial.
 */
export function adjustedRandIndex(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const n = truth.length;
  const table = contingency(truth, predicted);
  let index = 0;
  for (const row of table) for (const c of row) index += pairs(c);
  const sumRows = table.reduce((a, row) => a + pairs(row.reduce((s, c) => s + c, 0)), 0);
  const sumCols = (table[0] ?? []).reduce((a, _, j) => a + pairs(table.reduce((s, row) => s + row[j], 0)), 0);
  const expected = n < 2 ? 0 : (sumRows * sumCols) / pairs(n);
  const max = (sumRows + sumCols) / 2;
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}

/**
 * Euclidean distances between all pairs of `n` points of dimension `d` (row-major), as a packed
 * n×n Float64Array. n² doubles: meant for a few thousand points.
 */
export function pairwiseDistances(points: ArrayLike<number>, n: number, d: number): Float64Array {
  if (points.length !== n * d) throw new RangeError(`expected ${n}×${d} = ${n * d} values, got ${points.length}`);
  const x = Float64Array.from(points);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[i * d + k] ** 2;
    norms[i] = s;
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    for (let j = i + 1; j < n; j++) {
      const oj = j * d;
      let dot = 0;
      for (let k = 0; k < d; k++) dot += x[oi + k] * x[oj + k];
      const dist = Math.sqrt(Math.max(0, norms[i] + norms[j] - 2 * dot));
      out[i * n + j] = dist;
      out[j * n + i] = dist;
    }
  }
  return out;
}

/**
 * The mean silhouette coefficient from a packed n×n distance matrix: for each sample,
 * (b − a) / max(a, b) with a its mean distance to the rest of its own cluster and b the smallest
 * mean distance to another cluster; 0 for a sample alone in its cluster. Needs 2..n−1 clusters.
 */
export function silhouetteFromDistances(distances: Float64Array, labels: ArrayLike<number>): number {
  const n = labels.length;
  if (distances.length !== n * n) throw new RangeError(`distance matrix has ${distances.length} entries, expected ${n}×${n}`);
  const ids = new Map<number, number>();
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (!ids.has(labels[i])) ids.set(labels[i], ids.size);
    label[i] = ids.get(labels[i])!;
  }
  const k = ids.size;
  if (k < 2 || k > n - 1) throw new RangeError(`silhouette needs between 2 and n−1 clusters, got ${k} for ${n} samples`);
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) sizes[label[i]]++;
  const sums = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    const row = i * n;
    for (let j = 0; j < n; j++) sums[label[j]] += distances[row + j];
    const own = label[i];
    if (sizes[own] === 1) continue; // s = 0
    const a = sums[own] / (sizes[own] - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && sums[c] / sizes[c] < b) b = sums[c] / sizes[c];
    const m = Math.max(a, b);
    total += m === 0 ? 0 : (b - a) / m;
  }
  return total / n;
}

/** The mean silhouette coefficient of n points of dimension d (row-major) under Euclidean distance. */
export function silhouette(points: ArrayLike<number>, n: number, d: number, labels: ArrayLike<number>): number {
  return silhouetteFromDistances(pairwiseDistances(points, n, d), labels);
}
