// Headless Chromium as both the page tests and the benchmark start it: Debian's build (or CHROMIUM_PATH),
// with no sandbox, no GPU process and no background traffic, so nothing leaves the machine. WebGPU is
// switched on (Linux builds keep it behind a flag): with no GPU it offers a software adapter, as a
// reader's browser on such a machine does, which the train page must pass over.
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Whether the browser is installed here. */
export const haveChromium = (): boolean => existsSync(CHROMIUM);

/** Launches headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-unsafe-webgpu"] });
}
