// End to end, with real clicks in headless Chromium: the model pages' confusion-matrix drill-down (a
// click shows that cell's test images), its state kept in the address and restored from it, and the
// payload and time to interactive of every page (reported, not asserted). No console errors and no
// request leaving 127.0.0.1 anywhere. The draw page has its own file, draw-page.test.ts.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { siteInBrowser, skipWithoutChromium as skip, type SiteInBrowser } from "../helpers/browser.ts";
import { BUILD_TIMEOUT_MS, configuredDataPaths, configuredPages, escapeRegExp, readBuiltJson } from "../helpers/site.ts";

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

  const readJson = <T>(path: string) => readBuiltJson<T>(dir, path);

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
        assert.match(await v.page.locator(`#drill-${run.id} .drill-heading`).textContent() ?? "", new RegExp(`^${escapeRegExp(run.title)}: ${mistake.count} `));
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
