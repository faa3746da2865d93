// `npm run build`: builds the site into a fresh folder beside dist/ and swaps it in only when the build
// succeeded, so a failed build (a damaged stored run, a missing dataset) never leaves a half-emptied
// dist/ for a running server to serve. Before Framework starts, three processes run side by side: two
// produce the data files into Framework's loader cache, half each (scripts/dataFiles.ts: a Node start
// and a read of the stored runs per half instead of per loader), the third bundles the npm packages the
// pages import (scripts/nodeBundles.ts), so Framework finds both done. The loaders' outputs are cleared
// first, because Framework re-runs a loader only when the loader file itself changes; the package
// bundles are kept, under their package's version. The versions of the libraries Framework's client
// names are seeded (scripts/offline.ts), so the build needs no network. One build at a time per
// checkout: the cache folder is shared, so a second build waits for the first (and says so).
//   npx tsx scripts/build.ts [--out DIR]
import { spawn } from "node:child_process";
import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { withLock } from "../loaders/experiments/lock.ts";
import { seedNpmVersions } from "./offline.ts";
import { FRAMEWORK_CACHE } from "./siteSources.ts";

const ROOT = resolve(import.meta.dirname, "..");
/** Framework's bundles of the npm packages the pages import, kept from one build to the next. */
export const NODE_BUNDLES = join(FRAMEWORK_CACHE, "_node");
/** Where the lock that lets one build at a time use the cache lives (the tests' builds take it too). */
export const BUILD_LOCKS = join(ROOT, "src", ".observablehq");

/** Builds into `out` (default dist/) through a temporary sibling; resolves to Framework's exit code. */
export function build(out = join(ROOT, "dist")): Promise<number> {
  // Framework's cache folder is one per checkout: a second build (or the tests' build) waits its turn.
  return withLock("build", () => buildNow(out), { dir: BUILD_LOCKS, log: (line) => process.stderr.write(`build: ${line}\n`) });
}

async function buildNow(out: string): Promise<number> {
  const target = resolve(out);
  const staging = `${target}.building-${process.pid}`;
  if (existsSync(FRAMEWORK_CACHE)) for (const entry of readdirSync(FRAMEWORK_CACHE)) if (join(FRAMEWORK_CACHE, entry) !== NODE_BUNDLES) rmSync(join(FRAMEWORK_CACHE, entry), { recursive: true, force: true });
  rmSync(staging, { recursive: true, force: true });
  seedNpmVersions();
  const env = {
    ...process.env,
    // observablehq.config.ts writes the site here; Framework runs TypeScript loaders with `tsx`.
    REPORT_OUTPUT: staging,
    OBSERVABLE_TELEMETRY_DISABLE: "1",
    PATH: `${join(ROOT, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`
  };
  const run = (args: string[]) =>
    new Promise<number>((done) => spawn(process.execPath, args, { cwd: ROOT, stdio: "inherit", env }).on("close", (c) => done(c ?? 1)));
  // Either step may fail without failing the build: whatever it leaves undone, Framework does itself.
  const tsx = ["--import", "tsx"];
  // Runs missing from the store (a build from nothing) are trained by one half while the other waits.
  const dataFiles = (part: string) => run([...tsx, join(ROOT, "scripts", "dataFiles.ts"), "--part", part]);
  await Promise.all([dataFiles("1/2"), dataFiles("2/2"), run([...tsx, join(ROOT, "scripts", "nodeBundles.ts")])]);
  const code = await run([join(ROOT, "node_modules", "@observablehq", "framework", "dist", "bin", "observable.js"), "build"]);
  if (code !== 0 || !existsSync(join(staging, "index.html"))) {
    rmSync(staging, { recursive: true, force: true });
    process.stderr.write(`build: the build failed (exit code ${code}); ${existsSync(target) ? `${target} is left as it was` : `nothing was written to ${target}`}\n`);
    return code || 1;
  }
  const old = `${target}.old-${process.pid}`;
  if (existsSync(target)) renameSync(target, old);
  renameSync(staging, target);
  rmSync(old, { recursive: true, force: true });
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { out: { type: "string" } } });
  process.exitCode = await build(values.out);
}
