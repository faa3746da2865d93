// Lets Framework build the site with the network off. Framework's client bundle names libraries that
// no page of ours loads (React, ECharts, Leaflet, DuckDB's Arrow, ...) behind lazy `npm:` imports, and
// to write their paths it asks the npm registry for a version unless its cache already holds one. We
// give it one: an empty folder `<name>@<version>` in its npm cache is what Framework reads as "known
// version". Nothing is downloaded, and no page fetches these paths (the build test checks that every
// file a page refers to exists in the build).
//   npx tsx scripts/offline.ts     seeds the cache (run before `observable preview`)
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = resolve(import.meta.dirname, "..");

/**
 * The libraries Framework 1.13's client and standard library import lazily, at the versions the
 * registry named when this list was made. A page that really imported one with `npm:` would still
 * need the network, and the build test would catch the outside load.
 */
export const CLIENT_NPM_VERSIONS: Readonly<Record<string, string>> = {
  "@observablehq/plot": "0.6.17",
  "@observablehq/sample-datasets": "1.0.1",
  "apache-arrow": "21.2.0",
  arquero: "8.0.3",
  d3: "7.9.2",
  "d3-dsv": "3.0.2",
  echarts: "6.1.0",
  htl: "1.0.0",
  leaflet: "1.9.4",
  lodash: "4.18.1",
  "mapbox-gl": "3.32.0",
  "parquet-wasm": "0.8.0",
  react: "19.3.1",
  "react-dom": "19.3.1",
  "topojson-client": "3.1.0"
};

/** Framework's npm cache under a source root (`src/` here). */
export function npmCacheDir(sourceRoot = join(ROOT, "src")): string {
  return join(sourceRoot, ".observablehq", "cache", "_npm");
}

/** Records a version for every library in CLIENT_NPM_VERSIONS in Framework's npm cache. */
export function seedNpmVersions(sourceRoot = join(ROOT, "src")): void {
  const cache = npmCacheDir(sourceRoot);
  for (const [name, version] of Object.entries(CLIENT_NPM_VERSIONS)) mkdirSync(join(cache, `${name}@${version}`), { recursive: true });
}

/**
 * The command prefix that runs a process with no network (`unshare -rn`, a private network namespace
 * holding only a loopback), or null with the reason where this machine does not allow it.
 */
export function noNetworkPrefix(): { prefix: string[] } | { prefix: null; reason: string } {
  const probe = spawnSync("unshare", ["-rn", "true"], { encoding: "utf8" });
  if (probe.error) return { prefix: null, reason: `unshare is not available (${probe.error.message})` };
  if (probe.status !== 0) return { prefix: null, reason: `unshare -rn is not allowed here: ${probe.stderr.trim() || `exit code ${probe.status}`}` };
  return { prefix: ["unshare", "-rn"] };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) seedNpmVersions();
