// The drill-down's predictions files: loaders/report/predictions.ts encodes, src/components/predictions.ts decodes.
// Round trip on synthetic data, the per-cell image limit, and every stored full-profile model that keeps its
// weights re-run on its test set: it reproduces the confusion matrix its run recorded, and the file the build
// packs from the stored predictions.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CELL_LIMIT, encodePredictions, gallerySelection, toFloat16Bits } from "../loaders/report/predictions.ts";
import { cellSamples, classScores, confusionFromPredictions, decodePredictions } from "../src/components/predictions.js";

/** n samples over 3 classes with 2×2 images; sample i has label i % 3, and its probabilities favour `guess(i)`. */
function synthetic(n: number, guess: (i: number) => number) {
  const classes = 3;
  const side = 2;
  const label = Array.from({ length: n }, (_, i) => i % 3);
  const probabilities = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const top = 0.4 + (0.5 * ((i * 7919) % 97)) / 97; // confidences spread over 0.4..0.9
    for (let c = 0; c < classes; c++) probabilities[i * classes + c] = c === guess(i) ? top : (1 - top) / 2;
  }
  const index = Array.from({ length: n }, (_, i) => n - 1 - i); // test indices in reverse, to tell them from positions
  const images = Uint8Array.from({ length: n * side * side }, (_, k) => (k * 13) % 256);
  return { classes, side, index, label, probabilities, images };
}

