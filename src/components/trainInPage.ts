// Training in the page: the reader's choices (with their limits and their URL form), the model they
// describe, and a training driver that reports progress and can be stopped. tfjs is passed in, so this
// module never loads it by itself, and its pure parts run in node tests.
import type * as TF from "@tensorflow/tfjs";
import type {Tf} from "./tfjs.js";
import type { DecodedSubset } from "./subset.js";
import { fusedAdam } from "../engine/adam.js";

/** tfjs as the page loads it (components/tfjs.js), handed in by the caller. */

/** The reader's settings, every field valid (normalizeConfig). */
export interface TrainConfig {
  model: string;
  layers: number;
  units: number;
  activation: string;
  optimizer: string;
  learningRate: number;
  batchSize: number;
  epochs: number;
  trainSize: number;
}
export interface ConfusionRow {
  actual: number;
  predicted: number;
  count: number;
  rate: number;
}
/** One point of a learning curve; `epoch` is fractional within an epoch for the per-batch training rows. */
export interface CurveRow {
  epoch: number;
  split: string;
  metric: string;
  value: number;
}
export interface TrainResult {
  status: "completed" | "stopped";
  config: TrainConfig;
  rows: CurveRow[];
  history: { epoch: number; loss: number; accuracy: number; valLoss: number; valAccuracy: number; seconds: number }[];
  seconds: number;
  /** Seconds spent on training batches alone (validation and testing left out), and the images they held. */
  trainSeconds: number;
  trainedImages: number;
  trainSize: number;
  params: number;
  test: { accuracy: number; loss: number; count: number; confusion: ConfusionRow[] };
}
export interface TrainProgress {
  rows: CurveRow[];
  epoch: number;
  batch: number;
  batches: number;
  epochs: number;
}
type NumericSetting = "layers" | "units" | "learningRate" | "epochs" | "trainSize";

export const IMAGE_SIZE = 28;
export const NUM_CLASSES = 10;

export const ACTIVATIONS = ["relu", "tanh", "sigmoid", "elu"];
export const OPTIMIZERS = ["adam", "sgd", "rmsprop", "adagrad"];
export const BATCH_SIZES = [16, 32, 64, 128, 256];
export const MODELS: Record<string, string> = {mlp: "MLP", cnn: "small CNN"};

/** Images shipped with the site for the page (loaders/data/subsetfile.ts writes them; a test keeps the two equal). */
export const SHIPPED = Object.freeze({train: 4500, validation: 500, test: 1000});

/** Each setting's default and bounds; `trainSize.max` is the shipped training images less validation. */
export const TRAIN_LIMITS: Record<NumericSetting, { min: number; max: number; default: number; step?: number }> = {
  layers: {min: 1, max: 3, default: 1},
  units: {min: 8, max: 256, default: 64},
  learningRate: {min: 0.0001, max: 0.3, default: 0.003},
  epochs: {min: 1, max: 20, default: 3},
  trainSize: {min: 100, max: SHIPPED.train, default: 2000, step: 100}
};

export const TRAIN_DEFAULTS: Readonly<TrainConfig> = Object.freeze({
  model: "mlp",
  layers: TRAIN_LIMITS.layers.default,
  units: TRAIN_LIMITS.units.default,
  activation: "relu",
  optimizer: "adam",
  learningRate: TRAIN_LIMITS.learningRate.default,
  batchSize: 64,
  epochs: TRAIN_LIMITS.epochs.default,
  trainSize: TRAIN_LIMITS.trainSize.default
});

const KEYS: Record<keyof TrainConfig, string> = {model: "model", layers: "layers", units: "units", activation: "act", optimizer: "opt", learningRate: "lr", batchSize: "batch", epochs: "epochs", trainSize: "n"};

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));

