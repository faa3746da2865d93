// End to end, with real input events in headless Chromium, on the draw page: a digit drawn with the
// mouse and with a finger gives the 28×28 input and each model's probabilities, checked against the
// same model files run in Node; the CNN's filters, feature maps and saliency follow the drawing. No
// console errors and no request leaving 127.0.0.1.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { canvasDigest, siteInBrowser, skipWithoutChromium as skip, type SiteInBrowser } from "../helpers/browser.ts";
import { BUILD_TIMEOUT_MS, readBuiltBytes, readBuiltJson } from "../helpers/site.ts";

/** A model must score at least this on the test set before a test expects it to read a plain stroke as a 1. */
const GOOD_MODEL = 0.95;

interface Visit {
  page: Page;
}

interface RunSummary {
  id: string;
  hasWeights: boolean;
  testAccuracy: number | null;
}

describe("the draw page in Chromium", { skip }, () => {
  let site: SiteInBrowser;

  before(
    async () => {
      site = await siteInBrowser();
    },
    { timeout: BUILD_TIMEOUT_MS }
  );

  after(async () => {
    await site?.close();
  });

  const summaries = () => readBuiltJson<{ runs: RunSummary[] }>(site.dir, "data/runs.json").runs;
  const readBuilt = (path: string) => readBuiltBytes(site.dir, path);

  /** Opens a page without waiting for its cells (the tests wait for what each needs). */
  async function open(path: string, options: { hasTouch?: boolean } = {}): Promise<Visit> {
    return { page: await site.open(path, { ...options, rendered: false }) };
  }

  /** Closes a page: no console or page error, no failed request, none leaving 127.0.0.1, no cell showing an error. */
  async function close(visit: Visit) {
    assert.deepEqual(await site.finish(visit.page), [], "what went wrong on the page");
  }


  interface Card {
    model: string;
    top: number | null;
    probabilities: number[] | null;
    bars: number;
  }

  async function cards(page: Page): Promise<Card[]> {
    return page.locator(".prediction-card").evaluateAll((figures) =>
      figures.map((f) => ({
        model: f.getAttribute("data-model")!,
        top: f.getAttribute("data-top") ? Number(f.getAttribute("data-top")) : null,
        probabilities: f.getAttribute("data-probabilities") ? (JSON.parse(f.getAttribute("data-probabilities")!) as number[]) : null,
        bars: f.querySelectorAll("g.probability-bar rect").length
      }))
    );
  }

  /** The 28×28 preview as 784 ink values (0..1; the canvas draws ink dark on white). */
  async function preview(page: Page): Promise<number[]> {
    return page.locator("canvas.model-input").evaluate((canvas: HTMLCanvasElement) => {
      const { data } = canvas.getContext("2d")!.getImageData(0, 0, 28, 28);
      return Array.from({ length: 784 }, (_, i) => (255 - data[i * 4]) / 255);
    });
  }

  function inkBox(pixels: number[]) {
    let x0 = 28;
    let x1 = -1;
    let y0 = 28;
    let y1 = -1;
    let mass = 0;
    let cx = 0;
    let cy = 0;
    pixels.forEach((v, i) => {
      if (v <= 0.02) return;
      const x = i % 28;
      const y = Math.floor(i / 28);
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
      mass += v;
      cx += (x + 0.5) * v;
      cy += (y + 0.5) * v;
    });
    return x1 < 0 ? null : { width: x1 - x0 + 1, height: y1 - y0 + 1, cx: cx / mass, cy: cy / mass };
  }

  /** Class probabilities of the page's models for one 28×28 input, computed in Node from the files the site serves. */
  async function nodePredictions(ids: string[], pixels: number[]): Promise<Map<string, number[]>> {
    const { initTf } = await import("../../loaders/engine/backend.ts");
    const tf = await initTf("cpu");
    const out = new Map<string, number[]>();
    for (const id of ids) {
      const json = JSON.parse(readBuilt(`data/models/${id}.json`).toString("utf8"));
      const weights = readBuilt(`data/models/${id}.bin`);
      const model = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights),
          weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength)
        })
      );
      const probs = tf.tidy(() => Array.from((model.predict(tf.tensor4d(pixels, [1, 28, 28, 1])) as import("@tensorflow/tfjs").Tensor).dataSync()));
      model.dispose();
      out.set(id, probs);
    }
    return out;
  }

  async function waitReady(page: Page) {
    await page.locator(".draw-status[data-ready]").waitFor({ timeout: 60_000 });
  }

  /** A vertical stroke down the middle of the pad, as a mouse drag in 24 steps. */
  async function drawStroke(page: Page) {
    const box = (await page.locator("canvas.draw-pad").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let k = 1; k <= 24; k++) await page.mouse.move(box.x + box.width * (0.5 + 0.02 * (k / 24)), box.y + box.height * (0.15 + (0.7 * k) / 24));
    await page.mouse.up();
  }

  /**
   * The cards once n of them show a prediction and the page has settled: the preview redraws as soon
   * as the drawing changes, the cards only when the models have read it, so cards read right after
   * a stroke may still show an earlier frame of it. Settled is the same preview and the same cards
   * in two reads 300 ms apart.
   */
  async function drawnCards(page: Page, n: number): Promise<Card[]> {
    await page.waitForFunction((n) => Array.from(document.querySelectorAll(".prediction-card")).filter((f) => f.getAttribute("data-top")).length === n, n, { timeout: 30_000 });
    let last = "";
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await page.waitForTimeout(300)) {
      const [shown, pixels] = await Promise.all([cards(page), preview(page)]);
      const now = JSON.stringify([shown, pixels]);
      if (now === last) return shown;
      last = now;
    }
    throw new Error("the draw page did not settle within 30 s of the stroke");
  }

  it("/draw: a mouse stroke shows the 28×28 input and each model's probabilities; Clear empties them", async (t) => {
    const expected = summaries().filter((r) => r.hasWeights && ["baseline-mlp", "mlp-512-512-dropout", "cnn-strong"].includes(r.id));
    assert.equal(expected.length, 3, "the baseline MLP, the wide MLP and the tuned CNN have stored weights");
    const v = await open("/draw");
    try {
      await waitReady(v.page);
      const backend = await v.page.locator(".draw-status").getAttribute("data-backend");
      t.diagnostic(`backend: ${backend}; ${await v.page.locator(".draw-status").textContent()}`);
      let shown = await cards(v.page);
      assert.deepEqual(shown.map((c) => c.model), expected.map((r) => r.id), "one card per model, in order");
      assert.ok(shown.every((c) => c.top === null && c.bars === 10), "before drawing: empty cards with ten (zero) bars");
      assert.equal(inkBox(await preview(v.page)), null, "before drawing: a blank 28×28 preview");

      await drawStroke(v.page);
      shown = await drawnCards(v.page, 3);
      const pixels = await preview(v.page);
      const ink = inkBox(pixels);
      assert.ok(ink, "the preview shows the drawing");
      assert.equal(ink.height, 20, `a vertical stroke is scaled to 20 pixels high (got ${ink.height})`);
      assert.ok(ink.width <= 5, `and stays narrow (${ink.width} pixels)`);
      assert.ok(Math.abs(ink.cx - 14) <= 0.6 && Math.abs(ink.cy - 14) <= 0.6, `centred by mass (${ink.cx.toFixed(2)}, ${ink.cy.toFixed(2)})`);

      // What the page shows is what the same model files compute in Node on the image the page shows.
      const node = await nodePredictions(expected.map((r) => r.id), pixels);
      for (const card of shown) {
        const run = expected.find((r) => r.id === card.model)!;
        assert.equal(card.bars, 10, `${card.model}: ten bars`);
        const p = card.probabilities!;
        assert.equal(p.length, 10);
        assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-3, `${card.model}: probabilities sum to 1`);
        const q = node.get(card.model)!;
        const diff = Math.max(...p.map((x, i) => Math.abs(x - q[i])));
        assert.ok(diff < 0.03, `${card.model}: page and Node differ by up to ${diff.toFixed(4)}`);
        const [first, second] = [...q].sort((a, b) => b - a);
        if (first - second > 0.05) assert.equal(card.top, q.indexOf(first), `${card.model}: top class as in Node`);
        t.diagnostic(`${card.model} (test accuracy ${((run.testAccuracy ?? 0) * 100).toFixed(1)}%) reads the stroke as ${card.top} with ${(p[card.top!] * 100).toFixed(0)}%`);
        // Only a model that is good at the test set can be held to reading a plain stroke as a 1.
        if ((run.testAccuracy ?? 0) >= GOOD_MODEL) assert.equal(card.top, 1, `${card.model} scores ${run.testAccuracy} on the test set, so it should read a vertical stroke as 1`);
      }
      const captions = await v.page.locator(".draw-column .caption").allTextContents();
      assert.match(captions.join(" "), /→ \d+×20/, "the preprocessing is described");

      await v.page.locator("button.clear-button").click();
      await v.page.waitForFunction(() => Array.from(document.querySelectorAll(".prediction-card")).every((f) => !f.getAttribute("data-top")), null, { timeout: 10_000 });
      assert.equal(inkBox(await preview(v.page)), null, "Clear empties the preview");
      assert.ok((await cards(v.page)).every((c) => c.top === null), "and the cards");
    } finally {
      await close(v);
    }
  });

  it("/draw: the CNN's filters, feature maps and saliency, and the MLP's weights, follow the drawing", async () => {
    const v = await open("/draw");
    try {
      await waitReady(v.page);
      // Before drawing: the filters of the CNN's first two convolutions and the MLP's first layer, no maps.
      assert.equal(await v.page.locator("[data-filters]").count(), 3, "two convolutions' filters and the MLP's weights");
      const filters = await canvasDigest(v.page, "[data-filters] canvas.map-image");
      assert.ok(filters.total >= 3 && filters.drawn === filters.total, `every filter image is drawn (${filters.drawn} of ${filters.total})`);
      assert.equal(await v.page.locator(".feature-maps").count(), 0, "no feature maps before a drawing");

      await drawStroke(v.page);
      await drawnCards(v.page, 3);
      const rows = v.page.locator(".feature-maps .layer-row");
      await rows.first().waitFor({ timeout: 30_000 });
      const kinds = await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute("data-kind")));
      assert.ok(kinds.includes("Conv2D"), `a row per layer, convolutions included: ${kinds.join(", ")}`);
      assert.equal(kinds.at(-1), "Dense", "the last row is the output layer");
      assert.match((await rows.last().textContent()) ?? "", /10 class probabilities/);
      const first = await canvasDigest(v.page, ".feature-maps .layer-row[data-kind='Conv2D'] canvas");
      assert.ok(first.drawn > 0, "the convolution's feature maps show the drawing");
      const salient = await canvasDigest(v.page, "canvas.map-image[aria-label^='saliency']");
      assert.equal(salient.drawn, 1, "a saliency map is drawn");

      // A second stroke across: the maps change with the drawing.
      const box = (await v.page.locator("canvas.draw-pad").boundingBox())!;
      await v.page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.3);
      await v.page.mouse.down();
      for (let k = 1; k <= 16; k++) await v.page.mouse.move(box.x + box.width * (0.25 + (0.5 * k) / 16), box.y + box.height * 0.3);
      await v.page.mouse.up();
      await drawnCards(v.page, 3);
      let after = first;
      for (const deadline = Date.now() + 30_000; after.digest === first.digest && Date.now() < deadline; await v.page.waitForTimeout(300)) {
        after = await canvasDigest(v.page, ".feature-maps .layer-row[data-kind='Conv2D'] canvas");
      }
      assert.notEqual(after.digest, first.digest, "the feature maps change with the drawing");
    } finally {
      await close(v);
    }
  });

  it("/draw: a finger draws too, and the wasm backend loads its .wasm from the site", async (t) => {
    const v = await open("/draw?backend=wasm", { hasTouch: true });
    const wasm: string[] = [];
    v.page.on("response", (response) => {
      if (response.url().endsWith(".wasm")) wasm.push(`${response.status()} ${new URL(response.url()).host}`);
    });
    try {
      await waitReady(v.page);
      assert.equal(await v.page.locator(".draw-status").getAttribute("data-backend"), "wasm");
      const box = (await v.page.locator("canvas.draw-pad").boundingBox())!;
      // A touch drag through the DevTools protocol: Chromium turns it into pointer events of type "touch".
      const cdp = await v.page.context().newCDPSession(v.page);
      const at = (fx: number, fy: number) => [{ x: box.x + box.width * fx, y: box.y + box.height * fy }];
      await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: at(0.3, 0.2) });
      for (let k = 1; k <= 16; k++) await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: at(0.3 + (0.4 * k) / 16, 0.2) });
      for (let k = 1; k <= 16; k++) await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: at(0.7 - (0.25 * k) / 16, 0.2 + (0.6 * k) / 16) });
      await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
      const shown = await drawnCards(v.page, 3);
      const ink = inkBox(await preview(v.page));
      assert.ok(ink && ink.height === 20 && ink.width >= 8, `a touch-drawn 7 fills the 20-pixel box (${JSON.stringify(ink)})`);
      t.diagnostic(`touch-drawn 7 on wasm: ${shown.map((c) => `${c.model} → ${c.top}`).join(", ")}`);
      assert.ok(wasm.length >= 1 && wasm.every((w) => w.startsWith("200 127.0.0.1")), `the .wasm binary came from the site (${wasm.join(", ")})`);
    } finally {
      await close(v);
    }
  });
});
