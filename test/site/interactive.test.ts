// End to end, with real input events in headless Chromium: drawing a digit with the mouse and a finger
// (the 28×28 input and each model's probabilities, checked against the same models run in Node), the
// confusion-matrix drill-down (a click shows that cell's test images), its state kept in the address and
// restored from it, and the payload and time to interactive of every page (reported, not asserted).
// No console errors and no request leaving 127.0.0.1 anywhere.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { canvasDigest, siteInBrowser, skipWithoutChromium as skip, type SiteInBrowser } from "../helpers/browser.ts";
import { BUILD_TIMEOUT_MS, builtDataFile, configuredDataPaths, configuredPages, listFiles } from "../helpers/site.ts";

/** A model must score at least this on the test set before a test expects it to read a plain stroke as a 1. */
const GOOD_MODEL = 0.95;
/** Images per confusion cell kept in the predictions files (loaders/report/predictions.ts CELL_LIMIT). */
const CELL_LIMIT = 24;

interface Visit {
  page: Page;
}

interface RunSummary {
  id: string;
  title: string;
  family: string;
  status: string;
  hasWeights: boolean;
  testAccuracy: number | null;
}

interface FamilyRun extends RunSummary {
  confusion: { actual: number; predicted: number; count: number; rate: number }[];
  classNames: string[];
}

const pages = await configuredPages();
const familyFiles = (await configuredDataPaths()).filter((path) => path.startsWith("/data/family/"));
const familyPage: Record<string, string> = { "baseline-mlp": "/baseline", "deep-mlp": "/deeper-mlps", cnn: "/cnns" };