/** A settings object with every field valid: unknown choices fall back to defaults, numbers are clamped. */
export function normalizeConfig(config: Partial<Record<keyof TrainConfig, unknown>> = {}): TrainConfig {
  const c: Record<keyof TrainConfig, unknown> = {...TRAIN_DEFAULTS, ...config};
  const int = (key: "layers" | "units" | "epochs" | "trainSize") => {
    const {min, max, step = 1} = TRAIN_LIMITS[key];
    const x = Number(c[key]);
    return Number.isFinite(x) ? clamp(Math.round(x / step) * step, min, max) : TRAIN_DEFAULTS[key];
  };
  const lr = Number(c.learningRate);
  return {
    model: typeof c.model === "string" && Object.hasOwn(MODELS, c.model) ? c.model : TRAIN_DEFAULTS.model,
    layers: int("layers"),
    units: int("units"),
    activation: typeof c.activation === "string" && ACTIVATIONS.includes(c.activation) ? c.activation : TRAIN_DEFAULTS.activation,
    optimizer: typeof c.optimizer === "string" && OPTIMIZERS.includes(c.optimizer) ? c.optimizer : TRAIN_DEFAULTS.optimizer,
    learningRate: Number.isFinite(lr) && lr > 0 ? clamp(Number(lr.toPrecision(3)), TRAIN_LIMITS.learningRate.min, TRAIN_LIMITS.learningRate.max) : TRAIN_DEFAULTS.learningRate,
    batchSize: BATCH_SIZES.includes(Number(c.batchSize)) ? Number(c.batchSize) : TRAIN_DEFAULTS.batchSize,
    epochs: int("epochs"),
    trainSize: int("trainSize")
  };
}

/** The settings as a query string (no "?"), leaving out defaults. */
export function encodeTrainState(config: Partial<TrainConfig>): string {
  const c = normalizeConfig(config);
  const params = new URLSearchParams();
  for (const [key, name] of Object.entries(KEYS) as [keyof TrainConfig, string][]) if (c[key] !== TRAIN_DEFAULTS[key]) params.set(name, String(c[key]));
  return params.toString();
}

/** The settings a query string describes (normalised). */
export function decodeTrainState(search: string): TrainConfig {
  const params = new URLSearchParams(search);
  const config: Partial<Record<keyof TrainConfig, unknown>> = {};
  for (const [key, name] of Object.entries(KEYS) as [keyof TrainConfig, string][]) if (params.has(name)) config[key] = params.get(name);
  return normalizeConfig(config);
}

/** How the page runs tfjs: a backend the address insists on (else chosen by measuring), and whose wasm kernels. */
export interface EngineChoice {
  backend: "webgpu" | "webgl" | "wasm" | "cpu" | null;
  kernels: "ours" | "stock";
}

/**
 * The engine settings of the address, for comparing backends (the benchmark does): ?backend=webgpu|webgl|wasm|cpu
 * trains there without measuring, ?kernels=stock leaves tfjs' own wasm kernels in place (a CNN cannot
 * train on them). Anything else is ignored.
 */
export function decodeEngineChoice(search: string): EngineChoice {
  const params = new URLSearchParams(search);
  const backend = params.get("backend");
  return {
    backend: backend === "webgpu" || backend === "webgl" || backend === "wasm" || backend === "cpu" ? backend : null,
    kernels: params.get("kernels") === "stock" ? "stock" : "ours"
  };
}

/** The address form of an engine choice: empty for the default (measure, our kernels). */
export function encodeEngineChoice({backend, kernels}: EngineChoice): string {
  const params = new URLSearchParams();
  if (backend) params.set("backend", backend);
  if (kernels === "stock") params.set("kernels", "stock");
  return params.toString();
}

/** Filters of the small CNN's convolution blocks: 8, 16, 32 for one to three blocks. */
const cnnFilters = (layers: number) => [8, 16, 32].slice(0, layers);

/** The layer list in the report's notation, e.g. "784-64-64-10" or "conv8-pool-conv16-pool-32-10". */
export function architecture(config: Partial<TrainConfig>): string {
  const c = normalizeConfig(config);
  if (c.model === "cnn") return [...cnnFilters(c.layers).flatMap((f) => [`conv${f}`, "pool"]), c.units, NUM_CLASSES].join("-");
  return [IMAGE_SIZE * IMAGE_SIZE, ...Array(c.layers).fill(c.units), NUM_CLASSES].join("-");
}

