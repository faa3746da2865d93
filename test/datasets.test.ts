// Dataset facts for the data pages are stored beside the runs once computed, so that building the
// committed report needs no raw dataset: with Fashion-MNIST's Debian files hidden, its page's loader
// still answers from the stored facts, and without them it fails with a message naming the package.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readDeclarations } from "../loaders/spec/schema.ts";
import { DECLARATIONS_DIR, ROOT } from "../loaders/config.ts";

const LOADER = join(ROOT, "src", "data", "dataset", "[dataset].json.ts");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const haveFashion = existsSync("/usr/share/datasets/fashion-mnist");

function load(dataset: string, env: Record<string, string>) {
  return spawnSync(TSX, [LOADER, "--dataset", dataset], { encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
}

describe("dataset facts without the raw dataset", () => {
  const runs = mkdtempSync(join(tmpdir(), "facts-"));
  after(() => rmSync(runs, { recursive: true, force: true }));

  it("are computed once with the raw files, then served from the stored facts with the files hidden", { skip: !haveFashion && "Debian's dataset-fashion-mnist is not installed" }, () => {
    const hidden = { RUNS_DIR: runs, FASHION_MNIST_DIR: join(runs, "no-such-dir") };
    const missing = load("fashion-mnist", hidden);
    assert.notEqual(missing.status, 0, "no stored facts and no raw files: an error");
    assert.match(missing.stderr, /dataset-fashion-mnist/, "the error names the package to install");
    const computed = load("fashion-mnist", { RUNS_DIR: runs });
    assert.equal(computed.status, 0, computed.stderr);
    assert.ok(existsSync(join(runs, "datasets", "fashion-mnist.json")), "stored beside the runs");
    const served = load("fashion-mnist", hidden);
    assert.equal(served.status, 0, served.stderr);
    assert.deepEqual(JSON.parse(served.stdout), JSON.parse(computed.stdout));
    assert.equal(JSON.parse(served.stdout).samples.length, 100);
  });

  it("are committed for every dataset the declarations use, so a fresh clone builds without them", () => {
    const datasets = new Set(readDeclarations(DECLARATIONS_DIR).experiments.map((e) => e.dataset));
    for (const id of datasets) assert.ok(existsSync(join(ROOT, "data", "runs", "datasets", `${id}.json`)), `data/runs/datasets/${id}.json`);
  });
});
