// Real MNIST training batches for the throughput benchmark: the same images, scaled to [0, 1], for our
// trainer (bench/kernels.ts) and for PyTorch (bench/torch_bench.py, which reads them from a file), so
// that neither side is timed on data the other never sees.
import { writeFileSync } from "node:fs";
import { PIXELS, loadDataset } from "../loaders/data/dataset.ts";

/** Batches the benchmark cycles through. */
export const BATCH_POOL = 4;

export interface RealBatches {
  /** count * 784 pixels in [0, 1], row-major 28x28 per image. */
  pixels: Float32Array;
  labels: Int32Array;
  count: number;
}

/** The first `batchSize * pool` images of MNIST's training split. */
export function realBatches(batchSize: number, pool = BATCH_POOL): RealBatches {
  const { train } = loadDataset("mnist");
  const count = batchSize * pool;
  if (count > train.count) throw new Error(`bench batches: ${count} images asked for, MNIST's training split has ${train.count}`);
  const pixels = new Float32Array(count * PIXELS);
  for (let i = 0; i < pixels.length; i++) pixels[i] = train.images[i] / 255;
  return { pixels, labels: Int32Array.from(train.labels.subarray(0, count)), count };
}

/** Writes realBatches() as little-endian float32 pixels, then int32 labels: what torch_bench.py reads. */
export function writeRealBatches(file: string, batchSize: number, pool = BATCH_POOL): void {
  const { pixels, labels } = realBatches(batchSize, pool);
  writeFileSync(file, Buffer.concat([Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength)]));
}
