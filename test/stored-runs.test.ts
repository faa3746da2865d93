// The committed full-profile runs: every declared experiment has one (so a fresh clone builds the
// report without training), each is well-formed, every tuner's trials and winner are stored, and the
// tuned CNN reaches the study's 99.5% target (the write-up reports 99.46%).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Progress } from "../loaders/progress.ts";
import { readDeclarations } from "../loaders/schema.ts";
import { DECLARATIONS_FILE, readRun } from "../loaders/store.ts";
import { runTuner } from "../loaders/studies.ts";
import { planRuns } from "../loaders/suite.ts";

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
      // The declared models must be good; study runs include deliberately weak settings (10 images, lr 1e-5).
      if (planned.experiment.study === undefined) assert.ok(run.test!.accuracy > 0.95, `${planned.experiment.id}: test accuracy ${run.test!.accuracy}`);
      else assert.ok(run.test!.accuracy > 1 / (planned.experiment.classes?.length ?? 10), `${planned.experiment.id}: test accuracy ${run.test!.accuracy} is not above chance`);
    });
  }

  for (const tuner of readDeclarations(DECLARATIONS_FILE).tuners) {
    it(`tuner ${tuner.id}: every trial and the retrained winner are stored`, async () => {
      const result = await runTuner("full", tuner, undefined, { readOnly: true, progress: quiet });
      assert.ok(result.runs.length >= (tuner.method === "grid" ? 2 : tuner.points));
      // A declared final experiment must be exactly what the stored searches picked.
      if (tuner.finalExperiment != null) assert.deepEqual(result.finalDifferences, [], `${tuner.finalExperiment} is not ${tuner.id}'s winner`);
      else if (tuner.final == null) return assert.equal(result.final, null);
      assert.equal(result.final?.record.status, "completed");
      assert.equal(result.final?.record.data.testCount, 10000);
    });
  }

  it("the tuned CNN reaches at least 99.5% test accuracy", () => {
    const planned = planRuns("full").find((p) => p.experiment.id === "cnn-strong")!;
    const run = readRun(planned.dir)!;
    assert.ok(run.test!.accuracy >= 0.995, `cnn-strong test accuracy ${run.test!.accuracy}`);
  });
});
