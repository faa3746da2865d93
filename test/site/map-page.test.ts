// The test-set map page in headless Chromium, with a real pointer: every image of the built map is a dot
// and every mistake of the CNN is ringed; hovering shows the image's thumbnail; a click puts the image in
// the address and lists every stored run's answer for it, which stays when the layout changes; a hostile
// address is named, not obeyed; and on a phone the map fits the screen. No console errors, no outside request.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { canvasDigest, siteInBrowser, skipWithoutChromium as skip, type SiteInBrowser } from "../helpers/browser.ts";
import { BUILD_TIMEOUT_MS, readBuiltJson } from "../helpers/site.ts";

interface MapFile {
  index: number[];
  label: number[];
  predicted: number[];
}

describe("the test-set map in Chromium", { skip }, () => {
  let site: SiteInBrowser;
  let map: MapFile;
  before(
    async () => {
      site = await siteInBrowser();
      map = readBuiltJson(site.dir, "/data/map/mnist.json");
    },
    { timeout: BUILD_TIMEOUT_MS }
  );
  after(async () => site?.close());

  it("draws every image, rings the mistakes, shows a thumbnail on hover and every run's answer on a click", async () => {
    const page = await site.open("/map?dataset=mnist");
    try {
      const chart = page.locator(".test-map > figure > svg, .test-map > svg").first();
      await chart.scrollIntoViewIfNeeded();
      // The dots are Plot's first dot mark (filled); the mistakes its second (stroked).
      const marks = chart.locator("g[aria-label=dot]");
      assert.equal(await marks.nth(0).locator("circle").count(), map.label.length);
      const mistakes = map.label.filter((l, i) => map.predicted[i] !== l).length;
      assert.equal(await marks.nth(1).locator("circle").count(), mistakes);
      assert.ok(mistakes > 0, "the quick profile's CNN makes some mistakes");

      // Hover a ringed dot until its thumbnail (loaded after the map) is drawn.
      const ringed = marks.nth(1).locator("circle").first();
      const box = (await ringed.boundingBox())!;
      const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
      await page.waitForFunction(() => performance.getEntriesByType("resource").some((e) => e.name.includes("/map-images/")), null, { timeout: 10_000 });
      await page.waitForTimeout(500);
      await page.mouse.move(x - 30, y - 30);
      await page.mouse.move(x, y);
      const tip = page.locator(".map-tip:not([hidden])");
      await tip.waitFor({ timeout: 10_000 });
      const thumbnail = await canvasDigest(page, ".map-tip canvas");
      assert.equal(thumbnail.drawn, 1, "the hovered image is drawn");
      const tipText = (await tip.textContent()) ?? "";
      const picked = Number(/test image (\d+)/.exec(tipText)?.[1]);
      const i = map.index.indexOf(picked);
      assert.ok(i >= 0 && map.predicted[i] !== map.label[i], `the tip names a mistake: ${tipText}`);

      await page.mouse.click(x, y);
      const detail = page.locator(".map-detail");
      await detail.waitFor({ timeout: 10_000 });
      assert.match((await detail.textContent()) ?? "", new RegExp(`Test image ${picked}, labelled`));
      assert.equal(new URL(page.url()).searchParams.get("image"), String(picked));
      const total = Number(/Every stored run of the task \((\d+)\)/.exec((await detail.textContent()) ?? "")?.[1]);
      assert.ok(total > 1, "the other runs' answers are listed");
      const counts = (await detail.locator(".map-answers li").allTextContents()).map((text) => Number(/: (\d+) runs?/.exec(text)?.[1]));
      assert.equal(counts.reduce((s, c) => s + c, 0), total, counts.join(", "));

      // Another layout keeps the picked image, in the address and the detail.
      await page.getByLabel("PCA").check();
      await page.waitForFunction(() => new URL(location.href).searchParams.get("method") === "pca", null, { timeout: 10_000 });
      await site.rendered(page);
      assert.equal(new URL(page.url()).searchParams.get("image"), String(picked));
      assert.match((await page.locator(".map-detail").textContent()) ?? "", new RegExp(`Test image ${picked},`));
      assert.match((await page.locator("h2").first().textContent()) ?? "", /^PCA of the pixels/);

      // Without a pointer: an index typed in the finder picks that image; one not on the map is named.
      const other = map.index[5];
      await page.getByLabel("index of a test image to pick").fill(String(other));
      await page.getByRole("button", { name: "Show" }).click();
      await page.waitForFunction((n) => new URL(location.href).searchParams.get("image") === n, String(other), { timeout: 10_000 });
      assert.match((await page.locator(".map-detail").textContent()) ?? "", new RegExp(`Test image ${other},`));
      const absent = [...Array(10000).keys()].find((k) => !map.index.includes(k))!;
      await page.getByLabel("index of a test image to pick").fill(String(absent));
      await page.getByRole("button", { name: "Show" }).click();
      await page.locator(`.map-find >> text=test image ${absent} is not among`).waitFor({ timeout: 10_000 });
      assert.equal(new URL(page.url()).searchParams.get("image"), String(other), "the pick stays");
    } finally {
      assert.deepEqual(await site.finish(page), []);
    }
  });

  it("opens a shared address on its image, names what it does not understand, and fits a phone", async () => {
    const shared = map.index[3];
    const page = await site.open(`/map?dataset=mnist&from=hidden&method=umap&image=${shared}`, 390);
    try {
      assert.match((await page.locator(".map-detail").textContent()) ?? "", new RegExp(`Test image ${shared},`));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px at 390 px`);
      const width = (await page.locator(".test-map svg").last().boundingBox())!.width;
      assert.ok(width <= 390, `the map is ${width} px wide`);
    } finally {
      assert.deepEqual(await site.finish(page), []);
    }
    const hostile = await site.open("/map?dataset=%3Cimg%20src%3Dx%3E&method=tsne&image=-1");
    try {
      const note = (await hostile.locator("p.note").textContent()) ?? "";
      assert.match(note, /"dataset", "method", "image"/);
      assert.equal(await hostile.locator("img[src=x]").count(), 0);
      assert.match((await hostile.locator("h2").first().textContent()) ?? "", /^UMAP of the pixels/);
    } finally {
      assert.deepEqual(await site.finish(hostile), []);
    }
  });
});
