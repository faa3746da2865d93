// The tuners on cheap synthetic objectives: sampling stays in the space and is reproducible, random
// search ranks by the mean over executions, successive halving keeps the best 1/eta with growing
// budgets and finds the optimum of a noisy objective whose noise shrinks with budget.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDeclarations, readDeclarations, type Experiment } from "../loaders/spec/schema.ts";
import { combinedDeclarations } from "../loaders/spec/declarationFolder.ts";

import { finalDifferences } from "../loaders/experiments/studies.ts";
import { createRng } from "../loaders/data/random.ts";
import { randomSearch, sampleDistinct, sampleParam, successiveHalving, type Candidate } from "../loaders/experiments/tuners.ts";
import { DECLARATIONS_DIR } from "../loaders/config.ts";
import { CoreSlots } from "../loaders/experiments/executor.ts";
import { onFixed, pointAugmentation, trialExperiment } from "../loaders/experiments/trials.ts";
import type { Params } from "../loaders/spec/params.ts";

describe("search spaces", () => {
  it("integers respect bounds and step, choices come from the list, log floats cover decades", () => {
    const rng = createRng(3);
    const ints = new Set<number>();
    const logs: number[] = [];
    for (let i = 0; i < 2000; i++) {
      ints.add(sampleParam({ int: [32, 256], step: 32 }, rng) as number);
      logs.push(sampleParam({ float: [1e-4, 1e-2], log: true }, rng) as number);
      assert.ok([0.01, 0.001].includes(sampleParam({ choice: [0.01, 0.001] }, rng) as number));
    }
    assert.deepEqual([...ints].sort((a, b) => a - b), [32, 64, 96, 128, 160, 192, 224, 256]);
    assert.ok(logs.every((x) => x >= 1e-4 && x <= 1e-2));
    // Uniform in log space: about a half of the draws fall below 1e-3 (uniform in linear space: ~9%).
    const below = logs.filter((x) => x < 1e-3).length / logs.length;
    assert.ok(below > 0.4 && below < 0.6, `share below 1e-3: ${below}`);
  });

  it("distinct samples are reproducible and never repeat; a small space yields all its points", () => {
    const space = { depth: { int: [1, 4] as [number, number], step: 1 }, lr: { choice: [0.01, 0.001, 0.0001] } };
    const a = sampleDistinct(space, 6, 42);
    assert.deepEqual(a, sampleDistinct(space, 6, 42));
    assert.notDeepEqual(a, sampleDistinct(space, 6, 43));
    assert.equal(new Set(a.map((p) => JSON.stringify(p))).size, 6);
    assert.equal(sampleDistinct(space, 50, 1).length, 12, "4 depths x 3 rates");
  });
});

describe("random search", () => {
  it("scores every trial once per execution and ranks by the mean", async () => {
    const space = { x: { float: [0, 1] as [number, number], log: false } };
    const seen: Candidate[] = [];
    // Execution 0 is biased up and execution 1 down by the same amount: the mean is -(x - 0.7)^2.
    const objective = async (batch: Candidate[]) => {
      seen.push(...batch);
      return batch.map((c) => -((Number(c.params.x) - 0.7) ** 2) + (c.execution === 0 ? 0.05 : -0.05));
    };
    const trials = await randomSearch({ space, trials: 8, executions: 2, seed: 5 }, objective, 3);
    assert.equal(seen.length, 16);
    assert.ok(seen.every((c) => c.budget === 3));
    assert.equal(trials.length, 8);
    for (const t of trials) assert.ok(Math.abs(t.score + (Number(t.params.x) - 0.7) ** 2) < 1e-12);
    const distances = trials.map((t) => Math.abs(Number(t.params.x) - 0.7));
    assert.deepEqual(distances, [...distances].sort((a, b) => a - b), "best first");
  });

  it("a diverged execution (NaN) ranks its trial last", async () => {
    const space = { k: { choice: [1, 2, 3] } };
    const trials = await randomSearch({ space, trials: 3, executions: 1, seed: 1 }, async (batch) =>
      batch.map((c) => (c.params.k === 3 ? NaN : Number(c.params.k)))
    );
    assert.deepEqual(trials.map((t) => t.params.k), [2, 1, 3]);
  });
});

