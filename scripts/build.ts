// `npm run build`: builds the site into a fresh folder beside dist/ and swaps it in only when the build
// succeeded, so a failed build (a damaged stored run, a missing dataset) never leaves a half-emptied
// dist/ for a running server to serve. Framework's loader cache is cleared first, because Framework
// re-runs a loader only when the loader file itself changes; then the versions of the libraries its
// client names are seeded (scripts/offline.ts), so the build needs no network.
//   npx tsx scripts/build.ts [--out DIR]
import { spawn } from "node:child_process";
import { existsSync, renameSync, rmSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { seedNpmVersions } from "./offline.ts";

const ROOT = resolve(import.meta.dirname, "..");

/** Builds into `out` (default dist/) through a temporary sibling; resolves to Framework's exit code. */
export async function build(out = join(ROOT, "dist")): Promise<number> {
  const target = resolve(out);
  const staging = `${target}.building-${process.pid}`;
  rmSync(join(ROOT, "src", ".observablehq", "cache"), { recursive: true, force: true });
  rmSync(staging, { recursive: true, force: true });
  seedNpmVersions();
  const bin = join(ROOT, "node_modules", "@observablehq", "framework", "dist", "bin", "observable.js");
  const child = spawn(process.execPath, [bin, "build"], {
    cwd: ROOT,
    stdio: "inherit",
    env: {
      ...process.env,
      // observablehq.config.ts writes the site here; Framework runs TypeScript loaders with `tsx`.
      REPORT_OUTPUT: staging,
      OBSERVABLE_TELEMETRY_DISABLE: "1",
      PATH: `${join(ROOT, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`
    }
  });
  const code = await new Promise<number>((done) => child.on("close", (c) => done(c ?? 1)));
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
