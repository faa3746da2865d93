// Every page at a phone's width (390 px) in headless Chromium: the document is never wider than the
// viewport. Wide tables, image grids and charts scroll inside their own box instead; a failure names
// the page and the elements that stick out.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { siteInBrowser, skipWithoutChromium as skip, type SiteInBrowser } from "./helpers/browser.ts";
import { BUILD_TIMEOUT_MS, configuredPages } from "./helpers/site.ts";

const PHONE = 390;
const pages = await configuredPages();

describe("every page at 390 px", { skip }, () => {
  let site: SiteInBrowser;
  before(async () => (site = await siteInBrowser()), { timeout: BUILD_TIMEOUT_MS });
  after(async () => site?.close());

  for (const { path } of pages) {
    it(`${path} is no wider than the phone`, async () => {
      const page = await site.open(path, PHONE);
      try {
        const { width, culprits } = await page.evaluate((viewport) => {
          // No named functions in here: the test's compiler would wrap them in a helper the page lacks.
          const sticking = Array.from(document.querySelectorAll("#observablehq-main *")).filter((e) => {
            const box = e.getBoundingClientRect();
            if (!(box.right > viewport + 1 && box.width > 0)) return false;
            // Inside a box that scrolls sideways, an element may be as wide as it likes.
            for (let a = e.parentElement; a; a = a.parentElement) if (["auto", "scroll"].includes(getComputedStyle(a).overflowX)) return false;
            return true;
          });
          // The outermost elements that stick out, described.
          const outer = sticking.filter((e) => !sticking.includes(e.parentElement!));
          return {
            width: document.documentElement.scrollWidth,
            culprits: outer.slice(0, 5).map((e) => `<${e.tagName.toLowerCase()} class="${e.getAttribute("class") ?? ""}"> ${Math.round(e.getBoundingClientRect().width)} px: ${(e.textContent ?? "").trim().slice(0, 60)}`)
          };
        }, PHONE);
        assert.ok(width <= PHONE + 1, `${path} is ${width} px wide at ${PHONE} px:\n${culprits.join("\n")}`);
      } finally {
        await page.context().close();
      }
      assert.deepEqual(site.problems(), []);
    });
  }
});
