// Data-parallel training (loaders/training/parallel.ts): a step over two replicas, one in a worker thread with
// its own wasm backend, gives the same weights as one model.trainOnBatch of the whole batch, and
// the replicas stay identical step after step.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { initTf } from "../loaders/engine/backend.ts";
import { buildModel } from "../loaders/training/models.ts";
import { DataParallel, type ReplicaModelSpec } from "../loaders/training/parallel.ts";
import { createRng } from "../loaders/data/random.ts";
import { readRun } from "../loaders/experiments/store.ts";
import { ensureRun } from "../loaders/experiments/executor.ts";
import { collectingProgress, smallCnnRun } from "./helpers/smallCnn.ts";

const tf = await initTf("wasm");

/** A deterministic model (no dropout, no batch norm) with a convolution, pooling and dense layers. */
const spec: ReplicaModelSpec = {
  layers: [
    { type: "conv2d", filters: 4, kernelSize: 3, strides: 1, padding: "same", activation: "relu" },
    { type: "maxPool", poolSize: 2 },
    { type: "flatten" },
    { type: "dense", units: 16, activation: "relu", l2: 0.001 }
  ],
  optimizer: { name: "adam", learningRate: 0.01 },
  seed: 7
};

function batch(n: number, seed: number) {
  const rng = createRng(seed);
  const x = Float32Array.from({ length: n * 784 }, () => rng());
  const y = Float32Array.from({ length: n }, () => Math.floor(rng() * 10));
  return { x, y };
}

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  a.forEach((w, i) => {
    assert.equal(w.length, b[i].length);
    for (let j = 0; j < w.length; j++) worst = Math.max(worst, Math.abs(w[j] - b[i][j]) / Math.max(1, Math.abs(b[i][j])));
  });
  return worst;
}

const weightsOf = (model: ReturnType<typeof buildModel>) => model.getWeights().map((w) => w.dataSync().slice() as Float32Array);

describe("data-parallel training over two replicas", { timeout: 120_000 }, () => {
  for (const n of [16, 15]) {
    it(`matches single-process training on a batch of ${n} (within float rounding), and keeps the replicas identical`, async () => {
      const single = buildModel(tf, spec as never, 10);
      const replicated = buildModel(tf, spec as never, 10);
      assert.equal(maxDifference(weightsOf(single), weightsOf(replicated)), 0, "both start from the same seeded weights");
      const parallel = await DataParallel.start(tf, replicated, spec, { replicas: 2, batchSize: 16, numClasses: 10 });
      try {
        for (let step = 0; step < 3; step++) {
          const { x, y } = batch(n, 100 + step);
          const xs = tf.tensor4d(x, [n, 28, 28, 1]);
          const ys = tf.tensor2d(y, [n, 1]);
          const [lossSingle, accSingle] = (await single.trainOnBatch(xs, ys)) as number[];
          tf.dispose([xs, ys]);
          const [lossParallel, accParallel] = await parallel.trainOnBatch(x, y, n);
          assert.ok(Math.abs(lossSingle - lossParallel) < 1e-5 * Math.max(1, lossSingle), `step ${step}: loss ${lossParallel} vs ${lossSingle}`);
          assert.ok(Math.abs(accSingle - accParallel) < 1e-6, `step ${step}: accuracy ${accParallel} vs ${accSingle}`);
          const diff = maxDifference(weightsOf(replicated), weightsOf(single));
          assert.ok(diff < 1e-5, `step ${step}: weights differ by ${diff}`);
        }
        // The step did move the weights (a test of nothing would pass the comparison too).
        const fresh = buildModel(tf, spec as never, 10);
        assert.ok(maxDifference(weightsOf(fresh), weightsOf(single)) > 1e-3);
        fresh.dispose();
        // Both replicas applied the same averaged gradient with the same optimizer: identical weights.
        assert.equal(maxDifference(await parallel.replicaWeights(1), await parallel.replicaWeights(0)), 0);
      } finally {
        await parallel.close();
        single.dispose();
        replicated.dispose();
      }
    });
  }

  it("passes a changed learning rate on to the other replicas", async () => {
    const model = buildModel(tf, spec as never, 10);
    const parallel = await DataParallel.start(tf, model, spec, { replicas: 2, batchSize: 8, numClasses: 10 });
    try {
      const { x, y } = batch(8, 5);
      await parallel.trainOnBatch(x, y, 8);
      (model.optimizer as unknown as { learningRate: number }).learningRate = 0.5;
      await parallel.trainOnBatch(x, y, 8);
      assert.equal(maxDifference(await parallel.replicaWeights(1), await parallel.replicaWeights(0)), 0);
    } finally {
      await parallel.close();
      model.dispose();
    }
  });

  it("trains and stores a whole run data-parallel, recording its replicas", async () => {
    process.env.RUNS_DIR = mkdtempSync(join(tmpdir(), "parallel-"));
    try {
      const planned = smallCnnRun("parallel-cnn", { schedule: { decayPerEpoch: 0.5 } });
      const run = await ensureRun(planned, { replicas: 2, progress: collectingProgress().progress });
      assert.equal(run.status, "completed");
      assert.equal(run.environment.replicas, 2);
      assert.equal(run.timing.samplesSeen, 2 * 600);
      assert.ok(run.test!.accuracy > 0.5, `test accuracy ${run.test!.accuracy}`);
      assert.ok(run.history[1].loss! < run.history[0].loss!, "training loss falls");
      assert.deepEqual(readRun(planned.dir), run);
    } finally {
      delete process.env.RUNS_DIR;
    }
  });
});
