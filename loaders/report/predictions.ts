// Per-sample test predictions of a stored model, for the confusion-matrix drill-down, and the stored
// model files themselves for inference in the page. Packs, in one compact binary file, every test sample's
// label, prediction and confidence (from the run's stored predictions) plus the images a gallery needs,
// with their class probabilities from the run's kept weights.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type * as tfType from "@tensorflow/tfjs";
import { initTf } from "../engine/backend.ts";
import { gatherImages, loadDataset } from "../data/dataset.ts";
import { argmaxRows, confusionMatrix } from "../training/metrics.ts";
import type { ProfileName } from "../spec/schema.ts";

import { ensureRun } from "../experiments/executor.ts";
import { readRunPredictions, readTestSet } from "../experiments/store.ts";
import { predictProbabilities } from "../training/trainRun.ts";
import { prepareData } from "../training/runData.ts";
import type { RunRecord } from "../spec/record.ts";
import { planRuns, type PlannedRun } from "../experiments/plan.ts";

/** "MNPR": the first four bytes of a predictions file. */
export const PREDICTIONS_MAGIC = 0x52504e4d;
export const PREDICTIONS_VERSION = 1;
/**
 * Images kept per confusion cell: every one when a cell has at most this many, otherwise the half most
 * and the half least confident. With a good model every mistake is kept (no off-diagonal cell of the
 * full-profile runs comes near it) while the ~1,000 correct answers per class shrink to 24 each.
 */
export const CELL_LIMIT = 24;

export interface Predictions {
  classes: number;
  side: number;
  /** For each evaluated test sample: its index in the official test set. */
  index: ArrayLike<number>;
  label: ArrayLike<number>;
  /** Row-major [count, classes] probabilities. */
  probabilities: ArrayLike<number>;
  /** The official test set's pixels (0..255), looked up through `index` for the gallery images. */
  images: Uint8Array;
}

/**
 * Which samples (positions into the evaluated set) get their image stored: per (actual, predicted) cell,
 * all of them up to `cellLimit`, else the ⌈limit/2⌉ most and ⌊limit/2⌋ least confident. Returned sorted.
 */
export function gallerySelection(label: ArrayLike<number>, predicted: ArrayLike<number>, confidence: ArrayLike<number>, classes: number, cellLimit = CELL_LIMIT): number[] {
  const cells = new Map<number, number[]>();
  for (let i = 0; i < label.length; i++) {
    const key = label[i] * classes + predicted[i];
    let list = cells.get(key);
    if (!list) cells.set(key, (list = []));
    list.push(i);
  }
  const kept: number[] = [];
  for (const list of cells.values()) {
    if (list.length <= cellLimit) {
      kept.push(...list);
      continue;
    }
    const sorted = [...list].sort((a, b) => confidence[b] - confidence[a] || a - b);
    const top = Math.ceil(cellLimit / 2);
    kept.push(...sorted.slice(0, top), ...sorted.slice(sorted.length - (cellLimit - top)));
  }
  return kept.sort((a, b) => a - b);
}

/** What a predictions file holds, with the class probabilities of the gallery's samples only. */
export interface PredictionsPack {
  classes: number;
  side: number;
  index: ArrayLike<number>;
  label: ArrayLike<number>;
  predicted: ArrayLike<number>;
  /** Probability of the predicted class, per sample. */
  confidence: ArrayLike<number>;
  /** Positions (ascending) of the samples whose image is stored: gallerySelection's answer. */
  gallery: readonly number[];
  /** Row-major [gallery, classes] probabilities. */
  galleryProbabilities: ArrayLike<number>;
  images: Uint8Array;
}

/** Packs predictions from every class probability of every sample (the gallery is chosen here). */
export function encodePredictions(p: Predictions, cellLimit = CELL_LIMIT): Uint8Array {
  const { classes } = p;
  const n = p.label.length;
  if (p.index.length !== n || p.probabilities.length !== n * classes) throw new RangeError("index, label and probabilities disagree on the sample count");
  const predicted = argmaxRows(p.probabilities, classes);
  const confidence = Float64Array.from(predicted, (c, i) => p.probabilities[i * classes + c]);
  const gallery = gallerySelection(p.label, predicted, confidence, classes, cellLimit);
  const galleryProbabilities = new Float64Array(gallery.length * classes);
  gallery.forEach((position, g) => {
    for (let c = 0; c < classes; c++) galleryProbabilities[g * classes + c] = p.probabilities[position * classes + c];
  });
  return encodePredictionsPack({ ...p, predicted, confidence, gallery, galleryProbabilities });
}

