// Claims: the checker catches a sentence that says more than, or the opposite of, its numbers (on
// small synthetic runs), and every claim the site states agrees with the stored full-profile runs.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { comparisonClaim, correlationClaim, gapClaim, rankingClaim, referenceClaim, sideOf, sidesClaim, type Claim, type RunLookup } from "../loaders/report/findings/claim.ts";
import { checkClaim, storedRuns, type RawRuns } from "../loaders/report/findings/check.ts";
import { groupRuns, type GroupableRun } from "../loaders/report/findings/groups.ts";
import { familyReport, runsReport, studyReport } from "../loaders/report/report.ts";
import { readDeclarations, FAMILIES } from "../loaders/spec/schema.ts";
import { DECLARATIONS_DIR, ROOT } from "../loaders/config.ts";

/** A run of `n` test images of which the first `correct` are right, with a given final train−val gap. */
function fakeRun(id: string, group: string, seed: number, correct: number, n = 1000, gap = 0.01): GroupableRun & { correct: Uint8Array } {
  const c = new Uint8Array(n);
  c.fill(1, 0, correct);
  return { id, group, seed, title: group, status: "completed", testAccuracy: correct / n, testLoss: 0.1, finalTrainAccuracy: 0.9 + gap, finalValAccuracy: 0.9, bestValAccuracy: correct / n - 0.001, correct: c };
}

function fixture(runs: ReturnType<typeof fakeRun>[]): { lookup: RunLookup; raw: RawRuns } {
  const byDir = new Map(runs.map((r) => [`${r.id}--000000000000`, r]));
  const byId = new Map(runs.map((r) => [r.id, r]));
  return {
    lookup: { dirName: (id) => `${id}--000000000000`, correct: (id) => ({ testSet: "t", correct: byId.get(id)!.correct }) },
    raw: {
      accuracy: (dir) => byDir.get(dir)?.testAccuracy ?? null,
      trainValGap: (dir) => {
        const r = byDir.get(dir);
        return r ? r.finalTrainAccuracy! - r.finalValAccuracy! : null;
      },
      objective: (dir) => byDir.get(dir)?.bestValAccuracy ?? null,
      correct: (dir) => ({ testSet: "t", correct: byDir.get(dir)!.correct })
    }
  };
}

