// Tests for loaders/engine/kernels/: pooling, products, reductions, copies and batch norm match the cpu backend, leak nothing, and train a small CNN.
// The convolutions have their own file, kernels-conv.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { initTf } from "../loaders/engine/backend.ts";
import { wasmKernelOptions, wasmSimdActive } from "../loaders/engine/kernels/common.ts";
import { registerWasmTrainingKernels } from "../loaders/engine/kernels/index.ts";
import { simdModuleBytes } from "../loaders/engine/simd.ts";
import { rng, randomArray, between, valuesOn, relativeError, assertSameOnBothBackends, assertNoLeak } from "./helpers/kernels.ts";

await initTf("wasm");

test("Identity (tfjs's clone, run for every tensor a gradient keeps) shares the buffer: copies survive the original, a variable's assign and disposal", () => {
  const numBuffers = () => tf.engine().backend.numDataIds();
  const buffers = numBuffers();
  const a = tf.tensor1d([1, 2, 3]);
  const copy = a.clone();
  assert.equal(numBuffers(), buffers + 1, "a clone is one more tensor on the same buffer, not a second buffer");
  a.dispose();
  assert.deepEqual(Array.from(copy.dataSync()), [1, 2, 3], "the clone outlives its source");
  const v = tf.variable(copy);
  const kept = v.clone();
  const next = tf.tensor1d([7, 8, 9]);
  v.assign(next);
  assert.deepEqual(Array.from(kept.dataSync()), [1, 2, 3], "assigning a variable leaves earlier clones of it alone");
  assert.deepEqual(Array.from(v.dataSync()), [7, 8, 9]);
  copy.dispose();
  assert.deepEqual(Array.from(kept.dataSync()), [1, 2, 3]);
  tf.dispose([v, kept, next]);
  assert.equal(numBuffers(), buffers, "the buffers go with their last tensors");
  const text = tf.tensor1d(["a", "b"], "string");
  assert.deepEqual(text.clone().arraySync(), ["a", "b"], "strings still clone");
  text.dispose();
});

function poolGradFn(shape: [number, number, number, number], k: number, stride: number, pad: "same" | "valid", xv: Float32Array, seed: number) {
  return () => {
    const x = tf.tensor4d(xv, shape);
    const y = tf.maxPool(x, k, stride, pad);
    const weights = tf.tensor(randomArray(rng(seed), y.size), y.shape);
    return [tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, k, stride, pad).mul(weights).sum())(x)];
  };
}

const poolModes = [
  { label: "2x2 path in WebAssembly SIMD", fast: true, simd: true, seed: 77 },
  { label: "2x2 path in JavaScript", fast: true, simd: false, seed: 79 },
  { label: "general path only", fast: false, simd: false, seed: 78 },
];

for (const { label, fast, simd, seed } of poolModes) {
  test(`maxPool gradient (${label}) matches cpu exactly, ties included`, async () => {
    wasmKernelOptions.fastMaxPoolGrad = fast;
    wasmKernelOptions.simd = simd;
    try {
      const random = rng(seed);
      const configs: [number, number, "same" | "valid"][] = [
        [2, 2, "valid"],
        [2, 2, "same"],
        [3, 3, "valid"],
        [3, 2, "same"],
        [2, 1, "valid"],
        [3, 1, "same"],
      ];
      for (let i = 0; i < 18; i++) {
        const [k, stride, pad] = configs[i % configs.length];
        const shape: [number, number, number, number] = [between(random, 1, 4), between(random, 5, 14), between(random, 5, 14), between(random, 1, 8)];
        const size = shape.reduce((a, b) => a * b);
        // ReLU-like data (about half zeros: ties everywhere) and small integers (ties between
        // equal positive values too).
        for (const opts of [{ reluLike: true }, { integers: true, reluLike: true }]) {
          const xv = randomArray(random, size, opts);
          await assertSameOnBothBackends(`maxPool k${k} s${stride} ${pad} ${shape} ${JSON.stringify(opts)}`, poolGradFn(shape, k, stride, pad, xv, i), 1e-6);
        }
      }
    } finally {
      wasmKernelOptions.fastMaxPoolGrad = true;
      wasmKernelOptions.simd = true;
    }
  });
}