describe("successive halving", () => {
  const points: Params[] = Array.from({ length: 27 }, (_, i) => ({ i }));
  // The true quality of point i peaks at i = 17; a budget b adds noise of size 1/b that is
  // deterministic per (point, budget), so small budgets can mis-rank close points.
  const truth = (i: number) => -Math.abs(i - 17) / 10;
  const noise = (i: number, b: number) => (createRng(i * 1000 + b)() - 0.5) / b;

  it("keeps the best ceil(n/eta) of each rung, multiplies the budget by eta, and ends at the optimum", async () => {
    const calls: Candidate[][] = [];
    const result = await successiveHalving({ points, minBudget: 1, eta: 3, maxBudget: 27 }, async (batch) => {
      calls.push(batch);
      return batch.map((c) => truth(Number(c.params.i)) + noise(Number(c.params.i), c.budget));
    });
    assert.deepEqual(result.rungs.map((r) => r.trials.length), [27, 9, 3, 1]);
    assert.deepEqual(result.rungs.map((r) => r.budget), [1, 3, 9, 27]);
    for (let r = 1; r < result.rungs.length; r++) {
      const kept = new Set(result.rungs[r].trials.map((t) => t.params.i));
      const previousBest = result.rungs[r - 1].trials.slice(0, kept.size).map((t) => t.params.i);
      assert.deepEqual(new Set(previousBest), kept, `rung ${r} holds exactly the best of rung ${r - 1}`);
      assert.ok(calls[r].every((c) => c.budget === result.rungs[r].budget));
    }
    assert.equal(result.winner.params.i, 17);
    // Total budget: 27*1 + 9*3 + 3*9 + 1*27 = 108, against 27*27 = 729 for training everything fully.
    const spent = calls.flat().reduce((a, c) => a + c.budget, 0);
    assert.equal(spent, 108);
  });

  it("stops when the budget reaches the maximum even with several points left", async () => {
    const result = await successiveHalving({ points, minBudget: 2, eta: 2, maxBudget: 5 }, async (batch) =>
      batch.map((c) => truth(Number(c.params.i)))
    );
    assert.deepEqual(result.rungs.map((r) => r.budget), [2, 4, 5]);
    assert.deepEqual(result.rungs.map((r) => r.trials.length), [27, 14, 7]);
    assert.equal(result.winner.params.i, 17);
  });

  it("rejects bad settings", async () => {
    const objective = async (batch: Candidate[]) => batch.map(() => 0);
    await assert.rejects(successiveHalving({ points, minBudget: 1, eta: 1, maxBudget: 9 }, objective), /eta >= 2/);
    await assert.rejects(successiveHalving({ points, minBudget: 4, eta: 3, maxBudget: 2 }, objective), /minBudget <= maxBudget/);
    await assert.rejects(successiveHalving({ points: [], minBudget: 1, eta: 3, maxBudget: 9 }, objective), /at least one point/);
  });
});

describe("core slots shared by concurrent searches", () => {
  it("never hands out more cores than the pool has, serves waiters in order, and a whole-pool request waits for every core", async () => {
    const slots = new CoreSlots(2);
    const events: string[] = [];
    let busy = 0;
    let most = 0;
    const job = async (name: string, cores: number, ms: number) => {
      const release = await slots.acquire(cores);
      busy += cores;
      most = Math.max(most, busy);
      events.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      busy -= cores;
      events.push(`end ${name}`);
      release();
      release(); // a second call gives nothing back twice
    };
    await Promise.all([job("a", 1, 30), job("b", 1, 10), job("all", 2, 5), job("c", 1, 5)]);
    assert.equal(most, 2);
    // "all" waits for a and b to finish; c, asked for later, does not jump ahead of it.
    assert.deepEqual(events.slice(0, 4), ["start a", "start b", "end b", "end a"]);
    assert.deepEqual(events.slice(4), ["start all", "end all", "start c", "end c"]);
    assert.equal(busy, 0);
  });

  it("serves a higher-priority waiter first, and waiters of equal priority in order", async () => {
    const slots = new CoreSlots(1);
    const order: string[] = [];
    const hold = await slots.acquire(1);
    const job = async (name: string, priority: number) => {
      const release = await slots.acquire(1, priority);
      order.push(name);
      await new Promise((resolve) => setTimeout(resolve, 2));
      release();
    };
    const all = Promise.all([job("low-1", 0), job("low-2", 0), job("chain-1", 2), job("mid", 1), job("chain-2", 2)]);
    hold();
    await all;
    assert.deepEqual(order, ["chain-1", "chain-2", "mid", "low-1", "low-2"]);
  });
});

