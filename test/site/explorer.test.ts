// End to end, in headless Chromium with real clicks, keys and selections: the run explorer (choose runs,
// filter, sort, the Pareto front, click a dot, state restored from the URL) and training in the page (sliders,
// Train, a growing curve, test accuracy above chance and a real confusion matrix, Stop, settings restored
// from the URL, the reader's run shown in the explorer). No console errors, no request leaves 127.0.0.1.
// Reports (does not assert) how long the train page takes to become ready.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { defaultChoice, filterRuns } from "../../src/components/explorer.js";
import { launchChromium, skipWithoutChromium as skip } from "../helpers/browser.ts";
import { BUILD_TIMEOUT_MS, builtDataFile, ensureSite, serveStatic, type StaticServer } from "../helpers/site.ts";

const SHOTS = process.env.SHOTS_DIR ?? "/tmp/shots";

type Run = {
  id: string;
  task: string;
  title: string;
  family: string;
  dataset: string;
  optimizer: string;
  params: number;
  testAccuracy: number | null;
  trainSeconds: number;
  curves: { epoch: number[]; valAccuracy: (number | null)[] };
};

/**
 * Moves the mouse onto a run's dot until the chart's pointer has taken it. A click acts on the run under
 * the pointer, and on a loaded machine the chart may redraw (new width, new element) after the mouse
 * arrived, leaving a fresh chart that has seen no pointer event yet; so wiggle and look again.
 */
async function pointAt(page: Page, id: string): Promise<void> {
  const dot = page.locator(`g.run-point circle[aria-label="${id}"]`);
  let pointed: string | null = null;
  for (let attempt = 0; attempt < 20; attempt++) {
    const box = (await dot.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2 + 1, box.y + box.height / 2);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    // The chart Plot returned carries the Pareto front beside `value`, the run under its pointer.
    pointed = await dot.evaluate((circle) => {
      let el: Element | null = circle;
      while (el && !("front" in el)) el = el.parentElement;
      return (el as (Element & { value?: { id: string } | null }) | null)?.value?.id ?? null;
    });
    if (pointed === id) return;
    await page.waitForTimeout(200);
  }
  assert.fail(`the chart's pointer never took ${id} (last: ${pointed})`);
}

/** Ids of the points no other point beats (fewer x and at least as accurate, or more accurate): brute force. */
function bruteFront(runs: Run[], x: "params" | "trainSeconds"): string[] {
  const done = runs.filter((r) => r.testAccuracy != null && r[x] > 0);
  return done
    .filter((p) => !done.some((q) => q !== p && q[x] <= p[x] && q.testAccuracy! >= p.testAccuracy! && (q[x] < p[x] || q.testAccuracy! > p.testAccuracy!)))
    .map((r) => r.id)
    .sort();
}