/**
 * Packs predictions into the binary layout that src/components/predictions.ts decodes (little-endian):
 *
 *   0   u32  magic "MNPR"          8   u32  count N of evaluated test samples
 *   4   u8   version               12  u32  count G of samples with a stored image
 *   5   u8   classes C             16  u16[N] index in the official test set
 *   6   u16  image side S (28)         u8[N]  true label, u8[N] predicted label
 *                                      u16[N] confidence: probability of the predicted class × 65535
 *                                      u16[G] positions (into 0..N-1) of the samples with images
 *                                      u8[G×C] their probabilities × 255
 *                                      u8[G×S×S] their pixels (0..255, row-major)
 *
 * 6 bytes per test sample and S²+C+2 per stored image: a full-profile file is 60 to 500 kB.
 */
export function encodePredictionsPack(p: PredictionsPack): Uint8Array {
  const { classes, side, gallery } = p;
  const n = p.label.length;
  if (p.index.length !== n || p.predicted.length !== n || p.confidence.length !== n) throw new RangeError("index, label, predicted and confidence disagree on the sample count");
  if (p.galleryProbabilities.length !== gallery.length * classes) throw new RangeError("the gallery's probabilities do not match its samples");
  if (n > 0xffff || p.images.length / (side * side) > 0x10000) throw new RangeError("test indices must fit in 16 bits");
  const g = gallery.length;
  const pixels = side * side;
  const size = 16 + 6 * n + 2 * g + g * classes + g * pixels;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, PREDICTIONS_MAGIC, true);
  view.setUint8(4, PREDICTIONS_VERSION);
  view.setUint8(5, classes);
  view.setUint16(6, side, true);
  view.setUint32(8, n, true);
  view.setUint32(12, g, true);
  let offset = 16;
  for (let i = 0; i < n; i++, offset += 2) view.setUint16(offset, p.index[i], true);
  for (let i = 0; i < n; i++) bytes[offset++] = p.label[i];
  for (let i = 0; i < n; i++) bytes[offset++] = p.predicted[i];
  for (let i = 0; i < n; i++, offset += 2) view.setUint16(offset, Math.round(clamp01(p.confidence[i]) * 0xffff), true);
  for (const position of gallery) view.setUint16(offset, position, true), (offset += 2);
  for (let i = 0; i < g * classes; i++) bytes[offset++] = Math.round(clamp01(p.galleryProbabilities[i]) * 255);
  for (const position of gallery) {
    const source = p.index[position] * pixels;
    bytes.set(p.images.subarray(source, source + pixels), offset);
    offset += pixels;
  }
  return bytes;
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** The planned run of experiment `id` in `profile`, stored (trained first if it is not) and with its weights kept. */
export async function storedRunWithWeights(profile: ProfileName, id: string): Promise<{ planned: PlannedRun; record: RunRecord }> {
  const plan = planRuns(profile);
  const planned = plan.find((p) => p.experiment.id === id);
  if (!planned) throw new Error(`unknown experiment "${id}"; known: ${plan.map((p) => p.experiment.id).join(", ")}`);
  if (!planned.experiment.keepWeights) throw new Error(`experiment "${id}" does not keep its weights; set "keepWeights": true in its file under data/experiments/`);
  const record = await ensureRun(planned);
  if (!record.hasWeights || !existsSync(join(planned.dir, "model.json"))) throw new Error(`the stored run ${planned.dir} has no weights`);
  return { planned, record };
}

/** The stored model.json and weights.bin of a run (tfjs layers format, one weights file). */
export function readModelFiles(dir: string): { modelJson: { modelTopology: unknown; weightsManifest: { paths: string[]; weights: tfType.io.WeightsManifestEntry[] }[] }; weights: Uint8Array } {
  const modelJson = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
  const paths = modelJson.weightsManifest.flatMap((group: { paths: string[] }) => group.paths);
  const weights = Buffer.concat(paths.map((path: string) => readFileSync(join(dir, path))));
  return { modelJson, weights: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength) };
}

/** IEEE 754 half-precision bits of a number, rounded to nearest even (subnormals, infinities and NaN kept). */
export function toFloat16Bits(value: number): number {
  F32[0] = value;
  const x = U32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal
    mantissa |= 0x800000;
    const shift = 14 - e;
    let h = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry into the exponent is still right
  return sign | h;
}
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/**
 * A stored model as the page loads it: the float32 weights stored as float16 (tfjs' `quantization:
 * {dtype: "float16"}`, which tfjs decodes back to float32 on load). Half the bytes to download; class
 * probabilities move by well under a percentage point.
 */