describe("a declared final experiment against the search's winner", () => {
  const declarations = readDeclarations(DECLARATIONS_DIR);
  const tuner = declarations.tuners.find((t) => t.finalExperiment != null)!;
  it("is the winner when its layers, optimizer and augmentation are the winner's, whatever the order of keys", () => {
    const params = { blocks: 2, filters0: 16, filters: 64, kernel: 3, subsample: "pool", batchNorm: false, dense: 128, dropout: 0.4, learningRate: 0.003, rotationDegrees: 15, heightShift: 0.05 };
    const winner = trialExperiment(declarations, tuner, params, { id: "w" });
    const same = { ...winner, id: "other", epochs: 40, layers: winner.layers.map((l) => Object.fromEntries(Object.entries(l).reverse())) } as Experiment;
    assert.deepEqual(finalDifferences(winner, same), []);
    const otherLr = trialExperiment(declarations, tuner, { ...params, learningRate: 0.001 }, { id: "w" });
    assert.deepEqual(finalDifferences(winner, otherLr).map((d) => d.field), ["optimizer"]);
    const otherModel = trialExperiment(declarations, tuner, { ...params, dense: 64, rotationDegrees: 5 }, { id: "w" });
    const diff = finalDifferences(winner, otherModel);
    assert.deepEqual(diff.map((d) => d.field), ["layers", "augmentation"]);
    assert.equal((diff[1].winner as { rotationDegrees: number }).rotationDegrees, 15);
    assert.equal((diff[1].declared as { rotationDegrees: number }).rotationDegrees, 5);
  });
});

describe("one setting for both shifts", () => {
  const declarations = readDeclarations(DECLARATIONS_DIR);
  const tuner = declarations.tuners.find((t) => t.id === "cnn-long")!;
  const fixed: Params = { blocks: 3, filters0: 16, filters: 64, rotationDegrees: 15, widthShift: 0, heightShift: 0.05, zoom: 0.05, decayPerEpoch: 0.7 };

  it("sets the width and the height shift alike, over the ones an earlier stage fixed", () => {
    assert.deepEqual(pointAugmentation({ shift: 0.1 }), { widthShift: 0.1, heightShift: 0.1 });
    assert.deepEqual(pointAugmentation({ rotationDegrees: 10, widthShift: 0.05, shift: 0 }), { rotationDegrees: 10, widthShift: 0, heightShift: 0 });
    assert.equal(pointAugmentation({ dense: 64 }), undefined, "a point without augmentation sets none");
    const point = onFixed(fixed, { shift: 0.1, decayPerEpoch: 0.88 });
    assert.deepEqual(point, { blocks: 3, filters0: 16, filters: 64, rotationDegrees: 15, zoom: 0.05, decayPerEpoch: 0.88, shift: 0.1 }, "the fixed shifts give way, so each is named once");
    assert.deepEqual(onFixed(fixed, { decayPerEpoch: 0.88 }), { ...fixed, decayPerEpoch: 0.88 }, "without it, the fixed shifts stay");
    const trial = trialExperiment(declarations, tuner, point, { id: "t" });
    assert.deepEqual(trial.augmentation, { rotationDegrees: 15, zoom: 0.05, widthShift: 0.1, heightShift: 0.1 });
    assert.deepEqual(trial.schedule, { decayPerEpoch: 0.88 });
    assert.equal(trial.epochs, tuner.base.epochs);
  });

  it("is a setting the schema accepts for a search, and names a bad one", () => {
    assert.ok("shift" in tuner.space, "the longer-schedule stage searches it");
    const broken = structuredClone(combinedDeclarations(DECLARATIONS_DIR)) as { tuners: { id: string; space: Record<string, unknown> }[] };
    broken.tuners.find((t) => t.id === "cnn-long")!.space.shfit = { choice: [0] };
    assert.throws(() => parseDeclarations(broken, "test"), /tuner "cnn-long": field "space".*"shfit"/);
  });
});
