// The executor and its schedule: cost estimates from declarations, longest-first order, and long-lived
// worker processes that train several runs each and report a failing run without losing the others.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Progress } from "../loaders/training/progress.ts";
import { readDeclarations, resolveExperiment, type ResolvedExperiment } from "../loaders/spec/schema.ts";
import { readRun, runDir, runKey } from "../loaders/experiments/store.ts";
import { MemoryWatch, multicoreMode, ensurePlanned } from "../loaders/experiments/executor.ts";
import { DECLARATIONS_DIR, TRAINER_NODE_FLAGS } from "../loaders/config.ts";
import { estimateCost, listScheduleMakespan, longestFirst, multicoreMethod, planSchedule, trainingCostPerSample } from "../loaders/experiments/cost.ts";
import { planRuns, type PlannedRun } from "../loaders/experiments/plan.ts";

class Captured extends Progress {
  lines: string[] = [];
  constructor() {
    const sink = { isTTY: false, write: (s: string) => (this.lines.push(s), true) } as unknown as NodeJS.WriteStream;
    super(sink, 0);
  }
}

describe("cost estimates", () => {
  it("count the multiply-adds of convolutions and dense layers along the layer shapes", () => {
    // conv 3x3 'same', 8 filters on 28x28x1: 28*28*8 outputs of 9 multiply-adds, forward + backward (x3),
    // plus 10 per output element; then the 10-way classifier on 28*28*8 inputs.
    const conv = trainingCostPerSample([{ type: "conv2d", filters: 8, kernelSize: 3, strides: 1, padding: "same", activation: "relu" }]);
    assert.equal(conv, 3 * 28 * 28 * 8 * 9 + 10 * 28 * 28 * 8 + 3 * 28 * 28 * 8 * 10);
    // 'valid' padding shrinks the output to 26x26; pooling halves it before the classifier.
    const valid = trainingCostPerSample([
      { type: "conv2d", filters: 8, kernelSize: 3, strides: 1, padding: "valid", activation: "relu" },
      { type: "maxPool", poolSize: 2 }
    ]);
    assert.equal(valid, 3 * 26 * 26 * 8 * 9 + 10 * 26 * 26 * 8 + 10 * 26 * 26 * 8 + 3 * 13 * 13 * 8 * 10);
    const dense = trainingCostPerSample([{ type: "dense", units: 128, activation: "relu" }]);
    assert.equal(dense, 3 * 784 * 128 + 10 * 128 + 3 * 128 * 10);
  });

  it("rank the declared runs as their measured full-profile times do, and charge small batches for their steps", () => {
    const byId = new Map(planRuns("full").map((p) => [p.experiment.id, estimateCost(p.experiment)]));
    // The tuned CNN (660,000 augmented samples) is the longest; then cnn-basic (3 epochs of a CNN),
    // mlp-512-512-dropout and baseline-mlp (10 epochs of MLPs). In the from-scratch run of 2 December
    // cnn-basic (then 5 epochs) took 466 s and mlp-512-512-dropout 131 s: about 2.1 at 3 epochs.
    const order = ["cnn-strong", "cnn-basic", "mlp-512-512-dropout", "baseline-mlp"].map((id) => byId.get(id)!);
    for (let i = 1; i < order.length; i++) assert.ok(order[i - 1] > order[i], `${order[i - 1]} > ${order[i]}`);
    assert.ok(order[1] / order[2] > 1.2 && order[1] / order[2] < 4, `cnn-basic / mlp-512-512-dropout ${order[1] / order[2]} (measured about 2.1)`);
    const baseline = planRuns("quick").find((p) => p.experiment.id === "baseline-mlp")!.experiment;
    assert.ok(estimateCost({ ...baseline, batchSize: 4 }) > 2 * estimateCost(baseline));
  });

  it("hand out the longest runs first, ties in declaration order", () => {
    const plan = planRuns("quick");
    const ordered = longestFirst(plan);
    assert.equal(ordered.length, plan.length);
    assert.equal(new Set(ordered).size, plan.length);
    const costs = ordered.map((p) => estimateCost(p.experiment));
    for (let i = 1; i < costs.length; i++) assert.ok(costs[i - 1] >= costs[i]);
    const a = plan.find((p) => p.experiment.id === "baseline-mlp")!;
    const twins = longestFirst([{ ...a, key: "second" }, a]);
    assert.equal(twins[0].key, "second");
  });
});

