// Model builders: output shapes and parameter counts against hand-computed values, and no tensor leaks.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { buildModel, classCount, describeLayers, outputWidth } from "../loaders/training/models.ts";
import { readDeclarations } from "../loaders/spec/schema.ts";
import { DECLARATIONS_DIR } from "../loaders/config.ts";

// Parameter counts worked out by hand: weights (in x out) + biases per layer.
const EXPECTED_PARAMS: Record<string, number> = {
  "baseline-mlp": 784 * 128 + 128 + 128 * 10 + 10, // 101,770
  "mlp-256-128": 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10, // 235,146
  "mlp-512-512-dropout": 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10, // 669,706
  // conv 3x3x1x32+32, conv 3x3x32x64+64, dense (7*7*64)x128+128, dense 128x10+10
  "cnn-basic": 320 + 18496 + 3136 * 128 + 128 + 1290 // 421,642
};

describe("model builders", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });
  const { experiments } = readDeclarations(DECLARATIONS_DIR);

  for (const experiment of experiments) {
    const classes = classCount(experiment);
    const sigmoid = experiment.output === "sigmoid";
    const width = sigmoid ? 1 : classes;
    it(`${experiment.id}: [n, 28, 28, 1] in, [n, ${width}] ${sigmoid ? "sigmoid probability" : "softmax probabilities"} out, no leaks`, () => {
      const before = tf.memory().numTensors;
      const model = buildModel(tf, experiment);
      if (EXPECTED_PARAMS[experiment.id]) assert.equal(model.countParams(), EXPECTED_PARAMS[experiment.id]);
      const out = tf.tidy(() => {
        const y = model.predict(tf.randomNormal([3, 28, 28, 1], 0, 1, "float32", 1)) as tf.Tensor;
        assert.deepEqual(y.shape, [3, width]);
        return sigmoid ? y.reshape([3]) : y.sum(1);
      });
      for (const s of out.dataSync()) {
        if (sigmoid) assert.ok(s > 0 && s < 1, `a sigmoid output lies in (0, 1), got ${s}`);
        else assert.ok(Math.abs(s - 1) < 1e-5, "softmax rows sum to 1");
      }
      out.dispose();
      model.optimizer.dispose();
      model.dispose();
      assert.equal(tf.memory().numTensors, before);
    });
  }

  it("the same seed gives the same initial weights, another seed different ones", () => {
    const spec = experiments.find((e) => e.id === "baseline-mlp")!;
    const a = buildModel(tf, spec), b = buildModel(tf, spec), c = buildModel(tf, { ...spec, seed: spec.seed + 1 });
    const first = (m: tf.LayersModel) => m.getWeights()[0].dataSync().slice(0, 20);
    assert.deepEqual(first(a), first(b));
    assert.notDeepEqual(first(a), first(c));
    [a, b, c].forEach((m) => m.dispose());
  });

  it("describes architectures in the report's notation", () => {
    const spec = experiments.find((e) => e.id === "cnn-basic")!;
    assert.equal(describeLayers(spec.layers), "conv32-pool-conv64-pool-128-10");
    assert.equal(describeLayers([{ type: "dense", units: 128, activation: "relu" }]), "784-128-10");
    assert.equal(describeLayers([{ type: "dense", units: 64, activation: "relu" }], outputWidth({ classes: [5, 8], output: "sigmoid" })), "784-64-1");
    assert.equal(outputWidth({ classes: [1, 2, 3] }), 3);
  });
});
