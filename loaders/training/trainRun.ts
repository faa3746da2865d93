// The training driver: trains one resolved experiment on the wasm backend and evaluates it,
// producing the run record (history, test metrics, confusion matrix, misclassified samples).
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { cpus, platform } from "node:os";
import type * as tfType from "@tensorflow/tfjs";
import { augmentBatch } from "../data/augment.ts";
import { initTf } from "../engine/backend.ts";
import { loadDataset, scaleImageInto, type Dataset } from "../data/dataset.ts";
import { argmaxRows, confusionMatrix, crossEntropy, macroAverage, perClassMetrics, accuracy } from "./metrics.ts";
import { buildModel, classCount } from "./models.ts";
import { DataParallel } from "./parallel.ts";
import { Progress } from "./progress.ts";
import { insideHeader, insideSnapshot, type Probe } from "./inside.ts";
import { prepareData, type Split } from "./runData.ts";
import { INSIDE_FILE, INSIDE_PROBE, type Inside } from "../spec/inside.ts";
import { createRng, shuffleInPlace } from "../data/random.ts";
import type { ResolvedExperiment } from "../spec/schema.ts";

import { RUN_PREDICTIONS_FILE, encodeRunPredictions, type TestSet } from "../spec/testPredictions.ts";
import { RUN_SCHEMA_VERSION, TRAINER_VERSION, type HistoryEntry, type RunRecord, type RunFiles } from "../spec/record.ts";

type Tf = typeof tfType;
const PIXELS = 784;
/** How many of the most confidently misclassified test images a run keeps. */
export const MISCLASSIFIED_KEPT = 24;
const EVAL_BATCH = 500;
/**
 * A run that has not learnt: after an epoch its validation accuracy is within this of chance (1/K)
 * while its validation cross-entropy is above twice a uniform guess's (ln K). tfjs clips
 * probabilities, so a run whose weights blew up keeps a finite loss (about 14.5 at learning rate 10)
 * and would otherwise be stored as completed; a run that is merely slow (loss near ln K) is not caught.
 */
export const CHANCE_MARGIN = 0.05;

export interface TrainOptions {
  backend?: "wasm" | "cpu";
  progress?: Progress;
  /** Label used in progress lines; defaults to the experiment id. */
  label?: string;
  /** Data-parallel replicas (loaders/training/parallel.ts: this thread and replicas - 1 worker threads); default 1. */
  replicas?: number;
}

export interface TrainResult {
  record: RunRecord;
  files: RunFiles;
  /** The test images the run was scored on, which its predictions file follows (stored once per profile). */
  testSet: TestSet;
}

/**
 * Class probabilities for every sample of a split, computed in batches, as rows of `classes` values.
 * A one-unit sigmoid output p becomes the row [1 - p, p].
 */
export function predictProbabilities(tf: Tf, model: tfType.LayersModel, split: Split, classes = 10): Float32Array {
  const out = new Float32Array(split.count * classes);
  const chunk = new Float32Array(Math.min(EVAL_BATCH, split.count) * PIXELS);
  for (let start = 0; start < split.count; start += EVAL_BATCH) {
    const n = Math.min(EVAL_BATCH, split.count - start);
    for (let i = 0; i < n; i++) scaleImageInto(split.images, start + i, chunk, i * PIXELS);
    const probs = tf.tidy(() => {
      const x = tf.tensor4d(chunk.subarray(0, n * PIXELS), [n, 28, 28, 1]);
      // One call per chunk: predict() would otherwise slice it into batches of 32, each slice a copy.
      const y = model.predict(x, { batchSize: n }) as tfType.Tensor;
      return y.shape[1] === 1 && classes === 2 ? tf.concat([tf.sub(1, y), y], 1) : y;
    });
    out.set(probs.dataSync() as Float32Array, start * classes);
    probs.dispose();
  }
  return out;
}

function evaluate(probs: Float32Array, labels: Int32Array, classes: number) {
  const predicted = argmaxRows(probs, classes);
  const matrix = confusionMatrix(labels, predicted, classes);
  return { loss: crossEntropy(probs, labels, classes), accuracy: accuracy(matrix), matrix, predicted };
}

