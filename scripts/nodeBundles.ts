// Bundles the npm packages the pages import (d3, Plot, tfjs, ...) into Framework's `_node` cache before
// Framework builds, so that it finds them done: with esbuild where it can (scripts/packageBundler.ts) and
// with Framework's own bundler for the rest. Bundles are kept between builds: each is named by package
// and version, so a dependency upgrade gets a new bundle. A package missed here is bundled by Framework.
//   npx tsx scripts/nodeBundles.ts
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { type BundleOutcome, PackageBundler } from "./packageBundler.ts";
import { siteSources } from "./siteSources.ts";

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

/**
 * Bundles every page import that is not in the cache yet, with esbuild where it can (scripts/packageBundler.ts)
 * and Framework's bundler where it cannot; returns how each bundle was made, by `_node` path.
 */
export async function bundleNodeImports(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<Map<string, BundleOutcome>> {
  const bundler = new PackageBundler();
  await Promise.all(pageImports().map((spec) => bundler.bundleOrLeave(spec, log)));
  return bundler.made;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const made = [...(await bundleNodeImports()).values()];
  const count = (how: BundleOutcome) => made.filter((outcome) => outcome === how).length;
  process.stderr.write(`browser bundles: ${count("esbuild")} made by esbuild, ${count("framework")} by Framework, ${count("cached")} kept, in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
