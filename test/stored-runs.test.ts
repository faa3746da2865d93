// The committed full-profile runs: every declared experiment has one (so a fresh clone builds the
// report without training), each is well-formed with its per-image predictions, every tuner's trials
// and retrained winners are stored, and the tuned CNN's seeds pass the write-up's 99.46% on average.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Progress } from "../loaders/training/progress.ts";
import { readDeclarations } from "../loaders/spec/schema.ts";
import { seedInterval } from "../loaders/report/stats.ts";
import { readRun, readRunPredictions, readTestSet } from "../loaders/experiments/store.ts";
import { runTuner } from "../loaders/experiments/studies.ts";

import { DECLARATIONS_DIR } from "../loaders/config.ts";
import { planRuns } from "../loaders/experiments/plan.ts";

const quiet = new Progress({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream, 0);

describe("committed full-profile runs", () => {
  for (const planned of planRuns("full")) {
    it(`${planned.experiment.id} is stored under its current key and complete`, () => {
      const run = readRun(planned.dir);
      assert.ok(run, `no stored run at ${planned.dir}: train it with \`npm run train -- --only ${planned.experiment.id}\``);
      assert.equal(run.key, planned.key);
      assert.equal(run.status, "completed");
      const tests = planned.experiment.classes ? run.data.testCount : 10000;
      assert.equal(run.data.testCount, tests);
      assert.equal(run.test!.confusion.flat().reduce((a, b) => a + b, 0), tests);
      assert.equal(run.history.length, run.history.at(-1)!.epoch);
      // Its answer for every test image, aligned with the stored test set, agrees with its confusion matrix.
      const testSet = readTestSet("full", run.testSet!);
      assert.ok(testSet, `test set ${run.testSet} is stored`);
      const predicted = readRunPredictions(planned.dir).predicted;
      assert.equal(predicted.length, tests);
      const right = predicted.reduce((n, p, i) => n + (p === testSet.label[i] ? 1 : 0), 0);
      assert.equal(right, run.test!.confusion.reduce((n, row, i) => n + row[i], 0));
      // The declared models must be good; study runs include deliberately weak settings (10 images, lr 1e-5).
      if (planned.experiment.study === undefined) assert.ok(run.test!.accuracy > 0.95, `${planned.experiment.id}: test accuracy ${run.test!.accuracy}`);
      else assert.ok(run.test!.accuracy > 1 / (planned.experiment.classes?.length ?? 10), `${planned.experiment.id}: test accuracy ${run.test!.accuracy} is not above chance`);
    });
  }

  for (const tuner of readDeclarations(DECLARATIONS_DIR).tuners) {
    it(`tuner ${tuner.id}: every trial and the retrained winner are stored`, async () => {
      const result = await runTuner("full", tuner, undefined, { readOnly: true, progress: quiet });
      assert.ok(result.runs.length >= (tuner.method === "grid" ? 2 : tuner.points));
      // A declared final experiment must be exactly what the stored searches picked.
      if (tuner.finalExperiment != null) assert.deepEqual(result.finalDifferences, [], `${tuner.finalExperiment} is not ${tuner.id}'s winner`);
      else if (tuner.final == null) return assert.equal(result.final, null);
      assert.equal(result.final?.record.status, "completed");
      assert.equal(result.final?.record.data.testCount, 10000);
      if (tuner.finalExperiment == null) assert.equal(result.finals.length, tuner.finalRepeats);
    });
  }

  it("the tuned CNN's seeds are not clearly below the write-up's 99.46% (its interval reaches it)", () => {
    // Its recipe and widths are chosen on validation accuracy alone (the CNN study's searches), so the test figure
    // may land on either side of the write-up's; a model that fell clearly below it is a regression.
    const seeds = planRuns("full").filter((p) => p.experiment.group === "cnn-strong");
    assert.ok(seeds.length >= 3, "cnn-strong is trained with three seeds or more");
    const accuracy = seedInterval(seeds.map((p) => readRun(p.dir)!.test!.accuracy));
    assert.ok(accuracy.high >= 0.9946, `cnn-strong mean test accuracy ${accuracy.mean}, interval ${accuracy.low}-${accuracy.high}`);
  });
});