describe("the claims checker", () => {
  // A clearly better than B over three seeds; C level with B; D and E single runs.
  const runs = [
    fakeRun("a", "a", 1, 980), fakeRun("a-s2", "a", 2, 978), fakeRun("a-s3", "a", 3, 982),
    fakeRun("b", "b", 1, 950, 1000, -0.02), fakeRun("b-s2", "b", 2, 955, 1000, -0.025), fakeRun("b-s3", "b", 3, 948, 1000, -0.03),
    fakeRun("c", "c", 1, 951), fakeRun("c-s2", "c", 2, 949), fakeRun("c-s3", "c", 3, 957),
    fakeRun("d", "d", 1, 900), fakeRun("e", "e", 1, 870)
  ];
  const groups = new Map(groupRuns(runs).map((g) => [g.id, g]));
  const { lookup, raw } = fixture(runs);
  const g = (id: string) => groups.get(id)!;

  it("passes honest claims of every kind", () => {
    const claims: Claim[] = [
      comparisonClaim("ab", g("a"), g("b"), { a: "A", b: "B" }, lookup),
      comparisonClaim("ba", g("b"), g("a"), { a: "B", b: "A" }, lookup),
      comparisonClaim("cb", g("c"), g("b"), { a: "C", b: "B" }, lookup),
      comparisonClaim("de", g("d"), g("e"), { a: "D", b: "E" }, lookup),
      rankingClaim("rank", ["a", "b", "c"].map((id) => ({ group: g(id), label: id.toUpperCase() })), lookup)!,
      gapClaim("gap-b", g("b"), "B", lookup)!,
      referenceClaim("ref", g("a"), "A", { testAccuracy: 0.95, source: "x", name: "X" }, 1000, lookup)!
    ];
    assert.match(claims[0].text, /^A beats B by 2\.90 percentage points \(3 seeds each/);
    assert.match(claims[1].text, /^B falls short of A by 2\.90 percentage points/);
    assert.match(claims[2].text, /^C and B show no difference that these runs can detect/);
    assert.match(claims[3].text, /McNemar's exact test p < 0\.001/);
    assert.match(claims[5].text, /validation ended ahead of training/);
    assert.match(claims[6].text, /below our interval, so ours is higher/);
    for (const claim of claims) assert.deepEqual(checkClaim(claim, raw), [], claim.text);
  });

  it("catches a lost sign, a verdict the test did not give, a wrong ranking and a wrong side", () => {
    const ab = comparisonClaim("ab", g("a"), g("b"), { a: "A", b: "B" }, lookup);
    const flipped = { ...ab, text: ab.text.replace("beats", "falls short of") };
    assert.ok(checkClaim(flipped, raw).some((p) => /must say "A beats B/.test(p)));
    const cb = comparisonClaim("cb", g("c"), g("b"), { a: "C", b: "B" }, lookup);
    const overstated = { ...cb, text: "C beats B by 0.13 percentage points." };
    assert.ok(checkClaim(overstated, raw).length > 0);
    const wrongVerdict = { ...cb, evidence: { ...cb.evidence, verdict: "higher" as const } } as Claim;
    assert.ok(checkClaim(wrongVerdict, raw).some((p) => /verdict "higher"/.test(p)));
    const quoted = { ...ab, evidence: { ...ab.evidence, a: { ...(ab.evidence as { a: { values: number[] } }).a, values: [0.99, 0.978, 0.982] } } } as Claim;
    assert.ok(checkClaim(quoted, raw).some((p) => /stores 0\.98, the claim quotes 0\.99/.test(p)));
    const rank = rankingClaim("rank", ["a", "b", "c"].map((id) => ({ group: g(id), label: id.toUpperCase() })), lookup)!;
    const reordered = { ...rank, evidence: { ...rank.evidence, items: [...(rank.evidence as { items: unknown[] }).items].reverse() } } as Claim;
    assert.ok(checkClaim(reordered, raw).some((p) => /is ranked below/.test(p)));
    const gap = gapClaim("gap-b", g("b"), "B", lookup)!;
    const narrows = { ...gap, text: gap.text.replace("validation ended ahead of training", "training ended ahead of validation") };
    assert.ok(checkClaim(narrows, raw).length > 0);
  });

  it("states a rank correlation only in the direction its test found, and checks it", () => {
    // Accuracy falls steadily with x over four configurations, and then with x shuffled.
    const ordered = ["a", "c", "d", "e"].map((id, i) => ({ group: g(id), label: id.toUpperCase(), x: 10 ** i }));
    const falls = correlationClaim("corr", ordered, "the ratio", lookup)!;
    assert.match(falls.text, /^Mean test accuracy falls as the ratio rises \(Spearman's ρ = −1\.00 over 4 configurations/);
    assert.deepEqual(checkClaim(falls, raw), []);
    const rises = { ...falls, text: falls.text.replace("falls as the ratio rises", "rises with the ratio") };
    assert.ok(checkClaim(rises, raw).some((p) => /must say "falls as the ratio rises"/.test(p)));
    const shuffled = correlationClaim("corr", ordered.map((o, i) => ({ ...o, x: [2, 1, 4, 3][i] })), "the ratio", lookup)!;
    assert.match(shuffled.text, /shows no monotone relation to the ratio that these runs can detect/);
    assert.deepEqual(checkClaim(shuffled, raw), []);
    const moved = { ...falls, evidence: { ...falls.evidence, rho: 0.5 } } as Claim;
    assert.ok(checkClaim(moved, raw).some((p) => /rho 0\.5, the stored runs give -1/.test(p)));
  });

  it("compares search trials on their objective from the stored histories", () => {
    const trial = (id: string, label: string) => sideOf(label, id, g(id).runs.map((r) => ({ dir: lookup.dirName(r.id), value: r.bestValAccuracy! })));
    const lead = sidesClaim("lead", trial("a", "The winner"), trial("b", "the runner-up"), "objective");
    assert.match(lead.text, /^The winner has a higher best validation accuracy than the runner-up by 2\.90 percentage points \(3 seeds each/);
    assert.deepEqual(checkClaim(lead, raw), []);
    const tie = sidesClaim("tie", trial("c", "C"), trial("b", "B"), "objective");
    assert.match(tie.text, /^C and B show no difference in best validation accuracy/);
    assert.deepEqual(checkClaim(tie, raw), []);
    const lone = sidesClaim("lone", trial("d", "D"), trial("e", "E"), "objective");
    assert.match(lone.text, /fewer than two runs a side, so no test is possible/);
    const overstated = { ...lone, text: "D has a higher best validation accuracy than E by 3.00 percentage points." };
    assert.ok(checkClaim(overstated, raw).some((p) => /must say "D and E show no difference/.test(p)));
  });

  it("insists on the test across seeds when both sides have several", () => {
    const ab = comparisonClaim("ab", g("a"), g("b"), { a: "A", b: "B" }, lookup);
    const cherryPicked = { ...ab, evidence: { ...ab.evidence, test: "mcnemar" as const } } as Claim;
    assert.ok(checkClaim(cherryPicked, raw).some((p) => /must be Welch's/.test(p)));
  });
});

const stored = existsSync(join(ROOT, "data", "runs", "full"));

describe("every claim of the site against the stored full-profile runs", { skip: !stored && "no stored full-profile runs" }, () => {
  it("agrees with its own numbers: sign, ranking, verdict and interval", async () => {
    delete process.env.RUNS_DIR;
    const declarations = readDeclarations(DECLARATIONS_DIR);
    const claims: Claim[] = [];
    claims.push(...Object.values((await runsReport("full")).claims));
    for (const family of FAMILIES) claims.push(...Object.values((await familyReport("full", family)).claims));
    for (const study of declarations.studies) claims.push(...Object.values((await studyReport("full", study.id)).claims));
    const raw = storedRuns("full");
    const problems = claims.flatMap((claim) => checkClaim(claim, raw));
    assert.deepEqual(problems, []);
    const ids = new Set(claims.map((c) => c.id));
    for (const id of ["models.ranking", "models.cnn-vs-mlp", "models.vs-baseline.mlp-256-128", "fashion.dropout.gap", "dynamics.long", "dynamics.adam-vs-sgd", "batch-lr.ratio", "batch-lr.smallest-rate", "homework.runner-up", "mlp-tuning.importance.mlp-halving", "cnn-tuning.importance.cnn-arch", "cnn-tuning.importance.cnn-augment", "cnn-tuning.long", "cnn-tuning.width", "cnn-tuning.width.vs-long", "act-init.gradient.10"]) {
      assert.ok(ids.has(id), `the site states ${id}`);
    }
  });
});
