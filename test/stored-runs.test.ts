// The committed full-profile runs: every declared experiment has one (so a fresh clone builds the
// report without training), each is well-formed, and the stronger CNN meets its 99.4% target.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readRun } from "../loaders/store.ts";
import { planRuns } from "../loaders/suite.ts";

describe("committed full-profile runs", () => {
  for (const planned of planRuns("full")) {
    it(`${planned.experiment.id} is stored under its current key and complete`, () => {
      const run = readRun(planned.dir);
      assert.ok(run, `no stored run at ${planned.dir}: train it with \`npm run train -- --only ${planned.experiment.id}\``);
      assert.equal(run.key, planned.key);
      assert.equal(run.status, "completed");
      assert.equal(run.data.testCount, 10000);
      assert.equal(run.test!.confusion.flat().reduce((a, b) => a + b, 0), 10000);
      assert.equal(run.history.length, run.history.at(-1)!.epoch);
      assert.ok(run.test!.accuracy > 0.95, `${planned.experiment.id}: test accuracy ${run.test!.accuracy}`);
    });
  }

  it("the stronger CNN reaches at least 99.4% test accuracy", () => {
    const planned = planRuns("full").find((p) => p.experiment.id === "cnn-strong")!;
    const run = readRun(planned.dir)!;
    assert.ok(run.test!.accuracy >= 0.994, `cnn-strong test accuracy ${run.test!.accuracy}`);
  });
});