test("maxPool gradient handles all-zero, -Infinity and NaN windows like cpu (SIMD vectors and tails, JavaScript)", async () => {
  // 4 channels go through the SIMD kernel's vector loop, 5 through it and its scalar tail, 2 through the tail only.
  for (const channels of [2, 4, 5]) {
    const shape: [number, number, number, number] = [1, 4, 6, channels];
    const xv = new Float32Array(24 * channels); // all zeros: every window is a 4-way tie
    const at = (r: number, c: number, d: number) => (r * 6 + c) * channels + d;
    for (const [r, c] of [[0, 0], [0, 1], [1, 0], [1, 1]]) xv[at(r, c, 0)] = -Infinity; // window (0,0), channel 0: all -Infinity, no gradient on cpu
    xv[at(0, 2, 1)] = Number.NaN; // a NaN inside a window of zeros
    xv[at(1, 3, channels - 1)] = Number.NaN;
    xv[at(3, 4, 0)] = 3;
    xv[at(2, 5, channels - 1)] = -0; // -0 ties with +0: the first of the window still wins
    const cpu = await valuesOn("cpu", poolGradFn(shape, 2, 2, "valid", xv, 5));
    for (const simd of [true, false]) {
      wasmKernelOptions.simd = simd;
      try {
        const wasm = await valuesOn("wasm", poolGradFn(shape, 2, 2, "valid", xv, 5));
        assert.deepEqual(Array.from(wasm[0]), Array.from(cpu[0]), `${channels} channels, simd ${simd}`);
      } finally {
        wasmKernelOptions.simd = true;
      }
    }
  }
  await tf.setBackend("wasm");
});

test("the WebAssembly SIMD kernels assemble and bind to the wasm backend's memory", () => {
  assert.ok(WebAssembly.validate(simdModuleBytes(false)), "the module for an unshared memory is invalid");
  assert.ok(WebAssembly.validate(simdModuleBytes(true)), "the module for a shared (threaded) memory is invalid");
  assert.equal(tf.getBackend(), "wasm");
  assert.ok(wasmSimdActive(), "the SIMD kernels are not bound to the backend: the JavaScript paths would run");
});

test("maxPool gradient leaves no tensors or wasm buffers behind", () => {
  for (const [shape, k, s] of [
    [[2, 8, 8, 3], 2, 2],
    [[2, 9, 9, 3], 3, 2],
  ] as [[number, number, number, number], number, number][]) {
    const fn = poolGradFn(shape, k, s, "same", randomArray(rng(3), shape.reduce((a, b) => a * b), { reluLike: true }), 9);
    tf.dispose(tf.tidy(fn));
    assertNoLeak(`maxPool ${shape} k${k}`, () => tf.dispose(tf.tidy(fn)));
  }
});

test("matMul gradients (transposed BatchMatMul) match cpu, batched and rank-2", async () => {
  const random = rng(4242);
  for (let i = 0; i < 12; i++) {
    const batch = i % 3 === 0 ? [between(random, 2, 3)] : i % 3 === 1 ? [1] : [];
    const m = between(random, 1, 40);
    const k = between(random, 1, 40);
    const n = between(random, 1, 40);
    const ta = random() < 0.5;
    const tb = random() < 0.5;
    const aShape = [...batch, ...(ta ? [k, m] : [m, k])];
    const bShape = [...batch, ...(tb ? [n, k] : [k, n])];
    const av = randomArray(random, aShape.reduce((p, v) => p * v, 1));
    const bv = randomArray(random, bShape.reduce((p, v) => p * v, 1));
    await assertSameOnBothBackends(`matMul ${aShape} ${bShape} ta=${ta} tb=${tb}`, () => {
      const a = tf.tensor(av, aShape);
      const b = tf.tensor(bv, bShape);
      const prod = tf.matMul(a, b, ta, tb);
      const weights = tf.tensor(randomArray(rng(i), prod.size), prod.shape);
      const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, ta, tb).mul(weights).sum())([a, b]);
      return [prod, ...grads];
    });
  }
  const a = tf.randomNormal([7, 5]);
  const b = tf.randomNormal([6, 5]);
  tf.dispose(tf.matMul(a, b, false, true));
  assertNoLeak("matMul transposeB", () => tf.dispose(tf.matMul(a, b, false, true)));
  assertNoLeak("matMul transposeA", () => tf.dispose(tf.matMul(a, a, true, false)));
  tf.dispose([a, b]);
});

