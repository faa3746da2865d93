// Headless Chromium for the page tests: the built quick-profile site served on 127.0.0.1, and pages
// opened with every console error, page error, failed request and request leaving 127.0.0.1 recorded.
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { ensureSite, serveStatic, type StaticServer } from "./site.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing; in CI the browser tests must run (install Debian's chromium)`);
/** The reason to skip a browser test on a machine without Chromium; false where it runs. */
export const skipWithoutChromium: string | false = haveChromium ? false : `no Chromium at ${CHROMIUM} (install Debian's chromium, or set CHROMIUM_PATH)`;

export interface SiteInBrowser {
  dir: string;
  /** Opens a path at a viewport width and waits until every cell has rendered. */
  open(path: string, width?: number): Promise<Page>;
  /** What went wrong on the pages opened since the last call (and forgets it). */
  problems(): string[];
  close(): Promise<void>;
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

/** Launches headless Chromium as the page tests do. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--no-first-run"] });
}

export async function siteInBrowser(): Promise<SiteInBrowser> {
  const { dir, dispose } = await ensureSite();
  const server: StaticServer = await serveStatic(dir);
  const browser = await launchChromium();
  const seen: string[] = [];
  return {
    dir,
    async open(path, width = 1280) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      watchPage(page, seen, "127.0.0.1");
      await page.goto(`${server.url}${path}`, { waitUntil: "load" });
      await page.waitForFunction(() => document.querySelectorAll("observablehq-loading").length === 0, null, { timeout: 60_000 });
      await page.waitForTimeout(300); // resize() draws after its first ResizeObserver callback
      return page;
    },
    problems: () => seen.splice(0),
    async close() {
      await browser.close();
      await server.close();
      dispose();
    }
  };
}
