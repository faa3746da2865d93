// The two-run comparison: loaders/report/comparePack.ts packs stored runs' wrong answers and every
// pair's McNemar p-value; src/components/compare.ts decodes it and compares two runs in the page. On
// real stored full-profile runs, the page's figures must be the statistics module's own (difference,
// interval, p-value, verdict), its sentence must follow the verdict, and the images must be the dataset's.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PIXELS, loadDataset } from "../loaders/data/dataset.ts";
import { encodeCompareImages, encodeComparePack, pairIndex, type CompareRun } from "../loaders/report/comparePack.ts";

import { pairedComparison, verdictOf } from "../loaders/report/stats.ts";
import { readRun, readRunPredictions, readTestSet } from "../loaders/experiments/store.ts";

import { correctness } from "../loaders/spec/testPredictions.ts";
import { cellChanges, compareRuns, compareSentence, confusionDifference, decodeCompareImages, decodeComparePack, encodeCompareState, readCompareState } from "../src/components/compare.js";
import { planRuns } from "../loaders/experiments/plan.ts";
import { classNamesOf } from "../loaders/report/summary.ts";

// Ten-class MNIST runs of different strength: close pairs (seeds of one model) and far ones.
const IDS = ["baseline-mlp", "baseline-mlp-s2", "baseline-mlp-s3", "cnn-basic", "cnn-basic-s2", "mlp-256-128"];
const planned = planRuns("full").filter((p) => IDS.includes(p.experiment.id));
const records = planned.map((p) => readRun(p.dir)!);
const testSet = readTestSet("full", records[0].testSet!)!;
const runs: CompareRun[] = planned.map((p) => ({ id: p.experiment.id, title: p.experiment.title, predictions: readRunPredictions(p.dir) }));
const classNames = classNamesOf(planned[0].experiment);

describe("the two-run comparison pack", () => {
  it("holds the runs it was given, all scored on the same test images", () => {
    assert.ok(planned.length >= 5, `stored runs found: ${planned.map((p) => p.experiment.id).join(", ")}`);
    assert.ok(records.every((r) => r.testSet === testSet.id));
  });

  const pack = decodeComparePack(encodeComparePack("mnist", testSet, runs, classNames));

  it("gives every pair the statistics module's difference, interval, p-value and verdict", () => {
    let verdicts = new Set<string>();
    for (let a = 0; a < runs.length; a++) {
      for (let b = 0; b < runs.length; b++) {
        if (a === b) continue;
        const result = compareRuns(pack, a, b);
        // b against a: the statistics module's comparison with b first.
        const expected = pairedComparison(correctness(runs[b].predictions, testSet), correctness(runs[a].predictions, testSet));
        assert.equal(result.onlyB, expected.onlyA);
        assert.equal(result.onlyA, expected.onlyB);
        assert.ok(Math.abs(result.difference - expected.difference) < 1e-12);
        assert.ok(Math.abs(result.low - expected.low) < 1e-9 && Math.abs(result.high - expected.high) < 1e-9, `${runs[a].id} / ${runs[b].id}`);
        // Stored as float32: equal to about seven digits.
        assert.ok(Math.abs(result.pValue - expected.pValue) <= 1e-6 * Math.max(expected.pValue, 1e-30) + 1e-38, `p ${result.pValue} vs ${expected.pValue}`);
        assert.equal(result.verdict, verdictOf(expected.difference, expected.pValue));
        assert.ok(Math.abs(result.accuracyB - result.accuracyA - result.difference) < 1e-12);
        assert.ok(Math.abs(result.accuracyA - records[a].test!.accuracy) < 1e-9);
        verdicts.add(result.verdict);
        // The sentence follows the verdict and the sign.
        const sentence = compareSentence(result, runs[a].title, runs[b].title);
        if (result.verdict === "higher") assert.match(sentence, /is more accurate than/);
        else if (result.verdict === "lower") assert.match(sentence, /is less accurate than/);
        else if (result.difference === 0) assert.match(sentence, /score the same/);
        else {
          assert.match(sentence, result.low > 0 || result.high < 0 ? /at the edge of what these 10,000 test images can detect/ : /no difference that these 10,000 test images can detect/);
          assert.match(sentence, result.difference > 0 ? / above / : / below /);
        }
        assert.ok(sentence.includes(`${result.onlyB.toLocaleString("en-US")} image${result.onlyB === 1 ? "" : "s"} right only in ${runs[b].title}`));
      }
    }
    // The chosen runs include pairs both ways: seeds of one model and an MLP against a CNN.
    assert.ok(verdicts.has("indistinguishable") && verdicts.has("higher") && verdicts.has("lower"), [...verdicts].join(", "));
    assert.equal(pack.pValue(1, 3), pack.pValue(3, 1));
    assert.throws(() => pairIndex(2, 2, runs.length), /0 <= i < j/);
  });

  it("rebuilds each run's confusion matrix, and the images that moved account for every change", () => {
    const result = compareRuns(pack, 0, 3);
    for (const [k, run] of [[0, runs[0]], [3, runs[3]]] as const) {
      const rows = k === 0 ? result.confusionA : result.confusionB;
      for (const cell of rows) {
        let count = 0;
        for (let i = 0; i < testSet.label.length; i++) if (testSet.label[i] === cell.actual && run.predictions.predicted[i] === cell.predicted) count++;
        assert.equal(cell.count, count, `${run.id} cell ${cell.actual}-${cell.predicted}`);
      }
    }
    for (const cell of confusionDifference(result)) {
      const { entered, left } = cellChanges(result, cell.actual, cell.predicted);
      assert.equal(entered.length - left.length, cell.delta, `cell ${cell.actual}-${cell.predicted}`);
    }
    assert.equal(result.moved.filter((m) => m.change === "fixed").length, result.onlyB);
    assert.equal(result.moved.filter((m) => m.change === "broken").length, result.onlyA);
  });

  it("carries the pixels of every image some run got wrong, and rejects a damaged file naming what is wrong", () => {
    const images = loadDataset("mnist").test.images;
    const decoded = decodeCompareImages(encodeCompareImages("mnist", testSet, runs, (index) => images.subarray(index * PIXELS, (index + 1) * PIXELS)));
    const result = compareRuns(pack, 1, 4);
    for (const m of result.moved.slice(0, 20)) {
      assert.deepEqual(Uint8Array.from(decoded.pixelsAt(m.position)!), Uint8Array.from(images.subarray(m.index * PIXELS, (m.index + 1) * PIXELS)));
    }
    const rightEverywhere = testSet.label.findIndex((_, i) => runs.every((r) => r.predictions.predicted[i] === testSet.label[i]));
    assert.equal(decoded.pixelsAt(rightEverywhere), null);
    const bytes = encodeComparePack("mnist", testSet, runs, classNames);
    assert.throws(() => decodeComparePack(bytes.subarray(0, bytes.length - 5)), /comparison data: \d+ bytes, expected \d+/);
    assert.throws(() => decodeComparePack(new Uint8Array(40)), /wrong magic number/);
  });
});