test("sum and mean over leading axes (bias gradients, batch-norm statistics) match cpu; other reductions unchanged", async () => {
  const random = rng(99);
  const xv = randomArray(random, 3 * 5 * 4 * 6);
  const shape = [3, 5, 4, 6];
  for (const [reduce, simd] of [[tf.sum, true], [tf.mean, true], [tf.sum, false], [tf.mean, false]] as const) {
    wasmKernelOptions.simd = simd;
    for (const [axis, keepDims] of [
      [[0, 1, 2], false],
      [[0, 1, 2], true],
      [0, false],
      [[1, 0], true],
      [[0, 2], false],
      [-1, false],
      [undefined, false],
    ] as [number | number[] | undefined, boolean][]) {
      await assertSameOnBothBackends(`${reduce.name} axis=${JSON.stringify(axis)} keepDims=${keepDims}`, () => {
        const s = reduce(tf.tensor(xv, shape), axis, keepDims);
        return [s, tf.tensor(s.shape)];
      }, 1e-6);
    }
    const x = tf.tensor(xv, shape);
    assertNoLeak(reduce.name, () => tf.dispose(reduce(x, [0, 1, 2])));
    x.dispose();
  }
  wasmKernelOptions.simd = true;
  // A batch-norm-sized case (odd rows and columns: the SIMD kernel's tails): the mean is the sum
  // divided by the count as on cpu, and the SIMD and JavaScript sums are the same bits.
  const big = randomArray(random, 63 * 9 * 9 * 5);
  const bigShape = [63, 9, 9, 5];
  const [cpuMean] = await valuesOn("cpu", () => [tf.mean(tf.tensor(big, bigShape), [0, 1, 2])]);
  const both = [];
  for (const simd of [true, false]) {
    wasmKernelOptions.simd = simd;
    both.push(await valuesOn("wasm", () => [tf.mean(tf.tensor(big, bigShape), [0, 1, 2]), tf.sum(tf.tensor(big, bigShape), [0, 1])]));
  }
  wasmKernelOptions.simd = true;
  await tf.setBackend("wasm");
  assert.ok(relativeError(both[0][0], cpuMean) < 1e-6, `mean: ${both[0][0]} vs ${cpuMean}`);
  for (let i = 0; i < 2; i++) assert.deepEqual(Array.from(both[0][i]), Array.from(both[1][i]), `output ${i}: SIMD and JavaScript differ`);
});

test("tile (batch norm's broadcast) matches cpu for every axis pattern, and the batch-norm gradient too", async () => {
  const random = rng(7);
  for (const [shape, reps] of [
    [[1, 1, 1, 6], [4, 5, 3, 1]],
    [[2, 3], [3, 2]],
    [[3, 1, 2], [1, 4, 1]],
    [[2, 2, 2, 2], [1, 1, 1, 1]],
    [[5], [7]],
    [[1, 3, 1, 2], [2, 1, 3, 2]],
    [[1, 1, 7], [9, 2, 1]], // the broadcast case, filled by doubling: 18 copies
    [[1, 2], [6, 1]],
  ] as [number[], number[]][]) {
    const xv = randomArray(random, shape.reduce((p, v) => p * v, 1));
    await assertSameOnBothBackends(`tile ${shape} x ${reps}`, () => [tf.tile(tf.tensor(xv, shape), reps)], 1e-9);
  }
  const xv = randomArray(random, 4 * 6 * 6 * 5);
  await assertSameOnBothBackends("batchNorm gradient", () => {
    const x = tf.tensor4d(xv, [4, 6, 6, 5]);
    const f = (t: tf.Tensor) => {
      const { mean, variance } = tf.moments(t, [0, 1, 2]);
      return tf.batchNorm(t, mean, variance, tf.zeros([5]), tf.ones([5]), 1e-3).square().sum();
    };
    return [tf.grad(f)(x)];
  });
  const x = tf.ones([1, 1, 1, 8]);
  assertNoLeak("tile", () => tf.dispose(tf.tile(x, [3, 4, 4, 1])));
  x.dispose();
});

