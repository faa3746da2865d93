// Data augmentation for 28x28 images: a random affine warp (rotation, zoom, shift) with bilinear sampling.
import type { Experiment } from "../spec/schema.ts";

const SIZE = 28;
const PIXELS = SIZE * SIZE;

export type Augmentation = NonNullable<Experiment["augmentation"]>;

/** The inverse map of one random transform: output (x, y) samples the input at (a*x + b*y + c, d*x + e*y + f). */
export function randomTransform(aug: Augmentation, random: () => number): number[] {
  const uniform = (max: number) => (random() * 2 - 1) * max;
  const angle = (uniform(aug.rotationDegrees) * Math.PI) / 180;
  const scale = 1 + uniform(aug.zoom);
  const dx = uniform(aug.widthShift) * SIZE;
  const dy = uniform(aug.heightShift) * SIZE;
  // Forward: rotate and scale about the centre, then shift. Inverse maps output to input.
  const cos = Math.cos(angle) / scale;
  const sin = Math.sin(angle) / scale;
  const centre = (SIZE - 1) / 2;
  const a = cos, b = sin, d = -sin, e = cos;
  const ox = centre + dx, oy = centre + dy;
  return [a, b, centre - a * ox - b * oy, d, e, centre - d * ox - e * oy];
}

const PADDED = SIZE + 2;
/** One image with a border of zeros, so that every bilinear read of warpImage is in bounds. */
const padded = new Float32Array(PADDED * PADDED);

/**
 * Warps one image (PIXELS floats at `src[srcOffset]`) into `dst[dstOffset]`: bilinear sampling at
 * the transformed position, outside pixels reading as 0. The source is first copied into a
 * zero-bordered buffer so that the inner loop needs no per-neighbour bounds checks (it was a third of a
 * CNN training step with checks); `src` and `dst` may be the same array.
 */
export function warpImage(src: Float32Array, srcOffset: number, dst: Float32Array, dstOffset: number, m: number[]): void {
  const [a, b, c, d, e, f] = m;
  for (let y = 0; y < SIZE; y++) padded.set(src.subarray(srcOffset + y * SIZE, srcOffset + (y + 1) * SIZE), (y + 1) * PADDED + 1);
  for (let y = 0; y < SIZE; y++) {
    const by = b * y;
    const ey = e * y;
    const row = dstOffset + y * SIZE;
    for (let x = 0; x < SIZE; x++) {
      const sx = a * x + by + c;
      const sy = d * x + ey + f;
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      let value = 0;
      if (x0 >= -1 && x0 < SIZE && y0 >= -1 && y0 < SIZE) {
        const fx = sx - x0, fy = sy - y0;
        const i = (y0 + 1) * PADDED + x0 + 1;
        value = (1 - fy) * ((1 - fx) * padded[i] + fx * padded[i + 1]) + fy * ((1 - fx) * padded[i + PADDED] + fx * padded[i + PADDED + 1]);
      }
      dst[row + x] = value;
    }
  }
}

/** Augments a batch in place (each image gets its own random transform). */
export function augmentBatch(batch: Float32Array, count: number, aug: Augmentation, random: () => number): void {
  for (let i = 0; i < count; i++) warpImage(batch, i * PIXELS, batch, i * PIXELS, randomTransform(aug, random));
}
