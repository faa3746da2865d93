// Studies on small real data: a successive-halving tuner trains its rungs as stored runs, keeps the
// best by validation accuracy, retrains the winner and reuses everything on a second call; a read-only
// check names what is missing; the 5-vs-8 task trains a sigmoid output on the two digits only.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Progress } from "../loaders/progress.ts";
import { parseDeclarations, readDeclarations, resolveExperiment, type Declarations } from "../loaders/schema.ts";
import { DECLARATIONS_FILE, readRun, runDir, runKey } from "../loaders/store.ts";
import { objectiveOf, runTuner } from "../loaders/studies.ts";
import { ensureRun } from "../loaders/suite.ts";

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
    const raw = JSON.parse(readFileSync(DECLARATIONS_FILE, "utf8"));
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
    assert.deepEqual(result.final.planned.experiment.variant, { ...result.winner.params, seed: 1 });
    assert.equal(result.final.record.data.trainCount, 800);
    assert.ok(result.final.record.test!.accuracy > 0.5, `final test accuracy ${result.final.record.test!.accuracy}`);
    assert.ok(progress.lines.some((l) => l.includes("[tiny-halving] winner")));

    // Everything is stored: a second call reads the same runs and trains nothing.
    const again = new Captured();
    const second = await runTuner("quick", tuner, declarations, { workers: 1, progress: again, readOnly: true });
    assert.deepEqual(second.winner, result.winner);
    assert.equal(second.final.record.createdAt, result.final.record.createdAt);
    assert.ok(!again.lines.some((l) => l.includes("training ")), "nothing was trained");
  });

  it("a read-only check names the runs that are missing", async () => {
    const tuner = { ...declarations.tuners.find((t) => t.id === "tiny-halving")!, seed: 99 };
    await assert.rejects(runTuner("quick", tuner, declarations, { workers: 1, readOnly: true, progress: new Captured() }), /not stored: tiny-halving-p\d-e1/);
  });

  it("the 5-vs-8 task trains one sigmoid unit on the two digits and reports them as classes 5 and 8", async () => {
    const { experiments, profiles } = readDeclarations(DECLARATIONS_FILE);
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
