// The proofreader itself, on a fixture page drawn with the site's own libraries (Plot, Inputs): the
// faulty version holds one of each fault and every one must be reported; the clean version must pass.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchChromium, skipWithoutChromium as skip, watchPage } from "../helpers/browser.ts";
import { proofread } from "../helpers/proofread.ts";
import { ROOT } from "../../loaders/config.ts";

const ORIGIN = "http://fixture.test";
const FILES: Record<string, [string, string]> = {
  "/htl.js": ["node_modules/htl/dist/htl.min.js", "text/javascript"],
  "/d3.js": ["node_modules/d3/dist/d3.min.js", "text/javascript"],
  "/plot.js": ["node_modules/@observablehq/plot/dist/plot.umd.min.js", "text/javascript"],
  "/inputs.js": ["node_modules/@observablehq/inputs/dist/inputs.js", "text/javascript"],
  "/inputs.css": ["node_modules/@observablehq/inputs/dist/index.css", "text/css"],
  "/page.js": ["test/fixtures/proofread/page.js", "text/javascript"]
};
const HTML = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><link rel="stylesheet" href="/inputs.css">
<style>body { font: 16px sans-serif; margin: 0 8px; }</style></head>
<body><main id="observablehq-main"></main>
<script src="/htl.js"></script><script src="/d3.js"></script><script src="/plot.js"></script><script src="/inputs.js"></script><script src="/page.js"></script></body></html>`;

describe("the proofreader", { skip }, () => {
  let browser: Browser;
  before(async () => (browser = await launchChromium()));
  after(async () => browser?.close());

  /** Opens the fixture (served by the test itself: no server, no network) and proofreads it at 390 px. */
  async function read(query: string): Promise<{ faults: string[]; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 390, height: 900 } });
    const page: Page = await context.newPage();
    const problems: string[] = [];
    watchPage(page, problems, "fixture.test");
    await page.route(`${ORIGIN}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === "/") return route.fulfill({ contentType: "text/html", body: HTML });
      const file = FILES[path];
      return file ? route.fulfill({ contentType: file[1], body: readFileSync(join(ROOT, file[0])) }) : route.fulfill({ status: 404, body: "" });
    });
    try {
      await page.goto(`${ORIGIN}/${query}`, { waitUntil: "load" });
      await page.waitForFunction(() => document.body.dataset.ready === "true");
      return { faults: await proofread(page, { viewport: 390 }), problems };
    } finally {
      await context.close();
    }
  }

  it("passes the clean page", async () => {
    const { faults, problems } = await read("");
    assert.deepEqual(faults, []);
    assert.deepEqual(problems, []);
  });

  it("reports every fault of the faulty page, naming the element and the text", async () => {
    const { faults, problems } = await read("?faulty");
    const expect = (pattern: RegExp) => assert.ok(faults.some((f) => pattern.test(f)), `expected a fault matching ${pattern} in:\n${faults.join("\n")}`);
    expect(/^raw Markdown link: <p>.*\[training dynamics\]\(\.\/dynamics\)/);
    expect(/^undefined: <p>/);
    expect(/^NaN: <p>/);
    expect(/^Infinity: <p>/);
    expect(/^\[object: <p>/);
    expect(/^doubled word: <p>.*with with/);
    expect(/^doubled phrase: <p>.*Hyperband picked: Hyperband picked/);
    expect(/^points at nothing: <p>.*The table below.*no table below it in its section/);
    expect(/^dashed lines promised: <p class="caption">.*the chart it captions draws no dashed line/);
    expect(/^raw value shown: <span class="observablehq--inspect">.*“""”/);
    expect(/^duplicate rows: <table>.*2 rows read “a \| 1”/);
    expect(/^table stops short: <form.*renders \d+ of the 81 rows/);
    expect(/^repeated tick labels: .*98% 98%|^repeated tick labels: .*99% 99%/);
    expect(/^repeated tick labels: <svg class="[^"]*-ramp">.*99% 99%/);
    expect(/^legend entry is not a series: .*“white” is a colour name/);
    expect(/^label cut by its chart: <text.*“(T-shirt\/top|Trouser|Pullover)”/);
    expect(/^labels overlap: <text.*runs into/);
    expect(/^text runs under its neighbour: <span>.*“T-shirt\/top” reaches \d+ px into the next element/);
    expect(/^wider than the viewport: the document is \d+ px wide at 390 px; sticking out: <div> 800 px/);
    assert.ok(problems.some((p) => /^console: fixture: something broke/.test(p)), problems.join("\n"));
    assert.ok(problems.some((p) => /missing\.png: HTTP 404/.test(p)), problems.join("\n"));
  });
});
