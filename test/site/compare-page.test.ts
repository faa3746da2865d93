// The two-run comparison page in headless Chromium, with real clicks and choices: its sentence and
// counts are those compare.ts computes in Node from the same built file, a click on a cell of the
// difference matrix lists the images that moved (and goes into the address), choosing another run
// updates everything, a phone-width viewport does not overflow, and a hostile address is ignored with
// a visible note. No console errors, and no request leaves 127.0.0.1.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { cellChanges, compareRuns, compareSentence, confusionDifference, decodeComparePack, type ComparePack } from "../../src/components/compare.js";
import { siteInBrowser, skipWithoutChromium as skip, type SiteInBrowser } from "../helpers/browser.ts";
import { BUILD_TIMEOUT_MS, listFiles } from "../helpers/site.ts";

describe("the two-run comparison page in Chromium", { skip }, () => {
  let site: SiteInBrowser;
  let pack: ComparePack;

  before(
    async () => {
      site = await siteInBrowser();
      const name = listFiles(site.dir).find((f) => /^_file\/data\/compare\/mnist\.[0-9a-f]{8}\.bin$/.test(f.split("\\").join("/")));
      assert.ok(name, "the built comparison file of mnist");
      pack = decodeComparePack(new Uint8Array(gunzipSync(readFileSync(join(site.dir, name!)))));
    },
    { timeout: BUILD_TIMEOUT_MS }
  );
  after(async () => site?.close());
  const open = (path: string, width?: number) => site.open(path, width);
  const index = (id: string) => pack.meta.runs.findIndex((r) => r.id === id);

  it("states the comparison the Node code computes, and a cell click lists the images that moved", async () => {
    const [a, b] = [index("baseline-mlp"), index("cnn-basic")];
    assert.ok(a >= 0 && b >= 0, "both runs are in the pack");
    const page = await open(`/compare?task=mnist&a=baseline-mlp&b=cnn-basic`);
    try {
      const result = compareRuns(pack, a, b);
      const expected = compareSentence(result, pack.meta.runs[a].title, pack.meta.runs[b].title, pack.meta.level);
      assert.equal((await page.locator(".compare-verdict").textContent())?.trim(), expected);
      // The cell that changed most, clicked for real.
      const cell = confusionDifference(result).filter((d) => d.delta !== 0).sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta))[0];
      const { entered, left } = cellChanges(result, cell.actual, cell.predicted);
      await page.locator(`rect.selectable[data-actual="${cell.actual}"][data-predicted="${cell.predicted}"]`).click();
      const heading = page.locator("#cell-images");
      await heading.waitFor({ timeout: 10_000 });
      assert.match((await heading.textContent()) ?? "", new RegExp(`${entered.length} images? entered the cell, ${left.length} left it`));
      assert.equal(await page.locator(".moved-gallery").first().locator("figure").count(), Math.min(48, entered.length || left.length));
      assert.match(page.url(), new RegExp(`cell=${cell.actual}-${cell.predicted}`));
      // The fixed and broken galleries hold as many images as the counts (up to 48 shown).
      const fixedShown = Math.min(48, result.onlyB);
      assert.ok((await page.locator(".moved-gallery figure canvas").count()) >= fixedShown, "images drawn");
      // Choosing another run B updates the sentence and the address.
      const other = pack.meta.runs.findIndex((r, i) => i !== a && i !== b && r.id.startsWith("baseline-mlp"));
      await page.locator("form", { hasText: "Run B" }).locator("select").selectOption({ label: `${pack.meta.runs[other].title} (${pack.meta.runs[other].id})` });
      const next = compareSentence(compareRuns(pack, a, other), pack.meta.runs[a].title, pack.meta.runs[other].title, pack.meta.level);
      await page.waitForFunction((text) => document.querySelector(".compare-verdict")?.textContent?.trim() === text, next, { timeout: 10_000 });
      assert.match(page.url(), new RegExp(`b=${pack.meta.runs[other].id}`));
      // Another task and back: the runs last picked here come back, not the address's first ones.
      await page.getByLabel("Fashion-MNIST, all ten classes").check();
      await page.waitForFunction(() => location.search.includes("task=fashion-mnist"), null, { timeout: 10_000 });
      await page.getByLabel("MNIST, all ten classes", { exact: true }).check();
      await page.waitForFunction((text) => document.querySelector(".compare-verdict")?.textContent?.trim() === text, next, { timeout: 10_000 });
      assert.match(page.url(), new RegExp(`b=${pack.meta.runs[other].id}`));
    } finally {
      await page.context().close();
    }
    assert.deepEqual(site.problems(), []);
  });

  it("ignores a hostile address with a visible note and still compares, and fits a phone's width", async () => {
    const page = await open(`/compare?task=..%2Fetc&a=%3Cimg%20src%3Dx%3E&b=no-such-run&cell=99-99`, 390);
    try {
      const note = (await page.locator(".compare-note").textContent()) ?? "";
      assert.match(note, /Ignored from the address: the “task” in the address is not of the right form; the “a” in the address is not of the right form/);
      assert.match(note, /no run “no-such-run” of this task is stored/);
      assert.match(note, /no cell 99-99 in a 10-class matrix/);
      assert.equal(await page.locator("img[src=x]").count(), 0, "the address's markup is never inserted");
      assert.ok(((await page.locator(".compare-verdict").textContent()) ?? "").length > 40, "the default pair is compared");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 1, `the page is ${overflow} px wider than a 390 px viewport`);
    } finally {
      await page.context().close();
    }
    assert.deepEqual(site.problems(), []);
  });
});
