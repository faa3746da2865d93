// Nadam: the first step worked out by hand, the tfjs optimizer against the plain-array definition over
// several steps on the cpu and wasm backends, use inside model.fit, and no tensor leaks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { initTf } from "../loaders/engine/backend.ts";
import { momentumAt, nadam, nadamReference } from "../loaders/engine/nadam.ts";

describe("Nadam", () => {
  it("first step matches a hand computation", () => {
    // t = 1, g = 0.5, theta = 1, lr = 0.1, beta1 0.9, beta2 0.999, eps 1e-7.
    const mu1 = 0.9 * (1 - 0.5 * Math.pow(0.96, 0.004));
    const mu2 = 0.9 * (1 - 0.5 * Math.pow(0.96, 0.008));
    assert.ok(Math.abs(momentumAt(0.9, 1) - mu1) < 1e-15);
    const m = 0.1 * 0.5; // (1 - beta1) g
    const v = 0.001 * 0.25; // (1 - beta2) g^2
    const mHat = (mu2 * m) / (1 - mu1 * mu2) + ((1 - mu1) * 0.5) / (1 - mu1);
    const vHat = v / (1 - 0.999);
    const expected = 1 - (0.1 * mHat) / (Math.sqrt(vHat) + 1e-7);
    const [[theta]] = nadamReference([1], [[0.5]], { learningRate: 0.1 });
    assert.ok(Math.abs(theta - expected) < 1e-12, `${theta} vs ${expected}`);
    // The first step of Nadam moves by about lr (like Adam), in the direction against the gradient.
    assert.ok(theta < 1 && 1 - theta > 0.05 && 1 - theta < 0.15);
  });

  for (const backend of ["cpu", "wasm"] as const) {
    it(`matches the definition over 5 steps on the ${backend} backend, no leaks`, async () => {
      await initTf(backend);
      const initial = [0.3, -1.2, 2.0, 0.0];
      const gradients = [
        [0.1, -0.4, 1.5, 0.0],
        [0.2, 0.3, -0.7, 0.05],
        [-0.5, 0.1, 0.9, -0.2],
        [0.05, -0.05, 0.3, 0.4],
        [1.0, 0.8, -1.1, 0.01]
      ];
      const expected = nadamReference(initial, gradients, { learningRate: 0.01 });
      const before = tf.memory().numTensors;
      const start = tf.tensor1d(initial);
      const variable = tf.variable(start, true, `nadam-test-${backend}`);
      start.dispose();
      const optimizer = nadam(tf, { learningRate: 0.01 });
      gradients.forEach((g, step) => {
        const grad = tf.tensor1d(g);
        optimizer.applyGradients({ [variable.name]: grad });
        grad.dispose();
        const got = Array.from(variable.dataSync());
        got.forEach((x, i) => assert.ok(Math.abs(x - expected[step][i]) < 1e-5, `step ${step + 1}, element ${i}: ${x} vs ${expected[step][i]}`));
      });
      assert.equal(optimizer.iterations, 5);
      optimizer.dispose();
      variable.dispose();
      assert.equal(tf.memory().numTensors, before);
    });
  }

  it("trains a small model with model.fit and lowers its loss", async () => {
    await initTf("cpu");
    const before = tf.memory().numTensors;
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [2], units: 1, kernelInitializer: tf.initializers.zeros() })]
    });
    model.compile({ optimizer: nadam(tf, { learningRate: 0.05 }), loss: "meanSquaredError" });
    // y = 2 a - b
    const xs = tf.tensor2d([[1, 0], [0, 1], [1, 1], [2, 1], [0.5, -1], [-1, 2]]);
    const ys = tf.tensor2d([[2], [-1], [1], [3], [2], [-4]]);
    const history = await model.fit(xs, ys, { epochs: 60, batchSize: 6, verbose: 0, shuffle: false });
    const losses = history.history.loss as number[];
    assert.ok(losses.at(-1)! < losses[0] / 10, `loss ${losses[0]} -> ${losses.at(-1)}`);
    xs.dispose();
    ys.dispose();
    model.optimizer.dispose();
    model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
