// Data augmentation for 28x28 images: a random affine warp (rotation, zoom, shift) with bilinear sampling.
import type { Experiment } from "./schema.ts";

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

/** Warps one image (PIXELS floats at `src[srcOffset]`) into `dst[dstOffset]`. Outside pixels read as 0. */
export function warpImage(src: Float32Array, srcOffset: number, dst: Float32Array, dstOffset: number, m: number[]): void {
  const [a, b, c, d, e, f] = m;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const sx = a * x + b * y + c;
      const sy = d * x + e * y + f;
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const fx = sx - x0, fy = sy - y0;
      let value = 0;
      if (x0 >= -1 && x0 < SIZE && y0 >= -1 && y0 < SIZE) {
        const at = (xx: number, yy: number) =>
          xx >= 0 && xx < SIZE && yy >= 0 && yy < SIZE ? src[srcOffset + yy * SIZE + xx] : 0;
        value =
          (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
          fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
      }
      dst[dstOffset + y * SIZE + x] = value;
    }
  }
}

/** Augments a batch in place (each image gets its own random transform). */
export function augmentBatch(batch: Float32Array, count: number, aug: Augmentation, random: () => number): void {
  const copy = new Float32Array(PIXELS);
  for (let i = 0; i < count; i++) {
    copy.set(batch.subarray(i * PIXELS, (i + 1) * PIXELS));
    warpImage(copy, 0, batch, i * PIXELS, randomTransform(aug, random));
  }
}
