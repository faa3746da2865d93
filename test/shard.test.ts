// Shards of a sweep (loaders/experiments/shard.ts): a hand-worked deal, and on the committed
// declarations, shards that split the work exactly (every run, search and study 9 in one shard, a
// search with its retrained winner), the same on every call, and balanced as list scheduling promises.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DECLARATIONS_DIR } from "../loaders/config.ts";
import { planRuns } from "../loaders/experiments/plan.ts";
import { dealShards, parseShard, shardOf, unitsOf, type Unit, type Work } from "../loaders/experiments/shard.ts";
import { readDeclarations } from "../loaders/spec/schema.ts";

const unit = (label: string, seconds: number): Unit => ({ label, seconds, work: { runs: [], searches: [], classical: false } });

describe("shards", () => {
  it("reads I/N and refuses anything else, naming what it expected", () => {
    assert.deepEqual(parseShard("2/4"), { index: 2, count: 4 });
    assert.deepEqual(parseShard(" 1 / 1 "), { index: 1, count: 1 });
    for (const bad of ["0/2", "3/2", "2", "a/b", "1/0", "-1/2"]) assert.throws(() => parseShard(bad), new RegExp(`--shard must be I/N .*got "${bad}"`));
  });

  it("deals units longest first to the shard with the least time so far", () => {
    // 8 -> 1; 7 -> 2; 6 -> 2 (7 < 8); 5 -> 1 (8 < 13); 4 -> 1 (13 = 13: the lower index).
    const shards = dealShards(["a", "b", "c", "d", "e"].map((l, i) => unit(l, 8 - i)), 2);
    assert.deepEqual(shards.map((s) => s.map((u) => u.label)), [["a", "d", "e"], ["b", "c"]]);
    assert.deepEqual(dealShards([unit("x", 1)], 3).map((s) => s.length), [1, 0, 0]);
  });

  for (const profile of ["quick", "full"] as const) {
    it(`splits the ${profile} profile's work into shards that cover it exactly, the same way every time`, () => {
      const declarations = readDeclarations(DECLARATIONS_DIR);
      const leaves = declarations.tuners.filter((t) => !declarations.tuners.some((o) => o.after === t.id));
      const work: Work = { runs: planRuns(profile, declarations), searches: leaves, classical: true };
      const units = unitsOf(work, declarations, profile);
      const largest = Math.max(...units.map((u) => u.seconds));
      for (const count of [1, 2, 3, 5]) {
        const shards = Array.from({ length: count }, (_, i) => shardOf(work, declarations, profile, i + 1, count));
        const runs = shards.flatMap((s) => s.work.runs.map((p) => p.dir));
        assert.equal(new Set(runs).size, runs.length, "no run in two shards");
        assert.deepEqual([...runs].sort(), work.runs.map((p) => p.dir).sort(), "every run in a shard");
        assert.deepEqual(shards.flatMap((s) => s.work.searches.map((t) => t.id)).sort(), leaves.map((t) => t.id).sort());
        assert.equal(shards.filter((s) => s.work.classical).length, 1, "study 9 in one shard");
        // A search's retrained winner (cnn-strong and its seeds) trains where its chain of searches does:
        // the shard holding the last stage of the chain that cnn-recipe belongs to.
        const chainOf = (id: string): string[] => {
          const tuner = declarations.tuners.find((t) => t.id === id);
          return tuner?.after ? [id, ...chainOf(tuner.after)] : [id];
        };
        const leaf = leaves.find((t) => chainOf(t.id).includes("cnn-recipe"))!;
        const withRecipe = shards.find((s) => s.work.searches.includes(leaf))!;
        const strong = work.runs.filter((p) => (p.experiment.group ?? p.experiment.id) === "cnn-strong");
        assert.ok(strong.length >= 3);
        for (const p of strong) assert.ok(withRecipe.work.runs.includes(p), `${p.experiment.id} trains with the chain of searches that ends in ${leaf.id}`);
        const loads = shards.map((s) => s.seconds);
        assert.ok(Math.max(...loads) - Math.min(...loads) <= largest + 1e-6, `loads ${loads.map((l) => l.toFixed(0)).join(", ")} differ by more than the largest unit`);
        const again = shardOf(work, declarations, profile, count, count);
        assert.deepEqual(again.work.runs.map((p) => p.dir), shards[count - 1].work.runs.map((p) => p.dir), "the same deal on every call");
      }
    });
  }
});
