// The train page's speed as a reader gets it, in headless Chromium: training samples/s of its default
// small CNN and MLP on each backend the page can use (cpu, tfjs' stock wasm kernels, ours on wasm with
// one thread and threaded, WebGL and WebGPU where the GPU is real), in interleaved rounds, and what the page
// downloads. Measured by pressing Train on the built page itself, with the backend pinned in its address.
//   npx tsx bench/browser.ts [--site DIR] [--rounds N]   (without --site, builds the site first)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { Browser, Page } from "playwright-core";
import { haveChromium, launchChromium } from "../scripts/chromium.ts";
import { serveStatic, type StaticServer } from "../scripts/serve.ts";
import { median } from "./rounds.ts";
import { softwareRenderer } from "../src/components/softwareGpu.ts";

/** One backend's figures for one model: samples/s in each round, their median and spread. */
export interface BrowserThroughput {
  model: "small CNN" | "MLP";
  variant: string;
  /** The page's address after /train: the model's settings and the pinned engine. */
  query: string;
  rounds: number[];
  median: number | null;
  min: number | null;
  max: number | null;
  /** wasm's thread count as the page reported it. */
  threads?: number | null;
  note?: string;
}

export interface BrowserReport {
  measuredAt: string;
  browser: string;
  rounds: number;
  throughput: BrowserThroughput[];
  /** Ours on wasm (the faster of one thread and threaded) over the cpu backend, per model, from the medians. */
  oursOverCpu: { model: string; ours: string; ratio: number }[];
  /** Seconds the page's default CNN takes for one epoch of 5,000 images at the threaded median, and at one thread. */
  cnnEpochSeconds5000: { threaded: number | null; oneThread: number | null };
  /** What /train downloads before it can train: every response's body, with the largest named. */
  download: { bytes: number; requests: number; largest: { path: string; bytes: number }[] };
  /** Why a variant was not measured: its GPU backend drawn in software, or not offered at all; `detail` names what the browser said. */
  skipped: { variant: string; why: "software" | "absent"; detail: string }[];
}

const MODELS = [
  { model: "small CNN" as const, settings: "model=cnn" },
  { model: "MLP" as const, settings: "model=mlp" }
];
/** One epoch of every shipped training image; the cpu backend's CNN is timed on fewer, at the same rate per image. */
const EPOCH = "epochs=1&n=4500";
const CPU_CNN_EPOCH = "epochs=1&n=1000";

interface Variant {
  variant: string;
  engine: string;
  isolated: boolean;
  models: ("small CNN" | "MLP")[];
}
const VARIANTS: Variant[] = [
  { variant: "cpu (plain JavaScript)", engine: "backend=cpu", isolated: false, models: ["small CNN", "MLP"] },
  // tfjs' own wasm kernels cannot train a CNN (no convolution filter gradient): MLP only.
  { variant: "stock wasm, one thread", engine: "backend=wasm&kernels=stock", isolated: false, models: ["MLP"] },
  { variant: "ours on wasm, one thread", engine: "backend=wasm", isolated: false, models: ["small CNN", "MLP"] },
  { variant: "ours on wasm, threaded", engine: "backend=wasm", isolated: true, models: ["small CNN", "MLP"] }
];


