// Classification metrics on plain arrays: confusion matrix, per-class precision/recall/F1, accuracy, cross-entropy.

/** Probability clipping bound, the Keras / tfjs-layers default epsilon. */
export const EPSILON = 1e-7;

export interface ClassMetrics {
  class: number;
  /** Of the samples predicted as this class, the fraction that are this class. */
  precision: number;
  /** Of the samples of this class, the fraction predicted as this class. */
  recall: number;
  /** Harmonic mean of precision and recall. */
  f1: number;
  /** Number of samples whose actual class is this class. */
  support: number;
}

export interface AverageMetrics {
  precision: number;
  recall: number;
  f1: number;
}

export interface ConfusionRow {
  actual: number;
  predicted: number;
  count: number;
  /** count divided by the number of samples of the actual class (0 when it has none). */
  rate: number;
  /** Present when class names were given. */
  actualName?: string;
  predictedName?: string;
}

function checkClass(value: number, numClasses: number, what: string, i: number) {
  if (!Number.isInteger(value) || value < 0 || value >= numClasses) {
    throw new RangeError(`${what} class ${value} at index ${i} is outside 0..${numClasses - 1}`);
  }
}

/**
 * Counts of (actual, predicted) pairs: matrix[a][p] is the number of samples of class a that were
 * predicted as class p (rows = actual, columns = predicted, as tf.math.confusionMatrix).
 */
export function confusionMatrix(actual: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): number[][] {
  if (actual.length !== predicted.length) {
    throw new RangeError(`confusionMatrix: ${actual.length} actual labels but ${predicted.length} predictions`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < actual.length; i++) {
    checkClass(actual[i], numClasses, "actual", i);
    checkClass(predicted[i], numClasses, "predicted", i);
    matrix[actual[i]][predicted[i]]++;
  }
  return matrix;
}

/** x / y, defined as 0 when y is 0 (e.g. precision of a class that was never predicted). */
const ratio = (x: number, y: number) => (y === 0 ? 0 : x / y);

/**
 * Precision, recall, F1 and support of each class from a confusion matrix (rows = actual).
 * Convention: any 0/0 is 0. A class never predicted has precision 0, a class with no samples has
 * recall 0, and F1 is 0 when precision and recall are both 0. (scikit-learn does the same, with
 * a warning, under its default zero_division setting.)
 */
export function perClassMetrics(matrix: number[][]): ClassMetrics[] {
  const n = matrix.length;
  return matrix.map((row, c) => {
    if (row.length !== n) throw new RangeError(`confusion matrix is not square: row ${c} has ${row.length} entries, expected ${n}`);
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    let predictedAs = 0;
    for (let r = 0; r < n; r++) predictedAs += matrix[r][c];
    const precision = ratio(tp, predictedAs);
    const recall = ratio(tp, support);
    const f1 = ratio(2 * precision * recall, precision + recall);
    return { class: c, precision, recall, f1, support };
  });
}

/** Fraction of all samples on the diagonal; 0 for an empty matrix. */
export function accuracy(matrix: number[][]): number {
  let correct = 0;
  let total = 0;
  matrix.forEach((row, a) => {
    for (let p = 0; p < row.length; p++) {
      total += row[p];
      if (p === a) correct += row[p];
    }
  });
  return ratio(correct, total);
}

/**
 * Unweighted mean of precision, recall and F1 over all classes given (classes with no samples
 * included, counting as 0 under the 0/0 convention). macro F1 is the mean of per-class F1s, not
 * the F1 of the mean precision and recall.
 */
export function macroAverage(perClass: readonly ClassMetrics[]): AverageMetrics {
  const n = perClass.length;
  const mean = (key: keyof AverageMetrics) => ratio(perClass.reduce((s, m) => s + m[key], 0), n);
  return { precision: mean("precision"), recall: mean("recall"), f1: mean("f1") };
}

/** Index of the largest value in each row of a row-major [n, numClasses] array; ties go to the lowest index. */
export function argmaxRows(probs: ArrayLike<number>, numClasses: number): Int32Array {
  if (probs.length % numClasses !== 0) {
    throw new RangeError(`argmaxRows: length ${probs.length} is not a multiple of numClasses ${numClasses}`);
  }
  const rows = probs.length / numClasses;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * numClasses;
    let best = 0;
    let bestValue = probs[base];
    for (let c = 1; c < numClasses; c++) {
      const v = probs[base + c];
      if (v > bestValue || (Number.isNaN(bestValue) && !Number.isNaN(v))) {
        best = c;
        bestValue = v;
      }
    }
    out[r] = best;
  }
  return out;
}

const clip = (p: number) => Math.min(1 - EPSILON, Math.max(EPSILON, p));

/**
 * Mean sparse categorical cross-entropy of predicted probabilities (row-major [n, numClasses])
 * against integer labels, computed as tfjs-layers does: each probability is clipped to
 * [1e-7, 1 - 1e-7], the row is rescaled to sum to 1, clipped again, and the loss is minus the
 * log of the true class's probability. For softmax outputs this is -log(clip(p[label])).
 */
export function crossEntropy(probs: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): number {
  if (probs.length !== labels.length * numClasses) {
    throw new RangeError(`crossEntropy: ${probs.length} probabilities for ${labels.length} labels of ${numClasses} classes`);
  }
  if (labels.length === 0) return 0;
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    checkClass(label, numClasses, "label", i);
    const base = i * numClasses;
    let sum = 0;
    for (let c = 0; c < numClasses; c++) sum += clip(probs[base + c]);
    total -= Math.log(clip(clip(probs[base + label]) / sum));
  }
  return total / labels.length;
}

/**
 * The confusion matrix as tidy rows, one per (actual, predicted) cell, for plotting. `rate` is the
 * count divided by its row total (the fraction of that actual class), 0 for an empty row. With
 * classNames, each row also carries actualName and predictedName.
 */
export function tidyConfusion(matrix: number[][], classNames?: readonly string[]): ConfusionRow[] {
  return matrix.flatMap((row, actual) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, predicted) => {
      const cell: ConfusionRow = { actual, predicted, count, rate: ratio(count, total) };
      if (classNames) {
        cell.actualName = classNames[actual] ?? String(actual);
        cell.predictedName = classNames[predicted] ?? String(predicted);
      }
      return cell;
    });
  });
}
