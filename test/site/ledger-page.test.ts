// The per-image ledger page in headless Chromium, with real clicks: clicking an image of its galleries
// lists every counted run's answer for that image, and the answers add up to the runs the built ledger
// counted. No console errors, and no request leaves 127.0.0.1.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { siteInBrowser, skipWithoutChromium as skip, type SiteInBrowser } from "../helpers/browser.ts";
import { BUILD_TIMEOUT_MS, readBuiltJson } from "../helpers/site.ts";

interface LedgerImage {
  index: number;
  label: number;
  right: number;
  answers: { run: number; predicted: number }[];
}

describe("the ledger page in Chromium", { skip }, () => {
  let site: SiteInBrowser;
  let ledger: { runs: unknown[]; hardest: LedgerImage[]; suspectLabels: LedgerImage[] };
  before(
    async () => {
      site = await siteInBrowser();
      ledger = readBuiltJson(site.dir, "/data/ledger.json");
    },
    { timeout: BUILD_TIMEOUT_MS }
  );
  after(async () => site?.close());

  it("a click on an image lists every counted run's answer for it", async () => {
    const galleries = [
      { id: "hardest", images: ledger.hardest, nth: 0 },
      { id: "suspect", images: ledger.suspectLabels, nth: 1 }
    ].filter((g) => g.images.length);
    assert.ok(galleries.length, "the quick profile's ledger lists some images");
    const page = await site.open("/ledger");
    try {
      for (const gallery of galleries) {
        const k = Math.min(2, gallery.images.length - 1);
        const image = gallery.images[k];
        await page.locator(".ledger-gallery").nth(gallery.nth).locator("button.ledger-image").nth(k).click();
        const detail = page.locator(`#${gallery.id}-detail`);
        await detail.locator("h4").waitFor({ timeout: 10_000 });
        const n = ledger.runs.length;
        assert.equal((await detail.locator("h4").textContent())?.trim(), `Test image ${image.index} (labelled ${image.label}): ${image.right} of ${n} runs right`);
        // One line per answer given, with how many runs gave it: together, every counted run.
        const counts = (await detail.locator("li").allTextContents()).map((text) => Number(/: (\d+) runs?,/.exec(text)?.[1]));
        assert.equal(counts.reduce((s, c) => s + c, 0), n, counts.join(", "));
        assert.equal(counts.length, new Set(image.answers.map((a) => a.predicted)).size);
      }
    } finally {
      await page.context().close();
    }
    assert.deepEqual(site.problems(), []);
  });
});
