// Training in the page, outside the browser: the shipped subset files (encoded by loaders/data/subsetfile.ts from
// the real MNIST files, decoded by src/components/subset.ts), the settings' URL form, the model they describe,
// and a real tiny training run on tfjs's cpu backend that must learn, stop when asked, and leak no tensors.
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { PIXELS, loadDataset } from "../loaders/data/dataset.ts";
import { SHIPPED_TEST, SHIPPED_TRAIN, SHIPPED_VALIDATION, encodeSubset, subsetFile } from "../loaders/data/subsetfile.ts";
import { decodeSubset, isGzip, loadSubset, toFloats, type DecodedSubset } from "../src/components/subset.js";
import {
  TRAIN_DEFAULTS,
  SHIPPED,
  TRAIN_LIMITS,
  architecture,
  buildModel,
  confusionRows,
  decodeTrainState,
  encodeTrainState,
  normalizeConfig,
  parameterCount,
  decodeEngineChoice,
  encodeEngineChoice,
  fastestBackend,
  measureStep,
  stepKey,
  trainInPage
} from "../src/components/trainInPage.js";

const tiny = (count: number) => ({
  count,
  rows: 28,
  cols: 28,
  classes: 10,
  labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
  pixels: Uint8Array.from({ length: count * PIXELS }, (_, i) => (i * 7) % 256)
});

describe("the shipped subset file", () => {
  it("round-trips through encodeSubset and decodeSubset", () => {
    const subset = tiny(3);
    const decoded = decodeSubset(encodeSubset(subset));
    assert.equal(decoded.count, 3);
    assert.deepEqual([decoded.rows, decoded.cols, decoded.classes], [28, 28, 10]);
    assert.deepEqual([...decoded.labels], [0, 1, 2]);
    assert.deepEqual(decoded.pixels, subset.pixels);
    assert.equal(encodeSubset(subset).length, 12 + 3 + 3 * PIXELS, "12-byte header, one byte per label and pixel");
  });

  it("refuses a wrong magic number, version, length or label", () => {
    const bytes = encodeSubset(tiny(2));
    assert.throws(() => decodeSubset(Uint8Array.from(bytes, (b, i) => (i === 0 ? 0x58 : b))), /magic "XNSS"/);
    assert.throws(() => decodeSubset(Uint8Array.from(bytes, (b, i) => (i === 4 ? 2 : b))), /version 2/);
    assert.throws(() => decodeSubset(bytes.subarray(0, bytes.length - 1)), /should have/);
    assert.throws(() => decodeSubset(bytes.subarray(0, 5)), /too short/);
    assert.throws(() => decodeSubset(Uint8Array.from(bytes, (b, i) => (i === 13 ? 10 : b))), /label 10 at index 1/);
  });

  it("holds real, class-balanced MNIST images, compressed, and gunzips in the browser's way too", async () => {
    const file = subsetFile("test", SHIPPED_TEST);
    assert.ok(isGzip(file));
    assert.ok(file.length < 0.3 * (12 + SHIPPED_TEST * (PIXELS + 1)), `compressed to ${file.length} bytes`);
    const subset = decodeSubset(new Uint8Array(gunzipSync(file)));
    assert.equal(subset.count, SHIPPED_TEST);
    const perClass = new Array(10).fill(0);
    for (const label of subset.labels) perClass[label]++;
    assert.deepEqual(perClass, new Array(10).fill(SHIPPED_TEST / 10));
    // Every shipped image is one of the real test images with the same label.
    const { test } = loadDataset("mnist");
    const index = new Map<string, number>();
    for (let i = 0; i < test.count; i++) index.set(Buffer.from(test.images.subarray(i * PIXELS, (i + 1) * PIXELS)).toString("base64"), test.labels[i]);
    for (let k = 0; k < subset.count; k += 97) {
      const key = Buffer.from(subset.pixels.subarray(k * PIXELS, (k + 1) * PIXELS)).toString("base64");
      assert.equal(index.get(key), subset.labels[k], `image ${k} is a real test image with its label`);
    }
    // The same bytes through loadSubset (DecompressionStream), as the page reads them.
    const viaPage = await loadSubset({ arrayBuffer: async () => file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer });
    assert.deepEqual(viaPage.labels, subset.labels);
    assert.deepEqual(viaPage.pixels, subset.pixels);
    const floats = toFloats(subset, 0, 2);
    assert.equal(floats.length, 2 * PIXELS);
    assert.ok(floats.every((x) => x >= 0 && x <= 1));
  });

  it("is deterministic", () => {
    assert.deepEqual(subsetFile("test", 50), subsetFile("test", 50));
    assert.equal(SHIPPED_TRAIN + SHIPPED_VALIDATION, 5000);
    assert.equal(TRAIN_LIMITS.trainSize.max, SHIPPED_TRAIN);
    assert.deepEqual({ ...SHIPPED }, { train: SHIPPED_TRAIN, validation: SHIPPED_VALIDATION, test: SHIPPED_TEST });
  });
});