describe("the comparison sentence", () => {
  const base = { n: 1866, onlyA: 10, onlyB: 18, confusionA: [], confusionB: [], moved: [], accuracyA: 0.95, accuracyB: 0.9543 };
  it("says a difference is at the edge when the exact test does not reject but the interval excludes zero", () => {
    const edge = compareSentence({ ...base, difference: 0.0043, low: 0.0004, high: 0.0082, pValue: 0.057, verdict: "indistinguishable" }, "A", "B");
    assert.equal(edge, "B scores 0.43 points above A, a difference at the edge of what these 1,866 test images can detect: McNemar's exact test p = 0.057, not below 0.05, while the approximate 95% interval 0.04 to 0.82 points just excludes zero (18 images right only in B, 10 images only in A).");
  });
  it("names the lower run, uses thousands separators and singular counts", () => {
    const lower = compareSentence({ ...base, onlyA: 1658, onlyB: 1, difference: -0.0019, low: -0.005, high: 0.001, pValue: 0.3, verdict: "indistinguishable" }, "A", "B");
    assert.match(lower, /^B scores 0\.19 points below A, no difference that these 1,866 test images can detect/);
    assert.match(lower, /1 image right only in B, 1,658 images only in A/);
  });
});

describe("the comparison page's address", () => {
  it("round-trips a state and flags what is malformed instead of using it", () => {
    const state = { task: "mnist", a: "baseline-mlp", b: "cnn-strong-s2", cell: [4, 9] as [number, number] };
    assert.deepEqual(readCompareState(encodeCompareState(state)), { ...state, malformed: [] });
    const hostile = readCompareState("?task=../../etc&a=%3Cscript%3E&b=ok-id&cell=3-100");
    assert.deepEqual(hostile, { task: null, a: null, b: "ok-id", cell: null, malformed: ["task", "a", "cell"] });
  });
});
