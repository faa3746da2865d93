// Benchmark: training throughput (samples/s) of the report's CNN and MLP on the tfjs wasm backend with loaders/engine/kernels/.
import { parseArgs } from "node:util";
import * as tfjs from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { fusedAdam } from "../loaders/engine/adam.ts";
import { initTf } from "../loaders/engine/backend.ts";
import { wasmKernelOptions } from "../loaders/engine/kernels/common.ts";
import { buildModel } from "../loaders/training/models.ts";
import { DataParallel, type ReplicaModelSpec } from "../loaders/training/parallel.ts";
import { BATCH_POOL, realBatches } from "./batches.ts";

/*
 * Run with `npx tsx bench/kernels.ts` (options: --batches 10 --warmup 3 --batch-size 128
 * --backend wasm|cpu --model cnn|mlp|all|strong (strong: the batch-norm CNN of cnn-strong, not in all), --threads N for an XNNPACK pool of N threads, --profile to print
 * one step's time per kernel, --stock to run the wasm backend without
 * loaders/engine/kernels/ for comparison, and --replicas N to train each model data-parallel over N
 * replicas with loaders/training/parallel.ts: this thread and N - 1 worker threads, --conv-gemm
 * on|off|unfused: convolutions on loaders/engine/convGemm.ts (the default), on XNNPACK, or on ours
 * without the fused multiply-add). Trains on real MNIST batches (bench/batches.ts, the images PyTorch's side trains on) with Adam and
 * prints samples per second to stderr (stdout stays empty unless --json, which writes one JSON line
 * per model for bench/run.ts).
 */

const { values } = parseArgs({
  options: {
    batches: { type: "string", default: "10" },
    warmup: { type: "string", default: "3" },
    "batch-size": { type: "string", default: "128" },
    backend: { type: "string", default: "wasm" },
    model: { type: "string", default: "all" },
    stock: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    replicas: { type: "string", default: "1" },
    threads: { type: "string", default: "1" },
    profile: { type: "boolean", default: false },
    "conv-gemm": { type: "string", default: "on" },
  },
});
const batches = Number(values.batches);
const warmup = Number(values.warmup);
const batchSize = Number(values["batch-size"]);
const backend = values.backend === "cpu" ? "cpu" : "wasm";
const replicas = Number(values.replicas);
const convGemm = values["conv-gemm"];
if (!["on", "off", "unfused"].includes(convGemm)) throw new Error(`--conv-gemm ${convGemm}: expected on, off or unfused`);
wasmKernelOptions.convGemm = convGemm !== "off";
wasmKernelOptions.fusedMultiplyAdd = convGemm !== "unfused";

let tf: typeof tfjs;
if (values.stock) {
  // The wasm backend exactly as shipped (no training kernels registered).
  tf = tfjs;
  await tf.setBackend(backend);
  await tf.ready();
} else {
  tf = await initTf(backend, { threads: Number(values.threads) });
}
type Tf = typeof tf;

function cnn(tf: Tf) {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, padding: "same", activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: "same", activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: "relu" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
}

function mlp(tf: Tf) {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 128, activation: "relu" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
}

/** The same two models as declarations for loaders/training/models.ts, which data-parallel replicas build from. */
const SPECS: Record<string, ReplicaModelSpec> = {
  cnn: {
    layers: [
      { type: "conv2d", filters: 32, kernelSize: 3, strides: 1, padding: "same", activation: "relu" },
      { type: "maxPool", poolSize: 2 },
      { type: "conv2d", filters: 64, kernelSize: 3, strides: 1, padding: "same", activation: "relu" },
      { type: "maxPool", poolSize: 2 },
      { type: "flatten" },
      { type: "dense", units: 128, activation: "relu" },
    ],
    optimizer: { name: "adam", learningRate: 1e-3 },
    seed: 1,
  },
  mlp: { layers: [{ type: "dense", units: 128, activation: "relu" }], optimizer: { name: "adam", learningRate: 1e-3 }, seed: 1 },
  // The report's heaviest model (cnn-strong in data/experiments/models.json): two 3x3 blocks with batch norm.
  strong: {
    layers: [
      ...[32, 32].flatMap((filters) => [
        { type: "conv2d", filters, kernelSize: 3, strides: 1, padding: "valid", activation: "linear" },
        { type: "batchNorm" },
        { type: "activation", activation: "relu" },
      ]),
      { type: "maxPool", poolSize: 2 },
      ...[64, 64].flatMap((filters) => [
        { type: "conv2d", filters, kernelSize: 3, strides: 1, padding: "valid", activation: "linear" },
        { type: "batchNorm" },
        { type: "activation", activation: "relu" },
      ]),
      { type: "maxPool", poolSize: 2 },
      { type: "flatten" },
      { type: "dense", units: 128, activation: "relu" },
    ],
    optimizer: { name: "adam", learningRate: 1e-3 },
    seed: 1,
  } as ReplicaModelSpec,
};

