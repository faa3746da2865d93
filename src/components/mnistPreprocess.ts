// A drawing made MNIST-like: MNIST's digits were size-normalised to fit a 20×20 box keeping their aspect
// ratio (with anti-aliasing), then placed in a 28×28 field so that their centre of mass is at its centre.
// Pure functions of arrays (no DOM), so the same code runs in the page and in Node's unit tests.

/** A rectangle of a drawing, in drawing pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
/** A drawing made MNIST-like, with where its parts went (see preprocessDrawing). */
export interface Preprocessed {
  pixels: Float32Array;
  box: Box;
  size: { width: number; height: number };
  offset: { x: number; y: number };
  centre: { x: number; y: number };
}

/** The side of an MNIST image, and of the box a digit is scaled to fit. */
export const SIDE = 28 as const;
export const BOX = 20 as const;

/**
 * Turns a drawing into the 28×28 input the models were trained on.
 *
 * `ink` holds one value per pixel of a `width`×`height` drawing, row-major, 0 (blank) to 1 (full ink)
 * (any array-like; 0..255 works with `max: 255`). Steps:
 *   1. the bounding box of the pixels with more ink than `threshold` (of `max`);
 *   2. scale it so its longer side is 20 pixels, keeping the aspect ratio, by averaging the ink over the
 *      area each output pixel covers (a box filter: anti-aliased, and ink-preserving);
 *   3. place it in a 28×28 field with its centre of mass at the centre (14, 14), rounded to whole pixels,
 *      dropping anything shifted outside the field.
 *
 * Returns null for a blank drawing, else {pixels: Float32Array(784) in 0..1, box: {x, y, width, height}
 * (in drawing pixels), size: {width, height} (after scaling), offset: {x, y} (where the scaled box's
 * top-left corner lands in the field), centre: {x, y} (its centre of mass in the field)}.
 */
export function preprocessDrawing(ink: ArrayLike<number>, width: number, height: number, {threshold = 0.02, max = 1}: { threshold?: number; max?: number } = {}): Preprocessed | null {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`bad drawing size ${width}×${height}`);
  if (ink.length !== width * height) throw new RangeError(`expected ${width * height} ink values for ${width}×${height}, got ${ink.length}`);
  const box = boundingBox(ink, width, height, threshold * max);
  if (!box) return null;
  const scale = BOX / Math.max(box.width, box.height);
  const w = Math.max(1, Math.min(BOX, Math.round(box.width * scale)));
  const h = Math.max(1, Math.min(BOX, Math.round(box.height * scale)));
  const small = resampleArea(ink, width, box, w, h, max);

  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = small[y * w + x];
      mass += v;
      mx += (x + 0.5) * v;
      my += (y + 0.5) * v;
    }
  }
  const ox = Math.round(SIDE / 2 - mx / mass);
  const oy = Math.round(SIDE / 2 - my / mass);
  const pixels = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < h; y++) {
    const ty = y + oy;
    if (ty < 0 || ty >= SIDE) continue;
    for (let x = 0; x < w; x++) {
      const tx = x + ox;
      if (tx >= 0 && tx < SIDE) pixels[ty * SIDE + tx] = Math.min(1, small[y * w + x]);
    }
  }
  return {pixels, box, size: {width: w, height: h}, offset: {x: ox, y: oy}, centre: {x: mx / mass + ox, y: my / mass + oy}};
}

/** The smallest rectangle holding every value above `cutoff`, or null when there is none. */
export function boundingBox(ink: ArrayLike<number>, width: number, height: number, cutoff = 0): Box | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > cutoff) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : {x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1};
}

/**
 * Resamples the `box` region of a row-major image of row length `stride` to w×h by area averaging:
 * each output pixel is the mean of the input over the rectangle it covers, partial pixels weighted by
 * their overlap. Done separably (columns, then rows); values are divided by `max`.
 */
function resampleArea(ink: ArrayLike<number>, stride: number, box: Box, w: number, h: number, max: number): Float32Array {
  const wx = overlapWeights(box.width, w);
  const wy = overlapWeights(box.height, h);
  // Horizontal pass: box.height rows of w values.
  const rows = new Float64Array(box.height * w);
  for (let y = 0; y < box.height; y++) {
    const base = (box.y + y) * stride + box.x;
    for (const [out, src, weight] of wx) rows[y * w + out] += ink[base + src] * weight;
  }
  const result = new Float32Array(w * h);
  for (const [out, src, weight] of wy) {
    for (let x = 0; x < w; x++) result[out * w + x] += rows[src * w + x] * weight;
  }
  if (max !== 1) for (let i = 0; i < result.length; i++) result[i] /= max;
  return result;
}

/**
 * For n input cells mapped onto m output cells of n/m inputs each: [output, input, weight] triples, weight
 * being the overlap of the input cell with the output cell divided by the output cell's length.
 */
function overlapWeights(n: number, m: number): [number, number, number][] {
  const step = n / m;
  const out: [number, number, number][] = [];
  for (let o = 0; o < m; o++) {
    const start = o * step;
    const end = start + step;
    for (let i = Math.floor(start); i < Math.min(n, Math.ceil(end)); i++) {
      const overlap = Math.min(end, i + 1) - Math.max(start, i);
      if (overlap > 1e-12) out.push([o, i, overlap / step]);
    }
  }
  return out;
}

/** The ink of a canvas drawn in any opaque colour on a transparent ground: its alpha channel, 0..1. */
export function inkFromImageData({data, width, height}: { data: ArrayLike<number>; width: number; height: number }): Float32Array {
  const ink = new Float32Array(width * height);
  for (let i = 0; i < ink.length; i++) ink[i] = data[i * 4 + 3] / 255;
  return ink;
}
