// Tests for the convolution kernels of loaders/engine/kernels/: forward, fused and both gradients match the cpu backend
// under every filter-gradient strategy, and leak nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initTf } from "../loaders/engine/backend.ts";
import { wasmKernelOptions } from "../loaders/engine/kernels/common.ts";
import type { FilterGradStrategy } from "../loaders/engine/kernels/convFilter.ts";
import { conv2dForward, fusedConv2dForward } from "../loaders/engine/kernels/convForward.ts";
import { convGemmModuleBytes, hasRelaxedSimd } from "../loaders/engine/convGemm.ts";
import { rng, randomArray, pick, between, assertSameOnBothBackends, assertNoLeak } from "./helpers/kernels.ts";

await initTf("wasm");

interface ConvCase {
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  stride: number | [number, number];
  pad: "same" | "valid" | number | [[number, number], [number, number], [number, number], [number, number]];
}

function randomConvCase(random: () => number): ConvCase {
  const k = pick(random, [1, 3, 5]);
  const h = between(random, 5, 14);
  const w = between(random, 5, 14);
  return {
    xShape: [between(random, 1, 4), h, w, between(random, 1, 8)],
    filterShape: [k, k, 0, between(random, 1, 8)],
    stride: pick(random, [1, 2]),
    pad: pick(random, ["same", "valid"] as const),
  };
}

function convGradFn(c: ConvCase, seed: number): () => tf.Tensor[] {
  const random = rng(seed);
  const filterShape: [number, number, number, number] = [c.filterShape[0], c.filterShape[1], c.xShape[3], c.filterShape[3]];
  const xv = randomArray(random, c.xShape.reduce((a, b) => a * b));
  const fv = randomArray(random, filterShape.reduce((a, b) => a * b));
  return () => {
    const x = tf.tensor4d(xv, c.xShape);
    const f = tf.tensor4d(fv, filterShape);
    const y = tf.conv2d(x, f, c.stride, c.pad as "same");
    // A non-uniform dy: weight the output by fixed values.
    const weights = tf.tensor(randomArray(rng(seed + 1), y.size), y.shape);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad as "same").mul(weights).sum());
    return grads([x, f]);
  };
}

const strategies: FilterGradStrategy[] = ["auto", "gemm", "im2colT", "inputAsFilter", "gradAsFilter"];

for (const strategy of strategies) {
  test(`conv2d gradients (filter strategy ${strategy}) match cpu on random shapes`, async () => {
    wasmKernelOptions.filterGrad = strategy;
    try {
      const random = rng(1000 + strategies.indexOf(strategy));
      for (let i = 0; i < 14; i++) {
        const c = randomConvCase(random);
        await assertSameOnBothBackends(`${strategy} ${JSON.stringify(c)}`, convGradFn(c, 17 * i + 3));
      }
    } finally {
      wasmKernelOptions.filterGrad = "auto";
    }
  });
}