describe("predictions files", () => {
  it("decode to what was encoded", () => {
    const p = synthetic(30, (i) => (i % 5 === 0 ? (i + 1) % 3 : i % 3));
    const d = decodePredictions(encodePredictions(p));
    assert.equal(d.count, 30);
    assert.equal(d.classes, 3);
    assert.equal(d.side, 2);
    assert.deepEqual(Array.from(d.index), p.index);
    assert.deepEqual(Array.from(d.label), p.label);
    for (let i = 0; i < 30; i++) {
      const expected = i % 5 === 0 ? (i + 1) % 3 : i % 3;
      assert.equal(d.predicted[i], expected, `prediction of sample ${i}`);
      assert.ok(Math.abs(d.confidence[i] - p.probabilities[i * 3 + expected]) < 1e-4, `confidence of sample ${i}`);
    }
    // Every cell has at most CELL_LIMIT samples here, so every image is kept, with its own pixels.
    assert.equal(d.gallery.length, 30);
    for (const g of d.gallery) {
      const source = p.index[g.position] * 4;
      assert.deepEqual(Array.from(g.pixels), Array.from(p.images.subarray(source, source + 4)));
      assert.equal(g.index, p.index[g.position]);
      assert.ok(Math.abs(g.probabilities[g.predicted] - g.confidence) < 1 / 255);
    }
  });

  it("keep every image of a small cell and the most and least confident of a large one", () => {
    const n = 3 * 100;
    const p = synthetic(n, (i) => i % 3); // all correct: three diagonal cells of 100
    const d = decodePredictions(encodePredictions(p));
    assert.equal(d.gallery.length, 3 * CELL_LIMIT);
    const { total, items } = cellSamples(d, 1, 1);
    assert.equal(total, 100);
    assert.equal(items.length, CELL_LIMIT);
    const all = Array.from(d.confidence)
      .filter((_, i) => d.label[i] === 1)
      .sort((a, b) => b - a);
    const shown = items.map((x) => x.confidence);
    assert.deepEqual(shown, [...shown].sort((a, b) => b - a), "most confident first");
    assert.deepEqual(shown.slice(0, CELL_LIMIT / 2), all.slice(0, CELL_LIMIT / 2), "the most confident half");
    assert.deepEqual(shown.slice(CELL_LIMIT / 2), all.slice(-CELL_LIMIT / 2), "the least confident half");
    assert.deepEqual(gallerySelection([0, 0, 1], [0, 1, 1], [0.5, 0.6, 0.7], 2, 1), [0, 1, 2]);
  });

  it("give the confusion matrix and per-class precision and recall", () => {
    const p = synthetic(30, (i) => (i % 5 === 0 ? (i + 1) % 3 : i % 3));
    const matrix = confusionFromPredictions(decodePredictions(encodePredictions(p)));
    assert.equal(matrix.flat().reduce((a, b) => a + b, 0), 30);
    // Samples 0, 15 (label 0) are read as 1; 5, 20 (label 2) as 0; 10, 25 (label 1) as 2.
    assert.deepEqual(matrix, [
      [8, 2, 0],
      [0, 8, 2],
      [2, 0, 8]
    ]);
    assert.deepEqual(classScores(matrix, 0), { precision: 0.8, recall: 0.8, support: 10, predictedAs: 10, correct: 8 });
    assert.deepEqual(classScores([[0, 0], [0, 0]], 1), { precision: null, recall: null, support: 0, predictedAs: 0, correct: 0 });
  });

  it("reject a damaged file", () => {
    const bytes = encodePredictions(synthetic(6, (i) => i % 3));
    assert.throws(() => decodePredictions(bytes.subarray(0, bytes.length - 1)), /header implies/);
    const bad = bytes.slice();
    bad[0] = 0;
    assert.throws(() => decodePredictions(bad), /bad magic/);
  });

  for (const id of ["baseline-mlp", "mlp-512-512-dropout", "cnn-strong"]) {
    it(`of the stored ${id}, packed from its stored predictions, agree with a full evaluation of its kept weights`, { timeout: 180_000 }, async () => {
      const { evaluatedPredictionsFile, predictionsFile, storedRunWithWeights } = await import("../loaders/report/predictions.ts");
      const { record } = await storedRunWithWeights("full", id);
      const evaluated = decodePredictions(await evaluatedPredictionsFile("full", id));
      assert.equal(evaluated.count, record.data.testCount);
      assert.deepEqual(confusionFromPredictions(evaluated), record.test!.confusion, "a fresh evaluation reproduces the recorded confusion matrix");
      // Every mistake of a good model has its image.
      const mistakes = Array.from(evaluated.label).filter((l, i) => l !== evaluated.predicted[i]).length;
      assert.equal(evaluated.gallery.filter((g) => g.label !== g.predicted).length, mistakes);

      const packed = decodePredictions(await predictionsFile("full", id));
      assert.deepEqual(Array.from(packed.index), Array.from(evaluated.index));
      assert.deepEqual(Array.from(packed.label), Array.from(evaluated.label));
      assert.deepEqual(Array.from(packed.predicted), Array.from(evaluated.predicted), "every image's predicted class");
      packed.confidence.forEach((c, i) => assert.ok(Math.abs(c - evaluated.confidence[i]) <= 1.5 / 65535, `image ${i}: confidence ${c} against ${evaluated.confidence[i]}`));
      // Stored confidences are rounded to 1/65535, so among the hundreds of correct answers at 1.0 a cell may
      // keep other, equally confident images; per cell, the same number of images at the same confidences.
      const cells = (gallery: typeof packed.gallery) => {
        const out = new Map<string, number[]>();
        for (const g of gallery) out.set(`${g.label}→${g.predicted}`, [...(out.get(`${g.label}→${g.predicted}`) ?? []), g.confidence]);
        return new Map([...out].map(([cell, list]) => [cell, list.sort((a, b) => a - b)]));
      };
      const want = cells(evaluated.gallery);
      const got = cells(packed.gallery);
      assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), "the same confusion cells have images");
      for (const [cell, list] of got) {
        assert.equal(list.length, want.get(cell)!.length, `cell ${cell}: images kept`);
        list.forEach((c, k) => assert.ok(Math.abs(c - want.get(cell)![k]) <= 1.5 / 65535, `cell ${cell}: confidence ${c} against ${want.get(cell)![k]}`));
      }
      const fresh = new Map(evaluated.gallery.map((g) => [g.position, g]));
      const shared = packed.gallery.filter((g) => fresh.has(g.position));
      assert.ok(shared.length > packed.gallery.length / 2);
      for (const g of shared) {
        const e = fresh.get(g.position)!;
        assert.deepEqual(g.pixels, e.pixels, `image ${g.index}: pixels`);
        g.probabilities.forEach((p, c) => assert.ok(Math.abs(p - e.probabilities[c]) <= 1.01 / 255, `image ${g.index}, class ${c}: ${p} against ${e.probabilities[c]}`));
      }
    });
  }
});