async function bench(name: string, build: (tf: Tf) => ReturnType<Tf["sequential"]>, spec: ReplicaModelSpec): Promise<number> {
  const parallel = replicas > 1;
  const model = parallel ? buildModel(tf, spec as never, 10) : build(tf);
  // Ours trains with the trainer's Adam (loaders/engine/adam.ts: one fused kernel per variable on wasm); --stock with tfjs' own.
  if (!parallel) model.compile({ optimizer: values.stock ? tf.train.adam(1e-3) : fusedAdam(tf, 1e-3), loss: "sparseCategoricalCrossentropy" });
  const pool = BATCH_POOL;
  const data = realBatches(batchSize, pool);
  const xs = Array.from({ length: pool }, (_, i) => tf.tensor4d(data.pixels.subarray(i * batchSize * 784, (i + 1) * batchSize * 784), [batchSize, 28, 28, 1]));
  const ys = Array.from({ length: pool }, (_, i) => tf.tensor2d(Float32Array.from(data.labels.subarray(i * batchSize, (i + 1) * batchSize)), [batchSize, 1]));
  const dp = parallel ? await DataParallel.start(tf, model, spec, { replicas, batchSize, numClasses: 10, backend }) : null;
  const xArrays = dp ? xs.map((x) => x.dataSync() as Float32Array) : [];
  const yArrays = dp ? ys.map((y) => y.dataSync() as Float32Array) : [];
  const step = async (i: number) => {
    const loss = dp ? (await dp.trainOnBatch(xArrays[i % pool], yArrays[i % pool], batchSize))[0] : await model.trainOnBatch(xs[i % pool], ys[i % pool]);
    if (!Number.isFinite(loss as number)) throw new Error(`${name}: loss is not finite`);
  };
  for (let i = 0; i < warmup; i++) await step(i);
  if (values.profile && !dp) await profileStep(name, () => step(0));
  if (dp) for (const k of Object.keys(dp.timing) as (keyof DataParallel["timing"])[]) dp.timing[k] = 0;
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  for (let i = 0; i < batches; i++) await step(i);
  const seconds = (performance.now() - t0) / 1000;
  const leaked = tf.memory().numTensors - before;
  const rate = (batches * batchSize) / seconds;
  if (dp) {
    const t = dp.timing;
    const ms = (x: number) => `${((x * 1000) / t.steps).toFixed(1)} ms`;
    console.error(
      `${name}, per data-parallel step: own part's gradients ${ms(t.ownGradients)}, the slowest other replica's ${ms(t.replicaGradients)}, ` +
        `waiting for them ${ms(t.waiting)}, averaging ${ms(t.averaging)}, applying ${ms(t.applying)}, in all ${ms(t.total)}`,
    );
  }
  await dp?.close();
  console.error(
    `${name} (${tf.getBackend()}${values.stock ? ", stock" : ""}${parallel ? `, ${replicas} replicas` : ""}, batch ${batchSize}, ${batches} batches): ${rate.toFixed(0)} samples/s, ` +
      `${((seconds * 1000) / batches).toFixed(1)} ms/batch${leaked !== 0 ? `, ${leaked} tensors leaked` : ""}`,
  );
  tf.dispose([...xs, ...ys]);
  model.dispose();
  if (values.json) {
    process.stdout.write(
      JSON.stringify({ model: name, backend: tf.getBackend(), stock: values.stock, replicas, batchSize, batches, samplesPerSecond: rate }) + "\n",
    );
  }
  return rate;
}

/** Prints where one training step's time goes, kernel by kernel (tf.profile), to stderr. */
async function profileStep(name: string, step: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  const info = await tf.profile(step);
  const wall = performance.now() - t0;
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += Number(k.kernelTimeMs);
    entry.calls += 1;
    byKernel.set(k.name, entry);
  }
  const rows = [...byKernel].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((sum, [, e]) => sum + e.ms, 0);
  console.error(`${name}: one profiled step, ${wall.toFixed(1)} ms wall, ${total.toFixed(1)} ms in kernels`);
  for (const [kernel, e] of rows.slice(0, 20)) console.error(`  ${kernel.padEnd(24)} ${e.ms.toFixed(1).padStart(7)} ms  ${String(e.calls).padStart(3)} calls`);
}

async function benchOrReport(name: string, build: (tf: Tf) => ReturnType<Tf["sequential"]>, spec: ReplicaModelSpec): Promise<void> {
  try {
    await bench(name, build, spec);
  } catch (error) {
    console.error(`${name} (${tf.getBackend()}${values.stock ? ", stock" : ""}): failed: ${(error as Error).message}`);
    if (values.json) {
      process.stdout.write(JSON.stringify({ model: name, backend: tf.getBackend(), stock: values.stock, error: (error as Error).message }) + "\n");
    }
  }
}

if (values.model === "all" || values.model === "cnn") await benchOrReport("CNN conv32-pool-conv64-pool-dense128", cnn, SPECS.cnn);
if (values.model === "all" || values.model === "mlp") await benchOrReport("MLP 784-128-10", mlp, SPECS.mlp);
if (values.model === "strong") await benchOrReport("CNN 2x(conv32)-pool-2x(conv64)-pool-dense128 with batch norm", (tf) => buildModel(tf, SPECS.strong as never, 10), SPECS.strong);
