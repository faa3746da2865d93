// A real training run on a small MNIST subset: an MLP and a CNN learn far above chance, runs are
// stored and reused, a damaged run is set aside and retrained, and a diverging run is stored as such.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Progress } from "../loaders/training/progress.ts";
import { readDeclarations, resolveExperiment, type ResolvedExperiment } from "../loaders/spec/schema.ts";
import { readRun, runDir, runKey } from "../loaders/experiments/store.ts";
import { ensureRun, ensureRuns } from "../loaders/experiments/executor.ts";
import { DECLARATIONS_DIR } from "../loaders/config.ts";
import { planRuns, type PlannedRun } from "../loaders/experiments/plan.ts";

/** Progress lines collected instead of printed, so the test can check them. */
class Captured extends Progress {
  lines: string[] = [];
  constructor() {
    const sink = { isTTY: false, write: (s: string) => (this.lines.push(s), true) } as unknown as NodeJS.WriteStream;
    super(sink, 0);
  }
}

describe("training on a small real subset", { timeout: 10 * 60_000 }, () => {
  let root: string;
  let plan: PlannedRun[];
  before(() => {
    root = mkdtempSync(join(tmpdir(), "train-"));
    process.env.RUNS_DIR = root;
    plan = planRuns("quick");
  });
  after(() => {
    delete process.env.RUNS_DIR;
  });

  for (const id of ["baseline-mlp", "cnn-basic"]) {
    it(`${id}: trains, evaluates far above chance and stores a complete run`, async () => {
      const planned = plan.find((p) => p.experiment.id === id)!;
      const progress = new Captured();
      const run = await ensureRun(planned, { progress });
      assert.equal(run.status, "completed");
      assert.equal(run.data.trainCount, planned.experiment.trainSize);
      assert.equal(run.history.length, planned.experiment.epochs);
      assert.ok(run.test!.accuracy > 0.6, `test accuracy ${run.test!.accuracy} should be far above chance (0.1)`);
      const total = run.test!.confusion.flat().reduce((a, b) => a + b, 0);
      assert.equal(total, planned.experiment.testSize);
      assert.equal(run.test!.perClass.length, 10);
      assert.ok(run.misclassified.length > 0 && run.misclassified.every((m) => m.label !== m.predicted));
      assert.equal(Buffer.from(run.misclassified[0].pixels, "base64").length, 784);
      assert.ok(progress.lines.some((l) => /epoch \d+\/\d+ batch \d+\/\d+ loss [\d.]+ acc [\d.]+ .* ETA/.test(l)), "progress lines");
      assert.deepEqual(readRun(planned.dir), run);
      if (planned.experiment.keepWeights) assert.ok(existsSync(join(planned.dir, "weights.bin")));
    });
  }

  it("a stored run is reused, not retrained", async () => {
    const planned = plan.find((p) => p.experiment.id === "baseline-mlp")!;
    const stored = readRun(planned.dir)!;
    const progress = new Captured();
    const again = await ensureRun(planned, { progress });
    assert.equal(again.createdAt, stored.createdAt);
    assert.equal(progress.lines.length, 0, "nothing was trained");
  });

  it("a damaged run is moved aside, reported, and trained again", async () => {
    const planned = plan.find((p) => p.experiment.id === "baseline-mlp")!;
    const file = join(planned.dir, "run.json");
    writeFileSync(file, readFileSync(file, "utf8").slice(0, 100));
    const progress = new Captured();
    const run = await ensureRun(planned, { progress });
    assert.equal(run.status, "completed");
    assert.ok(progress.lines.some((l) => l.includes(file) && l.includes("not valid JSON")));
    const aside = readdirSync(join(root, "quick")).filter((n) => n.includes(".damaged-"));
    assert.equal(aside.length, 1, "the damaged run is kept beside the new one");
  });

  it("worker processes train missing runs in parallel and store them for the parent to read", async () => {
    const ids = ["mlp-256-128", "mlp-512-512-dropout"];
    const results = await ensureRuns("quick", { only: ids, workers: 2, progress: new Captured() });
    assert.deepEqual(results.map((r) => r.planned.experiment.id), ids);
    for (const { planned, record } of results) {
      assert.equal(record.status, "completed");
      assert.deepEqual(readRun(planned.dir), record);
    }
  });

  it("a diverging run (loss overflows to Infinity/NaN) is stored as diverged with its history, not a crash", async () => {
    const { experiments, profiles } = readDeclarations(DECLARATIONS_DIR);
    const base = experiments.find((e) => e.id === "baseline-mlp")!;
    const experiment: ResolvedExperiment = {
      ...resolveExperiment(base, profiles.quick),
      id: "diverging",
      trainSize: 500,
      batchSize: 16,
      epochs: 2,
      // An L2 penalty with a step this large multiplies the weights by -19 each step: they overflow.
      optimizer: { name: "sgd", learningRate: 10 },
      layers: [{ type: "dense", units: 64, activation: "relu", l2: 1 }]
    };
    const key = runKey(experiment);
    const planned = { experiment, key, dir: runDir("quick", "diverging", key) };
    const progress = new Captured();
    const run = await ensureRun(planned, { progress });
    assert.equal(run.status, "diverged");
    assert.ok(run.divergence && run.divergence.epoch >= 1 && run.divergence.batch >= 1);
    assert.equal(run.test, null);
    assert.ok(run.history.length >= 1);
    assert.ok(progress.lines.some((l) => l.includes("diverged")));
    assert.equal(readRun(planned.dir)!.status, "diverged");
  });

  it("a run that does not learn (finite but huge loss, accuracy at chance) is stored as diverged, not completed", async () => {
    const { experiments, profiles } = readDeclarations(DECLARATIONS_DIR);
    const base = experiments.find((e) => e.id === "baseline-mlp")!;
    const experiment: ResolvedExperiment = {
      ...resolveExperiment(base, profiles.quick),
      id: "no-learning",
      trainSize: 500,
      epochs: 2,
      // Adam at learning rate 10 saturates the softmax: tfjs clips the loss, so it stays finite (about 14.5).
      optimizer: { name: "adam", learningRate: 10 }
    };
    const key = runKey(experiment);
    const planned = { experiment, key, dir: runDir("quick", "no-learning", key) };
    const progress = new Captured();
    const run = await ensureRun(planned, { progress });
    assert.equal(run.status, "diverged");
    assert.equal(run.divergence?.reason, "no better than chance");
    assert.ok(run.history.every((h) => h.loss != null && Number.isFinite(h.loss)), "the loss never became NaN");
    assert.ok(run.history[0].valAccuracy! <= 0.15 && run.history[0].valLoss! > 2 * Math.log(10));
    assert.equal(run.test, null);
    assert.ok(progress.lines.some((l) => l.includes("at chance")));
  });

  it("a CNN trained with our wasm kernels reaches the test accuracy it reaches on the cpu backend", async (t) => {
    const { trainRun } = await import("../loaders/training/trainRun.ts");
    const { experiments, profiles } = readDeclarations(DECLARATIONS_DIR);
    const experiment: ResolvedExperiment = {
      ...resolveExperiment(experiments.find((e) => e.id === "cnn-basic")!, profiles.quick),
      id: "wasm-vs-cpu",
      trainSize: 1000,
      validationSize: 100,
      testSize: 1000,
      epochs: 3,
      earlyStopping: null,
      optimizer: { name: "adam", learningRate: 0.003 },
      layers: [
        { type: "conv2d", filters: 8, kernelSize: 3, strides: 1, padding: "same", activation: "relu" },
        { type: "maxPool", poolSize: 2 },
        { type: "conv2d", filters: 8, kernelSize: 3, strides: 2, padding: "same", activation: "relu" },
        { type: "flatten" },
        { type: "dense", units: 32, activation: "relu" }
      ]
    };
    const accuracy: Record<string, number> = {};
    for (const backend of ["wasm", "cpu"] as const) {
      const { record } = await trainRun(experiment, runKey(experiment), { backend, progress: new Captured() });
      assert.equal(record.status, "completed");
      assert.equal(record.environment.backend, backend);
      accuracy[backend] = record.test!.accuracy;
    }
    t.diagnostic(`test accuracy on 1,000 MNIST test images after 3 epochs on 1,000: wasm ${accuracy.wasm}, cpu ${accuracy.cpu}`);
    assert.ok(accuracy.cpu > 0.5, `cpu accuracy ${accuracy.cpu} should be far above chance (0.1)`);
    // Same seeds, same data order, same initial weights: only float rounding differs, so the two
    // should agree to well within the noise of a 1,000-image test set (about 1.4 points, 1 s.d.).
    assert.ok(Math.abs(accuracy.wasm - accuracy.cpu) <= 0.01, `wasm ${accuracy.wasm} vs cpu ${accuracy.cpu}`);
  });
});
