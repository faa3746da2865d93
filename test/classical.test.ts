// Study 9's pipeline: PCA on hand-checkable data, then the quick-profile result as the Framework loader
// emits it (well-formed, stored, reused, recomputed when damaged, a new key when settings change).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensureClassical, ensureClassicalInChild } from "../loaders/classical/classical.ts";

import { createRng, normal } from "../loaders/data/random.ts";
import { ROOT } from "../loaders/config.ts";
import { classicalDir, classicalKey, readResult, readSettings, resolveSettings, ResultSchema, StoredResultError, type ClassicalResult } from "../loaders/classical/settings.ts";
import { principalComponents, project, reconstruct, standardisedCumulative } from "../loaders/classical/compute.ts";

const close = (actual: number, expected: number, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

describe("principal components", () => {
  it("a cross of points: variances 8/3 and 2/3 along x and y, so 80% and 20% explained", () => {
    const x = Float32Array.from([2, 0, 0, -2, 0, 0, 0, 1, 0, 0, -1, 0]);
    const pc = principalComponents(x, 4, 3);
    close(pc.variances[0], 8 / 3);
    close(pc.variances[1], 2 / 3);
    close(pc.explained[0], 0.8);
    close(pc.explained[1], 0.2);
    close(Math.abs(pc.vectors[0 * 3 + 0]), 1); // component 1 is ±x
    close(Math.abs(pc.vectors[1 * 3 + 1]), 1); // component 2 is ±y
  });

  it("components are eigenvectors of the covariance, largest variance first, and rebuild the data", () => {
    const rng = createRng(11);
    const n = 200;
    const d = 5;
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const t = normal(rng);
      for (let a = 0; a < d; a++) x[i * d + a] = (a + 1) * t + normal(rng, 0, 0.3) + a;
    }
    const pc = principalComponents(x, n, d);
    for (let j = 1; j < d; j++) assert.ok(pc.variances[j] <= pc.variances[j - 1] + 1e-9, "variances descend");
    for (let j = 0; j < d; j++) {
      for (let a = 0; a < d; a++) {
        let cu = 0;
        for (let b = 0; b < d; b++) cu += pc.covariance[a][b] * pc.vectors[b * d + j];
        close(cu, pc.variances[j] * pc.vectors[a * d + j], 1e-6);
      }
    }
    const z = project(pc, x, n, d);
    const back = reconstruct(pc, z.subarray(0, d), d);
    for (let a = 0; a < d; a++) close(back[a], x[a], 1e-5);
  });

  it("standardised PCA scales every varying pixel to unit variance and drops constant ones", () => {
    const cumulative = standardisedCumulative([
      [4, 0, 0],
      [0, 1, 0],
      [0, 0, 0]
    ]);
    assert.equal(cumulative.length, 2);
    close(cumulative[0], 0.5);
    close(cumulative[1], 1);
  });
});