describe("the reader's settings", () => {
  it("defaults encode to nothing; every field round-trips through the URL", () => {
    assert.equal(encodeTrainState(TRAIN_DEFAULTS), "");
    assert.deepEqual(decodeTrainState(""), TRAIN_DEFAULTS);
    const config = { model: "cnn", layers: 2, units: 32, activation: "tanh", optimizer: "sgd", learningRate: 0.05, batchSize: 128, epochs: 7, trainSize: 900 };
    const query = encodeTrainState(config);
    assert.equal(query, "model=cnn&layers=2&units=32&act=tanh&opt=sgd&lr=0.05&batch=128&epochs=7&n=900");
    assert.deepEqual(decodeTrainState(`?${query}`), config);
  });

  it("clamps numbers and ignores unknown choices", () => {
    assert.deepEqual(decodeTrainState("model=rnn&layers=9&units=-4&act=gelu&opt=lbfgs&lr=5&batch=7&epochs=1.6&n=4321"), {
      ...TRAIN_DEFAULTS,
      layers: 3,
      units: 8,
      learningRate: 0.3,
      epochs: 2,
      trainSize: 4300
    });
    assert.equal(normalizeConfig({ learningRate: "abc" as unknown as number }).learningRate, TRAIN_DEFAULTS.learningRate);
  });

  it("describes the model and counts its parameters as tfjs does", () => {
    const configs = [
      { model: "mlp", layers: 1, units: 128 },
      { model: "mlp", layers: 3, units: 16 },
      { model: "cnn", layers: 1, units: 32 },
      { model: "cnn", layers: 3, units: 8 }
    ];
    assert.equal(architecture(configs[0]), "784-128-10");
    assert.equal(parameterCount(configs[0]), 101_770);
    assert.equal(architecture(configs[3]), "conv8-pool-conv16-pool-conv32-pool-8-10");
    for (const config of configs) {
      const model = buildModel(tf, config);
      assert.equal(model.countParams(), parameterCount(config), architecture(config));
      model.dispose();
    }
  });

  it("reads the engine settings of the address, ignoring anything it does not know", () => {
    assert.deepEqual(decodeEngineChoice(""), { backend: null, kernels: "ours" });
    assert.deepEqual(decodeEngineChoice("?backend=cpu&kernels=stock"), { backend: "cpu", kernels: "stock" });
    assert.deepEqual(decodeEngineChoice("?backend=<script>&kernels=mine"), { backend: null, kernels: "ours" });
    for (const search of ["", "backend=wasm", "backend=cpu&kernels=stock"]) assert.equal(encodeEngineChoice(decodeEngineChoice(search)), search);
  });

  it("picks the backend of the fastest measured step, and reuses a measurement only for the same step cost", () => {
    assert.equal(fastestBackend([{ backend: "webgl", ms: 12 }, { backend: "wasm", ms: 9 }]), "wasm");
    assert.equal(fastestBackend([{ backend: "webgl", ms: 9 }, { backend: "wasm", ms: 9 }]), "webgl", "a tie goes to the earlier");
    assert.equal(fastestBackend([{ backend: "webgl", ms: Infinity }, { backend: "wasm", ms: 40 }]), "wasm", "a failed step never wins");
    assert.equal(fastestBackend([]), null);
    assert.equal(stepKey({ model: "cnn", epochs: 3, trainSize: 500 }), stepKey({ model: "cnn", epochs: 9, trainSize: 4000 }), "epochs and images do not change a step");
    assert.notEqual(stepKey({ model: "cnn" }), stepKey({ model: "mlp" }));
    assert.notEqual(stepKey({ batchSize: 32 }), stepKey({ batchSize: 256 }));
  });

  it("counts a confusion matrix with row shares", () => {
    const rows = confusionRows([0, 0, 1, 2], [0, 1, 1, 1], 3);
    assert.equal(rows.length, 9);
    assert.deepEqual(rows.find((r) => r.actual === 0 && r.predicted === 1), { actual: 0, predicted: 1, count: 1, rate: 0.5 });
    assert.deepEqual(rows.filter((r) => r.actual === 2).map((r) => r.count), [0, 1, 0]);
    assert.ok(rows.filter((r) => r.actual === 2).every((r) => r.count === 0 || r.rate === 1));
  });
});

