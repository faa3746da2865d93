// The built site for end-to-end tests: one offline `observable build` with the quick profile into
// test-output/site (never the published dist/), shared by build.test.ts and browser.test.ts, plus a
// tiny static server with Framework's clean URLs.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, extname, join, normalize, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { withLock } from "../../loaders/experiments/lock.ts";
import { BUILD_LOCKS } from "../../scripts/build.ts";
import { FRAMEWORK_CACHE } from "../../scripts/siteSources.ts";
import { noNetworkPrefix, seedNpmVersions } from "../../scripts/offline.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const OUTPUT = join(ROOT, "test-output");
/** Where the tests build the site. SITE_DIR points the browser test at an existing build instead. */
export const SITE = join(OUTPUT, "site");
export const BUILD_LOG = join(OUTPUT, "build.log");
const CONFIG = join(OUTPUT, "observablehq.test-config.mjs");
/** Quick-profile training of every run, the first time, takes a few minutes on two cores. */
export const BUILD_TIMEOUT_MS = 45 * 60_000;

export interface PageSpec {
  /** The page's path as configured, "/" for the home page. */
  path: string;
  /** The HTML file Framework writes for it, relative to the output root. */
  file: string;
}

/** The configured pages plus the home page, read from the project's own config. */
export async function configuredPages(): Promise<PageSpec[]> {
  const { default: config } = (await import(pathToFileURL(join(ROOT, "observablehq.config.ts")).href)) as {
    default: { pages: ({ path: string } | { pages: { path: string }[] })[] };
  };
  const paths = ["/index"];
  const walk = (items: typeof config.pages) => {
    for (const item of items) {
      if ("pages" in item) walk(item.pages as typeof config.pages);
      if ("path" in item) paths.push(item.path);
    }
  };
  walk(config.pages);
  return [...new Set(paths)].map((path) => ({ path: path === "/index" ? "/" : path, file: `${path.replace(/^\//, "")}.html` }));
}

/** The data paths the config asks Framework to build (families and datasets). */
export async function configuredDataPaths(): Promise<string[]> {
  const { default: config } = (await import(pathToFileURL(join(ROOT, "observablehq.config.ts")).href)) as { default: { dynamicPaths: string[] } };
  return config.dynamicPaths;
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) {
    if (name === ".observablehq" || name === "node_modules") continue;
    newest = Math.max(newest, newestMtime(join(path, name)));
  }
  return newest;
}

/** Sources whose change makes a built site stale. */
function sourcesMtime(): number {
  return Math.max(
    newestMtime(join(ROOT, "src")),
    newestMtime(join(ROOT, "loaders")),
    newestMtime(join(ROOT, "data", "experiments")),
    newestMtime(join(ROOT, "observablehq.config.ts"))
  );
}

export function siteIsFresh(dir = SITE): boolean {
  const index = join(dir, "index.html");
  return existsSync(index) && statSync(index).mtimeMs > sourcesMtime();
}

/**
 * Holds the build lock so two test files never build into the same folder at once, and no `npm run build`
 * clears Framework's cache under a test build (scripts/build.ts takes the same lock).
 */
function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  return withLock("build", fn, { dir: BUILD_LOCKS, log: (line) => process.stderr.write(`test build: ${line}\n`) });
}

export interface BuildResult {
  dir: string;
  log: string;
  seconds: number;
  /** Why the build ran with the network on; null when it ran with none (under `unshare -rn`). */
  networkReason: string | null;
}

/**
 * Runs `observable build` with REPORT_PROFILE=quick into test-output/site, after clearing Framework's
 * loader cache so every data loader really runs, with no network where `unshare -rn` is allowed. Stored quick runs (data/runs/quick) are reused, so only
 * the first build trains. Throws with the end of the log when the build fails.
 */
