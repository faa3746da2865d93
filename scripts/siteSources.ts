// Where the build finds the site: its page and component sources under src/, which it reads for what
// the pages use (their data files, their npm packages), and Framework's cache folder beside them.
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";

export const SRC = join(resolve(import.meta.dirname, ".."), "src");
/** Framework's cache: loader outputs under data/, npm package bundles under _node/ (Framework's layout). */
export const FRAMEWORK_CACHE = join(SRC, ".observablehq", "cache");

/** Every .md, .ts and .js file of the pages and components (not the loaders in src/data, the engine link nor the cache), as absolute paths. */
export function siteSources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith(".") || entry.name === "data" || entry.name === "engine") return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return siteSources(path);
    return /\.(md|ts|js)$/.test(entry.name) ? [path] : [];
  });
}
