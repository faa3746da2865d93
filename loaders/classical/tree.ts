// A CART decision tree (Gini impurity, binary splits "value <= threshold") over byte-valued features
// such as pixel intensities. Because growth is greedy and deterministic, the tree grown to depth D
// cut at depth d is exactly the tree grown with maxDepth d, so one tree gives a whole depth sweep.
//
// (ml-cart was tried first: its split search re-scans every sample for every candidate threshold,
// and 500 images at depth 4 took 30 s; this version builds a histogram per feature and node.)

export interface TreeNode {
  /** Class counts of the training samples that reached the node. */
  counts: number[];
  /** Majority class (lowest index on ties). */
  prediction: number;
  depth: number;
  feature?: number;
  threshold?: number;
  left?: TreeNode;
  right?: TreeNode;
}

export interface TreeOptions {
  maxDepth: number;
  /** A node with fewer samples is not split (sklearn's min_samples_split, default 2). */
  minSamplesSplit?: number;
}

const gini = (counts: ArrayLike<number>, total: number) => {
  if (total === 0) return 0;
  let s = 0;
  for (let c = 0; c < counts.length; c++) s += counts[c] * counts[c];
  return 1 - s / (total * total);
};

function majority(counts: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < counts.length; c++) if (counts[c] > counts[best]) best = c;
  return best;
}

/**
 * Grows a tree on n samples with `features` byte features each (row-major) and labels 0..classes−1.
 * At each node the split with the largest decrease in weighted Gini impurity is taken (first
 * feature, then lowest threshold, on ties); a node is a leaf when it is pure, has fewer than
 * minSamplesSplit samples, is at maxDepth, or no split decreases impurity.
 */
export function growTree(x: Uint8Array, labels: ArrayLike<number>, n: number, features: number, classes: number, options: TreeOptions): TreeNode {
  if (x.length !== n * features) throw new RangeError(`expected ${n}×${features} feature bytes, got ${x.length}`);
  if (labels.length !== n) throw new RangeError(`expected ${n} labels, got ${labels.length}`);
  const minSplit = options.minSamplesSplit ?? 2;
  // Feature-major copy: the samples of one feature sit together.
  const columns = new Uint8Array(n * features);
  for (let i = 0; i < n; i++) for (let f = 0; f < features; f++) columns[f * n + i] = x[i * features + f];
  const y = Int32Array.from(labels);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const hist = new Int32Array(256 * classes);
  const binTotals = new Int32Array(256);
  const left = new Float64Array(classes);

  function build(start: number, end: number, depth: number): TreeNode {
    const size = end - start;
    const counts = new Array<number>(classes).fill(0);
    for (let i = start; i < end; i++) counts[y[order[i]]]++;
    const node: TreeNode = { counts, prediction: majority(counts), depth };
    const parentImpurity = gini(counts, size);
    if (depth >= options.maxDepth || size < minSplit || parentImpurity === 0) return node;

    let bestGain = 1e-12; // a split must strictly lower impurity
    let bestFeature = -1;
    let bestThreshold = -1;
    const bins: number[] = [];
    for (let f = 0; f < features; f++) {
      const col = f * n;
      bins.length = 0;
      for (let i = start; i < end; i++) {
        const s = order[i];
        const v = columns[col + s];
        if (binTotals[v]++ === 0) bins.push(v);
        hist[v * classes + y[s]]++;
      }
      if (bins.length > 1) {
        bins.sort((a, b) => a - b);
        left.fill(0);
        let nLeft = 0;
        let sumSqLeft = 0;
        let sumSqRight = 0;
        for (let c = 0; c < classes; c++) sumSqRight += counts[c] * counts[c];
        for (let b = 0; b < bins.length - 1; b++) {
          const v = bins[b];
          for (let c = 0; c < classes; c++) {
            const m = hist[v * classes + c];
            if (m === 0) continue;
            const l = left[c];
            const r = counts[c] - l;
            sumSqLeft += 2 * l * m + m * m;
            sumSqRight += -2 * r * m + m * m;
            left[c] = l + m;
          }
          nLeft += binTotals[v];
          const nRight = size - nLeft;
          const impurity = (nLeft - sumSqLeft / nLeft + (nRight - sumSqRight / nRight)) / size;
          const gain = parentImpurity - impurity;
          if (gain > bestGain + 1e-12) {
            bestGain = gain;
            bestFeature = f;
            bestThreshold = v;
          }
        }
      }
      for (const v of bins) {
        binTotals[v] = 0;
        hist.fill(0, v * classes, (v + 1) * classes);
      }
    }
    if (bestFeature < 0) return node;

    // Partition order[start..end) in place: values <= threshold first, keeping their relative order.
    const col = bestFeature * n;
    const lo: number[] = [];
    const hi: number[] = [];
    for (let i = start; i < end; i++) (columns[col + order[i]] <= bestThreshold ? lo : hi).push(order[i]);
    order.set(lo, start);
    order.set(hi, start + lo.length);
    node.feature = bestFeature;
    node.threshold = bestThreshold;
    node.left = build(start, start + lo.length, depth + 1);
    node.right = build(start + lo.length, end, depth + 1);
    return node;
  }

  return build(0, n, 0);
}

/** The class predicted for one sample (features at `offset` in x) by the tree cut at `maxDepth`. */
export function predictOne(tree: TreeNode, x: ArrayLike<number>, offset: number, maxDepth = Infinity): number {
  let node = tree;
  while (node.left && node.right && node.depth < maxDepth) node = x[offset + node.feature!] <= node.threshold! ? node.left : node.right;
  return node.prediction;
}

/** Accuracy of the tree cut at each depth 1..maxDepth on n samples: one pass per sample. */
export function accuracyByDepth(tree: TreeNode, x: ArrayLike<number>, labels: ArrayLike<number>, n: number, features: number, maxDepth: number): number[] {
  const correct = new Array<number>(maxDepth).fill(0);
  for (let i = 0; i < n; i++) {
    let node = tree;
    for (let d = 1; d <= maxDepth; d++) {
      if (node.left && node.right) node = x[i * features + node.feature!] <= node.threshold! ? node.left : node.right;
      if (node.prediction === labels[i]) correct[d - 1]++;
    }
  }
  return correct.map((c) => c / n);
}

/** Depth actually reached and number of leaves. */
export function treeShape(tree: TreeNode): { depth: number; leaves: number } {
  if (!tree.left || !tree.right) return { depth: tree.depth, leaves: 1 };
  const l = treeShape(tree.left);
  const r = treeShape(tree.right);
  return { depth: Math.max(l.depth, r.depth), leaves: l.leaves + r.leaves };
}