/** Trainable parameters of the model `config` describes (dense: (in+1)·out; conv 3×3 "same": (9·in+1)·out). */
export function parameterCount(config: Partial<TrainConfig>): number {
  const c = normalizeConfig(config);
  let total = 0;
  let inputs: number;
  if (c.model === "cnn") {
    let channels = 1;
    let side = IMAGE_SIZE;
    for (const f of cnnFilters(c.layers)) {
      total += (9 * channels + 1) * f;
      channels = f;
      side = Math.floor(side / 2);
    }
    inputs = side * side * channels;
    total += (inputs + 1) * c.units;
    inputs = c.units;
  } else {
    inputs = IMAGE_SIZE * IMAGE_SIZE;
    for (let i = 0; i < c.layers; i++) {
      total += (inputs + 1) * c.units;
      inputs = c.units;
    }
  }
  return total + (inputs + 1) * NUM_CLASSES;
}

/**
 * Glorot-uniform kernels and zero biases drawn with `random` (Math.random by default). tfjs's own random
 * initializers call seedrandom, which Framework's bundle of tfjs in the page does not expose correctly
 * ("alea is not a function"), so the model is built with zero kernels and given these instead.
 */
export function initializeWeights(tf: Tf, model: TF.LayersModel, random = Math.random): void {
  const weights = model.getWeights().map((w) => {
    const shape = w.shape;
    if (shape.length < 2) return tf.zerosLike(w);
    const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const limit = Math.sqrt(6 / (receptive * (shape[shape.length - 2] + shape[shape.length - 1])));
    const values = new Float32Array(w.size);
    for (let i = 0; i < values.length; i++) values[i] = (2 * random() - 1) * limit;
    return tf.tensor(values, shape);
  });
  model.setWeights(weights);
  for (const w of weights) w.dispose();
}

/** The tf.LayersModel for `config`: input [784] (MLP) or [28, 28, 1] (CNN), softmax over 10 classes. */
export function buildModel(tf: Tf, config: Partial<TrainConfig>): TF.Sequential {
  const c = normalizeConfig(config);
  const activation = c.activation as "relu";
  const model = tf.sequential();
  if (c.model === "cnn") {
    cnnFilters(c.layers).forEach((filters, i) => {
      model.add(tf.layers.conv2d({...(i === 0 ? {inputShape: [IMAGE_SIZE, IMAGE_SIZE, 1]} : {}), filters, kernelSize: 3, padding: "same", activation, kernelInitializer: "zeros"}));
      model.add(tf.layers.maxPooling2d({poolSize: 2, strides: 2}));
    });
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({units: c.units, activation, kernelInitializer: "zeros"}));
  } else {
    for (let i = 0; i < c.layers; i++) model.add(tf.layers.dense({...(i === 0 ? {inputShape: [IMAGE_SIZE * IMAGE_SIZE]} : {}), units: c.units, activation, kernelInitializer: "zeros"}));
  }
  model.add(tf.layers.dense({units: NUM_CLASSES, activation: "softmax", kernelInitializer: "zeros"}));
  initializeWeights(tf, model);
  // Adam as the build trains it: one fused kernel per variable where the backend has it (wasm, with
  // this project's kernels), tfjs' own Adam, step for step the same, elsewhere.
  const optimizers: Record<string, (learningRate: number) => TF.Optimizer> = {adam: (rate) => fusedAdam(tf, rate), sgd: tf.train.sgd, rmsprop: tf.train.rmsprop, adagrad: tf.train.adagrad};
  model.compile({optimizer: optimizers[c.optimizer](c.learningRate), loss: "categoricalCrossentropy", metrics: ["accuracy"]});
  return model;
}

