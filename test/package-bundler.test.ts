// The esbuild bundler of page packages (scripts/packageBundler.ts) against Framework's own: the same file
// names, the same exports, imports of other packages by the same relative paths, CommonJS left to
// Framework, and bundles that load. Each case bundles into its own site folder under test-output/.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { before, describe, it } from "node:test";
import { init, parse } from "es-module-lexer";
import { ROOT } from "../loaders/config.ts";
import { PackageBundler, resolveSpecifier } from "../scripts/packageBundler.ts";

const OUT = join(ROOT, "test-output", "package-bundler");

/** A fresh, empty site folder (its own Framework cache), inside the project so node_modules resolves. */
function siteFolder(name: string): string {
  const root = join(OUT, name);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  return root;
}

const bundleFile = (root: string, path: string) => join(root, ".observablehq", "cache", path);

/** A bundle's export names and the paths it imports (once each: esbuild repeats an import per source module), read as the browser would. */
function shape(file: string): { exports: string[]; imports: string[] } {
  const [imports, exports] = parse(readFileSync(file, "utf8"));
  return { exports: exports.map((e) => e.n).sort(), imports: [...new Set(imports.map((i) => i.n ?? ""))].sort() };
}

/** Every `.js` file under a folder, relative to it. */
function jsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".js")).map((f) => f.split("\\").join("/"));
}

type Framework = { resolveNodeImport(root: string, spec: string): Promise<string> };
const framework = async () => (await import(pathToFileURL(join(ROOT, "node_modules", "@observablehq", "framework", "dist", "node.js")).href)) as Framework;

describe("bundling the pages' packages with esbuild", () => {
  before(() => init);

  it("names each bundle as Framework does, by package, installed version and subpath", async () => {
    const root = siteFolder("names");
    const { resolveNodeImport } = await framework();
    for (const spec of ["d3-array", "htl", "isoformat", "arquero/dist/arquero.js"]) {
      assert.equal(`/_node/${resolveSpecifier(spec, root).name}`, await resolveNodeImport(root, spec), spec);
    }
    const version = JSON.parse(readFileSync(join(ROOT, "node_modules", "@tensorflow", "tfjs-core", "package.json"), "utf8")).version;
    assert.equal(resolveSpecifier("@tensorflow/tfjs-core/dist/register_all_gradients.js", root).name, `@tensorflow/tfjs-core@${version}/dist/register_all_gradients.js`);
    assert.throws(() => resolveSpecifier("no-such-package-here", root), /no-such-package-here/);
  });

  it("makes Plot with the exports and package imports of Framework's bundle, CommonJS left to Framework", async () => {
    const ours = siteFolder("plot-esbuild");
    const theirs = siteFolder("plot-framework");
    const bundler = new PackageBundler(ours);
    const path = await bundler.bundle("@observablehq/plot", ours);
    assert.equal(path, await (await framework()).resolveNodeImport(theirs, "@observablehq/plot"));
    // The same files: Plot, each d3 package it imports and their own imports.
    assert.deepEqual(jsFiles(join(ours, ".observablehq", "cache", "_node")).sort(), jsFiles(join(theirs, ".observablehq", "cache", "_node")).sort());
    const made = Object.fromEntries(bundler.made);
    assert.equal(made[path], "esbuild");
    // interval-tree-1d is CommonJS: Framework's bundler makes it (and, as its import, binary-search-bounds).
    const commonJs = Object.keys(made).filter((p) => made[p] === "framework");
    assert.deepEqual(commonJs.map((p) => p.replace(/@[^@/]+\/index\.js$/, "")), ["/_node/interval-tree-1d"]);
    for (const file of jsFiles(join(ours, ".observablehq", "cache", "_node"))) {
      const mine = shape(join(ours, ".observablehq", "cache", "_node", file));
      const framework = shape(join(theirs, ".observablehq", "cache", "_node", file));
      assert.deepEqual(mine.exports, framework.exports, `${file}: exports`);
      assert.deepEqual(mine.imports, framework.imports, `${file}: imports`);
      for (const target of mine.imports) assert.ok(existsSync(join(dirname(join(ours, ".observablehq", "cache", "_node", file)), target)), `${file} imports ${target}, which exists`);
    }
    // And the bundle runs: its scales work without a page.
    const plot = await import(pathToFileURL(bundleFile(ours, path)).href);
    assert.deepEqual(plot.scale({ x: { domain: [0, 10], range: [0, 100] } }).apply(5), 50);
  });

  it("keeps the page's own copy of tfjs' internals per deep import, and drops Node's modules as the browser field says", async () => {
    const root = siteFolder("tfjs");
    const bundler = new PackageBundler(root);
    const wasm = await bundler.bundle("@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.fesm.js", root);
    const { imports } = shape(bundleFile(root, wasm));
    // fs, path, os and perf_hooks map to nothing in the package's browser field: only tfjs-core is imported.
    assert.deepEqual(imports, [relative(dirname(wasm), `/_node/${resolveSpecifier("@tensorflow/tfjs-core", root).name}`)]);
    assert.equal(bundler.made.get(`/_node/${resolveSpecifier("long", root).name}`), "framework", "long is CommonJS");
    assert.ok(existsSync(bundleFile(root, `/_node/${resolveSpecifier("seedrandom", root).name}`)));
  });

  it("bundles what is already there only once, and reports it kept", async () => {
    const root = siteFolder("kept");
    await new PackageBundler(root).bundle("d3-array", root);
    const again = new PackageBundler(root);
    const path = await again.bundle("d3-array", root);
    assert.deepEqual([...again.made], [[path, "cached"]]);
  });
});
