// The data behind the two-run comparison page: for one task's test images, every stored run's wrong
// answers (image, predicted class, confidence) and McNemar's exact p-value of every pair of runs; and,
// in a second file the page loads after the numbers, the pixels of every image some run got wrong.
// A reader picks any two runs; the page (src/components/compare.ts decodes both) then needs no
// statistics library, only arithmetic.
import { mcnemarExact, normalZ, LEVEL, ALPHA } from "./stats.ts";
import type { RunPredictions, TestSet } from "../spec/testPredictions.ts";

/** "MNCP", and "MNCI" for the images. */
export const COMPARE_MAGIC = 0x50434e4d;
export const COMPARE_IMAGES_MAGIC = 0x49434e4d;
export const COMPARE_VERSION = 1;
export const PIXELS_PER_IMAGE = 784;

export interface CompareRun {
  id: string;
  title: string;
  predictions: RunPredictions;
}

/** What the pack's JSON header says; the arrays follow it. */
export interface CompareMeta {
  task: string;
  testSet: string;
  classes: number;
  classNames: string[];
  /** Test images every run was scored on. */
  n: number;
  runs: { id: string; title: string; wrong: number }[];
  /** Normal quantile of the intervals' level, their level and the tests' significance level. */
  z: number;
  level: number;
  alpha: number;
}

/** Position of the pair (i, j), i < j, among the R(R-1)/2 pairs in row order. */
export function pairIndex(i: number, j: number, runs: number): number {
  if (!(Number.isInteger(i) && Number.isInteger(j) && 0 <= i && i < j && j < runs)) throw new RangeError(`pairIndex: need 0 <= i < j < ${runs}, got ${i}, ${j}`);
  return i * runs - (i * (i + 1)) / 2 + (j - i - 1);
}

/** Images wrong in one sorted position list and not in the other. */
function onlyIn(a: Uint16Array, b: Uint16Array): number {
  let count = 0;
  let k = 0;
  for (const p of a) {
    while (k < b.length && b[k] < p) k++;
    if (k >= b.length || b[k] !== p) count++;
  }
  return count;
}

/** Each run's wrong answers: the sorted positions of the test images it got wrong. */
function wrongPositions(task: string, testSet: TestSet, runs: readonly CompareRun[]): Uint16Array[] {
  const n = testSet.label.length;
  return runs.map(({ id, predictions }) => {
    if (predictions.predicted.length !== n) throw new RangeError(`comparison of ${task}: run ${id} has ${predictions.predicted.length} predictions, test set ${testSet.id} has ${n} images`);
    const positions: number[] = [];
    for (let i = 0; i < n; i++) if (predictions.predicted[i] !== testSet.label[i]) positions.push(i);
    return Uint16Array.from(positions);
  });
}

/**
 * Packs the comparison data of one task (layout, little-endian): u32 magic "MNCP", u8 version,
 * u8 classes, u16 0, u32 header length H, H bytes of JSON (CompareMeta) padded with spaces to a
 * multiple of 4; then f32[R(R-1)/2] p-values, u32[R + 1] offsets into the wrong answers,
 * u16[W] wrong positions (within a run, the first and then the gaps between them), u16[n] official test index, u8[W] wrong
 * predictions, u8[W] their confidence × 255, u8[n] labels.
 */
export function encodeComparePack(task: string, testSet: TestSet, runs: readonly CompareRun[], classNames: string[]): Uint8Array {
  const n = testSet.label.length;
  const wrong = wrongPositions(task, testSet, runs);
  const R = runs.length;
  const pValues = new Float32Array((R * (R - 1)) / 2);
  for (let i = 0; i < R; i++) {
    for (let j = i + 1; j < R; j++) {
      // Right in i and wrong in j: wrong in j only; and the reverse.
      pValues[pairIndex(i, j, R)] = mcnemarExact(onlyIn(wrong[j], wrong[i]), onlyIn(wrong[i], wrong[j]));
    }
  }
  const W = wrong.reduce((s, w) => s + w.length, 0);
  const meta: CompareMeta = {
    task,
    testSet: testSet.id,
    classes: testSet.classes,
    classNames,
    n,
    runs: runs.map((r, i) => ({ id: r.id, title: r.title, wrong: wrong[i].length })),
    z: normalZ(LEVEL),
    level: LEVEL,
    alpha: ALPHA
  };
  let json = new TextEncoder().encode(JSON.stringify(meta));
  const padded = Math.ceil(json.length / 4) * 4;
  if (padded !== json.length) json = Uint8Array.from([...json, ...new Array(padded - json.length).fill(0x20)]);
  const size = 12 + padded + 4 * pValues.length + 4 * (R + 1) + 2 * (W + n) + 2 * W + n;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, COMPARE_MAGIC, true);
  view.setUint8(4, COMPARE_VERSION);
  view.setUint8(5, testSet.classes);
  view.setUint32(8, padded, true);
  bytes.set(json, 12);
  let at = 12 + padded;
  for (const p of pValues) (view.setFloat32(at, p, true), (at += 4));
  let offset = 0;
  for (let r = 0; r <= R; r++) {
    view.setUint32(at, offset, true);
    at += 4;
    if (r < R) offset += wrong[r].length;
  }
  // Gaps, not positions: within a run they are small and repeat, so the file gzips far better.
  for (const w of wrong) w.forEach((p, k) => (view.setUint16(at, k === 0 ? p : p - w[k - 1], true), (at += 2)));
  for (const index of testSet.index) (view.setUint16(at, index, true), (at += 2));
  runs.forEach((r, k) => {
    for (const p of wrong[k]) bytes[at++] = r.predictions.predicted[p];
  });
  runs.forEach((r, k) => {
    for (const p of wrong[k]) bytes[at++] = Math.round(r.predictions.confidence[p] * 255);
  });
  bytes.set(testSet.label, at);
  at += n;
  if (at !== size) throw new Error(`encodeComparePack: wrote ${at} bytes of ${size}`);
  return bytes;
}

/**
 * The pixels of every test image some run got wrong (layout: u32 magic "MNCI", u32 count P,
 * u16[P] positions in the test set, sorted, padded to a multiple of 4 bytes, then u8[P × 784]).
 */
export function encodeCompareImages(task: string, testSet: TestSet, runs: readonly CompareRun[], pixelsOf: (officialIndex: number) => Uint8Array): Uint8Array {
  const union = [...new Set(wrongPositions(task, testSet, runs).flatMap((w) => Array.from(w)))].sort((a, b) => a - b);
  const P = union.length;
  const start = 8 + Math.ceil((2 * P) / 4) * 4;
  const bytes = new Uint8Array(start + P * PIXELS_PER_IMAGE);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, COMPARE_IMAGES_MAGIC, true);
  view.setUint32(4, P, true);
  union.forEach((p, k) => {
    view.setUint16(8 + 2 * k, p, true);
    const pixels = pixelsOf(testSet.index[p]);
    if (pixels.length !== PIXELS_PER_IMAGE) throw new RangeError(`comparison of ${task}: image ${testSet.index[p]} has ${pixels.length} pixels, expected ${PIXELS_PER_IMAGE}`);
    bytes.set(pixels, start + k * PIXELS_PER_IMAGE);
  });
  return bytes;
}