/** Tidy confusion rows {actual, predicted, count, rate} (rate: share of the actual class). */
export function confusionRows(actual: ArrayLike<number>, predicted: ArrayLike<number>, classes = NUM_CLASSES): ConfusionRow[] {
  const counts: number[][] = Array.from({length: classes}, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < actual.length; i++) counts[actual[i]][predicted[i]]++;
  return counts.flatMap((row, a) => {
    const total = row.reduce((x, y) => x + y, 0);
    return row.map((count, p) => ({actual: a, predicted: p, count, rate: total ? count / total : 0}));
  });
}

/** One backend's measured training step: milliseconds per batch of the reader's model. */
export interface StepTiming {
  backend: string;
  ms: number;
}

/**
 * Milliseconds per training step of `config`'s model on the backend now selected, on real images of
 * `subset`: one untimed step first (WebGL compiles its shaders, wasm sets up its buffers), then the
 * median of `steps` timed ones, each waited for to the end. Every tensor it makes is disposed.
 */
export async function measureStep(tf: Tf, config: Partial<TrainConfig>, subset: DecodedSubset, steps = 3): Promise<number> {
  const c = normalizeConfig(config);
  const batch = Math.min(c.batchSize, subset.count);
  const {xs, ys} = tensors(tf, subset, 0, batch, c.model === "cnn");
  const model = buildModel(tf, c);
  try {
    await model.trainOnBatch(xs, ys);
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      await model.trainOnBatch(xs, ys);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  } finally {
    model.optimizer?.dispose();
    model.dispose();
    xs.dispose();
    ys.dispose();
  }
}

/** The backend of the fastest step (ties to the earlier one); null when nothing was measured. */
export function fastestBackend(timings: readonly StepTiming[]): string | null {
  let best: StepTiming | null = null;
  for (const t of timings) if (Number.isFinite(t.ms) && (best == null || t.ms < best.ms)) best = t;
  return best?.backend ?? null;
}

/** The key under which a measurement is reused: what makes one step cost what it does. */
export function stepKey(config: Partial<TrainConfig>): string {
  const c = normalizeConfig(config);
  return [c.model, c.layers, c.units, c.batchSize, c.optimizer].join("/");
}

function tensors(tf: Tf, subset: DecodedSubset, start: number, end: number, cnn: boolean): { xs: TF.Tensor; ys: TF.Tensor } {
  const size = IMAGE_SIZE * IMAGE_SIZE;
  const pixels = new Float32Array((end - start) * size);
  const src = subset.pixels.subarray(start * size, end * size);
  for (let i = 0; i < src.length; i++) pixels[i] = src[i] / 255;
  const xs = cnn ? tf.tensor4d(pixels, [end - start, IMAGE_SIZE, IMAGE_SIZE, 1]) : tf.tensor2d(pixels, [end - start, size]);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(subset.labels.subarray(start, end), "int32"), NUM_CLASSES));
  return {xs, ys};
}

/**
 * Trains `config` on the first `trainSize` images of `train` (validating on its last `validation` images),
 * then tests on `test`. `onProgress({rows, epoch, batch, seen, total})` is called after every batch with all
 * curve rows so far ({epoch (fractional), split, metric, value}); `shouldStop()` ends training after the
 * current batch. Resolves to {status, history, test: {accuracy, loss, confusion}, seconds, params}.
 * Every tensor it creates is disposed.
 */
