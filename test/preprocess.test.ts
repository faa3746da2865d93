// The draw-a-digit page's MNIST-like preprocessing (src/components/mnistPreprocess.ts): bounding box,
// 20×20 fit keeping the aspect ratio, centre of mass at the centre of 28×28; and, end to end, that stored
// full-profile models read synthetic strokes preprocessed this way as the digits they look like.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BOX, SIDE, boundingBox, inkFromImageData, preprocessDrawing } from "../src/components/mnistPreprocess.js";

const W = 280;
const H = 280;

/** A blank drawing with round-nibbed strokes along polylines, anti-aliased over one pixel like a canvas stroke. */
function draw(strokes: [number, number][][], { radius = 9, width = W, height = H } = {}): Float32Array {
  const ink = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let d = Infinity;
      for (const stroke of strokes) {
        for (let k = 0; k + 1 < stroke.length; k++) d = Math.min(d, segmentDistance(x + 0.5, y + 0.5, stroke[k], stroke[k + 1]));
        if (stroke.length === 1) d = Math.min(d, Math.hypot(x + 0.5 - stroke[0][0], y + 0.5 - stroke[0][1]));
      }
      ink[y * width + x] = Math.max(0, Math.min(1, radius + 0.5 - d));
    }
  }
  return ink;
}

function segmentDistance(px: number, py: number, [ax, ay]: [number, number], [bx, by]: [number, number]): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

function rectangle(x: number, y: number, w: number, h: number): Float32Array {
  const ink = new Float32Array(W * H);
  for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) ink[j * W + i] = 1;
  return ink;
}

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

function centreOfMass(pixels: Float32Array): { x: number; y: number } {
  let m = 0;
  let x = 0;
  let y = 0;
  for (let j = 0; j < SIDE; j++) {
    for (let i = 0; i < SIDE; i++) {
      const v = pixels[j * SIDE + i];
      m += v;
      x += (i + 0.5) * v;
      y += (j + 0.5) * v;
    }
  }
  return { x: x / m, y: y / m };
}

const circle = (cx: number, cy: number, r: number, n = 48): [number, number][] =>
  Array.from({ length: n + 1 }, (_, k) => [cx + r * Math.cos((2 * Math.PI * k) / n), cy + r * Math.sin((2 * Math.PI * k) / n)] as [number, number]);

describe("preprocessDrawing", () => {
  it("returns null for a blank drawing and rejects a wrong size", () => {
    assert.equal(preprocessDrawing(new Float32Array(W * H), W, H), null);
    assert.throws(() => preprocessDrawing(new Float32Array(10), W, H), /expected 78400 ink values/);
    assert.throws(() => preprocessDrawing(new Float32Array(0), 0, 0), /bad drawing size/);
  });

  it("finds the bounding box of the ink above the threshold", () => {
    assert.deepEqual(boundingBox(rectangle(30, 40, 50, 60), W, H), { x: 30, y: 40, width: 50, height: 60 });
    const faint = rectangle(30, 40, 50, 60).map((v) => v * 0.01);
    assert.equal(preprocessDrawing(faint, W, H), null, "ink below the 2% threshold is not a drawing");
  });

  it("scales the longer side to 20 pixels keeping the aspect ratio, and conserves ink", () => {
    for (const [w, h, ew, eh] of [
      [100, 200, 10, 20],
      [200, 50, 20, 5],
      [160, 160, 20, 20]
    ]) {
      const out = preprocessDrawing(rectangle(20, 30, w, h), W, H)!;
      assert.deepEqual(out.size, { width: ew, height: eh }, `${w}×${h}`);
      assert.deepEqual(boundingBox(out.pixels, SIDE, SIDE, 0.01)!.width, ew, `${w}×${h}: width in the field`);
      assert.deepEqual(boundingBox(out.pixels, SIDE, SIDE, 0.01)!.height, eh, `${w}×${h}: height in the field`);
      // A solid rectangle stays solid: every covered pixel is full ink, and the total is its area.
      assert.ok(Math.abs(sum(out.pixels) - ew * eh) < 1e-3, `${w}×${h}: ink ${sum(out.pixels)} for area ${ew * eh}`);
    }
  });

  it("anti-aliases: a box filter, not point sampling", () => {
    // A 3-pixel-wide bar scaled by 20/200: ink 3 × 0.1 per output column, spread over one or two pixels.
    const ink = new Float32Array(W * H);
    for (let y = 40; y < 240; y++) for (let x = 100; x < 103; x++) ink[y * W + x] = 1;
    for (let x = 20; x < 220; x++) ink[40 * W + x] = 1; // a 200-wide top bar, so the scale is 20/200
    const out = preprocessDrawing(ink, W, H)!;
    const values = new Set(Array.from(out.pixels).map((v) => Math.round(v * 1000) / 1000));
    assert.ok([...values].some((v) => v > 0 && v < 1), "some pixels are partly inked");
    assert.ok(Math.max(...out.pixels) <= 1);
  });

  it("puts the centre of mass at the centre of the 28×28 field, within half a pixel", () => {
    const shapes = [
      draw([[[140, 40], [140, 240]]]),
      draw([[[60, 60], [220, 60], [100, 240]]]),
      draw([circle(200, 80, 50)]),
      draw([[[20, 20], [30, 250]], [[30, 250], [260, 260]]])
    ];
    for (const ink of shapes) {
      const out = preprocessDrawing(ink, W, H)!;
      const c = centreOfMass(out.pixels);
      assert.ok(Math.abs(c.x - SIDE / 2) <= 0.5 && Math.abs(c.y - SIDE / 2) <= 0.5, `centre of mass at (${c.x.toFixed(2)}, ${c.y.toFixed(2)})`);
      assert.ok(Math.abs(out.centre.x - c.x) < 1e-4 && Math.abs(out.centre.y - c.y) < 1e-4, "the reported centre is the real one");
      assert.ok(out.size.width <= BOX && out.size.height <= BOX);
    }
  });

  it("does not depend on where the digit was drawn", () => {
    const a = preprocessDrawing(draw([[[60, 60], [200, 60], [90, 250]]]), W, H)!;
    const b = preprocessDrawing(draw([[[10, 20], [150, 20], [40, 210]]]), W, H)!;
    assert.deepEqual(Array.from(b.pixels), Array.from(a.pixels));
  });

  it("hardly depends on how large the digit was drawn", () => {
    const big = preprocessDrawing(draw([circle(140, 140, 100)], { radius: 10 }), W, H)!;
    const small = preprocessDrawing(draw([circle(140, 140, 50)], { radius: 5 }), W, H)!;
    const diff = Math.max(...Array.from(big.pixels, (v, i) => Math.abs(v - small.pixels[i])));
    assert.ok(diff < 0.2, `largest pixel difference ${diff.toFixed(3)}`);
  });

  it("accepts 0..255 ink and reads a canvas's alpha channel", () => {
    const ink = draw([[[140, 40], [140, 240]]]);
    const bytes = Uint8ClampedArray.from(ink, (v) => Math.round(v * 255));
    const a = preprocessDrawing(bytes, W, H, { max: 255 })!;
    const b = preprocessDrawing(ink, W, H)!;
    assert.ok(Math.max(...Array.from(a.pixels, (v, i) => Math.abs(v - b.pixels[i]))) < 0.01);
    const rgba = new Uint8ClampedArray(4 * 2 * 1);
    rgba.set([0, 0, 0, 255, 10, 20, 30, 51]);
    assert.deepEqual(Array.from(inkFromImageData({ data: rgba, width: 2, height: 1 }), (v) => Math.round(v * 1000) / 1000), [1, 0.2]);
  });
});