/** Presses Train on /train?query and returns what the panel reports once it is done. */
async function trainOnce(browser: Browser, server: StaticServer, query: string): Promise<{ samplesPerSecond: number; trainedOn: string; threads: number | null }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}/train?${query}`, { waitUntil: "load" });
    const panel = page.locator(".train-panel");
    await page.waitForFunction(() => document.querySelector(".train-panel")?.getAttribute("data-state") === "ready", null, { timeout: 120_000 });
    await page.click(".train-button");
    await page.waitForFunction(() => ["done", "error"].includes(document.querySelector(".train-panel")?.getAttribute("data-state") ?? ""), null, { timeout: 600_000 });
    const data: Record<string, string | undefined> = await panel.evaluate((el) => ({ ...(el as HTMLElement).dataset, status: el.querySelector(".train-status")?.textContent ?? "" }));
    if (data.state !== "done") throw new Error(data.status);
    return { samplesPerSecond: Number(data.samplesPerSecond), trainedOn: data.trainedOn ?? "?", threads: data.threads ? Number(data.threads) : null };
  } finally {
    await context.close();
  }
}

/** Everything /train fetches until Train can be pressed, from an empty cache. */
async function downloadSize(browser: Browser, server: StaticServer): Promise<BrowserReport["download"]> {
  const context = await browser.newContext();
  try {
    const page: Page = await context.newPage();
    const sizes: { path: string; bytes: number }[] = [];
    const pending: Promise<void>[] = [];
    page.on("requestfinished", (request) =>
      pending.push(request.sizes().then((s) => void sizes.push({ path: new URL(request.url()).pathname, bytes: s.responseBodySize })))
    );
    await page.goto(`${server.url}/train`, { waitUntil: "load" });
    await page.waitForFunction(() => document.querySelector(".train-panel")?.getAttribute("data-state") === "ready", null, { timeout: 120_000 });
    await page.waitForLoadState("networkidle");
    await Promise.all(pending);
    const bytes = sizes.reduce((sum, s) => sum + s.bytes, 0);
    return { bytes, requests: sizes.length, largest: [...sizes].sort((a, b) => b.bytes - a.bytes).slice(0, 5) };
  } finally {
    await context.close();
  }
}

/** WebGPU's adapter here, described by its architecture or description (null when there is none); needs a page of the site, a secure context. */
async function webgpuAdapter(browser: Browser, server: StaticServer): Promise<string | null> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}/404`, { waitUntil: "load" });
    return await page.evaluate(async () => {
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ isFallbackAdapter?: boolean; info?: { architecture?: string; description?: string } } | null> } }).gpu;
      const adapter = gpu ? await gpu.requestAdapter() : null;
      if (!adapter) return null;
      const name = [adapter.info?.architecture, adapter.info?.description].filter(Boolean).join(" ") || "an unnamed adapter";
      return adapter.isFallbackAdapter ? `${name} (a fallback adapter, software)` : name;
    });
  } finally {
    await context.close();
  }
}

/** Whether WebGL here is drawn by a real GPU, and its renderer's name. */
async function webglRenderer(browser: Browser): Promise<string | null> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    return await page.evaluate(() => {
      const gl = document.createElement("canvas").getContext("webgl2");
      if (!gl) return null;
      const info = gl.getExtension("WEBGL_debug_renderer_info");
      return String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    });
  } finally {
    await context.close();
  }
}