describe("run explorer and training in the page, in Chromium", { skip }, () => {
  let dir: string;
  let disposeSite = () => {};
  let server: StaticServer;
  let browser: Browser;
  let runs: Run[];
  const problems: string[] = [];

  before(
    async () => {
      ({ dir, dispose: disposeSite } = await ensureSite());
      server = await serveStatic(dir);
      browser = await launchChromium();
      mkdirSync(SHOTS, { recursive: true });
      const file = builtDataFile(dir, "data/explorer.json");
      assert.ok(file, "the site has data/explorer.json");
      runs = (JSON.parse(readFileSync(join(dir, file), "utf8")) as { runs: Run[] }).runs;
    },
    { timeout: BUILD_TIMEOUT_MS }
  );

  after(async () => {
    await browser?.close();
    await server?.close();
    disposeSite();
  });

  /** A browser context that records console errors, page errors, failed and outside requests into `problems`. */
  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const favicon = (url: string) => new URL(url).pathname === "/favicon.ico";
    context.on("page", (page) => watch(page));
    const watch = (page: Page) => {
      page.on("console", (m) => {
        if (m.type() === "error" && !favicon(m.location().url || "http://x/")) problems.push(`console: ${m.text()} (${m.location().url})`);
        if (m.type() === "warning" && m.text().startsWith("Warning:")) problems.push(`Plot: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e}`));
      page.on("request", (r) => {
        const url = new URL(r.url());
        if (/^(https?|wss?):$/.test(url.protocol) && url.hostname !== "127.0.0.1") problems.push(`outside request: ${r.url()}`);
      });
      page.on("requestfailed", (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
      page.on("response", (r) => {
        if (r.status() >= 400 && !favicon(r.url())) problems.push(`HTTP ${r.status()}: ${r.url()}`);
      });
    };
    return context;
  }

  async function open(context: BrowserContext, path: string): Promise<Page> {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(path.startsWith("http") ? path : `${server.url}${path}`, { waitUntil: "networkidle" });
    await page.waitForFunction(() => document.querySelectorAll("observablehq-loading").length === 0, null, { timeout: 30_000 });
    await page.waitForTimeout(300);
    const cellErrors = await page.locator(".observablehq--error").allTextContents();
    assert.deepEqual(cellErrors, [], `${path}: cells that rendered an error`);
    return page;
  }

  const rowIds = (page: Page) => page.locator("table.explorer-table tbody tr").evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.runId!));
  const chosenIds = (page: Page) =>
    page.locator("table.explorer-table tbody tr:has(input.run-choose:checked)").evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.runId!));
  const frontIds = async (page: Page) => (await page.locator("g.pareto-point circle").evaluateAll((cs) => cs.map((c) => c.getAttribute("aria-label")!))).sort();
  const query = (page: Page) => new URL(page.url()).searchParams;
  const field = (page: Page, label: string) => page.locator(`form:has(> label:text-is("${label}"))`);

  it("explorer: choose runs with clicks, filter and sort the table, the Pareto front, state in the URL", async () => {
    const context = await newContext();
    const started = Date.now();
    const page = await open(context, "/explorer");
    await page.waitForSelector("table.explorer-table tbody tr");
    console.log(`# /explorer drew its table of ${runs.length} runs ${Date.now() - started} ms after navigation`);
    assert.ok(runs.length >= 2, "at least two runs to explore");

    // Every run of the default task (ten-class MNIST) is listed, best first; the default choice is the best run of each family.
    const mnist = runs.filter((r) => r.task === "mnist");
    assert.ok(mnist.length < runs.length, "the build has runs of other tasks too");
    assert.deepEqual(await rowIds(page), filterRuns(runs, {}).map((r) => r.id));
    assert.ok((await rowIds(page)).every((id) => runs.find((r) => r.id === id)!.task === "mnist"), "only ten-class MNIST runs are ranked");
    assert.deepEqual((await chosenIds(page)).sort(), defaultChoice(mnist).sort());

    // Choose none, then two runs by clicking their boxes: two curves, and the URL names them in order.
    await page.click("button.choose-none");
    assert.deepEqual(await chosenIds(page), []);
    assert.equal(await page.locator("svg[aria-label*='accuracy of']").count(), 0, "no curves when nothing is chosen");
    const withCurves = new Set(runs.filter((r) => r.curves.valAccuracy.some((v) => v != null)).map((r) => r.id));
    const [first, second] = (await rowIds(page)).filter((id) => withCurves.has(id)).slice(-2).reverse();
    await page.click(`tr[data-run-id="${first}"] input.run-choose`);
    await page.click(`tr[data-run-id="${second}"] input.run-choose`);
    assert.deepEqual((await chosenIds(page)).sort(), [first, second].sort());
    await page.waitForSelector("svg[aria-label='validation accuracy of 2 runs']");
    assert.equal(await page.locator("svg[aria-label='validation accuracy of 2 runs'] g[aria-label='line'] path").count(), 2, "two curves drawn");
    assert.equal(query(page).get("runs"), `${first},${second}`);

    // Uncheck the most common family: its rows go, the rest stay in order; chosen runs keep their curves.
    const counts = new Map<string, number>();
    for (const r of mnist) counts.set(r.family, (counts.get(r.family) ?? 0) + 1);
    const [family] = [...counts].sort((a, b) => b[1] - a[1])[0];
    const families = [...new Set(runs.map((r) => r.family))];
    const familyBoxes = field(page, "Family").locator("input[type=checkbox]");
    const index = families.indexOf(family);
    await familyBoxes.nth(index).click();
    const kept = families.filter((f) => f !== family);
    const expected = filterRuns(runs, { families: kept.length === families.length ? null : kept });
    await page.waitForFunction((n) => document.querySelectorAll("table.explorer-table tbody tr").length === n, expected.length);
    assert.deepEqual(await rowIds(page), expected.map((r) => r.id), `rows without family ${family}`);
    assert.ok(expected.length < mnist.length);
    assert.equal(query(page).get("family"), kept.join(","));
    assert.deepEqual(await frontIds(page), bruteFront(expected, "params"), "Pareto front (parameters) of the shown runs");

    // Sort by parameters, fewest first, with a real selection in the select box.
    await field(page, "Sort by").locator("select").selectOption({ label: "parameters, fewest first" });
    await page.waitForTimeout(200);
    const sorted = await rowIds(page);
    assert.deepEqual(sorted, filterRuns(runs, { families: kept, sort: "params" }).map((r) => r.id));
    const byId = new Map(runs.map((r) => [r.id, r]));
    for (let i = 1; i < sorted.length; i++) assert.ok(byId.get(sorted[i - 1])!.params <= byId.get(sorted[i])!.params, "rows ordered by parameters");

    // The cost axis: training time; the front changes accordingly.
    await field(page, "Cost").locator("label:has-text('Training time') input").check();
    await page.waitForSelector("svg[aria-label^='test accuracy against training time']");
    assert.deepEqual(await frontIds(page), bruteFront(expected, "trainSeconds"), "Pareto front (training time) of the shown runs");

    // Clicking a point on the front chooses that run (and ticks its box).
    const target = (await frontIds(page)).find((id) => id !== first && id !== second);
    if (target) {
      await pointAt(page, target);
      const box = (await page.locator(`g.run-point circle[aria-label="${target}"]`).boundingBox())!;
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForFunction((id) => document.querySelector(`tr[data-run-id="${id}"] input.run-choose`)?.matches(":checked"), target);
      assert.ok(query(page).get("runs")!.split(",").includes(target), "the clicked run joins the URL");
    }

    const state = query(page);
    assert.equal(state.get("sort"), "params");
    assert.equal(state.get("x"), "trainSeconds");
    const url = page.url();
    const before = { rows: await rowIds(page), chosen: (await chosenIds(page)).sort(), front: await frontIds(page) };
    await page.screenshot({ path: join(SHOTS, "explorer-interactive.png"), fullPage: true });
    await context.close();

    // The same URL in a fresh browser restores the whole state.
    const again = await newContext();
    const restored = await open(again, url);
    assert.equal(restored.url(), url, "the URL is kept as it was");
    assert.deepEqual(await rowIds(restored), before.rows, "same rows");
    assert.deepEqual((await chosenIds(restored)).sort(), before.chosen, "same chosen runs");
    assert.deepEqual(await frontIds(restored), before.front, "same Pareto front");
    assert.equal(await field(restored, "Family").locator("input[type=checkbox]").nth(index).isChecked(), false, "family filter restored");
    assert.equal(await field(restored, "Sort by").locator("select").evaluate((s) => (s as HTMLSelectElement).selectedOptions[0].textContent), "parameters, fewest first");
    assert.ok(await field(restored, "Cost").locator("label:has-text('Training time') input").isChecked(), "x axis restored");
    const chosenCount = query(restored).get("runs")!.split(",").length; // chosen runs hidden by a filter keep their curves
    assert.equal(await restored.locator(`svg[aria-label='validation accuracy of ${chosenCount} runs']`).count(), 1, "curves of the chosen runs");
    await again.close();

    // Another task by a click: only its runs, and the address says so; an unknown task in a link falls back with a note.
    const tasks = await newContext();
    const byTask = await open(tasks, "/explorer");
    await field(byTask, "Task").locator("label:has-text('5 vs 8') input").check();
    const binary = filterRuns(runs, { task: "mnist-5v8" });
    assert.ok(binary.length > 0);
    await byTask.waitForFunction((n) => document.querySelectorAll("table.explorer-table tbody tr").length === n, binary.length);
    assert.deepEqual(await rowIds(byTask), binary.map((r) => r.id));
    assert.equal(query(byTask).get("task"), "mnist-5v8");
    const bogus = await open(tasks, "/explorer?task=no-such-task");
    await bogus.waitForSelector("text=this build does not have (no-such-task)");
    assert.deepEqual(await rowIds(bogus), filterRuns(runs, {}).map((r) => r.id), "falls back to ten-class MNIST");
    await tasks.close();
    assert.deepEqual(problems.splice(0), [], "console errors, failed or outside requests");
  });

  it("train page: sliders, Train, a growing curve, real accuracy and confusion matrix, Stop, URL, explorer", async () => {
    const context = await newContext();
    const started = Date.now();
    const page = await open(context, "/train");
    await page.waitForSelector(".train-panel[data-state=ready]", { timeout: 60_000 });
    const readyMs = Date.now() - started;
    const backend = await page.locator(".train-panel").getAttribute("data-backend");
    console.log(`# /train ready (tfjs on ${backend}, subsets loaded) ${readyMs} ms after navigation`);
    assert.equal(await page.locator(".train-curves svg[aria-label='live accuracy curve']").count(), 1, "empty axes before training");

    // Real key presses on the sliders: epochs to 1 (Home), training images to 500 (Home, then 4 steps of 100).
    const slider = (label: string) => field(page, label).locator("input[type=range]");
    await slider("Epochs").press("Home");
    await slider("Training images").press("Home");
    for (let i = 0; i < 4; i++) await slider("Training images").press("ArrowRight");
    await slider("Units per layer").press("Home");
    for (let i = 0; i < 24; i++) await slider("Units per layer").press("ArrowRight"); // 8 + 24 = 32
    await field(page, "Batch size").locator("select").selectOption("32");
    await page.waitForTimeout(200);
    assert.equal(query(page).get("epochs"), "1");
    assert.equal(query(page).get("n"), "500");
    assert.equal(query(page).get("units"), "32");
    assert.equal(query(page).get("batch"), "32");
    assert.match(await page.locator(".train-summary").textContent() ?? "", /784-32-10, 25,450 parameters/);

    // Train: record every curve size the panel reports, and wait for the result.
    await page.evaluate(() => {
      const panel = document.querySelector(".train-panel") as HTMLElement;
      const seen: number[] = ((window as unknown as { seen: number[] }).seen = []);
      new MutationObserver(() => seen.push(Number(panel.dataset.points))).observe(panel, { attributes: true, attributeFilter: ["data-points"] });
    });
    await page.click("button.train-button");
    await page.waitForSelector(".train-panel[data-state=done]", { timeout: 120_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
    const distinct = [...new Set(seen.filter((n) => n > 0))];
    assert.ok(distinct.length >= 2, `the curve grew while training (sizes seen: ${seen.join(", ")})`);
    assert.ok(distinct.every((n, i) => i === 0 || n > distinct[i - 1]), "and only grew");
    assert.ok((await page.locator(".train-curves svg[aria-label='live loss curve'] path").count()) > 0, "loss curve drawn");
    const accuracy = Number(await page.locator(".train-panel").getAttribute("data-accuracy"));
    // One epoch on 500 images from an unseeded initialisation lands near half right and varies from run
    // to run: three times chance keeps clear of both a broken trainer and an unlucky good run.
    assert.ok(accuracy > 0.3, `test accuracy ${accuracy} is far above chance (0.1)`);
    assert.match(await page.locator(".accuracy-value").textContent() ?? "", /^\d+\.\d%$/, "one decimal: 1,000 test images do not support more");
    const cells = page.locator(".train-confusion g.confusion-cell rect");
    assert.equal(await cells.count(), 100, "a 10×10 confusion matrix");
    const labels = (await page.locator(".train-confusion g.confusion-label text").allTextContents()).map(Number);
    assert.equal(labels.reduce((a, b) => a + b, 0), 1000, "its counts add up to the 1,000 shipped test images");
    // The matrix's second label group is the diagonal's (the first, the mistakes').
    const diagonal = await page.locator(".train-confusion g.confusion-label").nth(1).locator("text").allTextContents();
    assert.equal(diagonal.length, 10);
    assert.ok(Math.abs(diagonal.map(Number).reduce((a, b) => a + b, 0) / 1000 - accuracy) < 1e-9, "the diagonal is the accuracy");
    await page.screenshot({ path: join(SHOTS, "train-done.png"), fullPage: true });

    // A long run (20 epochs, every image), stopped once its curve has started.
    await slider("Epochs").press("End");
    await slider("Training images").press("End");
    await page.waitForTimeout(200);
    assert.equal(query(page).get("epochs"), "20");
    await page.click("button.train-button");
    await page.waitForFunction(() => Number((document.querySelector(".train-panel") as HTMLElement).dataset.points) > 10, null, { timeout: 60_000 });
    const stopAt = Date.now();
    await page.click("button.stop-button");
    await page.waitForSelector(".train-panel[data-state=done][data-status=stopped]", { timeout: 30_000 });
    const status = (await page.locator(".train-status").textContent()) ?? "";
    const match = /Stopped during epoch (\d+) of 20/.exec(status);
    assert.ok(match, `status says it stopped: "${status}"`);
    assert.ok(Number(match[1]) < 20, "before the last epoch");
    console.log(`# Stop took effect in ${Date.now() - stopAt} ms, after ${match[1]} epoch(s)`);
    assert.ok(await page.locator("button.train-button").isEnabled(), "Train can be pressed again");

    // A tiny CNN trains too (on wasm, with this project's kernels).
    const cnnUrl = `${server.url}/train?model=cnn&layers=1&units=8&epochs=1&n=200`;
    await open(context, cnnUrl);
    await page.waitForSelector(".train-panel[data-state=ready]", { timeout: 60_000 });
    assert.ok(await field(page, "Model").locator("label:has-text('small CNN') input").isChecked(), "model restored from the URL");
    assert.equal(await slider("Units per layer").inputValue(), "8", "units restored from the URL");
    await page.click("button.train-button");
    await page.waitForSelector(".train-panel[data-state=done]", { timeout: 180_000 });
    assert.match((await page.locator(".train-accuracy").textContent()) ?? "", /conv8-pool-8-10|Test accuracy/);
    assert.ok(Number(await page.locator(".train-panel").getAttribute("data-accuracy")) > 0.1, "the tiny CNN learned something");

    // Reload with the long run's settings: the sliders come back from the URL.
    const longUrl = `${server.url}/train?${new URLSearchParams({ units: "32", batch: "32", epochs: "20", n: "4500" })}`;
    await open(context, longUrl);
    assert.equal(await slider("Epochs").inputValue(), "20");
    assert.equal(await slider("Training images").inputValue(), "4500");
    assert.equal(await slider("Units per layer").inputValue(), "32");
    assert.equal(await field(page, "Batch size").locator("select").evaluate((s) => (s as HTMLSelectElement).selectedOptions[0].textContent), "32");

    // The reader's runs are in the explorer, as extra rows, and the compare link chooses the latest.
    const explorer = await open(context, "/explorer?runs=yours-3");
    const ids = await rowIds(explorer);
    assert.ok(["yours-1", "yours-2", "yours-3"].every((id) => ids.includes(id)), `the reader's three runs are listed (${ids.join(", ")})`);
    assert.deepEqual(await chosenIds(explorer), ["yours-3"]);
    assert.equal(await explorer.locator("svg[aria-label='validation accuracy of 1 runs']").count(), 1, "its curve is drawn");
    await explorer.screenshot({ path: join(SHOTS, "explorer-reader-runs.png"), fullPage: true });
    await context.close();
    assert.deepEqual(problems.splice(0), [], "console errors, failed or outside requests");
  });
});