describe("training on tfjs cpu", () => {
  let train: DecodedSubset;
  let test: DecodedSubset;
  before(async () => {
    await tf.setBackend("cpu");
    train = decodeSubset(gunzipSync(subsetFile("train", SHIPPED_TRAIN + SHIPPED_VALIDATION)));
    test = decodeSubset(gunzipSync(subsetFile("test", SHIPPED_TEST)));
  });

  it("learns (well above chance), reports progress and leaks no tensors", async () => {
    const before = tf.memory().numTensors;
    let calls = 0;
    const run = await trainInPage(tf, { layers: 1, units: 32, epochs: 2, trainSize: 1000, batchSize: 32, learningRate: 0.005 }, { train, test, onProgress: () => calls++ });
    assert.equal(tf.memory().numTensors, before, "no tensor left behind");
    assert.equal(run.status, "completed");
    assert.equal(run.history.length, 2);
    assert.ok(calls >= 2, "progress reported");
    assert.equal(run.params, 784 * 32 + 32 + 33 * 10);
    assert.ok(run.test.accuracy > 0.75, `test accuracy ${run.test.accuracy}`);
    assert.equal(run.test.count, SHIPPED_TEST);
    const total = run.test.confusion.reduce((s, r) => s + r.count, 0);
    const correct = run.test.confusion.filter((r) => r.actual === r.predicted).reduce((s, r) => s + r.count, 0);
    assert.equal(total, SHIPPED_TEST);
    assert.equal(correct / total, run.test.accuracy);
    const batchRows = run.rows.filter((r) => r.split === "train" && r.metric === "loss");
    assert.equal(batchRows.length, 2 * Math.ceil(1000 / 32), "a training point per batch");
    assert.ok(batchRows.at(-1)!.value < batchRows[0].value, "training loss falls");
    assert.equal(run.trainedImages, 2 * 1000, "every training image of both epochs counted once");
    assert.ok(run.trainSeconds > 0 && run.trainSeconds < run.seconds, `training ${run.trainSeconds} s of ${run.seconds} s (validation and set-up left out)`);
  });

  it("times a training step of the reader's model, leaving no tensor behind", async () => {
    const before = tf.memory().numTensors;
    const small = await measureStep(tf, { model: "mlp", units: 16, batchSize: 16 }, train);
    const large = await measureStep(tf, { model: "cnn", layers: 2, units: 16, batchSize: 64 }, train);
    assert.ok(small > 0 && Number.isFinite(small), `MLP step ${small} ms`);
    // Hundreds of times the arithmetic: the timing follows the work, whatever the machine's speed.
    assert.ok(large > small, `CNN step ${large} ms against the small MLP's ${small} ms`);
    assert.equal(tf.memory().numTensors, before, "no tensor left behind");
  });

  it("stops after the current batch when asked", async () => {
    let batches = 0;
    const before = tf.memory().numTensors;
    const run = await trainInPage(tf, { epochs: 20, trainSize: 2000, batchSize: 16 }, { train, test, onProgress: () => {}, shouldStop: () => ++batches >= 5 });
    assert.equal(run.status, "stopped");
    assert.ok(run.history.length <= 1, "the interrupted first epoch is the last (tfjs still validates it)");
    assert.ok(run.rows.filter((r) => r.split === "train" && r.metric === "loss").length <= 6);
    assert.equal(tf.memory().numTensors, before, "no tensor left behind");
  });
});
