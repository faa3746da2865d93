// A proofreader over every page in headless Chromium. At a phone's width (390 px) the document is never
// wider than the viewport: wide tables, image grids and charts scroll inside their own box. At 1280 px no
// paragraph, list item, heading, caption or table cell shows raw Markdown (`](`), "undefined", "NaN",
// "Infinity", "[object" or a doubled word, and no axis repeats a tick label next to itself. A failure
// names the page and the text.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { siteInBrowser, skipWithoutChromium as skip, type SiteInBrowser } from "./helpers/browser.ts";
import { BUILD_TIMEOUT_MS, configuredPages } from "./helpers/site.ts";

const PHONE = 390;
const pages = await configuredPages();

describe("every page, proofread", { skip }, () => {
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

    it(`${path} reads right: no raw Markdown, undefined, NaN, doubled word or repeated tick`, async () => {
      const page = await site.open(path, 1280);
      try {
        const faults = await page.evaluate(() => {
          const found: string[] = [];
          const patterns = [/\]\(/g, /\bundefined\b/g, /\bNaN\b/g, /\bInfinity\b/g, /\[object/g, /\b([A-Za-z]{2,})\s+\1\b/g];
          for (const block of Array.from(document.querySelectorAll("#observablehq-main :is(p, li, h1, h2, h3, h4, figcaption, td, th)"))) {
            const text = (block as HTMLElement).innerText;
            for (const re of patterns) for (const m of text.matchAll(re)) found.push(`<${block.tagName.toLowerCase()}> …${text.slice(Math.max(0, m.index! - 40), m.index! + 40).replace(/\s+/g, " ")}…`);
          }
          for (const axis of Array.from(document.querySelectorAll("svg g[aria-label$='tick label']"))) {
            const labels = Array.from(axis.querySelectorAll("text")).map((t) => t.textContent);
            if (labels.some((label, i) => i > 0 && label && label === labels[i - 1])) found.push(`${axis.getAttribute("aria-label")}: ${labels.join(" ")}`);
          }
          return found;
        });
        assert.deepEqual(faults, [], `${path}:\n${faults.join("\n")}`);
      } finally {
        await page.context().close();
      }
      assert.deepEqual(site.problems(), []);
    });
  }
});