// The full-profile runs are committed; their models must read clean synthetic digits as those digits.
// This fails if the preprocessing drifts from what the models were trained on (inverted, off-centre, wrong scale).
const FULL_RUNS = join(import.meta.dirname, "..", "data", "runs", "full");
// Digit models only: a kept Fashion-MNIST model (the test-set map's) reads clothing, not strokes.
const stored = existsSync(FULL_RUNS)
  ? readdirSync(FULL_RUNS).filter((name) => existsSync(join(FULL_RUNS, name, "model.json")) && JSON.parse(readFileSync(join(FULL_RUNS, name, "run.json"), "utf8")).experiment.dataset === "mnist")
  : [];

describe("stored models read preprocessed synthetic strokes", { skip: stored.length ? false : "no stored full-profile model" }, () => {
  const digits: [string, number, Float32Array][] = [
    ["a vertical stroke", 1, draw([[[140, 30], [142, 250]]], { radius: 10 })],
    ["a ring", 0, draw([circle(140, 140, 75, 64).map(([x, y]) => [x, 140 + (y - 140) * 1.35] as [number, number])], { radius: 11 })],
    ["a seven", 7, draw([[[50, 40], [230, 40], [120, 250]]], { radius: 10 })]
  ];

  it("every stored model with weights", async () => {
    const { initTf } = await import("../loaders/engine/backend.ts");
    const { readModelFiles } = await import("../loaders/report/predictions.ts");
    const tf = await initTf("cpu");
    const before = tf.memory().numTensors;
    for (const name of stored) {
      const dir = join(FULL_RUNS, name);
      const { modelJson, weights } = readModelFiles(dir);
      const model = await tf.loadLayersModel(
        tf.io.fromMemory({ modelTopology: modelJson.modelTopology as object, weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights), weightData: weights.slice().buffer })
      );
      for (const [what, digit, ink] of digits) {
        const input = preprocessDrawing(ink, W, H)!.pixels;
        const probs = tf.tidy(() => (model.predict(tf.tensor4d(input, [1, SIDE, SIDE, 1])) as import("@tensorflow/tfjs").Tensor).dataSync());
        const top = probs.indexOf(Math.max(...probs));
        assert.equal(top, digit, `${name} reads ${what} as ${top} (${Array.from(probs, (p) => p.toFixed(2)).join(" ")})`);
      }
      model.dispose();
    }
    assert.equal(tf.memory().numTensors, before, "no tensors leaked");
  });
});