describe("the stored quick-profile result", () => {
  let runs: string;
  const saved = process.env.RUNS_DIR;
  let first: { result: ClassicalResult; dir: string; computed: boolean };
  const settings = readSettings();

  before(async () => {
    runs = mkdtempSync(join(tmpdir(), "classical-runs-"));
    process.env.RUNS_DIR = runs;
    first = await ensureClassical("quick", { log: () => {} });
  });
  after(() => {
    if (saved === undefined) delete process.env.RUNS_DIR;
    else process.env.RUNS_DIR = saved;
    rmSync(runs, { recursive: true, force: true });
  });

  it("is computed once, stored under its key and well-formed", () => {
    const sizes = settings.profiles.quick;
    const r = first.result;
    assert.ok(first.computed);
    assert.equal(first.dir, classicalDir(resolveSettings(settings, "quick")));
    assert.ok(ResultSchema.safeParse(r).success);
    assert.deepEqual(readResult(first.dir), r);
    assert.equal(r.data.pcaTrain, sizes.pcaTrainSize);
    assert.equal(r.data.test, sizes.testSize);
    assert.equal(r.pca.cumulative.length, 784);
    for (let i = 1; i < 784; i++) assert.ok(r.pca.cumulative[i] >= r.pca.cumulative[i - 1]);
    close(r.pca.cumulative.at(-1)!, 1, 1e-6);
    assert.deepEqual(r.kmeans.sweep.map((s) => s.k), sizes.kmeansK);
    assert.equal(r.kmeans.sweep[0].homogeneity, 0, "one cluster says nothing about the classes");
    assert.equal(r.kmeans.init.length, 2 * sizes.initSeeds.length);
    assert.equal(r.kmeans.pca2.points.length, sizes.clusterSize);
    assert.deepEqual(r.gmm.fits.map((f) => f.covariance), settings.gmm.covariances);
    for (const f of r.gmm.fits) assert.ok(f.ari > 0 && f.ari <= 1 && f.homogeneity > 0 && f.homogeneity <= 1);
    assert.equal(r.classifiers.tree.byDepth.length, 2 * sizes.treeMaxDepth);
    assert.ok(r.classifiers.logistic.testAccuracy > 0.5, `logistic regression: ${r.classifiers.logistic.testAccuracy}`);
    const images = r.pca.reconstructions;
    assert.equal(images.length, 10 * (settings.pca.reconstructionComponents.length + 1));
    for (const image of images) assert.equal(Buffer.from(image.pixels, "base64").length, 784);
  });

  it("the Framework loader emits it with the reference figures, reusing the stored file", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "src/data/classical.json.ts")], {
      env: { ...process.env, RUNS_DIR: runs, REPORT_PROFILE: "quick" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"]
    });
    const emitted = JSON.parse(out);
    assert.equal(emitted.key, first.result.key);
    assert.equal(emitted.createdAt, first.result.createdAt, "reused, not recomputed");
    assert.equal(emitted.reference.kmeansHomogeneityK10, settings.reference.kmeansHomogeneityK10);
  });

  it("a damaged file is named in the error, moved aside and computed again", async () => {
    writeFileSync(join(first.dir, "result.json"), '{"version": 1, "key": "oops"');
    assert.throws(() => readResult(first.dir), (e: Error) => e instanceof StoredResultError && e.message.includes(join(first.dir, "result.json")));
    const lines: string[] = [];
    const again = await ensureClassical("quick", { log: (line) => lines.push(line) });
    assert.ok(again.computed);
    assert.ok(lines.some((l) => l.includes("not valid JSON") && l.includes("result.json")), lines.join("\n"));
    assert.ok(readdirSync(join(runs, "quick")).some((name) => name.includes(".damaged-")));
    assert.deepEqual(again.result.kmeans.sweep, first.result.kmeans.sweep, "seeded: the same figures again");
    assert.ok(existsSync(join(first.dir, "result.json")));
  });

  it("in a child process: a stored result is read without one; forced, the child recomputes the same figures; its failure is named", async () => {
    const lines: string[] = [];
    const reused = await ensureClassicalInChild("quick", { log: (line) => lines.push(line) });
    assert.equal(reused.computed, false);
    assert.equal(lines.length, 0, "nothing started");
    const forced = await ensureClassicalInChild("quick", { force: true, log: (line) => lines.push(line) });
    assert.ok(forced.computed);
    assert.ok(lines.some((l) => l.startsWith("[classical] stored")), lines.join("\n"));
    assert.notEqual(forced.result.createdAt, reused.result.createdAt, "computed again");
    assert.deepEqual(forced.result.kmeans.sweep, reused.result.kmeans.sweep, "seeded: the same figures");
    assert.deepEqual(readResult(forced.dir), forced.result);
    // A runs folder that cannot be made: the child fails, and the error says so.
    const blocked = join(runs, "a-file");
    writeFileSync(blocked, "");
    process.env.RUNS_DIR = blocked;
    try {
      await assert.rejects(ensureClassicalInChild("quick", { log: () => {} }), /failed in its child process \(exit code 1\)/);
    } finally {
      process.env.RUNS_DIR = runs;
    }
  });

  it("changing a setting changes the key; the reference figures do not", () => {
    const base = classicalKey(resolveSettings(settings, "quick"));
    const reseeded = { ...settings, seed: settings.seed + 1 };
    assert.notEqual(classicalKey(resolveSettings(reseeded, "quick")), base);
    const moreSteps = { ...settings, profiles: { ...settings.profiles, quick: { ...settings.profiles.quick, logisticSteps: 31 } } };
    assert.notEqual(classicalKey(resolveSettings(moreSteps, "quick")), base);
    const otherReference = { ...settings, reference: { ...settings.reference, mlpTestAccuracy: 0.5 } };
    assert.equal(classicalKey(resolveSettings(otherReference, "quick")), base);
    assert.throws(() => resolveSettings(settings, "nope"), /no profile "nope"/);
  });
});