describe("schedules", () => {
  it("list scheduling puts each run on the least loaded worker, longest first", () => {
    // Longest first: 5 | 4 | 5+3 | 4+3 | 4+3+3 -> loads 8 and 10.
    assert.equal(listScheduleMakespan([5, 4, 3, 3, 3], 2), 10);
    assert.equal(listScheduleMakespan([10, 1, 1], 2), 10);
    assert.equal(listScheduleMakespan([2, 2, 2, 2], 2), 4);
    assert.equal(listScheduleMakespan([3, 1], 1), 4);
  });

  it("train a dominating conv run over every core only when allowed and worth it", () => {
    const plan = planRuns("full");
    const strong = plan.find((p) => p.experiment.id === "cnn-strong")!;
    const small = plan.filter((p) => p.experiment.layers[0].type === "dense").slice(0, 3);
    const runs = [...small, strong];
    const off = planSchedule(runs, 2, "off");
    assert.deepEqual(off.parallel, []);
    assert.equal(off.rest[0], strong, "longest first");
    assert.equal(off.wallSeconds, estimateCost(strong.experiment), "the long run alone sets the wall time");
    const on = planSchedule(runs, 2, "threads");
    assert.deepEqual(on.parallel, [strong]);
    assert.deepEqual(new Set(on.rest), new Set(small));
    assert.ok(on.wallSeconds < off.wallSeconds);
    // MLP runs have steps too short to share: never over every core, however long.
    const mlps = planSchedule(small.map((p) => ({ ...p, experiment: { ...p.experiment, epochs: 500 } })), 2, "threads");
    assert.deepEqual(mlps.parallel, []);
    // One worker: nothing to share.
    assert.deepEqual(planSchedule(runs, 1, "threads").parallel, []);
    assert.deepEqual(planSchedule(runs, 2, "auto").parallel, [strong]);
  });

  it("over every core, batch norm trains on threads (exact) and other models on replicas (faster), unless told", () => {
    const plan = planRuns("full");
    const basic = plan.find((p) => p.experiment.id === "cnn-basic")!.experiment;
    // cnn-basic with batch norm after each convolution.
    const strong = { ...basic, layers: basic.layers.flatMap((l) => (l.type === "conv2d" ? [l, { type: "batchNorm" }] : [l])) } as unknown as typeof basic;
    assert.equal(multicoreMethod(strong, "auto"), "threads");
    assert.equal(multicoreMethod(basic, "auto"), "replicas");
    assert.equal(multicoreMethod(basic, "threads"), "threads");
    assert.equal(multicoreMethod(strong, "replicas"), "replicas");
    assert.equal(multicoreMethod(strong, "auto", "cpu"), "replicas", "the cpu backend has no thread pool");
    const saved = process.env.TRAIN_MULTICORE;
    try {
      delete process.env.TRAIN_MULTICORE;
      assert.equal(multicoreMode(), "auto");
      process.env.TRAIN_MULTICORE = "off";
      assert.equal(multicoreMode(), "off");
      assert.equal(multicoreMode({ multicore: "threads" }), "threads");
      process.env.TRAIN_MULTICORE = "1";
      assert.throws(() => multicoreMode(), /TRAIN_MULTICORE="1" is not one of auto, threads, replicas, off/);
    } finally {
      if (saved === undefined) delete process.env.TRAIN_MULTICORE;
      else process.env.TRAIN_MULTICORE = saved;
    }
  });
});

describe("per-run peak memory", () => {
  it("includes memory allocated and released during the run", () => {
    const watch = new MemoryWatch(new Captured());
    const before = process.memoryUsage.rss() / 2 ** 20;
    let big: Buffer | null = Buffer.alloc(256 << 20, 1); // every page touched
    watch.log(`allocated ${big.length} bytes`);
    big = null;
    assert.ok(watch.peakMB() >= before + 200, `peak ${watch.peakMB()} MiB, before ${before} MiB`);
  });
});

