// The cost page's sentences about the stored runs and the stored benchmark (src/components/runCost.ts,
// suiteCost.ts), read against the real quick-profile runs and data/bench.json: totals, the slowest run,
// the configurations' order and sums, and each target's verdict agree with the figures they state.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { ROOT } from "../loaders/config.ts";
import { runsReport } from "../loaders/report/report.ts";
import { duration, integer } from "../src/components/format.js";
import { chartConfigurations, configurations, configurationsCaption, memorySentence, runTimeSentences, seedsPerModel, type CostRun } from "../src/components/runCost.js";
import { BUDGET_SECONDS, MEMORY_TARGET_MB, cautionSentence, fromScratchSentence, fullMemorySentences, suiteSentences, type StoredSuites } from "../src/components/suiteCost.js";

describe("the cost page's sentences", () => {
  let runs: CostRun[];
  const bench = JSON.parse(readFileSync(join(ROOT, "data", "bench.json"), "utf8")) as StoredSuites;
  bench.fromScratch = JSON.parse(readFileSync(join(ROOT, "data", "from-scratch.json"), "utf8"));
  before(async () => {
    runs = (await runsReport("quick")).runs;
  });

  it("adds up the runs' training time and names the slowest run with its share", () => {
    const text = runTimeSentences(runs, "quick", 2).join(" ");
    const total = runs.reduce((s, r) => s + r.trainSeconds, 0);
    const slowest = runs.reduce((a, b) => (b.trainSeconds > a.trainSeconds ? b : a));
    assert.ok(text.includes(`The ${integer(runs.length)} declared runs`), text);
    assert.ok(text.includes(`took ${duration(total)} of training in all`), text);
    assert.ok(text.includes(`The slowest, ${slowest.title}, took ${duration(slowest.trainSeconds)}`), text);
    assert.ok(text.includes(`divided by the cores (${duration(total / 2)})`), text);
  });

  it("orders configurations by their time over all seeds, and the caption counts the rest", () => {
    const all = configurations(runs);
    assert.equal(all.length, new Set(runs.map((r) => r.group)).size);
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].trainSeconds >= all[i].trainSeconds);
    assert.ok(Math.abs(all.reduce((s, c) => s + c.trainSeconds, 0) - runs.reduce((s, r) => s + r.trainSeconds, 0)) < 1e-6);
    const caption = configurationsCaption(all, 3);
    assert.ok(caption.startsWith("The 3 configurations that took longest"), caption);
    assert.ok(all.length <= 3 || caption.includes(`the other ${integer(all.length - 3)}`), caption);
    assert.ok(seedsPerModel(runs) >= 1);
    const heaviest = runs.filter((r) => r.peakRssMB != null).sort((a, b) => b.peakRssMB! - a.peakRssMB!)[0];
    assert.ok(memorySentence(runs).includes(heaviest ? `${heaviest.title} peaked highest, at ${integer(heaviest.peakRssMB)} MB` : "None of the stored runs"));
  });

  it("draws the configurations' times in the largest unit the slowest reaches twice", () => {
    const all = configurations(runs);
    const { unit, rows } = chartConfigurations(all);
    assert.ok(all[0].trainSeconds >= 2 * unit.seconds && (unit.name === "hours" || all[0].trainSeconds < 2 * unit.seconds * 60), `${all[0].trainSeconds} s drawn in ${unit.name}`);
    rows.forEach((r, i) => assert.ok(Math.abs(r.time * unit.seconds - all[i].trainSeconds) < 1e-9));
    const scaled = (factor: number) => chartConfigurations(all.map((c) => ({ ...c, trainSeconds: (c.trainSeconds / all[0].trainSeconds) * factor }))).unit.name;
    assert.deepEqual([scaled(90), scaled(119), scaled(120), scaled(7199), scaled(7200)], ["seconds", "seconds", "minutes", "minutes", "hours"]);
  });

  it("reads the stored benchmark's suite, budget and memory by their own numbers", () => {
    if (bench.suite) assert.ok(suiteSentences(bench)[0].includes(`took ${duration(bench.suite.runs[0].seconds)} with one worker`));
    // The suite's figures may be older than the profile's runs: the sentence dates them and counts the runs as they were then.
    if (bench.suite?.measuredAt) assert.ok(suiteSentences(bench)[0].includes(`on ${bench.suite.measuredAt.slice(0, 10)} (all ${bench.suite.workload!.runs} runs the quick profile declared then`));
    const full = bench.fromScratch?.full;
    const budget = fromScratchSentence(bench, 3);
    if (full) assert.ok(budget.includes(full.seconds <= BUDGET_SECONDS ? "within the report's budget" : `${duration(full.seconds - BUDGET_SECONDS)} over the report's budget`), budget);
    else assert.match(budget, /No from-scratch timing/);
    const memory = fullMemorySentences(bench).join(" ");
    if (bench.fullSuite) assert.ok(memory.includes(bench.fullSuite.memory.peakMB < MEMORY_TARGET_MB ? "under the 2 GB target" : "over the 2 GB target"), memory);
    assert.equal(cautionSentence(bench) != null, (bench.load?.atStart ?? 0) > 0.5);
    assert.deepEqual(suiteSentences({ machine: { cores: 2 } }), [], "nothing to say without a suite");
  });
});
