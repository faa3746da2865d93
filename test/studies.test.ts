// Studies on small real data: a successive-halving tuner trains its rungs as stored runs, keeps the
// best by validation accuracy, retrains the winner and reuses everything on a second call; a read-only
// check names what is missing; the 5-vs-8 task trains a sigmoid output on the two digits only.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Progress } from "../loaders/training/progress.ts";
import { parseDeclarations, readDeclarations, resolveExperiment, type Declarations, type Experiment } from "../loaders/spec/schema.ts";
import { readRun, runDir, runKey } from "../loaders/experiments/store.ts";
import { objectiveOf, runTuner } from "../loaders/experiments/studies.ts";
import { ensureRun } from "../loaders/experiments/executor.ts";
import { DECLARATIONS_DIR } from "../loaders/config.ts";
import { combinedDeclarations } from "../loaders/spec/declarationFolder.ts";

class Captured extends Progress {
  lines: string[] = [];
  constructor() {
    const sink = { isTTY: false, write: (s: string) => (this.lines.push(s), true) } as unknown as NodeJS.WriteStream;
    super(sink, 0);
  }
}

describe("studies on a small real subset", { timeout: 10 * 60_000 }, () => {
  let declarations: Declarations;
  before(() => {
    process.env.RUNS_DIR = mkdtempSync(join(tmpdir(), "studies-"));
    const raw = combinedDeclarations(DECLARATIONS_DIR) as any;
    raw.studies = [...raw.studies, { id: "tiny", title: "Tiny", question: "Does the tuner work?" }];
    raw.tuners = [
      {
        id: "tiny-halving",
        title: "Tiny halving",
        question: "Which of four small MLPs?",
        study: "tiny",
        method: "successiveHalving",
        base: { family: "deep-mlp", trainSize: 400, validationSize: 300 },
        space: { units: { choice: [4, 32, 64] }, learningRate: { choice: [0.01, 0.0001] } },
        points: 4,
        seed: 3,
        minEpochs: 1,
        eta: 2,
        maxEpochs: 2,
        final: { trainSize: 800 }
      },
      {
        id: "tiny-cnn",
        title: "Tiny CNN search",
        question: "Which of three small CNNs?",
        study: "tiny",
        method: "successiveHalving",
        model: "cnn",
        base: { family: "cnn", trainSize: 300, validationSize: 200, batchSize: 50 },
        space: { blocks: { choice: [1, 2] }, filters: { choice: [4, 8] }, subsample: { choice: ["pool", "stride"] }, batchNorm: { choice: [false, true] } },
        points: 3,
        seed: 5,
        minEpochs: 1,
        eta: 3,
        maxEpochs: 2,
        final: null
      },
      {
        id: "tiny-cnn-aug",
        title: "Tiny augmentation search",
        question: "Which shift?",
        study: "tiny",
        method: "randomSearch",
        model: "cnn",
        after: "tiny-cnn",
        base: { family: "cnn", trainSize: 300, validationSize: 200, batchSize: 50, epochs: 1 },
        space: { widthShift: { choice: [0, 0.1] }, rotationDegrees: { choice: [0, 10] } },
        points: 2,
        seed: 6,
        final: null
      },
      {
        id: "tiny-cnn-lr",
        title: "Tiny learning-rate grid",
        question: "Which learning rate?",
        study: "tiny",
        method: "grid",
        model: "cnn",
        after: "tiny-cnn-aug",
        base: { family: "cnn", trainSize: 300, validationSize: 200, batchSize: 50, epochs: 1 },
        space: { learningRate: { choice: [0.01, 0.001, 0.00001] } },
        seed: 7,
        final: { trainSize: 500 }
      }
    ];
    declarations = parseDeclarations(raw, "test declarations");
  });
  after(() => {
    delete process.env.RUNS_DIR;
  });

  it("successive halving trains each rung as stored runs and retrains the best of the last rung", async () => {
    const tuner = declarations.tuners.find((t) => t.id === "tiny-halving")!;
    const progress = new Captured();
    const result = await runTuner("quick", tuner, declarations, { workers: 1, progress });
    assert.deepEqual(result.rungs.map((r) => r.trials.length), [4, 2]);
    assert.deepEqual(result.rungs.map((r) => r.budget), [1, 2]);
    assert.equal(result.runs.length, 6);
    for (const run of result.runs) {
      const planned = { dir: runDir("quick", run.id, run.key) };
      const record = readRun(planned.dir)!;
      assert.ok(record, `trial ${run.id} is stored`);
      assert.equal(record.history.length, run.epochs);
      assert.equal(record.data.trainCount, 400);
      assert.equal(objectiveOf(record), run.score);
    }
    // The second rung holds the two best of the first, and the winner is the best of the second.
    const first = result.rungs[0].trials;
    assert.deepEqual(new Set(result.rungs[1].trials.map((t) => t.index)), new Set(first.slice(0, 2).map((t) => t.index)));
    assert.ok(first[0].score >= first[1].score && first[1].score >= first[3].score);
    assert.equal(result.winner.index, result.rungs[1].trials[0].index);
    assert.equal(result.winnerRun.planned.experiment.epochs, 2, "the winner's run is its longest rung's");
    assert.equal(objectiveOf(result.winnerRun.record), result.winner.score);
    assert.deepEqual(result.final!.planned.experiment.variant, { ...result.winner.params, seed: 1 });
    assert.equal(result.final!.record.data.trainCount, 800);
    assert.ok(result.final!.record.test!.accuracy > 0.5, `final test accuracy ${result.final!.record.test!.accuracy}`);
    assert.ok(progress.lines.some((l) => l.includes("[tiny-halving] winner")));

    // Everything is stored: a second call reads the same runs and trains nothing.
    const again = new Captured();
    const second = await runTuner("quick", tuner, declarations, { workers: 1, progress: again, readOnly: true });
    assert.deepEqual(second.winner, result.winner);
    assert.equal(second.final!.record.createdAt, result.final!.record.createdAt);
    assert.ok(!again.lines.some((l) => l.includes("training ")), "nothing was trained");
  });

  it("chained CNN tuners: each keeps the previous winner fixed, a grid trains every value, the last retrains its winner", async () => {
    const progress = new Captured();
    const lr = declarations.tuners.find((t) => t.id === "tiny-cnn-lr")!;
    const result = await runTuner("quick", lr, declarations, { workers: 1, progress });
    // The chain ran its earlier stages first and reports what they fixed.
    const arch = await runTuner("quick", declarations.tuners.find((t) => t.id === "tiny-cnn")!, declarations, { workers: 1, readOnly: true, progress: new Captured() });
    const aug = await runTuner("quick", declarations.tuners.find((t) => t.id === "tiny-cnn-aug")!, declarations, { workers: 1, readOnly: true, progress: new Captured() });
    assert.equal(arch.final, null, "final: null trains no retrained winner");
    assert.deepEqual(aug.fixed, arch.winner.params);
    assert.deepEqual(result.fixed, aug.winner.params);
    assert.ok("widthShift" in aug.winner.params && "blocks" in aug.winner.params, "the augmentation winner carries the architecture");
    // The grid: every learning rate once, on top of the fixed point.
    assert.deepEqual(result.runs.map((r) => r.params.learningRate).sort(), [0.00001, 0.001, 0.01]);
    for (const run of result.runs) {
      const experiment = readRun(runDir("quick", run.id, run.key))!.experiment as unknown as Experiment;
      const convs = experiment.layers.filter((l) => l.type === "conv2d");
      const blocks = Number(arch.winner.params.blocks);
      // Each block is a convolution and a subsampling step (a pool, or a strided convolution).
      assert.equal(convs.length, arch.winner.params.subsample === "stride" ? 2 * blocks : blocks);
      assert.equal(experiment.optimizer.learningRate, run.params.learningRate);
      assert.equal(experiment.augmentation?.widthShift ?? 0, aug.winner.params.widthShift);
      assert.equal(experiment.augmentation?.rotationDegrees ?? 0, aug.winner.params.rotationDegrees);
      assert.equal(experiment.layers.some((l) => l.type === "batchNorm"), arch.winner.params.batchNorm === true);
    }
    assert.ok(result.trials[0].score >= result.trials.at(-1)!.score);
    assert.equal(result.winnerRun.planned.experiment.optimizer.learningRate, result.winner.params.learningRate);
    assert.deepEqual(result.winner.params, { ...aug.winner.params, learningRate: result.trials[0].params.learningRate });
    assert.equal(result.final!.record.data.trainCount, 500);
    assert.equal(result.final!.planned.experiment.optimizer.learningRate, result.winner.params.learningRate);
    assert.ok(progress.lines.some((l) => l.includes("[tiny-cnn] winner")) && progress.lines.some((l) => l.includes("[tiny-cnn-aug] winner")));
  });

  it("a read-only check names the runs that are missing", async () => {
    const tuner = { ...declarations.tuners.find((t) => t.id === "tiny-halving")!, seed: 99 };
    await assert.rejects(runTuner("quick", tuner, declarations, { workers: 1, readOnly: true, progress: new Captured() }), /not stored: tiny-halving-p\d-e1/);
  });

  it("the 5-vs-8 task trains one sigmoid unit on the two digits and reports them as classes 5 and 8", async () => {
    const { experiments, profiles } = readDeclarations(DECLARATIONS_DIR);
    const declared = experiments.find((e) => e.id === "binary-5v8")!;
    const experiment = { ...resolveExperiment(declared, profiles.quick), trainSize: 600, validationSize: 200, epochs: 3, batchSize: 50 };
    const key = runKey(experiment);
    const run = await ensureRun({ experiment, key, dir: runDir("quick", experiment.id, key) }, { progress: new Captured() });
    assert.equal(run.status, "completed");
    assert.equal(run.test!.confusion.length, 2);
    assert.equal(run.test!.confusion.flat().reduce((a, b) => a + b, 0), run.data.testCount);
    assert.equal(run.test!.perClass.length, 2);
    // Both digits appear in the test set in roughly their real proportions (892 fives, 974 eights).
    const [fives, eights] = run.test!.confusion.map((row) => row.reduce((a, b) => a + b, 0));
    assert.ok(fives > 0.4 * run.data.testCount && eights > 0.4 * run.data.testCount, `${fives} fives, ${eights} eights`);
    assert.ok(run.test!.accuracy > 0.85, `5 vs 8 test accuracy ${run.test!.accuracy}`);
    for (const m of run.misclassified) {
      assert.ok([0, 1].includes(m.label) && m.label !== m.predicted);
      assert.equal(m.probabilities.length, 2);
      assert.ok(Math.abs(m.probabilities[0] + m.probabilities[1] - 1) < 1e-4);
    }
  });
});
