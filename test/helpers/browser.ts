// Headless Chromium for the page tests: the built quick-profile site served on 127.0.0.1, and pages
// opened with every console error, page error, failed request and request leaving 127.0.0.1 recorded.
import type { Page } from "playwright-core";
import { CHROMIUM, haveChromium as installed, launchChromium } from "../../scripts/chromium.ts";
import { ensureSite, serveStatic, type StaticServer } from "./site.ts";

export { CHROMIUM, launchChromium };
const haveChromium = installed();
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing; in CI the browser tests must run (install Debian's chromium)`);
/** The reason to skip a browser test on a machine without Chromium; false where it runs. */
export const skipWithoutChromium: string | false = haveChromium ? false : `no Chromium at ${CHROMIUM} (install Debian's chromium, or set CHROMIUM_PATH)`;

/** How to open a page: its viewport width (default 1280), a touch screen, and whether to wait for every cell (default yes). */
export interface OpenOptions {
  width?: number;
  hasTouch?: boolean;
  rendered?: boolean;
  /** Another server of the same site to open the path on (for example one without cross-origin isolation). */
  base?: string;
}

export interface SiteInBrowser {
  dir: string;
  /** The address the site is served at, e.g. "http://127.0.0.1:41234". */
  url: string;
  /** Opens a path (at a viewport width, or with options) and, unless told not to, waits until every cell has rendered. */
  open(path: string, options?: number | OpenOptions): Promise<Page>;
  /** Waits until every cell of a page has rendered. */
  rendered(page: Page): Promise<void>;
  /** What went wrong on the pages opened since the last call (and forgets it). */
  problems(): string[];
  /** Closes a page and returns what went wrong since the last call: problems() and the cells that rendered an error. */
  finish(page: Page): Promise<string[]>;
  close(): Promise<void>;
}

/** Waits until every cell of the page has rendered, and for resize() to draw once. */
export async function waitRendered(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelectorAll("observablehq-loading").length === 0, null, { timeout: 60_000 });
  await page.waitForTimeout(300); // resize() draws after its first ResizeObserver callback
}

/**
 * Records into `seen` what a reader would count as broken on a page: console errors, uncaught errors,
 * failed requests (a favicon's included) and any request to a host other than `host`.
 */
export function watchPage(page: Page, seen: string[], host: string): void {
  page.on("console", (m) => m.type() === "error" && seen.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => seen.push(`page: ${e}`));
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (/^(https?|wss?):$/.test(url.protocol) && url.hostname !== host) seen.push(`outside request: ${r.url()}`);
  });
  // An aborted request is one the page (or its closing) cancelled, not one that failed.
  page.on("requestfailed", (r) => r.failure()?.errorText !== "net::ERR_ABORTED" && seen.push(`${r.url()}: ${r.failure()?.errorText ?? "failed"}`));
  page.on("response", (r) => r.status() >= 400 && seen.push(`${r.url()}: HTTP ${r.status()}`));
}

export async function siteInBrowser(): Promise<SiteInBrowser> {
  const { dir, dispose } = await ensureSite();
  const server: StaticServer = await serveStatic(dir);
  const browser = await launchChromium();
  const seen: string[] = [];
  return {
    dir,
    url: server.url,
    async open(path, options = {}) {
      const { width = 1280, hasTouch = false, rendered = true, base = server.url } = typeof options === "number" ? { width: options } : options;
      const context = await browser.newContext({ viewport: { width, height: 900 }, hasTouch });
      const page = await context.newPage();
      watchPage(page, seen, "127.0.0.1");
      await page.goto(`${base}${path}`, { waitUntil: "load" });
      if (rendered) await waitRendered(page);
      return page;
    },
    rendered: waitRendered,
    problems: () => seen.splice(0),
    async finish(page) {
      const cellErrors = await page.locator(".observablehq--error").allTextContents();
      await page.context().close();
      return [...seen.splice(0), ...cellErrors.map((text) => `cell error: ${text}`)];
    },
    async close() {
      await browser.close();
      await server.close();
      dispose();
    }
  };
}

/**
 * The canvases under `selector`: how many there are, how many show more than one colour (something drawn,
 * not a blank square), and a digest of all their pixels, which changes when any of them is redrawn differently.
 */
export async function canvasDigest(page: Page, selector: string): Promise<{ total: number; drawn: number; digest: number }> {
  return page.$$eval(selector, (canvases) => {
    let drawn = 0;
    let digest = 0;
    for (const canvas of canvases as HTMLCanvasElement[]) {
      const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
      let distinct = false;
      for (let i = 0; i < data.length; i += 4) {
        distinct ||= data[i] !== data[0] || data[i + 2] !== data[2];
        digest = (digest * 31 + data[i] + 7 * data[i + 2]) % 1_000_000_007;
      }
      if (distinct) drawn++;
    }
    return { total: canvases.length, drawn, digest };
  });
}