describe("interactive cells in Chromium", { skip }, () => {
  let site: SiteInBrowser;
  let dir: string;

  before(
    async () => {
      site = await siteInBrowser();
      dir = site.dir;
    },
    { timeout: BUILD_TIMEOUT_MS }
  );

  after(async () => {
    await site?.close();
  });

  function readJson<T>(path: string): T {
    const file = builtDataFile(dir, path);
    assert.ok(file, `no built copy of ${path} in ${dir}/_file`);
    return JSON.parse(readFileSync(join(dir, file), "utf8")) as T;
  }

  /** The built copy of a data file with any extension: "data/models/x.bin" → bytes of "_file/data/models/x.<hash>.bin". */
  function readBuilt(path: string): Buffer {
    const dot = path.lastIndexOf(".");
    const pattern = new RegExp(`^_file/${escape(path.slice(0, dot))}\\.[0-9a-f]{8}${escape(path.slice(dot))}$`);
    const file = listFiles(dir).find((f) => pattern.test(f.split("\\").join("/")));
    assert.ok(file, `no built copy of ${path}`);
    return readFileSync(join(dir, file));
  }
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  const summaries = () => readJson<{ runs: RunSummary[] }>("data/runs.json").runs;
  const familyRuns = () => familyFiles.flatMap((path) => readJson<{ runs: FamilyRun[] }>(path).runs);

  /** Opens a page without waiting for its cells (the tests wait for what each needs). */
  async function open(path: string, options: { hasTouch?: boolean } = {}): Promise<Visit> {
    return { page: await site.open(path, { ...options, rendered: false }) };
  }

  const rendered = (page: Page) => site.rendered(page);

  /** Closes a page: no console or page error, no failed request, none leaving 127.0.0.1, no cell showing an error. */
  async function close(visit: Visit) {
    assert.deepEqual(await site.finish(visit.page), [], "what went wrong on the page");
  }

  // ---------------------------------------------------------------------------------------------
  // Draw a digit

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

  // ---------------------------------------------------------------------------------------------
  // Confusion-matrix drill-down and deep links

  const cellRect = (page: Page, id: string, actual: number, predicted: number) =>
    page.locator(`#section-${id} .confusion-panel rect.selectable[data-actual="${actual}"][data-predicted="${predicted}"]`);

  async function galleryCaptions(page: Page, id: string): Promise<string[]> {
    return page.locator(`#drill-${id} .gallery figcaption`).allTextContents();
  }

  it("model pages: clicking a confusion cell shows its test images; the address keeps the state and restores it", async (t) => {
    const runs = familyRuns();
    const drillable = runs.filter((r) => r.hasWeights && r.status === "completed" && r.confusion.length);
    assert.ok(drillable.length >= 1, "at least one run keeps its weights");
    for (const run of drillable) {
      const path = familyPage[run.family];
      const names = run.classNames;
      // The largest off-diagonal cell (a real mistake to look at), and the diagonal cell of its true class.
      const mistake = [...run.confusion].filter((d) => d.actual !== d.predicted).sort((a, b) => b.count - a.count || a.actual - b.actual)[0];
      const v = await open(path);
      try {
        await rendered(v.page);
        assert.equal(await v.page.locator(`#section-${run.id} .confusion-panel rect.selectable`).count(), 100, `${run.id}: every cell is clickable`);
        for (const other of runs.filter((r) => familyPage[r.family] === path && !r.hasWeights)) {
          assert.equal(await v.page.locator(`#section-${other.id} .confusion-panel rect.selectable`).count(), 0, `${other.id} has no stored predictions, so no clickable cells`);
        }

        // Click a mistake cell: its gallery.
        await cellRect(v.page, run.id, mistake.actual, mistake.predicted).click();
        await v.page.locator(`#drill-${run.id} .drill-heading[data-actual="${mistake.actual}"][data-predicted="${mistake.predicted}"]`).waitFor({ timeout: 20_000 });
        let captions = await galleryCaptions(v.page, run.id);
        assert.equal(captions.length, Math.min(mistake.count, CELL_LIMIT), `${run.id}: images of actual ${mistake.actual} predicted ${mistake.predicted}`);
        for (const c of captions) assert.ok(c.startsWith(`true ${names[mistake.actual]} → predicted ${names[mistake.predicted]}`), `${run.id}: caption "${c}"`);
        const confidences = captions.map((c) => Number(/\((\d+)%\)/.exec(c)?.[1]));
        assert.deepEqual(confidences, [...confidences].sort((a, b) => b - a), `${run.id}: most confident first`);
        assert.match(await v.page.locator(`#drill-${run.id} .drill-heading`).textContent() ?? "", new RegExp(`^${escape(run.title)}: ${mistake.count} `));
        assert.match(await v.page.locator(`#drill-${run.id} .scores`).textContent() ?? "", /Recall of .+: \d+\.\d\d% .* precision of .+: \d+\.\d\d%/s);
        assert.equal(await v.page.locator(`#section-${run.id} rect.selected`).count(), 1, "the chosen cell is outlined");

        // A correct (diagonal) cell, chosen with the keyboard; then shares instead of counts.
        const diagonal = run.confusion.find((d) => d.actual === mistake.actual && d.predicted === mistake.actual)!;
        await cellRect(v.page, run.id, diagonal.actual, diagonal.predicted).focus();
        await v.page.keyboard.press("Enter");
        await v.page.locator(`#drill-${run.id} .drill-heading[data-actual="${diagonal.actual}"][data-predicted="${diagonal.actual}"]`).waitFor({ timeout: 10_000 });
        captions = await galleryCaptions(v.page, run.id);
        assert.equal(captions.length, Math.min(diagonal.count, CELL_LIMIT), `${run.id}: images of correct ${diagonal.actual}s`);
        for (const c of captions) assert.ok(c.startsWith(`true ${names[diagonal.actual]} → predicted ${names[diagonal.actual]}`), `${run.id}: caption "${c}"`);
        await v.page.locator(`#section-${run.id} .confusion-toggle input[type=radio]`).nth(1).check();
        const url = new URL(v.page.url());
        assert.equal(url.searchParams.get("model"), run.id);
        assert.equal(url.searchParams.get("cell"), `${diagonal.actual}-${diagonal.actual}`);
        assert.equal(url.searchParams.get("show"), "shares");
        const shares = await v.page.locator(`#section-${run.id} .confusion-panel g.confusion-label text`).allTextContents();

        // The same address in a fresh page restores cell, gallery and toggle, and scrolls to the matrix.
        const restored = await open(`${url.pathname}${url.search}`);
        try {
          await rendered(restored.page);
          await restored.page.locator(`#drill-${run.id} .drill-heading[data-actual="${diagonal.actual}"][data-predicted="${diagonal.actual}"]`).waitFor({ timeout: 20_000 });
          assert.deepEqual(await galleryCaptions(restored.page, run.id), captions, "the same gallery");
          assert.ok(await restored.page.locator(`#section-${run.id} .confusion-toggle input[type=radio]`).nth(1).isChecked(), "shares, as in the link");
          assert.deepEqual(await restored.page.locator(`#section-${run.id} .confusion-panel g.confusion-label text`).allTextContents(), shares, "the matrix shows shares");
          const selected = restored.page.locator(`#section-${run.id} rect.selected`);
          assert.equal(await selected.count(), 1);
          assert.deepEqual([await selected.getAttribute("data-actual"), await selected.getAttribute("data-predicted")], [String(diagonal.actual), String(diagonal.actual)]);
          await restored.page.waitForTimeout(500);
          const top = await restored.page.locator(`#section-${run.id} .confusion-panel`).evaluate((e) => e.getBoundingClientRect().top);
          assert.ok(top > -5 && top < 300, `the linked matrix is scrolled into view (top at ${top}px)`);
        } finally {
          await close(restored);
        }

        // A second click on the chosen cell closes it, and the address forgets the cell.
        await cellRect(v.page, run.id, diagonal.actual, diagonal.predicted).click();
        await v.page.waitForFunction((id) => !document.querySelector(`#drill-${id} .drill-heading`), run.id, { timeout: 5_000 });
        assert.equal(new URL(v.page.url()).searchParams.get("cell"), null);
        t.diagnostic(`${run.id} on ${path}: ${mistake.count} × actual ${mistake.actual} → ${mistake.predicted} and ${diagonal.count} correct ${diagonal.actual}s drilled into`);
      } finally {
        await close(v);
      }
    }
  });

  it("model pages: a hostile or stale address is ignored with a visible note, never a frozen panel", async () => {
    const run = familyRuns().find((r) => r.hasWeights && r.status === "completed" && r.confusion.length)!;
    const path = familyPage[run.family];
    for (const cell of ["99-99", "3-10", "10-0"]) {
      const v = await open(`${path}?model=${run.id}&cell=${cell}`);
      try {
        await rendered(v.page);
        const note = v.page.locator(`#drill-${run.id} p.diverged`);
        await note.waitFor({ timeout: 10_000 });
        assert.match((await note.textContent()) ?? "", new RegExp(`cell ${cell.replace("-", "–")}, which this model's 10 × 10 matrix does not have`));
        assert.equal(await v.page.locator(`#drill-${run.id}:has-text("Loading the test predictions")`).count(), 0, `${cell}: no endless loading`);
        // The panel still works: a click opens a real cell.
        await cellRect(v.page, run.id, 0, 0).click();
        await v.page.locator(`#drill-${run.id} .drill-heading[data-actual="0"][data-predicted="0"]`).waitFor({ timeout: 20_000 });
      } finally {
        await close(v);
      }
    }
    const unknown = await open(`${path}?model=no-such-model&cell=1-2#%E0%A4%A`);
    try {
      await rendered(unknown.page);
      await unknown.page.locator("text=which is not a model of this page").waitFor({ timeout: 10_000 });
    } finally {
      await close(unknown);
    }
  });

  // ---------------------------------------------------------------------------------------------
  // Payload and time to interactive

  it("payload and time to interactive of every page (reported, not asserted)", async (t) => {
    const rows: { path: string; bytes: number; ms: number; tfjs: boolean }[] = [];
    for (const spec of pages) {
      const v = await open(spec.path);
      try {
        // Interactive: every cell rendered and, on the draw page, the models loaded. Timed from navigation start.
        // (A string, because tsx would wrap a named function in a helper the page does not have.)
        const ms = await v.page.evaluate<number>(`(async () => {
          while (document.querySelectorAll("observablehq-loading").length > 0 ||
                 (document.querySelector("canvas.draw-pad") && !document.querySelector(".draw-status[data-ready]")))
            await new Promise((r) => setTimeout(r, 20));
          return performance.now();
        })()`);
        await v.page.waitForLoadState("networkidle");
        const { bytes, tfjs } = await v.page.evaluate(() => {
          const entries = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
          const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
          return {
            bytes: entries.reduce((s, e) => s + (e.encodedBodySize || 0), nav?.encodedBodySize ?? 0),
            tfjs: entries.some((e) => e.name.includes("/_node/@tensorflow/"))
          };
        });
        rows.push({ path: spec.path, bytes, ms, tfjs });
      } finally {
        await close(v);
      }
    }
    for (const r of rows) t.diagnostic(`${r.path}: ${(r.bytes / 1e6).toFixed(2)} MB, interactive after ${Math.round(r.ms)} ms${r.tfjs ? " (loads tfjs)" : ""}`);
    const largest = rows.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    t.diagnostic(`largest page: ${largest.path}, ${(largest.bytes / 1e6).toFixed(2)} MB, interactive after ${Math.round(largest.ms)} ms (target: under 3 s)`);
    // The one thing asserted: pages that have no use for tfjs do not load it.
    for (const r of rows) if (r.tfjs) assert.ok(["/draw", "/train"].includes(r.path), `${r.path} loads tfjs without needing it`);
  });
});