/** Measures the built site in `siteDir`; `say` reports progress. */
export async function measureBrowser(siteDir: string, { rounds = 3, say = (line: string) => process.stderr.write(`${line}\n`) } = {}): Promise<BrowserReport> {
  if (!haveChromium()) throw new Error("no Chromium to measure the page in (install Debian's chromium, or set CHROMIUM_PATH)");
  const isolated = await serveStatic(siteDir, 0, { isolated: true });
  const plain = await serveStatic(siteDir, 0, { isolated: false });
  const browser = await launchChromium();
  try {
    const skipped: BrowserReport["skipped"] = [];
    const variants = [...VARIANTS];
    const renderer = await webglRenderer(browser);
    if (renderer && !softwareRenderer(renderer)) variants.push({ variant: "WebGL", engine: "backend=webgl", isolated: true, models: ["small CNN", "MLP"] });
    else skipped.push(renderer ? { variant: "WebGL", why: "software", detail: renderer } : { variant: "WebGL", why: "absent", detail: "no WebGL context" });
    const adapter = await webgpuAdapter(browser, isolated);
    if (adapter && !softwareRenderer(adapter)) variants.push({ variant: "WebGPU", engine: "backend=webgpu", isolated: true, models: ["small CNN", "MLP"] });
    else skipped.push(adapter ? { variant: "WebGPU", why: "software", detail: adapter } : { variant: "WebGPU", why: "absent", detail: "no WebGPU adapter" });

    const results = new Map<string, BrowserThroughput>();
    for (const v of variants) {
      for (const m of MODELS.filter((m) => v.models.includes(m.model))) {
        const epoch = v.engine === "backend=cpu" && m.model === "small CNN" ? CPU_CNN_EPOCH : EPOCH;
        results.set(`${m.model}|${v.variant}`, { model: m.model, variant: v.variant, query: `${m.settings}&${epoch}&${v.engine}`, rounds: [], median: null, min: null, max: null });
      }
    }
    // Interleaved: every variant once per round, so that a slow spell of the machine hits them all.
    for (let round = 1; round <= rounds; round++) {
      for (const v of variants) {
        for (const r of [...results.values()].filter((r) => r.variant === v.variant)) {
          try {
            const got = await trainOnce(browser, v.isolated ? isolated : plain, r.query);
            const expected = /backend=(\w+)/.exec(r.query)![1];
            if (got.trainedOn !== expected) throw new Error(`trained on ${got.trainedOn}, not ${expected}`);
            r.rounds.push(got.samplesPerSecond);
            r.threads = got.threads;
            say(`  round ${round}: ${r.model}, ${r.variant}: ${Math.round(got.samplesPerSecond)} samples/s${got.threads ? ` (${got.threads} threads)` : ""}`);
          } catch (error) {
            r.note = (error as Error).message;
            say(`  round ${round}: ${r.model}, ${r.variant}: failed: ${r.note}`);
          }
        }
      }
    }
    for (const r of results.values()) {
      r.median = r.rounds.length ? median(r.rounds) : null;
      r.min = r.rounds.length ? Math.min(...r.rounds) : null;
      r.max = r.rounds.length ? Math.max(...r.rounds) : null;
    }
    const figure = (model: string, variant: string) => results.get(`${model}|${variant}`)?.median ?? null;
    const oursOverCpu: BrowserReport["oursOverCpu"] = [];
    for (const { model } of MODELS) {
      const cpu = figure(model, "cpu (plain JavaScript)");
      const ours = ["ours on wasm, threaded", "ours on wasm, one thread"]
        .map((variant) => ({ variant, rate: figure(model, variant) }))
        .filter((o): o is { variant: string; rate: number } => o.rate != null)
        .sort((a, b) => b.rate - a.rate)[0];
      if (cpu && ours) oursOverCpu.push({ model, ours: ours.variant, ratio: ours.rate / cpu });
    }
    const perEpoch = (rate: number | null) => (rate ? 5000 / rate : null);
    return {
      measuredAt: new Date().toISOString(),
      browser: browser.version(),
      rounds,
      throughput: [...results.values()],
      oursOverCpu,
      cnnEpochSeconds5000: { threaded: perEpoch(figure("small CNN", "ours on wasm, threaded")), oneThread: perEpoch(figure("small CNN", "ours on wasm, one thread")) },
      download: await downloadSize(browser, isolated),
      skipped
    };
  } finally {
    await browser.close();
    await isolated.close();
    await plain.close();
  }
}

/**
 * Builds the site from the stored runs into a temporary folder: the seconds it took, and the folder. With
 * `freshCheckout`, the page libraries' bundles of earlier builds are removed first, as on a new clone.
 */
export async function buildForBrowser(say: (line: string) => void, { freshCheckout = false } = {}): Promise<{ dir: string; seconds: number; dispose(): void }> {
  const out = mkdtempSync(join(tmpdir(), "bench-browser-"));
  say(`building the site from the stored runs${freshCheckout ? ", as on a fresh checkout" : ""} ...`);
  const { build, NODE_BUNDLES } = await import("../scripts/build.ts");
  if (freshCheckout) rmSync(NODE_BUNDLES, { recursive: true, force: true });
  const started = performance.now();
  const code = await build(join(out, "site"));
  if (code !== 0) throw new Error(`the site build failed (exit code ${code})`);
  return { dir: join(out, "site"), seconds: (performance.now() - started) / 1000, dispose: () => rmSync(out, { recursive: true, force: true }) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { site: { type: "string" }, rounds: { type: "string", default: "3" } } });
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const built = values.site ? null : await buildForBrowser(say);
  try {
    const report = await measureBrowser(values.site ?? built!.dir, { rounds: Number(values.rounds), say });
    process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  } finally {
    built?.dispose();
  }
}
