// The proofreader's Node half: injects test/helpers/proofreader.js into an open page and returns what it
// found, one line per fault naming the kind, the element and the text; and keeps a page's screenshot
// under test-output/screens/ for a person to look at.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";

const HERE = dirname(fileURLToPath(import.meta.url));
const PROOFREADER = join(HERE, "proofreader.js");
export const SCREENS = join(HERE, "..", "..", "test-output", "screens");

/** Every fault the proofreader finds on the page; `viewport` (px) also checks that nothing is wider. */
export async function proofread(page: Page, { viewport, root }: { viewport?: number; root?: string } = {}): Promise<string[]> {
  await page.addScriptTag({ path: PROOFREADER });
  return page.evaluate((options) => (globalThis as unknown as { proofread(o: object): Promise<string[]> }).proofread(options), { viewport: viewport ?? null, root });
}

/** Saves the whole page as test-output/screens/<name>.png and returns the file. */
export async function keepScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENS, { recursive: true });
  const file = join(SCREENS, `${name.replace(/[^\w.-]+/g, "_")}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