function environment(tf: Tf) {
  const threads = tf.getBackend() === "wasm" ? getThreadsCount() : 1;
  return {
    backend: tf.getBackend(),
    ...(threads > 1 ? { threads } : {}),
    tfjsVersion: tf.version.tfjs,
    node: process.version,
    cpu: cpus()[0]?.model ?? "unknown",
    platform: `${platform()} (${cpus().length} cores)`
  };
}

/** The first INSIDE_PROBE images of the training set (in their stored order, not the epoch's), as a probe batch. */
function insideProbe(tf: Tf, train: Split): Probe {
  const n = Math.min(INSIDE_PROBE, train.count);
  const x = new Float32Array(n * PIXELS);
  for (let i = 0; i < n; i++) scaleImageInto(train.images, i, x, i * PIXELS);
  return { x: tf.tensor4d(x, [n, 28, 28, 1]), y: Float32Array.from(train.y.subarray(0, n)) };
}

async function saveWeights(tf: Tf, model: tfType.LayersModel): Promise<RunFiles> {
  let files: RunFiles = {};
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      files = {
        "model.json": JSON.stringify({
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: null,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }]
        }),
        "weights.bin": weights
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    })
  );
  return files;
}

/**
 * Trains one experiment and evaluates it on the test set. A NaN or infinite training loss stops
 * the run, which is returned with status "diverged" and the history up to that point.
 */