test("row gathers (how fit takes a batch) match cpu, and other gathers still go to the stock kernel", async () => {
  const random = rng(11);
  for (const [shape, indices, axis] of [
    [[10, 3], [3, 0, 9, 3], 0],
    [[6, 2, 2], [[1, 2], [5, 0]], 0],
    [[7], [6, 6, 0], 0],
    [[4, 5], [2, 1], -2],
    [[4, 5], [4, 0, 1], 1], // another axis: the stock kernel
    [[3, 4], [], 0],
  ] as [number[], number[] | number[][], number][]) {
    const xv = randomArray(random, shape.reduce((p, v) => p * v, 1));
    await assertSameOnBothBackends(`gather ${shape} at ${JSON.stringify(indices)} on axis ${axis}`, () => [tf.gather(tf.tensor(xv, shape), tf.tensor(indices as number[], undefined, "int32"), axis)], 1e-12);
  }
  const ints = await valuesOn("wasm", () => [tf.gather(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], "int32"), tf.tensor1d([2, 0], "int32"))]);
  await tf.setBackend("wasm");
  assert.deepEqual(Array.from(ints[0]), [5, 6, 1, 2], "int32 rows");
  const x = tf.ones([8, 4]);
  const i = tf.tensor1d([7, 1, 1], "int32");
  assertNoLeak("gather", () => tf.dispose(tf.gather(x, i)));
  tf.dispose([x, i]);
});

test("contiguous slices (how fit and predict cut batches) match cpu, and strided ones still go to the stock kernel", async () => {
  const random = rng(13);
  for (const [shape, begin, size] of [
    [[10, 3], [4, 0], [3, 3]],
    [[6, 2, 2], [5, 0, 0], [1, -1, -1]],
    [[7], [2], [5]],
    [[4, 5], [1, 2], [1, 3]], // one row's middle: still contiguous
    [[4, 5], [0, 1], [4, 2]], // strided: the stock kernel
    [[3, 4], [3, 0], [0, 4]],
  ] as [number[], number[], number[]][]) {
    const xv = randomArray(random, shape.reduce((p, v) => p * v, 1));
    await assertSameOnBothBackends(`slice ${shape} from ${begin} size ${size}`, () => [tf.slice(tf.tensor(xv, shape), begin, size)], 1e-12);
  }
  const bools = await valuesOn("wasm", () => [tf.slice(tf.tensor1d([1, 0, 1, 1], "bool"), [1], [2])]);
  await tf.setBackend("wasm");
  assert.deepEqual(Array.from(bools[0]), [0, 1], "bool");
  const x = tf.ones([8, 4]);
  assertNoLeak("slice", () => tf.dispose(tf.slice(x, [2, 0], [3, 4])));
  x.dispose();
});

test("batch norm with per-channel statistics (SIMD) agrees with the stock kernel to rounding and matches cpu, with and without offset and scale", async () => {
  const random = rng(31);
  for (const shape of [[3, 5, 4, 6], [2, 7, 3], [9, 4], [4, 3, 3, 13]]) {
    const c = shape.at(-1)!;
    const xv = randomArray(random, shape.reduce((p, d) => p * d, 1));
    const stats = [randomArray(random, c), randomArray(random, c).map(Math.abs), randomArray(random, c), randomArray(random, c)];
    for (const withAffine of [true, false]) {
      const fn = () => {
        const [mean, variance, offset, scale] = stats.map((v) => tf.tensor1d(v));
        return [tf.batchNorm(tf.tensor(xv, shape), mean, variance, withAffine ? offset : undefined, withAffine ? scale : undefined, 1e-3)];
      };
      const label = `batchNorm ${shape} ${withAffine ? "with" : "without"} offset and scale`;
      await assertSameOnBothBackends(label, fn, 1e-5);
      const [simd] = await valuesOn("wasm", fn);
      wasmKernelOptions.simd = false; // the stock kernel
      try {
        const [stock] = await valuesOn("wasm", fn);
        // Single-precision rounding of the same formula: within a few units in the last place.
        for (let i = 0; i < simd.length; i++) {
          assert.ok(Math.abs(simd[i] - stock[i]) <= 4e-7 * Math.max(1, Math.abs(stock[i])), `${label}: element ${i}: SIMD ${simd[i]}, stock ${stock[i]}`);
        }
      } finally {
        wasmKernelOptions.simd = true;
      }
      await tf.setBackend("wasm");
      assertNoLeak(label, () => tf.dispose(tf.tidy(fn)));
    }
  }
});