async function runBuild(): Promise<BuildResult> {
  mkdirSync(OUTPUT, { recursive: true });
  rmSync(FRAMEWORK_CACHE, { recursive: true, force: true });
  seedNpmVersions();
  // A config that is the project's own with another output folder.
  writeFileSync(
    CONFIG,
    `// Written by test/helpers/site.ts: the project's config, built into ${relative(ROOT, SITE)}.\n` +
      `await import("tsx/esm");\n` +
      `const { default: config } = await import(${JSON.stringify(pathToFileURL(join(ROOT, "observablehq.config.ts")).href)});\n` +
      `export default { ...config, output: ${JSON.stringify(relative(ROOT, SITE))} };\n`
  );
  const started = Date.now();
  const bin = join(ROOT, "node_modules", "@observablehq", "framework", "dist", "bin", "observable.js");
  // With no network where the machine allows it: the build must not need one.
  const offline = noNetworkPrefix();
  const command = [...(offline.prefix ?? []), process.execPath, bin, "build", "--config", relative(ROOT, CONFIG)];
  const child = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    // Framework runs TypeScript loaders with the `tsx` command, which npm scripts find in node_modules/.bin.
    env: {
      ...process.env,
      PATH: `${join(ROOT, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`,
      REPORT_PROFILE: "quick",
      OBSERVABLE_TELEMETRY_DISABLE: "1",
      NO_COLOR: "1",
      FORCE_COLOR: "0"
    },
    stdio: ["ignore", "pipe", "pipe"]
  });
  let log = "";
  child.stdout.on("data", (chunk) => (log += chunk));
  child.stderr.on("data", (chunk) => (log += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGTERM"), BUILD_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  writeFileSync(BUILD_LOG, log);
  if (code !== 0) {
    throw new Error(`observable build exited with ${code}; log in ${BUILD_LOG}:\n${log.split("\n").slice(-40).join("\n")}`);
  }
  if (!existsSync(join(SITE, "index.html"))) throw new Error(`observable build wrote no ${join(SITE, "index.html")}; log in ${BUILD_LOG}`);
  // The build is as fresh as the sources it started from: a page edited while it ran is newer than it.
  utimesSync(join(SITE, "index.html"), started / 1000, started / 1000);
  return { dir: SITE, log, seconds: (Date.now() - started) / 1000, networkReason: offline.prefix ? null : offline.reason };
}

let pending: Promise<BuildResult> | null = null;

/** A fresh build, once per process (build.test.ts). */
export function buildSite(): Promise<BuildResult> {
  pending ??= withBuildLock(runBuild);
  return pending;
}

/**
 * The site to test in a browser: SITE_DIR if set, else a private copy of test-output/site, built first when
 * missing or older than the sources. The copy is taken under the build lock, so a build started meanwhile
 * by build.test.ts (which empties test-output/site) cannot pull files from under the browser.
 */
export async function ensureSite(): Promise<{ dir: string; dispose(): void }> {
  if (process.env.SITE_DIR) return { dir: resolve(process.env.SITE_DIR), dispose() {} };
  return withBuildLock(async () => {
    if (!siteIsFresh()) await runBuild();
    const copy = mkdtempSync(join(tmpdir(), "mnist-site-"));
    cpSync(SITE, copy, { recursive: true });
    return { dir: copy, dispose: () => rmSync(copy, { recursive: true, force: true }) };
  });
}

/** Every file under `dir`, as paths relative to it. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * The built copy of a data file, e.g. "data/family/cnn.json" → "_file/data/family/cnn.<hash>.json".
 * Returns null when there is none.
 */
/** Text that a regular expression matches literally. */
export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function builtDataFile(dir: string, path: string): string | null {
  const stem = path.replace(/^\//, "").replace(/\.json$/, "");
  const pattern = new RegExp(`^_file/${escapeRegExp(stem)}\\.[0-9a-f]{8}\\.json$`);
  return listFiles(dir).find((f) => pattern.test(f.split(sep).join("/"))) ?? null;
}

/** The bytes of a built data file of any kind: "data/models/x.bin" is "_file/data/models/x.<hash>.bin". */
export function readBuiltBytes(dir: string, path: string): Buffer {
  const stem = path.replace(/^\//, "");
  const dot = stem.lastIndexOf(".");
  const pattern = new RegExp(`^_file/${escapeRegExp(stem.slice(0, dot))}\\.[0-9a-f]{8}${escapeRegExp(stem.slice(dot))}$`);
  const file = listFiles(dir).find((f) => pattern.test(f.split(sep).join("/")));
  if (!file) throw new Error(`the build in ${dir} has no ${path}`);
  return readFileSync(join(dir, file));
}

/** A built JSON data file, parsed; fails naming the file when the build has none. */
export function readBuiltJson<T>(dir: string, path: string): T {
  const file = builtDataFile(dir, path);
  if (!file) throw new Error(`the build in ${dir} has no ${path}`);
  return JSON.parse(readFileSync(join(dir, file), "utf8")) as T;
}

export { serveStatic, type StaticServer } from "../../scripts/serve.ts";

/**
 * References to other hosts that a browser would load: script/link/img/iframe sources, module imports
 * (static and dynamic), CSS @import and url(). Plain hyperlinks (<a href>) and XML namespace strings inside
 * bundled libraries are not loads and are not matched.
 */
export function outsideLoads(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /<(?:script|img|iframe|source|video|audio|embed)\b[^>]*\bsrc\s*=\s*["']?((?:https?:)?\/\/[^"'\s>]+)/gi,
    /<link\b[^>]*\bhref\s*=\s*["']?((?:https?:)?\/\/[^"'\s>]+)/gi,
    /\bimport\s*(?:[\w*{}\s,$]+\s*from\s*)?["']((?:https?:)?\/\/[^"']+)["']/g,
    /\bimport\s*\(\s*["'`]((?:https?:)?\/\/[^"'`]+)["'`]\s*\)/g,
    /\bexport\s*[\w*{}\s,$]*\s*from\s*["']((?:https?:)?\/\/[^"']+)["']/g,
    /@import\s+(?:url\()?\s*["']?((?:https?:)?\/\/[^"')\s]+)/gi,
    /(?<!@import\s*)\burl\(\s*["']?((?:https?:)?\/\/[^"')\s]+)/gi
  ];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]);
  return found;
}
