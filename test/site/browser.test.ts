// End to end: the built site in headless Chromium. Every page loads without console or page errors and
// without a request leaving 127.0.0.1; charts, confusion matrices, learning curves, digit canvases and the
// data page's grids render; the counts/shares toggle redraws a matrix. Screenshots go to SHOTS_DIR
// (default /tmp/shots) for a person to look at.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { canvasDigest, launchChromium, skipWithoutChromium as skip } from "../helpers/browser.ts";
import { BUILD_TIMEOUT_MS, builtDataFile, configuredDataPaths, configuredPages, ensureSite, serveStatic, type StaticServer } from "../helpers/site.ts";

const SHOTS = process.env.SHOTS_DIR ?? "/tmp/shots";

/** The gallery shows at most this many misclassified images per run (RunSection's default). */
const GALLERY_LIMIT = 24;

interface Visit {
  page: Page;
  consoleErrors: string[];
  pageErrors: string[];
  failed: string[];
  outside: string[];
}

interface RunJson {
  id: string;
  status: string;
  history: unknown[];
  confusion: unknown[];
  misclassified: unknown[];
}

const pages = await configuredPages();
const familyFiles = (await configuredDataPaths()).filter((path) => path.startsWith("/data/family/"));

describe("the built site in Chromium", { skip }, () => {
  let dir: string;
  let disposeSite = () => {};
  let server: StaticServer;
  let browser: Browser;
  /** Every run of every family report, by id, and the pages that showed a section for it. */
  const runsById = new Map<string, RunJson>();
  const shownOn = new Map<string, string[]>();

  before(
    async () => {
      ({ dir, dispose: disposeSite } = await ensureSite());
      server = await serveStatic(dir);
      browser = await launchChromium();
      mkdirSync(SHOTS, { recursive: true });
      for (const path of familyFiles) for (const run of readJson<{ runs: RunJson[] }>(path).runs) runsById.set(run.id, run);
    },
    { timeout: BUILD_TIMEOUT_MS }
  );

  after(async () => {
    await browser?.close();
    await server?.close();
    disposeSite();
  });

  function readJson<T>(path: string): T {
    const file = builtDataFile(dir, path);
    assert.ok(file, `no built copy of ${path} in ${dir}/_file`);
    return JSON.parse(readFileSync(join(dir, file), "utf8")) as T;
  }

  /** Opens a page, records errors and every request, and waits until Framework has rendered every cell. */
  async function visit(path: string): Promise<Visit> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const visit: Visit = { page, consoleErrors: [], pageErrors: [], failed: [], outside: [] };
    // Chromium asks every host for /favicon.ico by itself; the site has none, and that is not a page's fault.
    const favicon = (url: string) => new URL(url).pathname === "/favicon.ico";
    page.on("console", (message) => {
      if (message.type() === "error" && !favicon(message.location().url || "http://x/")) visit.consoleErrors.push(`${message.text()} (${message.location().url})`);
      // Plot warns on the console (and draws a ⚠ in the chart) when a chart is probably wrong.
      if (message.type() === "warning" && message.text().startsWith("Warning:")) visit.consoleErrors.push(`Plot: ${message.text()}`);
    });
    page.on("pageerror", (error) => visit.pageErrors.push(String(error)));
    page.on("request", (request) => {
      const url = new URL(request.url());
      if ((url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "127.0.0.1") visit.outside.push(request.url());
      if (url.protocol === "ws:" || url.protocol === "wss:") visit.outside.push(request.url());
    });
    page.on("requestfailed", (request) => visit.failed.push(`${request.url()}: ${request.failure()?.errorText}`));
    page.on("response", (response) => {
      if (response.status() >= 400 && !favicon(response.url())) visit.failed.push(`${response.url()}: HTTP ${response.status()}`);
    });
    await page.goto(`${server.url}${path}`, { waitUntil: "networkidle" });
    await page.waitForFunction(() => document.querySelectorAll("observablehq-loading").length === 0, null, { timeout: 30_000 });
    await page.waitForTimeout(300); // resize() draws after its first ResizeObserver callback
    return visit;
  }

  async function finish(visit: Visit, name: string) {
    await visit.page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    const cellErrors = await visit.page.locator(".observablehq--error").allTextContents();
    await visit.page.context().close();
    assert.deepEqual(visit.pageErrors, [], "page errors");
    assert.deepEqual(visit.consoleErrors, [], "console errors");
    assert.deepEqual(cellErrors, [], "cells that rendered an error");
    assert.deepEqual(visit.failed, [], "failed requests");
    assert.deepEqual(visit.outside, [], "requests to hosts other than 127.0.0.1");
  }

  for (const spec of pages) {
    const name = spec.path === "/" ? "index" : spec.path.slice(1);
    it(`${spec.path} renders without errors or outside requests`, async () => {
      const v = await visit(spec.path);
      try {
        const charts = await v.page.locator("#observablehq-main svg[class^='plot']").count();
        assert.ok(charts > 0, `${spec.path} has no Plot chart`);
        if (spec.path === "/") await checkOverview(v.page);
        else if (spec.path === "/data") await checkDataPage(v.page);
        else if (spec.path === "/studies/mlp-tuning") await checkSearchBrush(v.page);
        else if (spec.path === "/studies/cnn-tuning") await checkSearchLines(v.page);
        await checkRunSections(v.page, spec.path);
      } finally {
        await finish(v, name);
      }
    });
  }

  async function checkOverview(page: Page) {
    // The overview lists the declared models, each over its seeds; study runs are listed on their study's page.
    const report = readJson<{ groups: { id: string; seeds: number[]; reference: { testAccuracy?: number }[] }[]; claims: Record<string, { text: string }> }>("data/runs.json");
    const groups = report.groups;
    assert.equal(await page.locator("table.group-table tbody tr").count(), groups.length, "one row per model in the table of models");
    const links = await page.locator("table.group-table tbody a").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute("href")));
    for (const group of groups) assert.ok(links.some((href) => href?.endsWith(`#run-${group.id}`)), `the table links to #run-${group.id}`);
    // Each model's seeds are a click away.
    const seeds = page.locator("table.group-table details.seeds").first();
    await seeds.locator("summary").click();
    assert.equal(await seeds.locator("li").count(), groups[0] ? groups.find((g) => g.id === (links[0] ?? "").replace(/^.*#run-/, ""))!.seeds.length : 0, "every seed listed");
    const references = groups.flatMap((g) => g.reference.filter((ref) => ref.testAccuracy != null)).length;
    assert.equal(await page.locator(".claim[data-claim^='models.reference.']").count(), references, "one claim per numeric reference");
    assert.equal(await page.locator("svg[aria-label='mean test accuracy per model with 95% intervals over seeds']").count(), 1, "accuracy chart");
    assert.equal(await page.locator(".profile-banner").count(), 1, "profile banner");
    // Findings are claims with their evidence a click away.
    const ranking = page.locator(".claim[data-claim='models.ranking']").first();
    assert.equal((await ranking.textContent())?.startsWith(report.claims["models.ranking"].text), true, "the ranking claim as the loader wrote it");
    const box = ranking.locator(".evidence");
    assert.equal(await box.isVisible(), false);
    await ranking.locator("button.evidence-toggle").click();
    assert.equal(await box.isVisible(), true, "evidence opens");
    assert.ok((await box.locator("table.evidence-table tr").count()) > 2, "the evidence lists the runs");
  }

  /** The search's parallel coordinates: one line per first-rung point; dragging on an axis selects and the table follows; the importance claim as written. */
  async function checkSearchBrush(page: Page) {
    const report = readJson<{ tuners: { rungs: { trials: unknown[] }[] }[]; claims: Record<string, { text: string }> }>("data/study/mlp-tuning.json");
    const points = report.tuners[0].rungs[0].trials.length;
    const brush = page.locator(".search-brush").first();
    await brush.scrollIntoViewIfNeeded();
    assert.equal(await brush.locator("g.search-trials path").count(), points, "one line per point of the first rung");
    const status = brush.locator(".search-brush-status");
    assert.match((await status.textContent()) ?? "", new RegExp(`^${points} trials`));
    const caption = page.locator("p.caption", { hasText: "of the first rung" }).last();
    assert.match((await caption.textContent()) ?? "", /^Every point of the first rung/);
    // Drag down the upper half of the first axis.
    const box = (await brush.locator(".search-brushes g[data-dim] rect.overlay").first().boundingBox())!;
    const x = box.x + box.width / 2;
    await page.mouse.move(x, box.y + 6);
    await page.mouse.down();
    await page.mouse.move(x, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const selected = /^(\d+) of (\d+) trials selected$/.exec((await status.textContent()) ?? "");
    assert.ok(selected, `status after a drag: ${await status.textContent()}`);
    const kept = Number(selected[1]);
    assert.equal(Number(selected[2]), points);
    assert.ok(kept < points, `a drag over half an axis keeps fewer than all ${points} points`);
    // The linked table's caption counts the same points.
    assert.match((await caption.textContent()) ?? "", new RegExp(`^The ${kept} of ${points} points of the first rung that the selection above keeps`));
    await brush.locator("button.search-brush-clear").click();
    assert.match((await status.textContent()) ?? "", new RegExp(`^${points} trials`), "clearing brings every point back");
    const claim = report.claims["mlp-tuning.importance.mlp-halving"];
    const shown = page.locator(".claim[data-claim='mlp-tuning.importance.mlp-halving']");
    assert.equal(await shown.count(), claim ? 1 : 0, "the importance claim where the loader wrote one");
    if (claim) assert.ok((await shown.textContent())?.startsWith(claim.text), "the importance claim as the loader wrote it");
  }

  /** The CNN search's brushable stages (architecture, augmentation, recipe): one line per point of each stage's first rung. */
  async function checkSearchLines(page: Page) {
    const report = readJson<{ tuners: { id: string; trials: unknown[]; rungs: { trials: unknown[] }[] }[] }>("data/study/cnn-tuning.json");
    const firstRung = (id: string) => {
      const tuner = report.tuners.find((t) => t.id === id)!;
      return (tuner.rungs.length ? tuner.rungs[0].trials : tuner.trials).length;
    };
    const brushes = page.locator(".search-brush");
    const stages = ["cnn-arch", "cnn-augment", "cnn-recipe"].filter((id) => report.tuners.some((t) => t.id === id));
    assert.equal(await brushes.count(), stages.length, `one brushable chart per stage: ${stages.join(", ")}`);
    for (const [i, id] of stages.entries()) assert.equal(await brushes.nth(i).locator("g.search-trials path").count(), firstRung(id), id);
  }

  async function checkDataPage(page: Page) {
    const data = readJson<{ classNames: string[]; samples: unknown[]; meanImages: unknown[]; balance: unknown[] }>("data/dataset/mnist.json");
    const rows = page.locator(".digit-grid-row");
    assert.equal(await rows.count(), data.classNames.length, "one sample row per class");
    for (let i = 0; i < data.classNames.length; i++) {
      assert.equal(await rows.nth(i).locator("canvas").count(), data.samples.length / data.classNames.length, `samples in row ${i}`);
    }
    const samples = await canvasDigest(page, ".digit-grid-row canvas");
    assert.equal(samples.drawn, data.samples.length, "every sample canvas has a drawn digit");
    const means = await canvasDigest(page, ".digit-cell canvas");
    assert.equal(means.total, data.meanImages.length, "one mean image per class");
    assert.equal(means.drawn, data.meanImages.length, "every mean image is drawn");
    const balance = page.locator("svg[aria-label^='class balance']");
    assert.equal(await balance.count(), 2, "class balance charts for the training and test sets");
    assert.equal(await balance.locator("rect").count(), data.balance.length, "one bar per split and class");
  }

  /** Checks every run section on a page against its run in the family reports. */
  async function checkRunSections(page: Page, path: string) {
    const ids = await page.locator("section.run-section > h2[id^='run-']").evaluateAll((hs) => hs.map((h) => h.id.slice("run-".length)));
    for (const id of ids) {
      const run = runsById.get(id);
      assert.ok(run, `${path} has a section for run "${id}", which no family report contains`);
      shownOn.set(id, [...(shownOn.get(id) ?? []), path]);
      await checkRunSection(page, run);
    }
    if (ids.length) {
      assert.equal(await page.locator("svg[aria-label='test accuracy against parameter count']").count(), 1, `${path}: accuracy against parameters`);
    }
  }

  async function checkRunSection(page: Page, run: RunJson) {
    const section = page.locator(`section.run-section:has(> h2#run-${run.id})`);
    assert.equal(await section.count(), 1, `one section headed #run-${run.id}`);
    const curves = section.locator("svg[aria-label^='learning curves']");
    assert.equal(await curves.count(), 2, `${run.id}: loss and accuracy curves`);
    if (run.history.length) assert.ok((await curves.first().locator("path").count()) > 0, `${run.id}: curve lines drawn`);
    if (run.status !== "completed") {
      assert.ok((await section.locator(".diverged").count()) > 0, `${run.id}: shown as ${run.status}`);
      return;
    }
    const cells = section.locator(".confusion-panel g.confusion-cell rect");
    assert.equal(await cells.count(), 100, `${run.id}: a 10×10 confusion matrix`);
    assert.equal(await section.locator("svg[aria-label^='per-class']").count(), 1, `${run.id}: per-class chart`);
    const gallery = await canvasDigest(page, `#section-${run.id} .gallery canvas`);
    const expected = Math.min(run.misclassified.length, GALLERY_LIMIT);
    assert.equal(gallery.total, expected, `${run.id}: gallery canvases`);
    assert.equal(gallery.drawn, expected, `${run.id}: every gallery canvas shows a digit`);
    assert.equal(await section.locator(".gallery svg.probability-bars").count(), expected, `${run.id}: probability bars`);

    // The counts/shares toggle redraws the matrix with other labels, and back.
    const labels = () => section.locator(".confusion-panel g.confusion-label text").allTextContents();
    const counts = await labels();
    assert.equal(counts.length, 100, `${run.id}: a label in every cell`);
    await section.locator(".confusion-toggle input[type=radio]").nth(1).check();
    const shares = await labels();
    assert.equal(shares.length, 100);
    assert.notDeepEqual(shares, counts, `${run.id}: normalising changes the cell labels`);
    assert.equal(await cells.count(), 100, `${run.id}: still 100 cells after the toggle`);
    // Mistake cells are shaded on a ramp from cream to red (red channel never below 0xe3); a colour
    // domain in the wrong units would push them off the ramp, towards black.
    const offRamp = await section
      .locator(".confusion-panel g.confusion-cell")
      .first()
      .locator("rect")
      .evaluateAll((rects) => rects.map((r) => getComputedStyle(r).fill).filter((fill) => !/^rgb\((\d+)/.test(fill) || Number(/^rgb\((\d+)/.exec(fill)![1]) < 0xe0));
    assert.deepEqual(offRamp, [], `${run.id}: shares of the actual class are coloured on the ramp`);
    await section.locator(".confusion-toggle input[type=radio]").nth(0).check();
    assert.deepEqual(await labels(), counts, `${run.id}: toggling back restores the counts`);
  }

  it("a link to a run's anchor scrolls to its section once it is drawn", async () => {
    // The model drawn last on its page: the last group of the overview's table (groups are named by their first seed).
    const groups = readJson<{ groups: { id: string; family: string }[] }>("data/runs.json").groups;
    const last = groups[groups.length - 1];
    const href = await (async () => {
      const v = await visit("/");
      const found = await v.page.locator(`table.group-table tbody a[href$='#run-${last.id}']`).getAttribute("href");
      await v.page.context().close();
      return found;
    })();
    assert.ok(href, `the table of models links to #run-${last.id}`);
    const v = await visit(new URL(href, `${server.url}/`).pathname + `#run-${last.id}`);
    await v.page.waitForTimeout(600);
    const top = await v.page.locator(`h2#run-${last.id}`).evaluate((h) => h.getBoundingClientRect().top);
    await v.page.context().close();
    assert.ok(top >= -5 && top < 200, `#run-${last.id} is at the top of the window (its top is at ${top}px)`);
  });

  it("every run of every family report has exactly one section", () => {
    for (const id of runsById.keys()) assert.deepEqual(shownOn.get(id)?.length, 1, `run "${id}" is shown on ${JSON.stringify(shownOn.get(id) ?? [])}`);
  });
});
