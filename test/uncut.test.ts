// The estimate of the full profile without its cuts (loaders/report/uncut.ts) and the cost page's sentence
// about it (src/components/suiteCost.ts): hand-made runs, then the stored full-profile runs themselves.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readStoredRuns } from "../loaders/report/report.ts";
import { type UncutRun, uncutEstimate, uncutRuns } from "../loaders/report/uncut.ts";
import { BUDGET_SECONDS, uncutFromScratchSeconds, uncutSentence, type StoredSuites } from "../src/components/suiteCost.js";
import { duration } from "../src/components/format.js";

const run = (id: string, study: string | null, trainCount: number, availableTrainCount: number | null, trainSeconds: number): UncutRun => ({ id, study, trainCount, availableTrainCount, trainSeconds });

describe("the full profile without its cuts", () => {
  it("scales only runs cut for the budget, by their whole split over what they used", () => {
    const estimate = uncutEstimate([
      run("whole", null, 50_000, 50_000, 100), // trained on its whole split
      run("grid-a", "grid", 10_000, 50_000, 20), // a study on a subset: x5
      run("grid-b", "grid", 10_000, 48_000, 10), // x4.8
      run("size-10", "sizes", 10, 58_000, 1), // a study that varies the size measures it: left alone
      run("size-1000", "sizes", 1000, 58_000, 3),
      run("pairs", "binary", 11_000, null, 7), // a class subset: never cut
      run("alone", null, 25_000, 50_000, 30) // a model's own run on half its split: x2
    ]);
    assert.equal(estimate.runs, 7);
    assert.equal(estimate.seconds, 171);
    assert.equal(estimate.uncutSeconds, 100 + 100 + 48 + 1 + 3 + 7 + 60);
    assert.equal(estimate.factor, 319 / 171);
    assert.deepEqual(
      estimate.cut.map((c) => [c.study, c.runs, c.trainCount, c.availableTrainCount, c.seconds, c.uncutSeconds]),
      [
        ["grid", 2, [10_000, 10_000], [48_000, 50_000], 30, 148],
        ["alone", 1, [25_000, 25_000], [50_000, 50_000], 30, 60]
      ]
    );
    assert.deepEqual(uncutEstimate([]), { seconds: 0, uncutSeconds: 0, factor: 1, runs: 0, cut: [] });
  });

  it("finds the cuts the pages name in the stored full-profile runs, and leaves the overfitting study's sizes alone", async () => {
    const stored = await readStoredRuns("full", { readOnly: true });
    const estimate = uncutEstimate(uncutRuns(stored));
    assert.equal(estimate.runs, stored.length);
    const cut = estimate.cut.map((c) => c.study).sort();
    for (const study of ["activation-init", "dynamics", "fashion", "homework"]) assert.ok(cut.includes(study), `${study} trains on subsets: ${cut.join(", ")}`);
    assert.ok(!cut.includes("overfitting"), "the overfitting study varies its training-set size on purpose");
    assert.ok(estimate.factor > 1);
    for (const c of estimate.cut) {
      assert.ok(c.trainCount[1] < c.availableTrainCount[0], `${c.study}: every cut run used less than any whole split`);
      assert.ok(c.uncutSeconds > c.seconds);
    }
  });

  it("says on the cost page what the estimate scales and how it stands against the budget", () => {
    const uncut = uncutEstimate([run("a", "fashion", 10_000, 50_000, 600), run("b", null, 50_000, 50_000, 600)]);
    const bench = { machine: { cores: 2 }, uncut, fromScratch: { full: { results: 2, seconds: 40 * 60, workers: 2, measuredAt: "2026-12-07T10:00:00Z", machine: { cpu: "x", cores: 2 } } } } as StoredSuites;
    const sentence = uncutSentence(bench)!;
    assert.match(sentence, /fashion \(1 run on 10,000 of 50,000 images\)/);
    // The cut run's 600 s become 3,000 s: 2,400 s more training, 3.00x the 1,200 s stored.
    assert.ok(sentence.includes(`would add ${duration(2400)} of training to the ${duration(1200)} that the 2 stored runs took (3.00×)`), sentence);
    // Over 2 workers that is 20 more minutes: 40 + 20 = 60 minutes, 15 over the 45-minute budget.
    assert.equal(uncutFromScratchSeconds(uncut, { seconds: 40 * 60, workers: 2 }), 60 * 60);
    assert.ok(sentence.includes(`about ${duration(60 * 60)} rather than ${duration(40 * 60)}: ${duration(60 * 60 - BUDGET_SECONDS)} over the budget`), sentence);
    assert.match(sentence, /an estimate from the stored runs, not a timing/);
    // From the runs of a from-nothing training (bench --parts full), the sentence names them instead.
    const fresh = uncutSentence({ ...bench, uncut: { ...uncut, from: "from-nothing", measuredAt: "2026-12-07T16:00:00Z" } })!;
    assert.ok(fresh.includes("that the 2 runs of the from-nothing training of 2026-12-07 took"), fresh);
    assert.match(fresh, /an estimate from those runs, not a timing/);
    assert.equal(uncutSentence({ ...bench, uncut: uncutEstimate([run("b", null, 50_000, 50_000, 600)]) }), null, "nothing cut, nothing to say");
    assert.doesNotMatch(uncutSentence({ ...bench, fromScratch: null })!, /from nothing would take/);
  });
});