export async function trainRun(experiment: ResolvedExperiment, key: string, options: TrainOptions = {}): Promise<TrainResult> {
  const setupStarted = performance.now();
  const tf = await initTf(options.backend ?? "wasm");
  const progress = options.progress ?? new Progress();
  const label = options.label ?? experiment.id;
  const dataset = loadDataset(experiment.dataset);
  const data = prepareData(dataset, experiment);
  const tensorsBefore = tf.memory().numTensors;

  const numClasses = classCount(experiment);
  const model = buildModel(tf, experiment, numClasses);
  const params = model.countParams();
  const optimizer = model.optimizer as tfType.Optimizer & { learningRate: number; setLearningRate?: (lr: number) => void };
  const rng = createRng(experiment.seed);
  const order = Int32Array.from({ length: data.train.count }, (_, i) => i);
  const batchSize = Math.min(experiment.batchSize, data.train.count);
  const batches = Math.ceil(data.train.count / batchSize);
  const xBatch = new Float32Array(batchSize * PIXELS);
  const yBatch = new Float32Array(batchSize);
  const replicas = options.replicas ?? 1;
  const parallel = replicas > 1 ? await DataParallel.start(tf, model, experiment, { replicas, batchSize, numClasses, backend: options.backend }) : null;
  // Data-parallel replicas train copies of the model, so its insides are recorded on one core only.
  const probe = experiment.recordInside && !parallel ? insideProbe(tf, data.train) : null;
  const inside: Inside | null = probe ? { ...insideHeader(model, probe), epochs: [insideSnapshot(tf, model, probe, 0)] } : null;
  if (experiment.recordInside && parallel) progress.log(`[${label}] its insides are not recorded: it trains on ${replicas} data-parallel replicas`);

  const history: HistoryEntry[] = [];
  let divergence: RunRecord["divergence"] = null;
  let best: { epoch: number; value: number; weights: tfType.Tensor[] | null } | null = null;
  let sinceBest = 0;
  let stoppedEarly = false;
  let trainSeconds = 0;
  let validationSeconds = 0;
  let samplesSeen = 0;
  let learningRate = experiment.optimizer.learningRate;
  const es = experiment.earlyStopping;

  const setupSeconds = (performance.now() - setupStarted) / 1000;
  progress.log(
    `[${label}] training ${data.train.count} samples (validation ${data.validation.count}, test ${data.test.count}), ` +
      `${params.toLocaleString("en-US")} parameters, ${experiment.epochs} epochs, backend ${tf.getBackend()}`
  );

  epochs: for (let epoch = 1; epoch <= experiment.epochs; epoch++) {
    shuffleInPlace(order, rng);
    const started = performance.now();
    let lossSum = 0;
    let correctSum = 0;
    let seen = 0;
    for (let b = 0; b < batches; b++) {
      const start = b * batchSize;
      const n = Math.min(batchSize, data.train.count - start);
      for (let i = 0; i < n; i++) {
        const src = order[start + i];
        scaleImageInto(data.train.images, src, xBatch, i * PIXELS);
        yBatch[i] = data.train.y[src];
      }
      if (experiment.augmentation) augmentBatch(xBatch, n, experiment.augmentation, rng);
      let loss: number, acc: number;
      if (parallel) [loss, acc] = await parallel.trainOnBatch(xBatch, yBatch, n);
      else {
        const xs = tf.tensor4d(xBatch.subarray(0, n * PIXELS), [n, 28, 28, 1]);
        const ys = tf.tensor2d(yBatch.subarray(0, n), [n, 1]);
        [loss, acc] = (await model.trainOnBatch(xs, ys)) as number[];
        xs.dispose();
        ys.dispose();
      }
      if (!Number.isFinite(loss)) {
        divergence = { epoch, batch: b + 1, loss: Number.isNaN(loss) ? null : loss, reason: "non-finite loss" };
        trainSeconds += (performance.now() - started) / 1000;
        history.push({
          epoch,
          loss: seen ? lossSum / seen : null,
          accuracy: seen ? correctSum / seen : null,
          valLoss: null,
          valAccuracy: null,
          seconds: (performance.now() - started) / 1000,
          learningRate
        });
        progress.log(`[${label}] diverged: loss is ${loss} at epoch ${epoch}, batch ${b + 1}; stored as a diverged run`);
        break epochs;
      }
      lossSum += loss * n;
      correctSum += acc * n;
      seen += n;
      samplesSeen += n;
      const elapsed = trainSeconds + (performance.now() - started) / 1000;
      const rate = samplesSeen / elapsed;
      const remaining = (experiment.epochs - epoch) * data.train.count + (data.train.count - seen);
      progress.update(
        {
          run: label,
          epoch,
          epochs: experiment.epochs,
          batch: b + 1,
          batches,
          loss: lossSum / seen,
          accuracy: correctSum / seen,
          samplesPerSecond: rate,
          etaSeconds: remaining / rate
        },
        b === batches - 1
      );
    }
    const seconds = (performance.now() - started) / 1000;
    trainSeconds += seconds;

    const validationStarted = performance.now();
    const val = evaluate(predictProbabilities(tf, model, data.validation, numClasses), data.validation.y, numClasses);
    validationSeconds += (performance.now() - validationStarted) / 1000;
    history.push({
      epoch,
      loss: lossSum / seen,
      accuracy: correctSum / seen,
      valLoss: val.loss,
      valAccuracy: val.accuracy,
      seconds,
      learningRate
    });
    if (probe && inside) inside.epochs.push(insideSnapshot(tf, model, probe, epoch));
    progress.log(
      `[${label}] epoch ${epoch}/${experiment.epochs}: loss ${(lossSum / seen).toFixed(4)} acc ${(correctSum / seen).toFixed(4)}` +
        ` val_loss ${val.loss.toFixed(4)} val_acc ${val.accuracy.toFixed(4)} (${seconds.toFixed(1)}s)`
    );

    if (val.accuracy <= 1 / numClasses + CHANCE_MARGIN && val.loss > 2 * Math.log(numClasses)) {
      divergence = { epoch, batch: batches, loss: lossSum / seen, reason: "no better than chance" };
      progress.log(
        `[${label}] diverged: validation accuracy ${val.accuracy.toFixed(4)} is at chance and its loss ${val.loss.toFixed(2)} above twice a uniform guess's after epoch ${epoch}; stored as a diverged run`
      );
      break;
    }
    if (es) {
      const value = es.monitor === "valLoss" ? val.loss : -val.accuracy;
      if (!best || value < best.value) {
        best?.weights?.forEach((w) => w.dispose());
        best = { epoch, value, weights: es.restoreBestWeights ? model.getWeights().map((w) => w.clone()) : null };
        sinceBest = 0;
      } else if (++sinceBest >= es.patience) {
        stoppedEarly = epoch < experiment.epochs;
        progress.log(`[${label}] early stop: no ${es.monitor} improvement for ${es.patience} epochs (best epoch ${best.epoch})`);
        break;
      }
    }
    if (experiment.schedule) {
      learningRate *= experiment.schedule.decayPerEpoch;
      if (optimizer.setLearningRate) optimizer.setLearningRate(learningRate);
      else optimizer.learningRate = learningRate;
    }
  }

  await parallel?.close();
  if (best?.weights) {
    if (!divergence) model.setWeights(best.weights);
    best.weights.forEach((w) => w.dispose());
  }

  let test: RunRecord["test"] = null;
  let misclassified: RunRecord["misclassified"] = [];
  let predictionFiles: RunFiles = {};
  const evalStarted = performance.now();
  if (!divergence) {
    const probs = predictProbabilities(tf, model, data.test, numClasses);
    const result = evaluate(probs, data.test.y, numClasses);
    const perClass = perClassMetrics(result.matrix);
    test = {
      loss: result.loss,
      accuracy: result.accuracy,
      confusion: result.matrix,
      perClass,
      macroF1: macroAverage(perClass).f1
    };
    misclassified = mostConfidentMistakes(probs, result.predicted, data.test, dataset, numClasses);
    const confidence = Float32Array.from(result.predicted, (p, i) => probs[i * numClasses + p]);
    predictionFiles = { [RUN_PREDICTIONS_FILE]: encodeRunPredictions({ classes: numClasses, predicted: Uint8Array.from(result.predicted), confidence }) };
  }
  const evalSeconds = (performance.now() - evalStarted) / 1000;
  probe?.x.dispose();
  const files: RunFiles = {
    ...predictionFiles,
    ...(experiment.keepWeights && !divergence ? await saveWeights(tf, model) : {}),
    ...(inside ? { [INSIDE_FILE]: JSON.stringify(inside) } : {})
  };
  model.optimizer.dispose();
  model.dispose();
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked > 0) progress.log(`[${label}] warning: ${leaked} tensors still allocated after the run`);

  const record: RunRecord = {
    schemaVersion: RUN_SCHEMA_VERSION,
    key,
    trainerVersion: TRAINER_VERSION,
    experiment: experiment as unknown as Record<string, unknown>,
    status: divergence ? "diverged" : "completed",
    data: {
      dataset: experiment.dataset,
      trainCount: data.train.count,
      validationCount: data.validation.count,
      testCount: data.test.count,
      splitSeed: experiment.seed
    },
    environment: environment(tf),
    params,
    history,
    bestEpoch: best?.epoch ?? null,
    stoppedEarly,
    divergence,
    timing: {
      trainSeconds,
      evalSeconds,
      setupSeconds,
      validationSeconds,
      samplesPerSecond: trainSeconds > 0 ? samplesSeen / trainSeconds : 0,
      samplesSeen
    },
    test,
    ...(test ? { testSet: data.testSetId } : {}),
    misclassified,
    hasWeights: Boolean(files["model.json"]),
    createdAt: new Date().toISOString()
  };
  const testSet: TestSet = {
    id: data.testSetId,
    classes: numClasses,
    index: Uint16Array.from(data.test.index),
    label: Uint8Array.from(data.test.y)
  };
  return { record, files, testSet };
}

/** The test images the model got wrong with the highest confidence, with their pixels as base64. */
function mostConfidentMistakes(
  probs: Float32Array,
  predicted: Int32Array,
  test: Split,
  dataset: Dataset,
  classes: number
): RunRecord["misclassified"] {
  const wrong: number[] = [];
  for (let i = 0; i < test.count; i++) if (predicted[i] !== test.y[i]) wrong.push(i);
  const confidence = (i: number) => probs[i * classes + predicted[i]];
  wrong.sort((a, b) => confidence(b) - confidence(a));
  return wrong.slice(0, MISCLASSIFIED_KEPT).map((i) => {
    const source = test.index[i];
    const pixels = dataset.test.images.subarray(source * PIXELS, (source + 1) * PIXELS);
    return {
      index: source,
      label: test.y[i],
      predicted: predicted[i],
      probabilities: Array.from(probs.subarray(i * classes, (i + 1) * classes), (p) => Math.round(p * 1e5) / 1e5),
      pixels: Buffer.from(pixels).toString("base64")
    };
  });
}
