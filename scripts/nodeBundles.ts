// Bundles the npm packages the pages import (d3, Plot, tfjs, ...) into Framework's `_node` cache, with
// Framework's own bundler, so scripts/build.ts can do it while the data files are produced instead of
// Framework doing it page by page. Bundles are kept between builds: Framework names each one by package
// and version, so a dependency upgrade gets a new bundle. A package missed here is bundled by Framework.
//   npx tsx scripts/nodeBundles.ts
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { FRAMEWORK_CACHE, SRC, siteSources } from "./siteSources.ts";

const ROOT = resolve(import.meta.dirname, "..");

/** What every Markdown page may use without importing it (Framework's recommended libraries we have installed). */
const IMPLICIT = ["d3", "htl", "@observablehq/plot", "@observablehq/inputs"];

/** The packages a piece of page code imports or re-exports at run time (type-only ones and `typeof import()` left out). */
export function valueImports(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(/^\s*import\s+(?!type\b)(?:[^;"']*?\sfrom\s+)?["']([^"']+)["']/gm)) found.add(m[1]);
  for (const m of code.matchAll(/^\s*export\s+(?!type\b)[^;"']*?\sfrom\s+["']([^"']+)["']/gm)) found.add(m[1]);
  for (const m of code.matchAll(/(?<!typeof\s+)\bimport\(\s*["']([^"']+)["']\s*\)/g)) found.add(m[1]);
  return [...found].filter((spec) => !/^(\.|\/|[\w-]+:)/.test(spec));
}

/** Every npm package the pages and components import, as Framework would resolve it from node_modules. */
export function pageImports(): string[] {
  const found = new Set(IMPLICIT);
  for (const file of siteSources()) for (const spec of valueImports(readFileSync(file, "utf8"))) found.add(spec);
  return [...found].sort();
}

/** Bundles every page import that is not in the cache yet; returns how many it bundled. */
export async function bundleNodeImports(): Promise<number> {
  const framework = join(ROOT, "node_modules", "@observablehq", "framework", "dist", "node.js");
  const { resolveNodeImport } = (await import(pathToFileURL(framework).href)) as { resolveNodeImport(root: string, spec: string): Promise<string> };
  let bundled = 0;
  for (const spec of pageImports()) {
    const path = await resolveNodeImport(SRC, spec);
    if (!existsSync(join(FRAMEWORK_CACHE, path))) throw new Error(`bundling ${spec}: Framework named ${path} but did not write it`);
    bundled++;
  }
  return bundled;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const count = await bundleNodeImports();
  process.stderr.write(`browser bundles: ${count} packages ready in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
