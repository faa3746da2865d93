// Tests for loaders/engine/adam.ts: the fused Adam equals tf.train.adam bit for bit on wasm (SIMD and JavaScript kernels), falls back to it elsewhere, and leaks nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initTf } from "../loaders/engine/backend.ts";
import { FUSED_ADAM_KERNEL, fusedAdam } from "../loaders/engine/adam.ts";
import { wasmKernelOptions, wasmSimdActive } from "../loaders/engine/kernels/common.ts";
import { createRng } from "../loaders/data/random.ts";

await initTf("wasm");

function model(seed: number) {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: "same", activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 16, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
      tf.layers.dense({ units: 3, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }),
    ],
  });
}

function data(n: number, seed: number) {
  const random = createRng(seed);
  const x = Float32Array.from({ length: n * 64 }, () => random());
  const y = Float32Array.from({ length: n }, () => Math.floor(random() * 3));
  return { x, y };
}

/** Trains `steps` batches on `backend` with `optimizer()`; returns every weight and every optimizer slot afterwards. */
async function train(backend: "wasm" | "cpu", optimizer: () => tf.Optimizer, steps: number, learningRateAt?: (step: number) => number) {
  await tf.setBackend(backend);
  const { x, y } = data(24, 3);
  const xs = tf.tensor4d(x, [24, 8, 8, 1]);
  const ys = tf.tensor2d(y, [24, 1]);
  const m = model(11);
  const opt = optimizer();
  m.compile({ optimizer: opt, loss: "sparseCategoricalCrossentropy" });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    if (learningRateAt) (opt as unknown as { learningRate: number }).learningRate = learningRateAt(i);
    losses.push((await m.trainOnBatch(xs, ys)) as number);
  }
  const weights = m.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  const slots = (await opt.getWeights()).map((w) => w.tensor.dataSync().slice() as Float32Array);
  tf.dispose([xs, ys]);
  m.dispose();
  opt.dispose();
  return { weights, slots, losses };
}

function assertIdentical(label: string, a: Float32Array[], b: Float32Array[]) {
  assert.equal(a.length, b.length, `${label}: different number of tensors`);
  for (let i = 0; i < a.length; i++) {
    assert.equal(a[i].length, b[i].length);
    for (let j = 0; j < a[i].length; j++) {
      if (!Object.is(a[i][j], b[i][j])) assert.fail(`${label}: tensor ${i} element ${j}: ${a[i][j]} vs ${b[i][j]}`);
    }
  }
}

for (const simd of [true, false]) {
  test(`the fused Adam (${simd ? "WebAssembly SIMD" : "JavaScript"}) gives tf.train.adam's weights and moments bit for bit on wasm, learning-rate changes included`, async () => {
    const schedule = (step: number) => (step < 6 ? 0.01 : 0.003);
    const stock = await train("wasm", () => tf.train.adam(0.01), 12, schedule);
    wasmKernelOptions.simd = simd;
    try {
      assert.equal(wasmSimdActive(), simd);
      const fused = await train("wasm", () => fusedAdam(tf, 0.01), 12, schedule);
      assertIdentical("weights", fused.weights, stock.weights);
      assertIdentical("optimizer slots (iterations, m, v)", fused.slots, stock.slots);
      assert.deepEqual(fused.losses, stock.losses);
      assert.ok(fused.losses.at(-1)! < fused.losses[0], `loss did not fall: ${fused.losses}`);
    } finally {
      wasmKernelOptions.simd = true;
    }
  });
}

test("on wasm the fused Adam runs one kernel per variable instead of tfjs' element-wise chain", async () => {
  await tf.setBackend("wasm");
  const x = tf.variable(tf.tensor1d([1, -2, 3]));
  const opt = fusedAdam(tf, 0.1);
  const profile = await tf.profile(() => {
    opt.minimize(() => x.square().sum());
  });
  const names = profile.kernels.map((k) => k.name);
  assert.equal(names.filter((n) => n === FUSED_ADAM_KERNEL).length, 1, `kernels: ${names}`);
  for (const stockOp of ["Sqrt", "RealDiv"]) assert.ok(!names.includes(stockOp), `${stockOp} ran: ${names}`);
  tf.dispose([x]);
  opt.dispose();
});

test("on cpu (no fused kernel) the fused Adam is tfjs' Adam exactly", async () => {
  const stock = await train("cpu", () => tf.train.adam(0.02), 5);
  const fused = await train("cpu", () => fusedAdam(tf, 0.02), 5);
  assertIdentical("cpu weights", fused.weights, stock.weights);
  await tf.setBackend("wasm");
});

test("the fused Adam leaks no tensors or wasm buffers once its moments exist", async () => {
  await tf.setBackend("wasm");
  const { x, y } = data(8, 4);
  const xs = tf.tensor4d(x, [8, 8, 8, 1]);
  const ys = tf.tensor2d(y, [8, 1]);
  const m = model(2);
  m.compile({ optimizer: fusedAdam(tf, 0.01), loss: "sparseCategoricalCrossentropy" });
  await m.trainOnBatch(xs, ys);
  const tensors = tf.memory().numTensors;
  const buffers = tf.engine().backend.numDataIds();
  for (let i = 0; i < 5; i++) await m.trainOnBatch(xs, ys);
  assert.equal(tf.memory().numTensors, tensors, "tensors leaked");
  assert.equal(tf.engine().backend.numDataIds(), buffers, "wasm buffers leaked");
  m.optimizer.dispose();
  m.dispose();
  tf.dispose([xs, ys]);
});

test("the fused kernel rejects a moment of the wrong shape, naming it", async () => {
  await tf.setBackend("wasm");
  const value = tf.zeros([2, 3]);
  const wrong = tf.zeros([3, 2]);
  assert.throws(
    () => tf.engine().runKernel(FUSED_ADAM_KERNEL, { value, m: value, v: wrong, gradient: value }, { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, oneMinusAccBeta1: 0.1, oneMinusAccBeta2: 0.001 }),
    /v shape \[3,2\] differs from the variable's \[2,3\]/,
  );
  tf.dispose([value, wrong]);
});
