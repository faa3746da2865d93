// Augmentation: the affine warp is exact for identity and whole-pixel shifts, and random transforms stay in range.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { augmentBatch, randomTransform, warpImage } from "../loaders/data/augment.ts";
import { loadDataset } from "../loaders/data/dataset.ts";

const image = () => {
  const { train } = loadDataset("mnist");
  return Float32Array.from(train.images.subarray(0, 784), (v) => v / 255);
};

describe("augmentation", () => {
  it("the identity transform returns the image unchanged", () => {
    const src = image();
    const dst = new Float32Array(784);
    warpImage(src, 0, dst, 0, [1, 0, 0, 0, 1, 0]);
    assert.deepEqual(dst, src);
  });

  it("a shift of whole pixels moves every pixel by that much", () => {
    const src = image();
    const dst = new Float32Array(784);
    warpImage(src, 0, dst, 0, [1, 0, -2, 0, 1, 3]); // output (x, y) reads input (x - 2, y + 3)
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const sx = x - 2, sy = y + 3;
        const expected = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? src[sy * 28 + sx] : 0;
        assert.ok(Math.abs(dst[y * 28 + x] - expected) < 1e-6, `pixel ${x},${y}`);
      }
    }
  });

  it("a transform with all ranges at zero is the identity", () => {
    const m = randomTransform({ rotationDegrees: 0, widthShift: 0, heightShift: 0, zoom: 0 }, Math.random);
    [1, 0, 0, 0, 1, 0].forEach((v, i) => assert.ok(Math.abs(m[i] - v) < 1e-9));
  });

  it("mild random transforms keep the digit: ink is preserved roughly and values stay in [0, 1]", () => {
    const src = image();
    const batch = new Float32Array(784 * 8);
    for (let i = 0; i < 8; i++) batch.set(src, i * 784);
    let seed = 1;
    const rng = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    augmentBatch(batch, 8, { rotationDegrees: 10, widthShift: 0.1, heightShift: 0.1, zoom: 0.1 }, rng);
    const ink = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
    for (let i = 0; i < 8; i++) {
      const out = batch.subarray(i * 784, (i + 1) * 784);
      assert.ok(out.every((v) => v >= 0 && v <= 1 + 1e-6));
      const ratio = ink(out) / ink(src);
      assert.ok(ratio > 0.7 && ratio < 1.35, `ink ratio ${ratio}`);
      assert.notDeepEqual(out, src);
    }
  });

  it("matches a plain bilinear reference (bounds checked per neighbour) exactly, in place too, on real images", () => {
    // The reference reads each of the four neighbours with its own bounds check: what warpImage's
    // zero-bordered buffer must reproduce bit for bit.
    const reference = (src: Float32Array, m: number[]) => {
      const [a, b, c, d, e, f] = m;
      const out = new Float32Array(784);
      const at = (x: number, y: number) => (x >= 0 && x < 28 && y >= 0 && y < 28 ? src[y * 28 + x] : 0);
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const sx = a * x + b * y + c, sy = d * x + e * y + f;
          const x0 = Math.floor(sx), y0 = Math.floor(sy);
          const fx = sx - x0, fy = sy - y0;
          out[y * 28 + x] = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
        }
      }
      return out;
    };
    const { train } = loadDataset("mnist");
    let seed = 7;
    const rng = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 20; i++) {
      const src = Float32Array.from(train.images.subarray(i * 784, (i + 1) * 784), (v) => v / 255);
      // Strong transforms push samples past every edge of the image.
      const m = randomTransform({ rotationDegrees: 30, widthShift: 0.3, heightShift: 0.3, zoom: 0.3 }, rng);
      const expected = reference(src, m);
      const out = new Float32Array(784);
      warpImage(src, 0, out, 0, m);
      assert.deepEqual(out, expected, `image ${i}`);
      const inPlace = new Float32Array(784 * 2);
      inPlace.set(src, 784);
      warpImage(inPlace, 784, inPlace, 784, m);
      assert.deepEqual(inPlace.subarray(784), expected, `image ${i} in place`);
    }
  });
});