export async function trainInPage(
  tf: Tf,
  config: Partial<TrainConfig>,
  {
    train,
    test,
    validation = SHIPPED.validation,
    onProgress = () => {},
    shouldStop = () => false
  }: { train: DecodedSubset; test: DecodedSubset; validation?: number; onProgress?: (progress: TrainProgress) => void; shouldStop?: () => boolean }
): Promise<TrainResult> {
  const c = normalizeConfig(config);
  const cnn = c.model === "cnn";
  const trainSize = Math.min(c.trainSize, train.count - validation);
  const data = tensors(tf, train, 0, trainSize, cnn);
  const val = tensors(tf, train, train.count - validation, train.count, cnn);
  const model = buildModel(tf, c);
  const rows: CurveRow[] = [];
  const history: TrainResult["history"] = [];
  const batchesPerEpoch = Math.ceil(trainSize / c.batchSize);
  let epoch = 0;
  let stopped = false;
  let last = 0;
  let trainSeconds = 0;
  let trainedImages = 0;
  let epochStarted = 0;
  let lastBatchEnded = 0;
  const started = performance.now();
  try {
    await model.fit(data.xs, data.ys, {
      epochs: c.epochs,
      batchSize: c.batchSize,
      shuffle: true,
      validationData: [val.xs, val.ys],
      verbose: 0,
      // tfjs would wait for a frame every 125 ms as well; the progress callback below already yields.
      yieldEvery: "never",
      callbacks: {
        onEpochBegin: async (e: number) => {
          epoch = e;
          epochStarted = lastBatchEnded = performance.now();
        },
        onBatchEnd: async (batch: number, logs?: TF.Logs) => {
          if (!logs) return;
          lastBatchEnded = performance.now();
          trainedImages += logs.size ?? 0;
          const x = epoch + (batch + 1) / batchesPerEpoch;
          rows.push({epoch: x, split: "train", metric: "loss", value: logs.loss}, {epoch: x, split: "train", metric: "accuracy", value: logs.acc ?? logs.accuracy});
          if (shouldStop()) {
            stopped = true;
            model.stopTraining = true;
          }
          // The curves redraw (and the page gets a frame to paint them) a few times a second: each
          // redraw and frame is time the batches wait.
          const now = performance.now();
          if (now - last > 250) {
            last = now;
            onProgress({rows, epoch: epoch + 1, batch: batch + 1, batches: batchesPerEpoch, epochs: c.epochs});
            await tf.nextFrame();
          }
        },
        onEpochEnd: async (e: number, logs?: TF.Logs) => {
          // From the epoch's start to its last batch: the training; validation runs after it.
          trainSeconds += (lastBatchEnded - epochStarted) / 1000;
          if (!logs) return;
          history.push({epoch: e + 1, loss: logs.loss, accuracy: logs.acc ?? logs.accuracy, valLoss: logs.val_loss, valAccuracy: logs.val_acc ?? logs.val_accuracy, seconds: (performance.now() - started) / 1000});
          rows.push({epoch: e + 1, split: "validation", metric: "loss", value: logs.val_loss}, {epoch: e + 1, split: "validation", metric: "accuracy", value: logs.val_acc ?? logs.val_accuracy});
          onProgress({rows, epoch: e + 1, batch: batchesPerEpoch, batches: batchesPerEpoch, epochs: c.epochs});
          await tf.nextFrame();
        }
      }
    });
    const seconds = (performance.now() - started) / 1000;
    const evaluation = tf.tidy(() => {
      const {xs, ys} = tensors(tf, test, 0, test.count, cnn);
      const probs = model.predict(xs) as TF.Tensor;
      const loss = tf.metrics.categoricalCrossentropy(ys, probs).mean();
      return {predicted: probs.argMax(-1), loss};
    });
    const predicted = await evaluation.predicted.data();
    const testLoss = (await evaluation.loss.data())[0];
    evaluation.predicted.dispose();
    evaluation.loss.dispose();
    const actual = test.labels;
    let correct = 0;
    for (let i = 0; i < test.count; i++) if (predicted[i] === actual[i]) correct++;
    return {
      status: stopped ? ("stopped" as const) : ("completed" as const),
      config: c,
      rows,
      history,
      seconds,
      trainSeconds,
      trainedImages,
      trainSize,
      params: model.countParams(),
      test: {accuracy: correct / test.count, loss: testLoss, count: test.count, confusion: confusionRows(actual, predicted)}
    };
  } finally {
    model.optimizer?.dispose(); // its moment estimates are tensors that model.dispose() leaves behind
    model.dispose();
    for (const t of [data.xs, data.ys, val.xs, val.ys]) t.dispose();
  }
}
