// The importance of a search's settings (loaders/report/importance.ts): a setting that drives the score
// ranks above settings that do not, the forest says when it explains nothing, and the estimate repeats.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRng } from "../loaders/data/random.ts";
import { MIN_TRIALS, settingImportance, type ScoredPoint } from "../loaders/report/importance.ts";
import { TOO_LITTLE, checkImportance, importanceClaim, type SearchRun } from "../loaders/report/findings/importance.ts";

/** 40 trials over a learning rate, a noise number and a noise category, scored by `score`. */
function trials(score: (lr: number, rng: () => number) => number, seed = 7): ScoredPoint[] {
  const rng = createRng(seed);
  return Array.from({ length: 40 }, () => {
    const learningRate = 10 ** (-4 + 3 * rng());
    return {
      params: { learningRate, noise: Math.round(rng() * 100), optimizer: ["adam", "sgd", "rmsprop"][Math.floor(rng() * 3)] },
      score: score(learningRate, rng)
    };
  });
}

describe("settingImportance", () => {
  it("ranks the setting that drives the score above a noise number and a noise category", () => {
    // Accuracy peaks at a learning rate of 1e-2.5 and falls off on both sides, plus a little noise.
    const points = trials((lr, rng) => 0.97 - 0.05 * (Math.log10(lr) + 2.5) ** 2 + 0.002 * (rng() - 0.5));
    const result = settingImportance(points, ["learningRate", "noise", "optimizer"])!;
    assert.equal(result.settings[0].setting, "learningRate", JSON.stringify(result.settings));
    assert.ok(result.settings[0].share > 0.6, `learning rate's share ${result.settings[0].share}`);
    assert.ok(Math.abs(result.settings.reduce((a, s) => a + s.share, 0) - 1) < 1e-9, "the shares sum to 1");
    assert.ok(result.outOfBagR2! > 0.7, `the forest explains the scores out of bag: R² ${result.outOfBagR2}`);
    assert.deepEqual(settingImportance(points, ["learningRate", "noise", "optimizer"]), result, "the same seed gives the same estimate");
  });

  it("says the forest explains nothing when the scores are noise", () => {
    const points = trials((_lr, rng) => 0.9 + 0.01 * rng());
    const result = settingImportance(points, ["learningRate", "noise", "optimizer"])!;
    assert.ok(result.outOfBagR2! < 0.2, `R² ${result.outOfBagR2} on pure noise`);
  });

  it("leaves out diverged trials and constant settings, and gives no estimate from too few trials", () => {
    const points = trials((lr) => (lr > 0.05 ? Number.NaN : 0.9 + lr)).map((p) => ({ ...p, params: { ...p.params, depth: 2 } }));
    const diverged = points.filter((p) => !Number.isFinite(p.score)).length;
    assert.ok(diverged > 0, "some trials diverged");
    const result = settingImportance(points, ["learningRate", "depth"])!;
    assert.equal(result.diverged, diverged);
    assert.equal(result.trials, points.length - diverged);
    assert.deepEqual(result.constant, ["depth"]);
    assert.deepEqual(result.settings.map((s) => s.setting), ["learningRate"]);
    assert.equal(settingImportance(points.slice(0, MIN_TRIALS - 1), ["learningRate"]), null);
    assert.equal(settingImportance(points, ["depth"]), null, "nothing varied");
  });
});

describe("the importance claim", () => {
  /** A search's runs: two executions per point at 1 epoch, the best third again at 3 epochs. */
  function searchRuns(score: (p: ScoredPoint["params"], rng: () => number) => number): SearchRun[] {
    const rng = createRng(3);
    const points = trials(() => 0).map((p) => p.params);
    const runs: SearchRun[] = [];
    points.forEach((params, i) => {
      for (let e = 0; e < 2; e++) runs.push({ id: `t${i}-e${e}`, key: `${i}${e}`.padStart(12, "0"), params, epochs: 1, score: score(params, rng) });
      if (i % 3 === 0) runs.push({ id: `t${i}-long`, key: `${i}`.padStart(12, "a"), params, epochs: 3, score: 0.99 });
    });
    return runs;
  }
  const objectiveOf = (runs: SearchRun[]) => (dir: string) => runs.find((r) => `${r.id}--${r.key}` === dir)?.score ?? null;
  const settings = ["learningRate", "noise", "optimizer"];

  it("ranks from the first budget's points when the forest explains them, and checks against the runs", () => {
    const runs = searchRuns((p, rng) => 0.97 - 0.05 * (Math.log10(p.learningRate as number) + 2.5) ** 2 + 0.002 * (rng() - 0.5));
    const claim = importanceClaim("s.importance", "search", runs, settings)!;
    assert.equal(claim.evidence.budget, 1);
    assert.equal(claim.evidence.points.length, 40, "one point per setting, its two executions averaged");
    assert.equal(claim.evidence.verdict, "explains");
    assert.match(claim.text, /learning rate matters most, with \d+% of the forest's splitting gain/);
    assert.deepEqual(checkImportance(claim.evidence, claim.text, objectiveOf(runs), "claim"), []);
    // A sentence naming another setting first, or declining to rank, is caught.
    const wrong = claim.text.replace("learning rate matters most", "noise matters most");
    assert.ok(checkImportance(claim.evidence, wrong, objectiveOf(runs), "claim").some((p) => /must say "learning rate matters most"/.test(p)));
    // A stored score that changed since is caught.
    const changed = runs.map((r, i) => (i === 0 ? { ...r, score: r.score - 0.2 } : r));
    assert.ok(checkImportance(claim.evidence, claim.text, objectiveOf(changed), "claim").some((p) => /scores .* its stored runs give/.test(p)));
  });

  it("declines to rank when the forest explains noise, and the checker holds it to that", () => {
    const runs = searchRuns((_p, rng) => 0.9 + 0.01 * rng());
    const claim = importanceClaim("s.importance", "search", runs, settings)!;
    assert.equal(claim.evidence.verdict, "weak");
    assert.ok(claim.text.includes(TOO_LITTLE), claim.text);
    assert.doesNotMatch(claim.text, / matters most/);
    assert.deepEqual(checkImportance(claim.evidence, claim.text, objectiveOf(runs), "claim"), []);
    const ranked = `${claim.text} By its estimate, learning rate matters most.`;
    assert.ok(checkImportance(claim.evidence, ranked, objectiveOf(runs), "claim").some((p) => /ranks/.test(p)));
  });
});