describe("every run's stored per-image predictions (predictions.bin)", () => {
  it("round-trip through their encoding and refuse damaged bytes", async () => {
    const { decodeRunPredictions, encodeRunPredictions, decodeTestSet, encodeTestSet } = await import("../loaders/spec/testPredictions.ts");
    const p = { classes: 10, predicted: Uint8Array.from([3, 9, 0, 7]), confidence: Float32Array.from([0.5, 1, 0.123456, 0]) };
    const back = decodeRunPredictions(encodeRunPredictions(p));
    assert.deepEqual([...back.predicted], [3, 9, 0, 7]);
    back.confidence.forEach((c, i) => assert.ok(Math.abs(c - p.confidence[i]) <= 0.5 / 65535 + 1e-7));
    const bytes = encodeRunPredictions(p);
    assert.throws(() => decodeRunPredictions(bytes.subarray(0, bytes.length - 1)), /expected 24 for 4 images/);
    assert.throws(() => encodeRunPredictions({ ...p, predicted: Uint8Array.from([3, 9, 0, 10]) }), /not below 10/);
    const t = { id: "mnist-5v8", classes: 2, index: Uint16Array.from([9999, 0, 42]), label: Uint8Array.from([1, 0, 1]) };
    const u = decodeTestSet(encodeTestSet(t));
    assert.equal(u.id, "mnist-5v8");
    assert.deepEqual([...u.index], [9999, 0, 42]);
    assert.deepEqual([...u.label], [1, 0, 1]);
  });

  it("of a stored full-profile model equal a fresh evaluation of its kept weights", { timeout: 120_000 }, async () => {
    const { evaluatedPredictionsFile, storedRunWithWeights } = await import("../loaders/report/predictions.ts");
    const { readRunPredictions, readTestSet } = await import("../loaders/experiments/store.ts");
    const { planned, record } = await storedRunWithWeights("full", "baseline-mlp");
    const stored = readRunPredictions(planned.dir);
    const testSet = readTestSet("full", record.testSet!)!;
    const fresh = decodePredictions(await evaluatedPredictionsFile("full", "baseline-mlp"));
    assert.equal(stored.predicted.length, fresh.count);
    assert.deepEqual([...testSet.label], Array.from(fresh.label), "same test images in the same order");
    assert.deepEqual([...testSet.index], Array.from(fresh.index));
    assert.deepEqual([...stored.predicted], Array.from(fresh.predicted), "every image's predicted class");
    // The drill-down stores confidence to 1/65535 as well: both round the same probability.
    stored.confidence.forEach((c, i) => assert.ok(Math.abs(c - fresh.confidence[i]) <= 1.5 / 65535, `image ${i}: ${c} against ${fresh.confidence[i]}`));
  });
});

describe("models served to the page as float16", () => {
  it("round to the nearest half-precision number", () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff], // the largest half
      [65520, 0x7c00], // rounds up to infinity
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -24, 0x0001], // the smallest subnormal
      [2 ** -26, 0x0000], // below half of it
      [6.1e-5, 0x03ff], // the largest subnormal, rounded
      [1 + 2 ** -11, 0x3c00], // a tie rounds to even
      [1 + 3 * 2 ** -11, 0x3c02],
      [0.1, 0x2e66]
    ];
    for (const [value, bits] of cases) assert.equal(toFloat16Bits(value).toString(16), bits.toString(16), `float16 of ${value}`);
    assert.equal(toFloat16Bits(NaN) & 0x7c00, 0x7c00);
    assert.notEqual(toFloat16Bits(NaN) & 0x3ff, 0);
  });

  it("decode in tfjs to weights within float16 precision and give the same predictions", { timeout: 60_000 }, async () => {
    const { existsSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { initTf } = await import("../loaders/engine/backend.ts");
    const { halfPrecisionModel, readModelFiles, storedRunWithWeights } = await import("../loaders/report/predictions.ts");
    const { loadDataset } = await import("../loaders/data/dataset.ts");
    const { planned } = await storedRunWithWeights("full", "baseline-mlp");
    assert.ok(existsSync(join(planned.dir, "model.json")));
    const tf = await initTf("cpu");
    const load = (files: { modelJson: ReturnType<typeof readModelFiles>["modelJson"]; weights: Uint8Array }) =>
      tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: files.modelJson.modelTopology as object,
          weightSpecs: files.modelJson.weightsManifest.flatMap((g) => g.weights),
          weightData: files.weights.slice().buffer
        })
      );
    const full = readModelFiles(planned.dir);
    const half = halfPrecisionModel(planned.dir);
    assert.equal(half.weights.byteLength * 2, full.weights.byteLength, "half the bytes");
    const [a, b] = [await load(full), await load(half)];
    const wa = a.getWeights().map((w) => w.dataSync());
    const wb = b.getWeights().map((w) => w.dataSync());
    wa.forEach((values, k) => values.forEach((v, i) => assert.ok(Math.abs(v - wb[k][i]) <= Math.abs(v) * 2 ** -11 + 2 ** -25, `weight ${k}[${i}]`)));
    const test = loadDataset("mnist").test;
    const x = tf.tensor4d(Float32Array.from(test.images.subarray(0, 200 * 784), (v) => v / 255), [200, 28, 28, 1]);
    const [pa, pb] = [a, b].map((m) => (m.predict(x) as import("@tensorflow/tfjs").Tensor).arraySync() as number[][]);
    const worst = Math.max(...pa.flatMap((row, i) => row.map((p, c) => Math.abs(p - pb[i][c]))));
    assert.ok(worst < 0.005, `probabilities differ by up to ${worst}`);
    assert.deepEqual(pa.map((r) => r.indexOf(Math.max(...r))), pb.map((r) => r.indexOf(Math.max(...r))), "the same predicted classes");
    x.dispose();
    a.dispose();
    b.dispose();
  });
});
