// The activation page's record of the networks' insides, in headless Chromium: one gradient line per
// configuration of the built data, one histogram band per epoch and bin, and both charts follow the
// layer and configuration pickers; the gradient claim is shown with its evidence.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { siteInBrowser, skipWithoutChromium as skip, type SiteInBrowser } from "../helpers/browser.ts";
import { BUILD_TIMEOUT_MS, readBuiltJson } from "../helpers/site.ts";

interface InsideFile {
  runs: { group: string; histograms: { counts: number[] }[][] | null; layers: { label: string }[] }[];
}

describe("the recorded insides on the activation page in Chromium", { skip }, () => {
  let site: SiteInBrowser;
  let inside: InsideFile;
  before(
    async () => {
      site = await siteInBrowser();
      inside = readBuiltJson(site.dir, "/data/inside/activation-init.json");
    },
    { timeout: BUILD_TIMEOUT_MS }
  );
  after(async () => site?.close());

  it("draws a line per configuration and a band per epoch and bin, following the pickers", async () => {
    const page = await site.open("/studies/activation-init");
    try {
      const heading = page.locator("h2#inside-the-training");
      await heading.scrollIntoViewIfNeeded();
      const section = page.locator("h2#inside-the-training ~ *");
      const lines = section.locator('svg g[aria-label="line"] path');
      const groups = new Set(inside.runs.map((r) => r.group)).size;
      assert.equal(await lines.count(), groups, "one gradient line per configuration");
      const bands = section.locator('svg g[aria-label="rect"] rect');
      const shown = inside.runs.find((r) => r.histograms)!;
      assert.equal(await bands.count(), shown.histograms!.length * shown.histograms![0][0].counts.length);

      // Another layer: the gradient axis names it.
      const layer = page.getByLabel("Layer");
      const last = inside.runs[0].layers.at(-1)!.label;
      await layer.selectOption({ index: inside.runs[0].layers.length - 1 });
      await page.locator(`text=Gradient norm of ${last}`).first().waitFor({ timeout: 10_000 });
      // Another configuration: its histogram is redrawn.
      const before = await bands.evaluateAll((rects) => rects.map((r) => r.getAttribute("x")).join());
      await page.getByLabel("Configuration").selectOption({ index: 1 });
      await page.waitForFunction((b) => Array.from(document.querySelectorAll('h2#inside-the-training ~ * svg g[aria-label="rect"] rect')).map((r) => r.getAttribute("x")).join() !== b, before, { timeout: 10_000 });

      // The claim and its evidence.
      const claim = section.locator("text=Before training, the gradient of").first();
      await claim.waitFor({ timeout: 10_000 });
    } finally {
      assert.deepEqual(await site.finish(page), []);
    }
  });
});
