// The findings of the overview and the three model pages (baseline, deeper MLPs, CNNs): the ranking
// of the declared models, each against the baseline, the best CNN against the best MLP, each model
// against the write-ups' figures, and each model's train–validation gap, all over seeds.

import { addClaim, comparisonClaim, gapClaim, rankingClaim, referenceClaim, type Claim, type RunLookup } from "./claim.ts";
import { meanAccuracy, type RunGroup } from "./groups.ts";
import { count, integer, percent, times } from "./words.ts";
import type { RunSummary } from "../summary.ts";

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

type Group = RunGroup<RunSummary>;

/** A write-up's short name: "004_9f608cfe23ec8728.txt" → "Write-up 004". */
export function writeupName(source: string): string {
  const match = /^(\d+)_/.exec(source);
  return match ? `Write-up ${match[1]}` : source;
}

/** A model's name in a sentence: its title up to any colon ("Tuned CNN: the CNN tuning study's final model" → "Tuned CNN"). */
export const modelName = (g: { title: string }): string => g.title.replace(/:.*$/, "");

const best = (groups: Group[]): Group | undefined => groups.reduce<Group | undefined>((b, g) => (!b || meanAccuracy(g) > meanAccuracy(b) ? g : b), undefined);

/** Claims about the declared models (one group per model, each over its seeds), keyed by id. */
export function modelClaims(groups: Group[], lookup: RunLookup): Record<string, Claim> {
  const claims: Record<string, Claim> = {};
  const done = groups.filter((g) => g.testAccuracy != null);
  addClaim(claims, rankingClaim("models.ranking", done.map((g) => ({ group: g, label: modelName(g) })), lookup, { what: `the ${count(done.length)} models` }));

  const baseline = done.find((g) => g.first.family === "baseline-mlp");
  if (baseline) {
    for (const g of done) if (g !== baseline) addClaim(claims, comparisonClaim(`models.vs-baseline.${g.id}`, g, baseline, { a: modelName(g), b: "the baseline" }, lookup));
    const top = best(done);
    if (top && top !== baseline) {
      const errors = 1 - top.testAccuracy!.mean;
      const baselineErrors = 1 - baseline.testAccuracy!.mean;
      claims["models.errors"] = {
        id: "models.errors",
        text:
          `Put as errors, the ${modelName(top)} got a mean of ${percent(errors)} of the test images wrong where the baseline got ${percent(baselineErrors)} wrong` +
          (errors > 0 ? `: ${times(baselineErrors / errors)} fewer mistakes.` : ": no mistakes at all."),
        evidence: {
          kind: "fact",
          runs: [...top.completed, ...baseline.completed].map((r) => lookup.dirName(r.id)),
          values: { errors, baselineErrors }
        }
      };
    }
  }

  const bestCnn = best(done.filter((g) => g.first.family === "cnn"));
  const bestMlp = best(done.filter((g) => g.first.family !== "cnn"));
  if (bestCnn && bestMlp) {
    addClaim(claims, comparisonClaim("models.cnn-vs-mlp", bestCnn, bestMlp, { a: `The best CNN (${modelName(bestCnn)})`, b: `the best MLP (${modelName(bestMlp)})` }, lookup));
  }

  if (bestCnn && bestMlp) {
    const cnnErrors = 1 - bestCnn.testAccuracy!.mean;
    const mlpErrors = 1 - bestMlp.testAccuracy!.mean;
    // Speeds of runs that trained on one thread only: a run over every core is faster and not comparable.
    const oneThread = (g: Group) => g.completed.filter((r) => r.backend === "wasm").map((r) => r.samplesPerSecond);
    const cnnSpeed = mean(oneThread(bestCnn));
    const mlpSpeed = mean(oneThread(bestMlp));
    claims["models.cnn-cost"] = {
      id: "models.cnn-cost",
      text:
        `The ${modelName(bestCnn)} gets a mean of ${percent(cnnErrors)} of the test images wrong against ${percent(mlpErrors)} for the ${modelName(bestMlp)}, ` +
        `with ${integer(bestCnn.first.params)} parameters against ${integer(bestMlp.first.params)}` +
        (Number.isFinite(cnnSpeed) && Number.isFinite(mlpSpeed)
          ? `; on one thread it trained at a mean of ${integer(cnnSpeed)} images a second against ${integer(mlpSpeed)}` +
            (oneThread(bestCnn).length < bestCnn.completed.length
              ? ` (over the ${count(oneThread(bestCnn).length)} of its seeds that trained on one thread; the other ${bestCnn.completed.length - oneThread(bestCnn).length === 1 ? "was" : `${count(bestCnn.completed.length - oneThread(bestCnn).length)} were`} spread over several cores)`
              : "") +
            (cnnSpeed < mlpSpeed ? `, ${times(mlpSpeed / cnnSpeed)} slower, since every filter is applied at every position of the image.` : `, no slower on this machine.`)
          : "."),
      evidence: {
        kind: "fact",
        runs: [...bestCnn.completed, ...bestMlp.completed].map((r) => lookup.dirName(r.id)),
        values: { cnnErrors, mlpErrors, cnnParams: bestCnn.first.params, mlpParams: bestMlp.first.params, ...(Number.isFinite(cnnSpeed) && Number.isFinite(mlpSpeed) ? { cnnSpeed, mlpSpeed } : {}) }
      }
    };
  }

  // Depth and width: the largest perceptron of the family against its smallest.
  const deep = done.filter((g) => g.first.family === "deep-mlp").sort((a, b) => a.first.params - b.first.params);
  if (deep.length >= 2) {
    const [smallest, largest] = [deep[0], deep[deep.length - 1]];
    addClaim(claims, comparisonClaim("models.largest-vs-smallest.deep-mlp", largest, smallest, { a: `The ${modelName(largest)}`, b: `the ${modelName(smallest)}` }, lookup));
  }
  // The CNNs: the best against the runner-up.
  const cnns = done.filter((g) => g.first.family === "cnn").sort((a, b) => meanAccuracy(b) - meanAccuracy(a));
  if (cnns.length >= 2) addClaim(claims, comparisonClaim("models.cnn-lead", cnns[0], cnns[1], { a: `The ${modelName(cnns[0])}`, b: `the ${modelName(cnns[1])}` }, lookup));

  for (const g of groups) {
    addClaim(claims, gapClaim(`models.gap.${g.id}`, g, `the ${modelName(g)}`, lookup));
    (g.first.reference ?? []).forEach((ref, i) => {
      if (ref.testAccuracy == null) return;
      addClaim(claims, referenceClaim(`models.reference.${g.id}.${i}`, g, "ours", { testAccuracy: ref.testAccuracy, source: ref.source, name: `${writeupName(ref.source)} (${ref.note})` }, g.first.testCount, lookup));
    });
  }
  return claims;
}

export const overviewClaims = modelClaims;

/** A family page reads the same claims as the overview (its own models' and their comparisons). */
export function familyClaims(_family: string, groups: Group[], lookup: RunLookup): Record<string, Claim> {
  return modelClaims(groups, lookup);
}
