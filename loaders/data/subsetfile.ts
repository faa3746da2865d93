// Image subsets shipped with the site for training in the page: a compact binary file of uint8 pixels and
// labels (gzip-compressed), written by the Framework loaders src/data/mnist-{train,test}.bin.ts and read in
// the browser by src/components/subset.ts.
//
// Layout before compression (all integers little-endian):
//   bytes 0..3   magic "MNSS"
//   byte  4      format version (1)
//   byte  5      rows (28)      byte 6  cols (28)      byte 7  number of classes (10)
//   bytes 8..11  count (uint32)
//   then count label bytes, then count*rows*cols pixel bytes (0..255, row-major, image after image).
import { gzipSync } from "node:zlib";
import { IMAGE_H, IMAGE_W, NUM_CLASSES, PIXELS, loadDataset, stratifiedSubset, type SplitName } from "./dataset.ts";
import { createRng, deriveSeed, shuffleInPlace } from "./random.ts";

export const SUBSET_MAGIC = "MNSS";
export const SUBSET_VERSION = 1;
export const SUBSET_HEADER_BYTES = 12;

/** Images shipped for training in the page (the page holds the last SHIPPED_VALIDATION out for validation). */
export const SHIPPED_TRAIN = 4500;
export const SHIPPED_VALIDATION = 500;
/** Test images shipped for the page's final accuracy and confusion matrix. */
export const SHIPPED_TEST = 1000;

export interface Subset {
  count: number;
  rows: number;
  cols: number;
  classes: number;
  labels: Uint8Array;
  pixels: Uint8Array;
}

/** The uncompressed file: header, labels, pixels. */
export function encodeSubset(subset: Subset): Uint8Array {
  const { count, rows, cols, classes, labels, pixels } = subset;
  if (labels.length !== count) throw new RangeError(`expected ${count} labels, got ${labels.length}`);
  if (pixels.length !== count * rows * cols) throw new RangeError(`expected ${count * rows * cols} pixel bytes, got ${pixels.length}`);
  const out = new Uint8Array(SUBSET_HEADER_BYTES + count + pixels.length);
  for (let i = 0; i < 4; i++) out[i] = SUBSET_MAGIC.charCodeAt(i);
  out[4] = SUBSET_VERSION;
  out[5] = rows;
  out[6] = cols;
  out[7] = classes;
  new DataView(out.buffer).setUint32(8, count, true);
  out.set(labels, SUBSET_HEADER_BYTES);
  out.set(pixels, SUBSET_HEADER_BYTES + count);
  return out;
}

/**
 * The zlib level of every compressed file the site ships (this subset, the comparison packs): higher
 * levels shrink these files by little and cost many times the time, which every build pays.
 */
export const SHIPPED_GZIP_LEVEL = 6;

/**
 * A seeded, class-balanced subset of one split of a dataset, in shuffled order (so any prefix is roughly
 * balanced too), as the gzip-compressed file the site ships.
 */
export function subsetFile(split: SplitName, count: number, { dataset = "mnist", seed = 1 } = {}): Uint8Array {
  const data = loadDataset(dataset)[split];
  const indices = shuffleInPlace(stratifiedSubset(data.labels, count, deriveSeed(seed, `shipped ${split} subset`)), createRng(deriveSeed(seed, `shipped ${split} order`)));
  const labels = new Uint8Array(count);
  const pixels = new Uint8Array(count * PIXELS);
  indices.forEach((index, k) => {
    labels[k] = data.labels[index];
    pixels.set(data.images.subarray(index * PIXELS, (index + 1) * PIXELS), k * PIXELS);
  });
  return gzipSync(encodeSubset({ count, rows: IMAGE_H, cols: IMAGE_W, classes: NUM_CLASSES, labels, pixels }), { level: SHIPPED_GZIP_LEVEL });
}
