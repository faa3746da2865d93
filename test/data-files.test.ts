// The site's data files have one producer each (loaders/report/dataFiles.ts), run by a loader entry point
// in src/data or, for the whole build at once, by scripts/dataFiles.ts; and the packages the pages import
// are found for bundling ahead of Framework (scripts/nodeBundles.ts).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../loaders/config.ts";
import { DATA_ROUTES, matchDataFile, produceDataFile, routeParam } from "../loaders/report/dataFiles.ts";
import { referencedDataFiles } from "../scripts/dataFiles.ts";
import { parsePart } from "../loaders/experiments/shard.ts";
import { pageImports, valueImports } from "../scripts/nodeBundles.ts";

function loaderFiles(dir = join(ROOT, "src", "data")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? loaderFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

describe("the site's data files", () => {
  it("have one route per loader entry point, and each entry point only emits its route", () => {
    const loaders = loaderFiles().map((f) => relative(join(ROOT, "src", "data"), f).split("\\").join("/"));
    assert.deepEqual(loaders.map((f) => f.replace(/\.ts$/, "")).sort(), [...DATA_ROUTES].sort());
    for (const file of loaders) {
      const code = readFileSync(join(ROOT, "src", "data", file), "utf8");
      assert.match(code, new RegExp(`await emitDataFile\\(${JSON.stringify(file.replace(/\.ts$/, "")).replace(/[[\]]/g, "\\$&")}\\);`), file);
    }
  });

  it("split into disjoint parts for processes side by side, from --part I/N", () => {
    assert.deepEqual(parsePart("2/3", "--part"), { index: 2, count: 3 });
    for (const bad of ["0/2", "3/2", "1/0", "half", "1/2/3", ""]) assert.throws(() => parsePart(bad, "--part"), new RegExp(`--part must be I/N .*got "${bad}"`));
  });

  it("match a served path to its route and parameter", () => {
    assert.deepEqual(matchDataFile("family/cnn.json"), { route: "family/[family].json", param: "cnn" });
    assert.deepEqual(matchDataFile("compare-images/mnist-5v8.bin"), { route: "compare-images/[task].bin", param: "mnist-5v8" });
    assert.deepEqual(matchDataFile("compare/mnist.bin"), { route: "compare/[task].bin", param: "mnist" });
    assert.deepEqual(matchDataFile("runs.json"), { route: "runs.json", param: undefined });
    assert.equal(matchDataFile("family/.json"), null, "an empty parameter");
    assert.equal(matchDataFile("family/a/b.json"), null, "a parameter with a slash");
    assert.equal(matchDataFile("nothing.json"), null);
    assert.equal(routeParam("tfjs/[file].wasm"), "file");
    assert.equal(routeParam("runs.json"), null);
  });

  it("cover every file the pages attach or the config lists, each with a route", async () => {
    const referenced = await referencedDataFiles();
    for (const path of ["runs.json", "family/cnn.json", "study/dynamics.json", "compare/mnist.bin", "tfjs/tfjs-backend-wasm-simd.wasm", "predictions/cnn-strong.bin"]) {
      assert.ok(referenced.includes(path), `${path} is referenced`);
    }
    assert.deepEqual(referenced.filter((p) => !matchDataFile(p)), [], "a referenced file without a producer");
  });

  it("name the file, what it is and the value when a producer fails", async () => {
    await assert.rejects(produceDataFile("tfjs/[file].wasm", "tfjs-backend-evil"), /data\/tfjs\/tfjs-backend-evil\.wasm \(a wasm backend binary\): expected one of tfjs-backend-wasm, .*got "tfjs-backend-evil"/);
    await assert.rejects(produceDataFile("family/[family].json", "no-such-family", "quick"), /data\/family\/no-such-family\.json \(a model family's runs\): unknown family "no-such-family"/);
    await assert.rejects(produceDataFile("family/[family].json", undefined), /data\/family\/\[family\]\.json: missing --family/);
    await assert.rejects(produceDataFile("nope.json", undefined), /unknown data route "nope\.json"/);
  });

  it("are what a loader entry point writes to stdout", { timeout: 120_000 }, async () => {
    const run = (file: string, args: string[]) => execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "src", "data", file), ...args], { cwd: ROOT, env: { ...process.env, REPORT_PROFILE: "quick" }, maxBuffer: 64 << 20 });
    assert.equal(run("studies.json.ts", []).toString(), await produceDataFile("studies.json", undefined, "quick"));
    assert.ok(run("tfjs/[file].wasm.ts", ["--file", "tfjs-backend-wasm"]).equals(Buffer.from(await produceDataFile("tfjs/[file].wasm", "tfjs-backend-wasm", "quick"))));
  });
});

describe("the packages the pages import", () => {
  it("are read from value imports only, not from types", () => {
    const code = [
      'import * as Plot from "@observablehq/plot";',
      'import type * as TF from "@tensorflow/tfjs";',
      'import {html} from "htl";',
      'import {\n  a,\n  b\n} from "d3";',
      'import "./local.js";',
      'import {FileAttachment} from "observablehq:stdlib";',
      'let wasm: typeof import("@tensorflow/tfjs-backend-wasm") | undefined;',
      'const core = await import("@tensorflow/tfjs-core");',
      'const mine = await import("../engine/kernels/index.js");',
      'export * from "@tensorflow/tfjs-layers";',
      'export type {Tensor} from "@tensorflow/tfjs";'
    ].join("\n");
    assert.deepEqual(valueImports(code).sort(), ["@observablehq/plot", "@tensorflow/tfjs-core", "@tensorflow/tfjs-layers", "d3", "htl"]);
  });

  it("are the page's tfjs parts, never the umbrella package with its converter and tf.data", () => {
    const imports = pageImports();
    for (const spec of ["@tensorflow/tfjs-core", "@tensorflow/tfjs-layers", "@tensorflow/tfjs-backend-webgl", "d3", "@observablehq/plot"]) assert.ok(imports.includes(spec), spec);
    assert.ok(!imports.includes("@tensorflow/tfjs"), "the umbrella package");
    assert.ok(!imports.includes("@tensorflow/tfjs-backend-wasm"), "the wasm backend's Node entry (the page imports its flat ES module build)");
  });
});
