// Child process for test/wasmThreads.test.ts: starts the wasm backend with the XNNPACK pool size
// given as argv[2], runs a few Adam steps of a small CNN (batch norm included) on fixed data, and
// prints the thread count, the losses and the final weights as one JSON line. It must exit on its
// own (no process.exit): pthreads that kept it alive would make the test time out.
import { initTf } from "../../loaders/engine/backend.ts";
import { buildModel } from "../../loaders/training/models.ts";
import { createRng } from "../../loaders/data/random.ts";
import * as wasm from "@tensorflow/tfjs-backend-wasm";

const threads = Number(process.argv[2]);
const tf = await initTf("wasm", { threads });
const model = buildModel(
  tf,
  {
    layers: [
      { type: "conv2d", filters: 16, kernelSize: 3, strides: 1, padding: "same", activation: "relu" },
      { type: "batchNorm" },
      { type: "maxPool", poolSize: 2 },
      { type: "conv2d", filters: 32, kernelSize: 3, strides: 2, padding: "same", activation: "relu" },
      { type: "flatten" },
      { type: "dense", units: 64, activation: "relu" }
    ],
    optimizer: { name: "adam", learningRate: 0.003 },
    seed: 3
  } as never,
  10
);
const rng = createRng(11);
const n = 64;
const x = tf.tensor4d(Float32Array.from({ length: n * 784 }, () => rng()), [n, 28, 28, 1]);
const y = tf.tensor2d(Float32Array.from({ length: n }, () => Math.floor(rng() * 10)), [n, 1]);
const losses: number[] = [];
for (let step = 0; step < 3; step++) losses.push(((await model.trainOnBatch(x, y)) as number[])[0]);
const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
process.stdout.write(JSON.stringify({ threads: wasm.getThreadsCount(), backend: tf.getBackend(), losses, weights }) + "\n");
