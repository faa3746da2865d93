// The whole site builds offline with the quick profile: every configured page has its HTML, every family
// and dataset data file is there and holds what the pages expect, and nothing in the output loads
// anything from outside the site.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { readDeclarations } from "../../loaders/spec/schema.ts";

import { BUILD_TIMEOUT_MS, buildSite, builtDataFile, configuredDataPaths, configuredPages, listFiles, outsideLoads, type BuildResult } from "../helpers/site.ts";
import { DECLARATIONS_DIR } from "../../loaders/config.ts";

// Grids expanded: one experiment per run.
const declarations = readDeclarations(DECLARATIONS_DIR);

describe("offline build with the quick profile", () => {
  let build: BuildResult;

  before(
    async () => {
      build = await buildSite();
    },
    { timeout: BUILD_TIMEOUT_MS }
  );

  it("builds with the network off", (t) => {
    // Framework resolves versions for its client's lazy libraries unless scripts/offline.ts seeded them;
    // without that, the build under `unshare -rn` fails with "fetch failed".
    if (build.networkReason) return t.skip(`built with the network on: ${build.networkReason}`);
    assert.doesNotMatch(build.log, /fetch failed|ENOTFOUND|EAI_AGAIN/);
  });

  it("the outside-load detector finds what it should and ignores hyperlinks", () => {
    const sample = [
      `<script src="https://cdn.jsdelivr.net/npm/d3@7"></script>`,
      `<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter">`,
      `import * as Plot from "https://cdn.jsdelivr.net/npm/@observablehq/plot/+esm";`,
      `const m = import("//unpkg.com/htl");`,
      `@import url("https://fonts.googleapis.com/css");`,
      `.x { background: url(https://example.com/a.png) }`,
      `<a href="https://example.com/">a link</a>`,
      `document.createElementNS("http://www.w3.org/2000/svg", "svg")`,
      `.y { background: url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E") }`
    ].join("\n");
    assert.deepEqual(outsideLoads(sample), [
      "https://cdn.jsdelivr.net/npm/d3@7",
      "https://fonts.googleapis.com/css2?family=Inter",
      "https://cdn.jsdelivr.net/npm/@observablehq/plot/+esm",
      "//unpkg.com/htl",
      "https://fonts.googleapis.com/css",
      "https://example.com/a.png"
    ]);
  });

  it("writes an HTML file for every configured page", async () => {
    const files = new Set(listFiles(build.dir));
    for (const page of await configuredPages()) {
      assert.ok(files.has(page.file), `no ${page.file} for page ${page.path}`);
      const html = readFileSync(join(build.dir, page.file), "utf8");
      assert.match(html, /<main id="observablehq-main"/, `${page.file} is a Framework page`);
    }
  });

  it("writes the runs summary with every declared experiment", () => {
    const file = builtDataFile(build.dir, "data/runs.json");
    assert.ok(file, "no built data/runs.json");
    const report = JSON.parse(readFileSync(join(build.dir, file), "utf8"));
    assert.equal(report.profile.name, "quick");
    assert.deepEqual(
      report.runs.map((r: { id: string }) => r.id),
      declarations.experiments.map((e) => e.id)
    );
    for (const run of report.runs) {
      assert.ok(["completed", "diverged"].includes(run.status), `${run.id}: status ${run.status}`);
      if (run.status === "completed") assert.ok(run.testAccuracy > 0 && run.testAccuracy <= 1, `${run.id}: test accuracy ${run.testAccuracy}`);
      assert.ok(run.params > 0, `${run.id}: parameter count`);
    }
  });

  it("writes every family report, each with its declared runs and what the pages draw", async () => {
    const families = (await configuredDataPaths()).filter((path) => path.startsWith("/data/family/"));
    assert.deepEqual(
      families.map((path) => path.slice("/data/family/".length, -".json".length)).sort(),
      [...new Set(declarations.experiments.map((e) => e.family))].sort()
    );
    for (const path of families) {
      const file = builtDataFile(build.dir, path);
      assert.ok(file, `no built ${path}`);
      const report = JSON.parse(readFileSync(join(build.dir, file), "utf8"));
      // A family page shows each declared model of the family through its first seed, with the group of
      // its seeds; study runs are shown on their study's page.
      const declared = declarations.experiments.filter((e) => e.family === report.family && e.study == null);
      const expected = declared.filter((e) => (e.group ?? e.id) === e.id).map((e) => e.id);
      assert.deepEqual(
        report.runs.map((r: { id: string }) => r.id),
        expected,
        `${path}: runs`
      );
      assert.deepEqual(report.groups.map((g: { id: string }) => g.id), expected, `${path}: one group per model`);
      for (const group of report.groups) {
        assert.deepEqual(group.runIds, declared.filter((e) => (e.group ?? e.id) === group.id).map((e) => e.id), `${group.id}: every seed`);
        assert.ok(group.curves.length > 0, `${group.id}: mean curves`);
      }
      for (const run of report.runs) {
        assert.equal(run.classNames.length, 10, `${run.id}: class names`);
        assert.ok(run.history.length > 0, `${run.id}: learning curves`);
        for (const row of run.history) {
          assert.ok(["train", "validation"].includes(row.split) && ["loss", "accuracy"].includes(row.metric), `${run.id}: tidy history row ${JSON.stringify(row)}`);
        }
        if (run.status !== "completed") continue;
        assert.equal(run.confusion.length, 100, `${run.id}: 10×10 confusion rows`);
        const tested = run.confusion.reduce((sum: number, d: { count: number }) => sum + d.count, 0);
        assert.equal(tested, run.testCount, `${run.id}: the confusion matrix counts every test image`);
        assert.equal(run.perClass.length, 10, `${run.id}: per-class rows`);
        for (const m of run.misclassified) {
          assert.notEqual(m.label, m.predicted, `${run.id}: a misclassified image is misclassified`);
          assert.equal(m.probabilities.length, 10);
          assert.equal(Buffer.from(m.pixels, "base64").length, 784, `${run.id}: 28×28 pixels`);
        }
      }
    }
  });

  it("writes every dataset report with shapes, balance, mean images and samples", async () => {
    const datasets = (await configuredDataPaths()).filter((path) => path.startsWith("/data/dataset/"));
    assert.ok(datasets.length > 0, "no dataset paths configured");
    for (const path of datasets) {
      const file = builtDataFile(build.dir, path);
      assert.ok(file, `no built ${path}`);
      const data = JSON.parse(readFileSync(join(build.dir, file), "utf8"));
      const classes = data.classNames.length;
      assert.deepEqual(data.shapes.train.slice(1), [28, 28]);
      assert.equal(data.balance.length, 2 * classes, `${path}: balance rows for train and test`);
      for (const split of ["train", "test"] as const) {
        const total = data.balance.filter((d: { split: string }) => d.split === split).reduce((s: number, d: { count: number }) => s + d.count, 0);
        assert.equal(total, data.shapes[split][0], `${path}: ${split} balance adds up to the split size`);
      }
      assert.equal(data.meanImages.length, classes);
      assert.equal(data.samples.length % classes, 0, `${path}: the same number of samples per class`);
      for (const image of [...data.meanImages, ...data.samples]) assert.equal(Buffer.from(image.pixels, "base64").length, 784);
    }
  });

  it("loads nothing from outside the site", () => {
    const offending: string[] = [];
    for (const file of listFiles(build.dir)) {
      if (!/\.(html|js|css)$/.test(file)) continue;
      for (const url of outsideLoads(readFileSync(join(build.dir, file), "utf8"))) offending.push(`${file}: ${url}`);
    }
    assert.deepEqual(offending, []);
  });

  it("has no trace of a CDN or web fonts anywhere in its HTML, CSS or JavaScript", () => {
    const offending: string[] = [];
    for (const file of listFiles(build.dir)) {
      if (!/\.(html|js|css)$/.test(file)) continue;
      const text = readFileSync(join(build.dir, file), "utf8");
      for (const host of ["cdn.jsdelivr.net", "unpkg.com", "fonts.googleapis.com", "fonts.gstatic.com", "esm.sh", "api.observablehq.com"]) {
        if (text.includes(host)) offending.push(`${file}: ${host}`);
      }
    }
    assert.deepEqual(offending, []);
  });

  it("every page's HTML refers only to files that exist in the build", async () => {
    const files = new Set(listFiles(build.dir).map((f) => f.split("\\").join("/")));
    for (const page of await configuredPages()) {
      const html = readFileSync(join(build.dir, page.file), "utf8");
      for (const match of html.matchAll(/\b(?:src|href)="\.\/((?:_observablehq|_node|_import|_npm|_file)\/[^"#?]+)"/g)) {
        assert.ok(files.has(match[1]), `${page.file} refers to missing ${match[1]}`);
      }
    }
  });
});
