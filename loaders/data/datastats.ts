// Facts about a dataset for the data page: shapes, class balance, pixel statistics, mean image per class,
// samples. Computed once from the raw files and stored beside the runs (data/runs/datasets/), so that a
// build from committed runs needs no raw dataset (Fashion-MNIST comes from a Debian package).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DATASETS, loadDataset } from "./dataset.ts";
import { createRng } from "./random.ts";
import { runsRoot } from "../config.ts";

const PIXELS = 784;
/** Sample images shown per class on the data page. */
export const SAMPLES_PER_CLASS = 10;

function pixelStats(images: Uint8Array) {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < images.length; i++) {
    const v = images[i];
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / images.length;
  return { mean, std: Math.sqrt(sumSq / images.length - mean * mean) };
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

export function datasetReport(id: string) {
  if (!(id in DATASETS)) throw new Error(`unknown dataset "${id}"; expected one of ${Object.keys(DATASETS).join(", ")}`);
  const dataset = loadDataset(id as keyof typeof DATASETS);
  const classNames = dataset.classNames;
  const balance = (["train", "test"] as const).flatMap((split) => {
    const counts = new Array(classNames.length).fill(0);
    for (const label of dataset[split].labels) counts[label]++;
    return counts.map((count, label) => ({ split, label, className: classNames[label], count }));
  });

  // Mean image of each class over the training set, rounded to bytes.
  const sums = Array.from({ length: classNames.length }, () => new Float64Array(PIXELS));
  const counts = new Array(classNames.length).fill(0);
  const { images, labels, count } = dataset.train;
  for (let i = 0; i < count; i++) {
    const s = sums[labels[i]];
    counts[labels[i]]++;
    for (let p = 0; p < PIXELS; p++) s[p] += images[i * PIXELS + p];
  }
  const meanImages = sums.map((s, label) => ({
    label,
    className: classNames[label],
    pixels: toBase64(Uint8Array.from(s, (v) => Math.round(v / counts[label])))
  }));

  // A seeded choice of training samples per class.
  const rng = createRng(7);
  const byClass: number[][] = classNames.map(() => []);
  for (let tries = 0; tries < count * 4 && byClass.some((c) => c.length < SAMPLES_PER_CLASS); tries++) {
    const i = Math.floor(rng() * count);
    const c = byClass[labels[i]];
    if (c.length < SAMPLES_PER_CLASS && !c.includes(i)) c.push(i);
  }
  const samples = byClass.flatMap((indices, label) =>
    indices.map((index) => ({ label, className: classNames[label], index, pixels: toBase64(images.subarray(index * PIXELS, (index + 1) * PIXELS)) }))
  );

  return {
    id,
    title: DATASETS[id as keyof typeof DATASETS].title,
    classNames,
    shapes: { train: [dataset.train.count, 28, 28], test: [dataset.test.count, 28, 28] },
    pixelStats: [
      { split: "train", ...pixelStats(dataset.train.images) },
      { split: "test", ...pixelStats(dataset.test.images) }
    ],
    balance,
    meanImages,
    samples
  };
}

/** Where a dataset's facts are stored: beside the runs, for every profile. */
export function datasetFactsFile(id: string): string {
  return join(runsRoot(), "datasets", `${id}.json`);
}

/**
 * The facts of a dataset: the stored ones when there are (the raw files are then not read at all),
 * else computed from the raw files and stored. A damaged stored file is computed again.
 */
export function storedDatasetReport(id: string): ReturnType<typeof datasetReport> {
  const file = datasetFactsFile(id);
  if (existsSync(file)) {
    try {
      const stored = JSON.parse(readFileSync(file, "utf8"));
      if (stored?.id === id && Array.isArray(stored.samples) && Array.isArray(stored.balance)) return stored;
    } catch {
      // damaged: computed again below
    }
  }
  const report = datasetReport(id);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  writeFileSync(tmp, JSON.stringify(report));
  renameSync(tmp, file);
  return report;
}