test("conv2d gradients with numeric and explicit (asymmetric, larger than the kernel) padding match cpu", async () => {
  const cases: ConvCase[] = [
    { xShape: [2, 9, 8, 3], filterShape: [3, 3, 0, 4], stride: 1, pad: 1 },
    { xShape: [2, 9, 8, 3], filterShape: [3, 3, 0, 4], stride: 2, pad: 2 },
    { xShape: [1, 7, 9, 2], filterShape: [3, 3, 0, 5], stride: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
    { xShape: [2, 6, 6, 3], filterShape: [3, 3, 0, 2], stride: 1, pad: [[0, 0], [4, 0], [0, 5], [0, 0]] },
    { xShape: [2, 10, 7, 2], filterShape: [5, 3, 0, 3], stride: 2, pad: [[0, 0], [0, 3], [1, 1], [0, 0]] },
    { xShape: [3, 8, 8, 4], filterShape: [1, 1, 0, 6], stride: 2, pad: "same" },
  ];
  for (const strategy of strategies) {
    wasmKernelOptions.filterGrad = strategy;
    try {
      for (const [i, c] of cases.entries()) await assertSameOnBothBackends(`${strategy} ${JSON.stringify(c)}`, convGradFn(c, 500 + i));
    } finally {
      wasmKernelOptions.filterGrad = "auto";
    }
  }
});

test("Conv2D on our matrix-product kernel, fused and not, matches cpu with its gradients, any stride, dilation and padding", async () => {
  assert.ok(WebAssembly.validate(convGemmModuleBytes(false)), "the unfused module validates");
  assert.ok(hasRelaxedSimd(), "initTf turned relaxed SIMD on, so the fused module validates");
  const random = rng(4242);
  const cases: (ConvCase & { dilation: number })[] = [
    { xShape: [3, 14, 14, 32], filterShape: [3, 3, 0, 64], stride: 1, pad: "same", dilation: 1 }, // the report's second layer
    { xShape: [2, 28, 28, 1], filterShape: [3, 3, 0, 32], stride: 1, pad: "same", dilation: 1 }, // its first
    { xShape: [2, 9, 8, 3], filterShape: [3, 3, 0, 8], stride: 2, pad: "valid", dilation: 1 },
    { xShape: [1, 11, 9, 5], filterShape: [3, 2, 0, 16], stride: [2, 1], pad: [[0, 0], [1, 2], [2, 0], [0, 0]], dilation: 1 },
    { xShape: [2, 12, 12, 2], filterShape: [3, 3, 0, 8], stride: 1, pad: "same", dilation: 2 },
    { xShape: [1, 5, 7, 3], filterShape: [1, 1, 0, 24], stride: 1, pad: "valid", dilation: 1 }, // 35 pixels: eight groups of four and a tail of three
  ];
  for (let i = 0; i < 6; i++) {
    const k = pick(random, [1, 3, 5]);
    cases.push({ xShape: [between(random, 1, 3), between(random, 5, 13), between(random, 5, 13), between(random, 1, 9)], filterShape: [k, k, 0, 8 * between(random, 1, 3)], stride: pick(random, [1, 2]), pad: pick(random, ["same", "valid"] as const), dilation: 1 });
  }
  for (const fused of [true, false]) {
    wasmKernelOptions.fusedMultiplyAdd = fused;
    wasmKernelOptions.convGemm = true;
    try {
      for (const [i, c] of cases.entries()) {
        const label = `fused ${fused} ${JSON.stringify(c)}`;
        const values = () => {
          const r = rng(700 + i);
          const x = tf.tensor4d(randomArray(r, c.xShape.reduce((a, b) => a * b)), c.xShape);
          const f = tf.tensor4d(randomArray(r, c.filterShape[0] * c.filterShape[1] * c.xShape[3] * c.filterShape[3]), [c.filterShape[0], c.filterShape[1], c.xShape[3], c.filterShape[3]]);
          return [tf.conv2d(x, f, c.stride, c.pad as "same", "NHWC", c.dilation)];
        };
        await assertSameOnBothBackends(label, values);
        if (c.dilation === 1) {
          // The filter gradient sums over tiles of pixels: one tile, and tiles of four or five pixels.
          for (const floats of [65536, 40]) {
            wasmKernelOptions.filterGradChunkFloats = floats;
            await assertSameOnBothBackends(`${label}, gradients, tiles of ${floats} floats of dy`, convGradFn(c, 800 + i));
          }
          wasmKernelOptions.filterGradChunkFloats = 65536;
        }
        tf.dispose(tf.tidy(values));
        assertNoLeak(label, () => tf.dispose(tf.tidy(values)));
      }
    } finally {
      wasmKernelOptions.fusedMultiplyAdd = true;
      wasmKernelOptions.convGemm = true;
    }
  }
});

test("FusedConv2D on our kernel (bias, ReLU, no activation) and on XNNPACK (others) matches cpu, gradients included", async () => {
  assert.equal(tf.getKernel("FusedConv2D", "wasm")?.kernelFunc, fusedConv2dForward, "ours is registered");
  assert.equal(tf.getKernel("Conv2D", "wasm")?.kernelFunc, conv2dForward);
  const x = randomArray(rng(31), 2 * 9 * 9 * 5);
  const w = randomArray(rng(32), 3 * 3 * 5 * 16);
  const b = randomArray(rng(33), 16);
  for (const activation of ["linear", "relu", "elu"] as const) {
    for (const withBias of [true, false]) {
      const label = `fused conv2d, ${activation}, ${withBias ? "with" : "without"} bias`;
      const fused = (xs: tf.Tensor, ws: tf.Tensor, bs?: tf.Tensor) =>
        tf.fused.conv2d({ x: xs as tf.Tensor4D, filter: ws as tf.Tensor4D, strides: 1, pad: "same", bias: bs, activation });
      const inputs = () => [tf.tensor4d(x, [2, 9, 9, 5]), tf.tensor4d(w, [3, 3, 5, 16]), tf.tensor1d(b)];
      // Outside a gradient tfjs always runs the FusedConv2D kernel; inside one, only for a linear activation.
      await assertSameOnBothBackends(label, () => {
        const [xs, ws, bs] = inputs();
        return [fused(xs, ws, withBias ? bs : undefined)];
      });
      await assertSameOnBothBackends(`${label}, gradients`, () => {
        const [xs, ws, bs] = inputs();
        const weights = tf.tensor(randomArray(rng(34), 2 * 9 * 9 * 16), [2, 9, 9, 16]);
        return withBias ? tf.grads((a, c, d) => fused(a, c, d).mul(weights).sum())([xs, ws, bs]) : tf.grads((a, c) => fused(a, c).mul(weights).sum())([xs, ws]);
      });
    }
  }
  const before = tf.memory().numTensors;
  tf.tidy(() => tf.fused.conv2d({ x: tf.tensor4d(x, [2, 9, 9, 5]), filter: tf.tensor4d(w, [3, 3, 5, 16]), strides: 1, pad: "same", bias: tf.tensor1d(b), activation: "relu" }).dataSync());
  assertNoLeak("fused conv2d", () => tf.tidy(() => { tf.fused.conv2d({ x: tf.tensor4d(x, [2, 9, 9, 5]), filter: tf.tensor4d(w, [3, 3, 5, 16]), strides: 1, pad: "same", bias: tf.tensor1d(b), activation: "relu" }).dataSync(); }));
  assert.equal(tf.memory().numTensors, before);
});

test("conv2d gradients leave no tensors or wasm buffers behind", () => {
  for (const strategy of strategies) {
    wasmKernelOptions.filterGrad = strategy;
    try {
      for (const c of [
        { xShape: [2, 9, 9, 3], filterShape: [3, 3, 0, 4], stride: 1, pad: "same" },
        { xShape: [2, 9, 8, 3], filterShape: [3, 3, 0, 4], stride: 2, pad: "valid" },
        { xShape: [1, 7, 9, 2], filterShape: [3, 3, 0, 5], stride: 1, pad: [[0, 0], [4, 0], [0, 5], [0, 0]] },
      ] as ConvCase[]) {
        const fn = convGradFn(c, 7);
        tf.dispose(tf.tidy(fn)); // warm-up (first-use allocations)
        assertNoLeak(`${strategy} ${JSON.stringify(c)}`, () => tf.dispose(tf.tidy(fn)));
      }
    } finally {
      wasmKernelOptions.filterGrad = "auto";
    }
  }
});

test("im2colT filter gradients summed over chunks of images (one, two, uneven, all), patch rows in SIMD and in JavaScript, match cpu and leave nothing behind", async () => {
  const cases: ConvCase[] = [
    { xShape: [5, 9, 9, 1], filterShape: [3, 3, 0, 4], stride: 1, pad: "same" },
    { xShape: [3, 8, 7, 2], filterShape: [3, 3, 0, 3], stride: 2, pad: "valid" },
    { xShape: [4, 7, 7, 3], filterShape: [1, 1, 0, 5], stride: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
    { xShape: [3, 9, 10, 2], filterShape: [3, 3, 0, 3], stride: [2, 1], pad: "same" }, // SIMD rows with a row stride of 2
    { xShape: [2, 6, 21, 1], filterShape: [3, 3, 0, 2], stride: 1, pad: "valid" }, // rows of 19 floats: four vectors and a tail
  ];
  const saved = wasmKernelOptions.filterGradChunkFloats;
  wasmKernelOptions.filterGrad = "im2colT";
  try {
    for (const [i, c] of cases.entries()) {
      const fn = convGradFn(c, 900 + i);
      const y = tf.tidy(() => tf.conv2d(tf.zeros(c.xShape) as tf.Tensor4D, tf.zeros([c.filterShape[0], c.filterShape[1], c.xShape[3], c.filterShape[3]]) as tf.Tensor4D, c.stride, c.pad as "same").shape);
      const perImage = y[1] * y[2] * y[3];
      // 1 float per chunk means one image at a time; then two images, an uneven split, and the whole batch.
      for (const floats of [1, 2 * perImage, 3 * perImage, 1e9]) {
        // Patch rows in WebAssembly SIMD (stride 1) and in JavaScript.
        for (const simd of [true, false]) {
          wasmKernelOptions.filterGradChunkFloats = floats;
          wasmKernelOptions.simd = simd;
          const label = `chunks of ${floats} floats, simd ${simd}, ${JSON.stringify(c)}`;
          await assertSameOnBothBackends(label, fn);
          tf.dispose(tf.tidy(fn));
          assertNoLeak(label, () => tf.dispose(tf.tidy(fn)));
        }
      }
    }
  } finally {
    wasmKernelOptions.filterGrad = "auto";
    wasmKernelOptions.filterGradChunkFloats = saved;
    wasmKernelOptions.simd = true;
  }
});