describe("trainer V8 flags", () => {
  it("are passed by every training script of package.json (and the kernel benchmark's), as the suite's workers get them", () => {
    const scripts = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).scripts as Record<string, string>;
    assert.ok(TRAINER_NODE_FLAGS.length > 0);
    for (const name of ["train", "bench:kernels"]) {
      const words = scripts[name]?.split(/\s+/) ?? [];
      assert.equal(words[0], "tsx", `script ${name}: ${scripts[name]}`);
      for (const flag of TRAINER_NODE_FLAGS) assert.ok(words.includes(flag), `script ${name} lacks ${flag}: ${scripts[name]}`);
    }
  });
});

describe("worker processes", { timeout: 5 * 60_000 }, () => {
  before(() => {
    process.env.RUNS_DIR = mkdtempSync(join(tmpdir(), "suite-"));
  });
  after(() => {
    delete process.env.RUNS_DIR;
  });

  function tiny(id: string, change: Partial<ResolvedExperiment> = {}): PlannedRun {
    const { experiments, profiles } = readDeclarations(DECLARATIONS_DIR);
    const base = experiments.find((e) => e.id === "baseline-mlp")!;
    const experiment: ResolvedExperiment = {
      ...resolveExperiment(base, profiles.quick),
      id,
      trainSize: 200,
      validationSize: 100,
      testSize: 100,
      epochs: 1,
      keepWeights: false,
      layers: [{ type: "dense", units: 16, activation: "relu" }],
      ...change
    };
    const key = runKey(experiment);
    return { experiment, key, dir: runDir("quick", id, key) };
  }

  it("train more runs than workers, store each, and report a failing run after the others are stored", async () => {
    const good = ["w-one", "w-two", "w-three"].map((id, i) => tiny(id, { seed: i + 1 }));
    // Holding out more images for validation than there are leaves nothing to train on: trainRun throws.
    const bad = tiny("w-broken", { validationSize: 60_000 });
    const progress = new Captured();
    await assert.rejects(ensurePlanned([...good, bad], { workers: 2, progress }), /w-broken: .*validationSize/);
    for (const planned of good) {
      const run = readRun(planned.dir);
      assert.equal(run?.status, "completed", planned.experiment.id);
      assert.equal(run?.data.trainCount, 200);
      // A worker process with tfjs and the dataset resident holds well over 50 MiB.
      assert.ok(run!.timing.peakRssMB! > 50 && run!.timing.peakRssMB! < 4096, `peak ${run!.timing.peakRssMB} MiB`);
    }
    assert.equal(readRun(bad.dir), null);
    // The workers' lines reach the parent's progress whole, each naming its run.
    for (const id of ["w-one", "w-two", "w-three"]) {
      assert.ok(progress.lines.some((l) => l.startsWith(`[${id}] stored completed run`)), id);
    }
  });

  it("retire a worker whose memory after a run is over the limit, and keep one that is under it", async () => {
    const runs = ["w-r1", "w-r2", "w-r3"].map((id, i) => tiny(id, { seed: 10 + i }));
    const retiring = new Captured();
    await ensurePlanned(runs, { workers: 2, progress: retiring, recycleWorkersAboveMB: 1 });
    for (const planned of runs) assert.equal(readRun(planned.dir)?.status, "completed", planned.experiment.id);
    // After every run its worker holds more than 1 MB, so each is retired.
    assert.equal(retiring.lines.filter((l) => /retiring a worker holding \d+ MB/.test(l)).length, 3, retiring.lines.join("\n"));
    const keeping = new Captured();
    await ensurePlanned(["w-k1", "w-k2"].map((id, i) => tiny(id, { seed: 20 + i })), { workers: 2, progress: keeping });
    // A worker after a small run holds a few hundred MB: under the default limit.
    assert.equal(keeping.lines.filter((l) => l.includes("retiring a worker")).length, 0, keeping.lines.join("\n"));
  });
});