export function halfPrecisionModel(dir: string): { modelJson: ReturnType<typeof readModelFiles>["modelJson"]; weights: Uint8Array } {
  const { modelJson, weights } = readModelFiles(dir);
  const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const parts: Uint8Array[] = [];
  let offset = 0;
  const out = specs.map((spec) => {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.dtype !== "float32" || spec.quantization) throw new Error(`weight ${spec.name}: expected unquantized float32, got ${spec.dtype}`);
    const values = new Float32Array(weights.buffer.slice(weights.byteOffset + offset, weights.byteOffset + offset + 4 * count));
    offset += 4 * count;
    const half = Uint16Array.from(values, toFloat16Bits);
    parts.push(new Uint8Array(half.buffer));
    return { ...spec, quantization: { dtype: "float16" as const } };
  });
  if (offset !== weights.byteLength) throw new Error(`${dir}: the manifest accounts for ${offset} of ${weights.byteLength} weight bytes`);
  return {
    modelJson: { ...modelJson, weightsManifest: [{ paths: ["weights.bin"], weights: out }] },
    weights: Buffer.concat(parts)
  };
}

/** A stored run's model, loaded on the wasm backend. */
export async function loadStoredModel(dir: string) {
  const tf = await initTf("wasm");
  const { modelJson, weights } = readModelFiles(dir);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology as tfType.io.ModelArtifacts["modelTopology"],
      weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
      weightData: weights.slice().buffer
    })
  );
  return { tf, model };
}

/**
 * The drill-down's predictions file of experiment `id`: every test sample's label, predicted class and
 * confidence come from the run's stored per-image predictions, and the stored model is run again only on
 * the gallery's images, for their probabilities of every class. Where it disagrees with the stored
 * predicted class of one of them, stderr says so (the tests re-evaluate every kept model in full).
 */
export async function predictionsFile(profile: ProfileName, id: string): Promise<Uint8Array> {
  const { planned, record } = await storedRunWithWeights(profile, id);
  const testSet = record.testSet ? readTestSet(profile, record.testSet) : null;
  if (!testSet) return evaluatedPredictionsFile(profile, id);
  const started = Date.now();
  const stored = readRunPredictions(planned.dir);
  const dataset = loadDataset(planned.experiment.dataset);
  const classes = stored.classes;
  const gallery = gallerySelection(testSet.label, stored.predicted, stored.confidence, classes);
  const index = Int32Array.from(gallery, (position) => testSet.index[position]);
  const { tf, model } = await loadStoredModel(planned.dir);
  const galleryProbabilities = predictProbabilities(tf, model, { images: gatherImages(dataset.test.images, index), y: new Int32Array(index.length), index, count: index.length }, classes);
  model.dispose();
  const rerun = argmaxRows(galleryProbabilities, classes);
  const differing = gallery.filter((position, g) => rerun[g] !== stored.predicted[position]).length;
  if (differing > 0) process.stderr.write(`[predictions ${id}] warning: the kept weights predict ${differing} of ${gallery.length} gallery images differently from the stored run\n`);
  const bytes = encodePredictionsPack({ classes, side: 28, index: testSet.index, label: testSet.label, predicted: stored.predicted, confidence: stored.confidence, gallery, galleryProbabilities, images: dataset.test.images });
  process.stderr.write(`[predictions ${id}] ${testSet.label.length} test samples, ${gallery.length} with images, ${bytes.length.toLocaleString("en-US")} bytes in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return bytes;
}

/**
 * The same file from a full evaluation: runs the stored model on every test sample its run was scored on.
 * Independent of the stored predictions, so the tests use it to check them (and the stored confusion
 * matrix); progress and any disagreement with the confusion matrix go to stderr.
 */
export async function evaluatedPredictionsFile(profile: ProfileName, id: string): Promise<Uint8Array> {
  const { planned, record } = await storedRunWithWeights(profile, id);
  const started = Date.now();
  const { tf, model } = await loadStoredModel(planned.dir);
  const dataset = loadDataset(planned.experiment.dataset);
  const { test } = prepareData(dataset, planned.experiment);
  const probabilities = predictProbabilities(tf, model, test);
  model.dispose();
  const classes = dataset.classNames.length;
  const predicted = argmaxRows(probabilities, classes);
  const stored = record.test?.confusion;
  if (stored) {
    const matrix = confusionMatrix(test.y, predicted, classes);
    const differing = matrix.reduce((s, row, a) => s + row.reduce((t, v, p) => t + Math.abs(v - (stored[a]?.[p] ?? 0)), 0), 0) / 2;
    if (differing > 0) {
      process.stderr.write(`[predictions ${id}] warning: ${differing} of ${test.count} predictions differ from the stored run's confusion matrix\n`);
    }
  }
  const bytes = encodePredictions({ classes, side: 28, index: test.index, label: test.y, probabilities, images: dataset.test.images });
  process.stderr.write(`[predictions ${id}] ${test.count} test samples evaluated, ${bytes.length.toLocaleString("en-US")} bytes in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return bytes;
}
