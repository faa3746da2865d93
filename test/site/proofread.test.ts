// Every configured page, proofread in headless Chromium at a desktop's width (1280 px) and a phone's
// (390 px) by test/helpers/proofreader.js (itself tested in test/site/proofreader.test.ts): raw Markdown,
// undefined/NaN, doubled words, sentences pointing at nothing, duplicate table rows, tables that stop
// short, repeated ticks, legends that are not series, labels cut or running together, a page wider
// than the screen, and console errors or failed requests. Each page's screenshot at each width is kept
// under test-output/screens/ for a person to look at.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { siteInBrowser, skipWithoutChromium as skip, type SiteInBrowser } from "../helpers/browser.ts";
import { keepScreenshot, proofread } from "../helpers/proofread.ts";
import { BUILD_TIMEOUT_MS, configuredPages } from "../helpers/site.ts";

const WIDTHS = [1280, 390];
const pages = await configuredPages();

describe("every page, proofread", { skip }, () => {
  let site: SiteInBrowser;
  before(async () => (site = await siteInBrowser()), { timeout: BUILD_TIMEOUT_MS });
  after(async () => site?.close());

  for (const { path } of pages) {
    for (const width of WIDTHS) {
      it(`${path} reads right at ${width} px`, async () => {
        const page = await site.open(path, width);
        let faults: string[];
        try {
          faults = await proofread(page, { viewport: width });
          await keepScreenshot(page, `${path === "/" ? "index" : path.slice(1).replace(/\//g, "-")}-${width}`);
        } finally {
          await page.context().close();
        }
        assert.deepEqual(faults, [], `${path} at ${width} px:\n${faults.join("\n")}`);
        assert.deepEqual(site.problems(), []);
      });
    }
  }
});
