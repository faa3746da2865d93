// "Look inside" on a drill-down gallery image, in headless Chromium with a real click: the model page
// loads no tfjs until the click; then the stored CNN runs on that image in the page, every layer's output
// is drawn, its answer is the one the gallery shows, and looking at another image redraws the maps.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { canvasDigest, siteInBrowser, skipWithoutChromium as skip, type SiteInBrowser } from "../helpers/browser.ts";
import { BUILD_TIMEOUT_MS } from "../helpers/site.ts";

describe("looking inside a gallery image in Chromium", { skip }, () => {
  let site: SiteInBrowser;
  before(async () => (site = await siteInBrowser()), { timeout: BUILD_TIMEOUT_MS });
  after(async () => site?.close());

  it("runs the stored CNN on the clicked image and draws every layer, loading tfjs only then", async () => {
    // Zeros read as zeros: a cell that has images with every profile.
    const page = await site.open("/cnns?model=cnn-strong&cell=0-0");
    try {
      const tfjsLoaded = () => page.evaluate(() => performance.getEntriesByType("resource").some((e) => e.name.includes("/_node/@tensorflow/")));
      const buttons = page.locator("#drill-cnn-strong .gallery-action");
      await buttons.first().waitFor({ timeout: 20_000 });
      assert.equal(await tfjsLoaded(), false, "the model page loads no tfjs before a reader asks");
      assert.ok((await buttons.count()) >= 2, "at least two images to look inside");

      const lookAt = async (k: number) => {
        const figure = page.locator("#drill-cnn-strong .gallery figure").nth(k);
        const predicted = ((await figure.locator(".gallery-predicted").textContent()) ?? "").replace("predicted ", "");
        await buttons.nth(k).click();
        await page.waitForFunction((n) => document.querySelector(".inside-image")?.getAttribute("data-image") === n, String(await imageIndex(k)), { timeout: 60_000 });
        return { predicted, panel: page.locator(".inside-image") };
      };
      const imageIndex = async (k: number) => Number(/test image #(\d+)/.exec((await page.locator("#drill-cnn-strong .gallery figure canvas").nth(k).getAttribute("title")) ?? "")?.[1]);

      const first = await lookAt(0);
      assert.ok(await tfjsLoaded(), "tfjs is loaded on the click");
      assert.match((await first.panel.locator(".caption").first().textContent()) ?? "", new RegExp(`^answered ${first.predicted} \\(`), "the model in the page gives the stored answer");
      // One row per layer of the stored CNN (3 convolutions, 3 pools, flatten, dense, dropout, output).
      const rows = await first.panel.locator(".layer-row").count();
      assert.ok(rows >= 8, `${rows} layer rows`);
      const maps = await canvasDigest(page, ".inside-image .layer-row[data-kind=Conv2D] canvas");
      assert.ok(maps.drawn > maps.total / 2, `${maps.drawn} of ${maps.total} feature maps show something`);
      const output = first.panel.locator(".layer-row").last().locator("svg.probability-bars");
      assert.match((await output.getAttribute("aria-label")) ?? "", /^probabilities: 0 \d+%, 1 \d+%, .*9 \d+%$/, "the output layer is ten bars labelled by class");
      assert.equal(await output.locator("text").count(), 10);
      const saliency = await canvasDigest(page, ".inside-image .draw-column:nth-child(2) canvas");
      assert.equal(saliency.drawn, 1, "the saliency map is drawn");

      await lookAt(1);
      const again = await canvasDigest(page, ".inside-image .layer-row[data-kind=Conv2D] canvas");
      assert.notEqual(again.digest, maps.digest, "another image gives other feature maps");
    } finally {
      assert.deepEqual(await site.finish(page), []);
    }
  });
});