test("registerWasmTrainingKernels is idempotent", async () => {
  const before = tf.getKernel("Conv2DBackpropFilter", "wasm")?.kernelFunc;
  registerWasmTrainingKernels();
  registerWasmTrainingKernels();
  assert.equal(tf.getKernel("Conv2DBackpropFilter", "wasm")?.kernelFunc, before);
  await assertSameOnBothBackends("after re-registration", () => {
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    return [tf.grad((x: tf.Tensor) => tf.matMul(x as tf.Tensor2D, x as tf.Tensor2D, false, true).sum())(a)];
  });
});

function tinyCnn(seed: number) {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: "same", activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: "valid", activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }),
    ],
  });
}

/** 8x8 images whose label is the brightest of three horizontal bands. */
function bandData(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  const random = rng(seed);
  const x = new Float32Array(n * 64);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const label = Math.floor(random() * 3);
    y[i] = label;
    for (let r = 0; r < 8; r++) {
      const band = Math.min(2, Math.floor(r / 3));
      for (let c = 0; c < 8; c++) x[i * 64 + r * 8 + c] = random() * 0.3 + (band === label ? 0.7 : 0);
    }
  }
  return { x, y };
}

test("a small CNN trains on wasm with trainOnBatch: loss falls, nothing leaks", async () => {
  await tf.setBackend("wasm");
  const { x: xv, y: yv } = bandData(32, 5);
  const xs = tf.tensor4d(xv, [32, 8, 8, 1]);
  const ys = tf.tensor2d(yv, [32, 1]);
  const model = tinyCnn(1);
  model.compile({ optimizer: tf.train.adam(0.02), loss: "sparseCategoricalCrossentropy" });
  const losses: number[] = [];
  losses.push((await model.trainOnBatch(xs, ys)) as number); // creates the optimizer's state
  const tensors = tf.memory().numTensors;
  const buffers = tf.engine().backend.numDataIds();
  for (let i = 0; i < 24; i++) losses.push((await model.trainOnBatch(xs, ys)) as number);
  assert.equal(tf.memory().numTensors, tensors, "tensors leaked during training");
  assert.equal(tf.engine().backend.numDataIds(), buffers, "wasm buffers leaked during training");
  assert.ok(losses.every(Number.isFinite), `non-finite loss: ${losses}`);
  const head = (losses[0] + losses[1] + losses[2]) / 3;
  const tail = (losses.at(-1)! + losses.at(-2)! + losses.at(-3)!) / 3;
  assert.ok(tail < head * 0.7, `loss did not fall: ${losses.map((l) => l.toFixed(3)).join(" ")}`);
  model.dispose();
  tf.dispose([xs, ys]);
});

test("one SGD step of the small CNN gives the same weights on wasm and cpu", async () => {
  const { x: xv, y: yv } = bandData(8, 11);
  await assertSameOnBothBackends("trained weights", () => {
    const model = tinyCnn(3);
    const xs = tf.tensor4d(xv, [8, 8, 8, 1]);
    const labels = tf.oneHot(tf.tensor1d(yv, "int32"), 3);
    const f = () => {
      const probs = model.apply(xs, { training: true }) as tf.Tensor;
      return tf.neg(tf.mean(tf.sum(labels.mul(tf.log(probs.add(1e-7))), -1))) as tf.Scalar;
    };
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(f, vars);
    const out = vars.map((v) => v.sub(grads[v.name].mul(0.5)));
    tf.dispose(Object.values(grads));
    model.dispose();
    return out;
  });
});

test("initTf writes nothing to stdout", () => {
  const backendModule = fileURLToPath(new URL("../loaders/engine/backend.ts", import.meta.url));
  const script = `
    const { initTf } = await import(${JSON.stringify(backendModule)});
    for (const b of ["cpu", "wasm", "cpu", "wasm"]) {
      const tf = await initTf(b);
      tf.tidy(() => tf.conv2d(tf.ones([1, 4, 4, 1]), tf.ones([3, 3, 1, 2]), 1, "same").sum().dataSync());
    }
    console.error("done");
  `;
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stderr, /done/);
  assert.equal(child.stdout, "");
});
