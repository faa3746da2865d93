// Metrics checked against TensorFlow.js and a hand-worked example; seeded randomness, splits and subsets checked for determinism and balance.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { splitTrainValidation, stratifiedSubset } from "../loaders/data/dataset.ts";
import { accuracy, argmaxRows, confusionMatrix, crossEntropy, macroAverage, perClassMetrics, tidyConfusion } from "../loaders/training/metrics.ts";
import { createRng, deriveSeed, normal, shuffleInPlace } from "../loaders/data/random.ts";

const K = 10;

before(async () => {
  await tf.setBackend("cpu");
});

const close = (actual: number, expected: number, tol: number, what = "") =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} differs from ${expected} by more than ${tol}`);

function randomLabels(n: number, seed: number): Int32Array {
  const rng = createRng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(rng() * K));
}

/** Softmax of seeded random logits, row-major [n, K], and the logits themselves. */
function randomProbs(n: number, seed: number, spread = 3) {
  const rng = createRng(seed);
  const logits = Float32Array.from({ length: n * K }, () => normal(rng, 0, spread));
  const probs = tf.tidy(() => tf.softmax(tf.tensor2d(logits, [n, K])).dataSync() as Float32Array);
  return { logits, probs };
}

describe("confusion matrix", () => {
  it("matches tf.math.confusionMatrix on random labels", () => {
    const n = 3000;
    const actual = randomLabels(n, 1);
    // Predictions right about half of the time, so the diagonal is not trivial.
    const noise = randomLabels(n, 2);
    const predicted = actual.map((a, i) => (i % 2 === 0 ? a : noise[i]));
    const ours = confusionMatrix(actual, predicted, K);
    const theirs = tf.tidy(() => tf.math.confusionMatrix(tf.tensor1d(actual, "int32"), tf.tensor1d(predicted, "int32"), K).arraySync());
    assert.deepEqual(ours, theirs);
    assert.equal(ours.flat().reduce((a, b) => a + b, 0), n);
  });

  it("rejects mismatched lengths and out-of-range classes", () => {
    assert.throws(() => confusionMatrix([0, 1], [0], 3), /2 actual labels but 1 predictions/);
    assert.throws(() => confusionMatrix([0, 3], [0, 1], 3), /actual class 3 at index 1 is outside 0\.\.2/);
  });

  it("argmaxRows matches tf.argMax, ties going to the first index", () => {
    const { probs } = randomProbs(500, 3);
    const theirs = tf.tidy(() => tf.argMax(tf.tensor2d(probs, [500, K]), 1).dataSync());
    assert.deepEqual(argmaxRows(probs, K), Int32Array.from(theirs));
    assert.deepEqual(argmaxRows(Float32Array.of(0.5, 0.5, 0, 0.1, 0.3, 0.3), 3), Int32Array.of(0, 1));
  });
});

describe("precision, recall and F1", () => {
  // Hand calculation, 3 classes, 10 samples:
  //   actual    = 0 0 0 0 1 1 1 2 2 2
  //   predicted = 0 0 1 2 1 1 0 2 2 1
  //   matrix (rows actual) = [[2,1,1],[1,2,0],[0,1,2]]; column sums 3, 4, 3; row sums 4, 3, 3.
  //   class 0: precision 2/3, recall 2/4 = 1/2, F1 = 2*(2/3)*(1/2) / (2/3+1/2) = (2/3)/(7/6) = 4/7
  //   class 1: precision 2/4 = 1/2, recall 2/3, F1 = 4/7
  //   class 2: precision 2/3, recall 2/3, F1 = 2/3
  //   accuracy = (2+2+2)/10 = 0.6
  //   macro precision = (2/3 + 1/2 + 2/3)/3 = 11/18, macro recall = 11/18,
  //   macro F1 = (4/7 + 4/7 + 2/3)/3 = (24 + 24 + 28)/42/3 = 38/63
  const actual = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
  const predicted = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1];

  it("match the hand-computed values", () => {
    const matrix = confusionMatrix(actual, predicted, 3);
    assert.deepEqual(matrix, [[2, 1, 1], [1, 2, 0], [0, 1, 2]]);
    const expected = [
      { class: 0, precision: 2 / 3, recall: 1 / 2, f1: 4 / 7, support: 4 },
      { class: 1, precision: 1 / 2, recall: 2 / 3, f1: 4 / 7, support: 3 },
      { class: 2, precision: 2 / 3, recall: 2 / 3, f1: 2 / 3, support: 3 }
    ];
    const got = perClassMetrics(matrix);
    got.forEach((m, c) => {
      assert.equal(m.class, expected[c].class);
      assert.equal(m.support, expected[c].support);
      for (const key of ["precision", "recall", "f1"] as const) close(m[key], expected[c][key], 1e-12, `class ${c} ${key}`);
    });
    assert.equal(accuracy(matrix), 0.6);
    const macro = macroAverage(got);
    close(macro.precision, 11 / 18, 1e-12, "macro precision");
    close(macro.recall, 11 / 18, 1e-12, "macro recall");
    close(macro.f1, 38 / 63, 1e-12, "macro F1");
  });

  it("define 0/0 as 0 for never-predicted and absent classes", () => {
    // actual 0 0 1, predicted 0 0 0: class 0 precision 2/3, recall 1, F1 0.8;
    // class 1 never predicted (precision 0/0 = 0), recall 0/1 = 0; class 2 has no samples at all.
    const matrix = confusionMatrix([0, 0, 1], [0, 0, 0], 3);
    const got = perClassMetrics(matrix);
    close(got[0].f1, 0.8, 1e-12);
    assert.deepEqual(got[1], { class: 1, precision: 0, recall: 0, f1: 0, support: 1 });
    assert.deepEqual(got[2], { class: 2, precision: 0, recall: 0, f1: 0, support: 0 });
    assert.equal(accuracy([[0, 0], [0, 0]]), 0);
    assert.deepEqual(macroAverage([]), { precision: 0, recall: 0, f1: 0 });
  });
});

describe("cross-entropy", () => {
  // tfjs 4.22 has no tf.metrics.sparseCategoricalCrossentropy; its categoricalCrossentropy on
  // one-hot labels runs the same tfjs-layers code (rescale, clip to [1e-7, 1 - 1e-7], -log).
  const tfMetric = (labels: ArrayLike<number>, probs: Float32Array, n: number, k: number) =>
    tf.tidy(() =>
      tf.metrics.categoricalCrossentropy(tf.oneHot(tf.tensor1d(Int32Array.from(labels), "int32"), k), tf.tensor2d(probs, [n, k])).mean().dataSync()[0]
    );

  it("matches tf.metrics.categoricalCrossentropy and tf.losses.softmaxCrossEntropy", () => {
    const n = 400;
    const labels = randomLabels(n, 4);
    // Logits spread little enough that no probability reaches the clipping bound, which
    // tf.losses.softmaxCrossEntropy (working from logits) does not apply.
    const { logits, probs } = randomProbs(n, 5, 1.5);
    const ours = crossEntropy(probs, labels, K);
    const metric = tfMetric(labels, probs, n, K);
    const fromLogits = tf.tidy(() =>
      tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, "int32"), K), tf.tensor2d(logits, [n, K])).dataSync()[0]
    );
    let smallest = 1;
    for (let i = 0; i < n; i++) smallest = Math.min(smallest, probs[i * K + labels[i]]);
    assert.ok(smallest > 1e-6, `smallest true-class probability ${smallest}`);
    close(ours, metric, 1e-5, "vs tf.metrics");
    close(ours, fromLogits, 1e-4, "vs tf.losses");

    // Widely spread logits, where clipping matters: still equal to the tfjs metric.
    const wide = randomProbs(n, 8, 6).probs;
    close(crossEntropy(wide, labels, K), tfMetric(labels, wide, n, K), 1e-4, "wide logits vs tf.metrics");
  });

  it("clips probabilities to [1e-7, 1 - 1e-7] like Keras", () => {
    // One sample certain and right (loss -log(1 - 1e-7)), one certain and wrong (loss -log(1e-7)).
    const probs = Float32Array.of(1, 0, 0, 0, 1, 0);
    const labels = [0, 2];
    const ours = crossEntropy(probs, labels, 3);
    close(ours, (-Math.log(1 - 1e-7) - Math.log(1e-7)) / 2, 1e-6, "hand value");
    const metric = tfMetric(labels, probs, 2, 3);
    close(ours, metric, 1e-4, "vs tf.metrics");
    assert.ok(Number.isFinite(ours));
  });
});

describe("tidy confusion rows", () => {
  it("one row per cell, counts summing to the total and rates to 1 per non-empty actual class", () => {
    const actual = randomLabels(1000, 6);
    const predicted = randomLabels(1000, 7);
    const matrix = confusionMatrix(actual, predicted, K);
    const names = Array.from({ length: K }, (_, i) => `class ${i}`);
    const rows = tidyConfusion(matrix, names);
    assert.equal(rows.length, K * K);
    assert.equal(rows.reduce((s, r) => s + r.count, 0), 1000);
    for (let a = 0; a < K; a++) {
      const mine = rows.filter((r) => r.actual === a);
      close(mine.reduce((s, r) => s + r.rate, 0), 1, 1e-12, `rates of class ${a}`);
    }
    assert.deepEqual(rows[K + 2], {
      actual: 1,
      predicted: 2,
      count: matrix[1][2],
      rate: matrix[1][2] / matrix[1].reduce((x, y) => x + y, 0),
      actualName: "class 1",
      predictedName: "class 2"
    });
    assert.deepEqual(tidyConfusion([[0, 0], [1, 3]]), [
      { actual: 0, predicted: 0, count: 0, rate: 0 },
      { actual: 0, predicted: 1, count: 0, rate: 0 },
      { actual: 1, predicted: 0, count: 1, rate: 0.25 },
      { actual: 1, predicted: 1, count: 3, rate: 0.75 }
    ]);
  });
});

describe("seeded randomness", () => {
  it("createRng gives the same sequence for the same seed, different for another, in [0, 1)", () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 1000 }, () => a());
    assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
    assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => c()));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    // Pinned values: a change to the generator would silently change every split and run.
    const first = createRng(1);
    assert.deepEqual([first(), first(), first()].map((x) => Math.round(x * 2 ** 32)), GOLDEN_RNG_1);
    assert.notEqual(deriveSeed(7, "split"), deriveSeed(7, "subset"));
    assert.equal(deriveSeed(7, "split"), deriveSeed(7, "split"));
  });

  it("shuffleInPlace permutes; normal has mean 0 and standard deviation 1", () => {
    const arr = Int32Array.from({ length: 100 }, (_, i) => i);
    shuffleInPlace(arr, createRng(3));
    assert.notDeepEqual([...arr], [...Array(100).keys()]);
    assert.deepEqual([...arr].sort((x, y) => x - y), [...Array(100).keys()]);
    const rng = createRng(9);
    const zs = Array.from({ length: 20000 }, () => normal(rng));
    const mean = zs.reduce((s, z) => s + z, 0) / zs.length;
    const sd = Math.sqrt(zs.reduce((s, z) => s + (z - mean) ** 2, 0) / zs.length);
    close(mean, 0, 0.03, "mean");
    close(sd, 1, 0.03, "sd");
  });
});

/** mulberry32(1): first three outputs as uint32, cross-checked against an independent Python implementation. */
const GOLDEN_RNG_1 = [2693262067, 11749833, 2265367787];

describe("train/validation split", () => {
  it("is deterministic per seed, disjoint, and covers every index", () => {
    const a = splitTrainValidation(60000, 5000, 11);
    const b = splitTrainValidation(60000, 5000, 11);
    const c = splitTrainValidation(60000, 5000, 12);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.validation, c.validation);
    assert.equal(a.train.length, 55000);
    assert.equal(a.validation.length, 5000);
    const seen = new Uint8Array(60000);
    for (const i of a.train) seen[i]++;
    for (const i of a.validation) seen[i]++;
    assert.ok(seen.every((s) => s === 1), "each index in exactly one part");
    assert.throws(() => splitTrainValidation(100, 101, 1), /validationSize must be an integer between 0 and count \(100\)/);
  });
});

describe("stratified subset", () => {
  const labels = Uint8Array.from({ length: 6000 }, (_, i) => (i * 7) % K);

  it("is deterministic per seed, has distinct indices and balanced classes", () => {
    const a = stratifiedSubset(labels, 1005, 5);
    assert.deepEqual(a, stratifiedSubset(labels, 1005, 5));
    assert.notDeepEqual(a, stratifiedSubset(labels, 1005, 6));
    assert.equal(a.length, 1005);
    assert.equal(new Set(a).size, 1005);
    const counts = new Array(K).fill(0);
    for (const i of a) counts[labels[i]]++;
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts}`);
    assert.deepEqual(counts.filter((n) => n === 101).length, 5);
  });

  it("gives scarce classes all they have and shares the rest", () => {
    // 100 of class 0, 100 of class 1, 3 of class 2; 30 asked: class 2 gives 3, classes 0 and 1 share 27.
    const skewed = Uint8Array.from([...Array(100).fill(0), ...Array(100).fill(1), 2, 2, 2]);
    const subset = stratifiedSubset(skewed, 30, 1);
    const counts = [0, 0, 0];
    for (const i of subset) counts[skewed[i]]++;
    assert.equal(counts[2], 3);
    assert.deepEqual([counts[0], counts[1]].sort(), [13, 14]);
    assert.equal(stratifiedSubset(skewed, skewed.length, 1).length, skewed.length);
    assert.throws(() => stratifiedSubset(skewed, 204, 1), /size must be an integer/);
  });

  it("works on the split's training part without touching validation indices", () => {
    const split = splitTrainValidation(6000, 1000, 2);
    const trainLabels = Uint8Array.from(split.train, (i) => labels[i]);
    const picked = Int32Array.from(stratifiedSubset(trainLabels, 500, 2), (k) => split.train[k]);
    const validation = new Set(split.validation);
    assert.ok(picked.every((i) => !validation.has(i)));
  });
});
