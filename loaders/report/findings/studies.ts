// The findings of the study pages that state comparisons between configurations, each over seeds:
// Fashion-MNIST (the deeper MLP, the CNNs with and without dropout) and the training dynamics
// (optimizer × learning rate, batch size, training length). Keyed by claim id.

import { addClaim, comparisonClaim, correlationClaim, gapClaim, rankingClaim, referenceClaim, sideOf, sidesClaim, type Claim, type RunLookup } from "./claim.ts";
import { groupRuns, type RunGroup } from "./groups.ts";
import { gradientEvidence, gradientSentence, type GradientSide } from "./gradient.ts";
import { importanceClaim } from "./importance.ts";
import { count, integer } from "./words.ts";
import { writeupName } from "./models.ts";
import type { RunSummary } from "../summary.ts";

type Group = RunGroup<RunSummary>;

const OPTIMIZER_NAMES: Record<string, string> = { sgd: "SGD", adam: "Adam", nadam: "Nadam", rmsprop: "RMSprop", momentum: "SGD with momentum" };

/** "Adam at 0.001". */
export function optimizerLabel(run: RunSummary): string {
  return `${OPTIMIZER_NAMES[run.optimizer] ?? run.optimizer} at ${run.learningRate}`;
}

function fashionClaims(groups: Group[], lookup: RunLookup): Record<string, Claim> {
  const claims: Record<string, Claim> = {};
  const byId = new Map(groups.map((g) => [g.id, g]));
  const base = byId.get("fashion-sigmoid32");
  const deeper = byId.get("fashion-mlp-64-32-32");
  const cnn = byId.get("fashion-cnn");
  const dropout = byId.get("fashion-cnn-dropout");
  // "Fashion: MLP 784-64-32-32-10" reads "the MLP 784-64-32-32-10"; a title that starts with its own article keeps it.
  const short = (g: Group) => {
    const name = g.title.replace(/^Fashion: /, "");
    return /^(the|a|an) /i.test(name) ? name : `the ${name}`;
  };
  addClaim(claims, rankingClaim("fashion.ranking", groups.map((g) => ({ group: g, label: short(g) })), lookup, { what: `the ${count(groups.length)} models` }));
  if (base && deeper) addClaim(claims, comparisonClaim("fashion.deeper", deeper, base, { a: "The deeper MLP", b: "the 784-32-10 sigmoid network" }, lookup));
  if (cnn && dropout) {
    addClaim(claims, comparisonClaim("fashion.dropout.accuracy", dropout, cnn, { a: "The CNN with dropout", b: "the plain CNN" }, lookup));
    addClaim(claims, comparisonClaim("fashion.dropout.gap", dropout, cnn, { a: "The CNN with dropout", b: "the plain CNN" }, lookup, "trainValGap"));
    addClaim(claims, gapClaim("fashion.gap.fashion-cnn", cnn, "the plain CNN", lookup));
    addClaim(claims, gapClaim("fashion.gap.fashion-cnn-dropout", dropout, "the CNN with dropout", lookup));
  }
  const capacity = base?.first.reference?.find((r) => r.testAccuracy != null);
  if (base && capacity?.testAccuracy != null) {
    addClaim(claims, referenceClaim("fashion.reference.capacity", base, "the 784-32-10 sigmoid network", { testAccuracy: capacity.testAccuracy, source: capacity.source, name: `${writeupName(capacity.source)}'s best hand-tuned version` }, base.first.testCount, lookup));
  }
  return claims;
}

function dynamicsClaims(groups: Group[], lookup: RunLookup): Record<string, Claim> {
  const claims: Record<string, Claim> = {};
  const grid = groups.filter((g) => g.first.variant?.optimizer != null && g.first.variant?.lr != null);
  const at = (optimizer: string, lr: number) => grid.find((g) => g.first.optimizer === optimizer && g.first.learningRate === lr);
  addClaim(claims, rankingClaim("dynamics.ranking", grid.map((g) => ({ group: g, label: optimizerLabel(g.first) })), lookup, { what: `the ${grid.length} optimizer and learning-rate pairs` }));
  // SGD's step: each rate against the next smaller one.
  const sgd = [0.001, 0.01, 0.1].map((lr) => at("sgd", lr));
  for (let i = 1; i < sgd.length; i++) {
    const [small, large] = [sgd[i - 1], sgd[i]];
    if (small && large) addClaim(claims, comparisonClaim(`dynamics.sgd.${large.first.learningRate}`, large, small, { a: optimizerLabel(large.first), b: optimizerLabel(small.first) }, lookup));
  }
  // Each adaptive optimizer: its best rate against SGD's best, in accuracy and in the train–validation gap.
  const bestOf = (optimizer: string) =>
    grid.filter((g) => g.first.optimizer === optimizer && g.testAccuracy != null).sort((a, b) => b.testAccuracy!.mean - a.testAccuracy!.mean)[0];
  const sgdBest = bestOf("sgd");
  for (const optimizer of ["adam", "nadam", "rmsprop"]) {
    const best = bestOf(optimizer);
    if (!best || !sgdBest) continue;
    addClaim(claims, comparisonClaim(`dynamics.vs-sgd.${optimizer}`, best, sgdBest, { a: optimizerLabel(best.first), b: optimizerLabel(sgdBest.first) }, lookup));
    addClaim(claims, comparisonClaim(`dynamics.gap-vs-sgd.${optimizer}`, best, sgdBest, { a: optimizerLabel(best.first), b: optimizerLabel(sgdBest.first) }, lookup, "trainValGap"));
  }
  const base = at("adam", 0.001);
  // The seeds page's second comparison: the write-up's two settings, Adam at 0.001 against SGD at 0.1.
  const sgdLarge = at("sgd", 0.1);
  if (base && sgdLarge) addClaim(claims, comparisonClaim("dynamics.adam-vs-sgd", base, sgdLarge, { a: optimizerLabel(base.first), b: optimizerLabel(sgdLarge.first) }, lookup));
  const batch = groups.find((g) => g.id.startsWith("fashion-dyn-batch"));
  if (base && batch) addClaim(claims, comparisonClaim("dynamics.batch", batch, base, { a: `Batch ${batch.first.batchSize}`, b: `batch ${base.first.batchSize}` }, lookup));
  const long = groups.find((g) => g.id === "fashion-dyn-long");
  // Only where the long run is longer: a reduced profile caps both at the same few epochs.
  if (base && long && long.first.epochsDeclared > base.first.epochsDeclared) addClaim(claims, comparisonClaim("dynamics.long", long, base, { a: `${long.first.epochsDeclared} epochs`, b: `${base.first.epochsDeclared} epochs` }, lookup));
  const manual = base?.first.reference?.find((r) => r.testAccuracy != null) ?? grid.flatMap((g) => g.first.reference ?? []).find((r) => r.testAccuracy != null);
  const top = grid.filter((g) => g.testAccuracy != null).sort((a, b) => b.testAccuracy!.mean - a.testAccuracy!.mean)[0];
  if (top && manual?.testAccuracy != null) {
    addClaim(claims, referenceClaim("dynamics.reference", top, `our best pair (${optimizerLabel(top.first)})`, { testAccuracy: manual.testAccuracy, source: manual.source, name: `${writeupName(manual.source)}'s best hand-tuned version of this network` }, top.first.testCount, lookup));
  }
  if (long && manual?.testAccuracy != null) {
    addClaim(claims, referenceClaim("dynamics.reference.long", long, `our ${long.first.epochsDeclared}-epoch run`, { testAccuracy: manual.testAccuracy, source: manual.source, name: `${writeupName(manual.source)}'s best hand-tuned version` }, long.first.testCount, lookup));
  }
  return claims;
}

/** Several groups' runs taken as one group (e.g. every initializer of one activation). */
function pooled(id: string, title: string, groups: Group[]): Group {
  const [group] = groupRuns(groups.flatMap((g) => g.runs.map((r) => ({ ...r, group: id }))));
  return { ...group, id, title };
}

const ACTIVATIONS = ["relu", "sigmoid", "tanh"];

/**
 * Why sigmoid from RandomNormal starts slowly, in one figure: its first layer's gradient before training
 * against the usual pairing for ReLU (HeNormal), over the ten-class grid's seeds.
 */
function initialGradientClaim(groups: Group[], lookup: RunLookup, context: StudyContext): Claim | null {
  const gradients = context.initialGradients;
  const cell = (activation: string, init: string) => groups.find((g) => g.id.startsWith("act-init-10-") && g.first.variant?.activation === activation && g.first.variant?.init === init);
  const slow = cell("sigmoid", "randomNormal");
  const usual = cell("relu", "heNormal");
  if (!gradients || !slow || !usual) return null;
  const layers = gradients.get(slow.first.id)?.layers;
  if (!layers?.length) return null;
  const sideOfGroup = (group: Group, label: string): GradientSide => {
    const measured = group.runs.flatMap((r) => {
      const norm = gradients.get(r.id)?.norms[0];
      return norm != null && norm > 0 ? [{ dir: lookup.dirName(r.id), norm }] : [];
    });
    return { label, runs: measured.map((m) => m.dir), norms: measured.map((m) => m.norm) };
  };
  // Named as the page's pickers name the pairings: initializer + activation.
  const evidence = gradientEvidence(layers[0], 0, sideOfGroup(slow, "randomNormal + sigmoid"), sideOfGroup(usual, "heNormal + relu"));
  return evidence ? { id: "act-init.gradient.10", text: gradientSentence(evidence), evidence } : null;
}

function activationInitClaims(groups: Group[], lookup: RunLookup, context: StudyContext): Record<string, Claim> {
  const claims: Record<string, Claim> = {};
  addClaim(claims, initialGradientClaim(groups, lookup, context));
  const describe = (g: Group) => `${g.first.variant?.init} + ${g.first.variant?.activation}`;
  for (const [task, prefix] of [["5v8", "act-init-5v8"], ["10", "act-init-10"]] as const) {
    const grid = groups.filter((g) => g.id.startsWith(`${prefix}-`));
    if (!grid.length) continue;
    addClaim(claims, rankingClaim(`act-init.ranking.${task}`, grid.map((g) => ({ group: g, label: describe(g) })), lookup, { what: `the ${grid.length} pairings` }));
    const byActivation = ACTIVATIONS.map((a) => ({ a, members: grid.filter((g) => g.first.variant?.activation === a) })).filter((d) => d.members.length);
    addClaim(
      claims,
      rankingClaim(`act-init.activation.${task}`, byActivation.map((d) => ({ group: pooled(`${prefix}-${d.a}`, d.a, d.members), label: `${d.a} (every initializer and seed)` })), lookup, {
        what: "the three activations, each over its three initializers"
      })
    );
    const ref = grid[0].first.reference?.find((r) => r.testAccuracy != null);
    const cell = task === "10" ? grid.find((g) => g.first.variant?.activation === "relu" && g.first.variant?.init === "glorotUniform") : undefined;
    if (ref?.testAccuracy != null && cell) {
      addClaim(claims, referenceClaim("act-init.reference.10", cell, "our ReLU + GlorotUniform cell", { testAccuracy: ref.testAccuracy, source: ref.source, name: `${writeupName(ref.source)}'s ten-class model` }, cell.first.testCount, lookup));
    }
  }
  const binary = groups.find((g) => g.id === "binary-5v8");
  const ref = binary?.first.reference?.find((r) => r.testAccuracy != null);
  if (binary && ref?.testAccuracy != null) {
    addClaim(claims, referenceClaim("act-init.reference.5v8", binary, `ours, on ${integer(binary.first.testCount)} test images of the two digits,`, { testAccuracy: ref.testAccuracy, source: ref.source, name: writeupName(ref.source) }, binary.first.testCount, lookup));
  }
  return claims;
}

function batchLrClaims(groups: Group[], lookup: RunLookup): Record<string, Claim> {
  const claims: Record<string, Claim> = {};
  const grid = groups.filter((g) => g.id.startsWith("batch-lr-"));
  const label = (g: Group) => `batch ${g.first.batchSize} at ${g.first.learningRate}`;
  addClaim(claims, rankingClaim("batch-lr.ranking", grid.map((g) => ({ group: g, label: label(g) })), lookup, { what: `the ${grid.length} cells` }));
  const ranked = grid.filter((g) => g.testAccuracy != null).sort((a, b) => b.testAccuracy!.mean - a.testAccuracy!.mean);
  const theirs = grid.find((g) => g.first.batchSize === 16 && g.first.learningRate === 0.001);
  if (theirs && ranked[0] && ranked[0] !== theirs) {
    addClaim(claims, comparisonClaim("batch-lr.theirs", theirs, ranked[0], { a: `The write-up's choice, ${label(theirs)},`, b: `our best cell (${label(ranked[0])})` }, lookup));
  }
  // The write-up plots accuracy against batch size / learning rate: does the ratio order the cells?
  addClaim(claims, correlationClaim("batch-lr.ratio", grid.map((g) => ({ group: g, label: label(g), x: g.first.batchSize / g.first.learningRate })), "the batch-size / learning-rate ratio", lookup));
  // The smallest learning rate: its best cell against the best cell of all.
  const smallest = Math.min(...ranked.map((g) => g.first.learningRate));
  const slowest = ranked.find((g) => g.first.learningRate === smallest);
  if (slowest && ranked[0] && slowest !== ranked[0]) {
    addClaim(claims, comparisonClaim("batch-lr.smallest-rate", slowest, ranked[0], { a: `The best cell at the smallest learning rate (${label(slowest)})`, b: `the best cell of all (${label(ranked[0])})` }, lookup));
  }
  return claims;
}

function overfittingClaims(groups: Group[], lookup: RunLookup): Record<string, Claim> {
  const claims: Record<string, Claim> = {};
  for (const [name, prefix] of [["MLP", "overfit-mlp"], ["CNN", "overfit-cnn"]] as const) {
    const sizes = groups.filter((g) => g.id.startsWith(`${prefix}-`) && g.testAccuracy != null).sort((a, b) => a.first.trainCount - b.first.trainCount);
    if (sizes.length < 2) continue;
    const [small, large] = [sizes[0], sizes[sizes.length - 1]];
    const words = (g: Group) => `the ${name} on ${integer(g.first.trainCount)} images`;
    addClaim(claims, comparisonClaim(`overfitting.accuracy.${prefix}`, large, small, { a: capitalizeFirst(words(large)), b: words(small) }, lookup));
    addClaim(claims, comparisonClaim(`overfitting.gap.${prefix}`, small, large, { a: capitalizeFirst(words(small)), b: words(large) }, lookup, "trainValGap"));
    const ten = small.first.reference?.find((r) => r.testAccuracy != null && r.note.includes("10 images"));
    if (ten?.testAccuracy != null) {
      addClaim(claims, referenceClaim(`overfitting.reference.${prefix}`, small, words(small), { testAccuracy: ten.testAccuracy, source: ten.source, name: `${writeupName(ten.source)}'s ${name} on ten images` }, small.first.testCount, lookup));
    }
  }
  return claims;
}

const capitalizeFirst = (s: string) => s[0].toUpperCase() + s.slice(1);

/** A search trial as the claims need it: its settings and, per execution, the run and its objective. */
export interface TrialEvidence {
  params: Record<string, unknown>;
  score: number;
}
export interface TrialRunEvidence {
  id: string;
  key: string;
  params: Record<string, unknown>;
  /** The epochs it trained (a successive-halving rung's budget). */
  epochs: number;
  score: number;
}

/** What a study's claims may draw on besides its own groups: its tuners' trials and retrained winners, and the declared models. */
export interface StudyContext {
  /** Each tuner's retrained winners over their seeds, by tuner id. */
  finals: Map<string, Group>;
  /** The declared models of the overview, by group id. */
  models: Map<string, Group>;
  /** Each tuner's trials, best first, and every run they trained, by tuner id. */
  searches: Map<string, Search>;
  /** For the runs that record their insides: each recorded layer's words and gradient norm before training, by run id. */
  initialGradients?: Map<string, { layers: string[]; norms: (number | null)[] }>;
}

/** Settings as a key that ignores their order. */
const paramsKey = (params: Record<string, unknown>) => JSON.stringify(Object.keys(params).sort().map((k) => [k, params[k]]));

type Search = { trials: TrialEvidence[]; runs: TrialRunEvidence[] };

/** One side of a comparison of trials: every execution of `trial` in `search`, by its objective. */
const trialSide = (search: Search, trial: TrialEvidence, label: string) =>
  sideOf(
    label,
    paramsKey(trial.params),
    search.runs.filter((r) => paramsKey(r.params) === paramsKey(trial.params)).map((r) => ({ dir: `${r.id}--${r.key}`, value: r.score }))
  );

/**
 * The winner of a search against its runner-up, on the search's own objective: over their executions
 * when the search repeats them, else one run a side (and then no test is possible, which the sentence says).
 */
function trialLeadClaim(
  id: string,
  search: Search | undefined,
  labels: { winner: string; runner: string } | ((winner: TrialEvidence, runner: TrialEvidence) => { winner: string; runner: string }) = { winner: "The winning point", runner: "the runner-up" }
): Claim | null {
  if (!search || search.trials.length < 2) return null;
  const [winner, runner] = search.trials;
  const named = typeof labels === "function" ? labels(winner, runner) : labels;
  return sidesClaim(id, trialSide(search, winner, named.winner), trialSide(search, runner, named.runner), "objective");
}

/** The winner of a later stage against the winner of an earlier one it builds on, on the searches' shared objective. */
function stageLeadClaim(id: string, later: Search | undefined, earlier: Search | undefined, labels: (later: TrialEvidence, earlier: TrialEvidence) => { later: string; earlier: string }): Claim | null {
  if (!later?.trials.length || !earlier?.trials.length) return null;
  const named = labels(later.trials[0], earlier.trials[0]);
  return sidesClaim(id, trialSide(later, later.trials[0], named.later), trialSide(earlier, earlier.trials[0], named.earlier), "objective");
}

function homeworkClaims(_groups: Group[], lookup: RunLookup, context: StudyContext): Record<string, Claim> {
  const claims: Record<string, Claim> = {};
  const baseline = context.models.get("baseline-mlp");
  const second = context.models.get("mlp-256-128");
  const final = context.finals.get("homework-search");
  if (baseline && second) addClaim(claims, comparisonClaim("homework.second", second, baseline, { a: "The second model", b: "the baseline" }, lookup));
  if (baseline && final) addClaim(claims, comparisonClaim("homework.final", final, baseline, { a: "The search's retrained winner", b: "the baseline" }, lookup));
  const compared = [baseline && { group: baseline, label: "the baseline" }, second && { group: second, label: "the second model" }, final && { group: final, label: "the search's winner" }].filter(
    (x): x is { group: Group; label: string } => Boolean(x)
  );
  addClaim(claims, rankingClaim("homework.ranking", compared, lookup, { what: "the three models" }));
  addClaim(claims, trialLeadClaim("homework.runner-up", context.searches.get("homework-search")));
  return claims;
}

function mlpTuningClaims(groups: Group[], lookup: RunLookup, context: StudyContext): Record<string, Claim> {
  const claims: Record<string, Claim> = {};
  const base = groups.find((g) => g.id === "fnn-64-64-dropout");
  const final = context.finals.get("mlp-halving");
  if (base && final) addClaim(claims, comparisonClaim("mlp-tuning.final", final, base, { a: "The tuned MLP", b: "the hand-made two-layer baseline" }, lookup));
  return claims;
}

function cnnTuningClaims(groups: Group[], lookup: RunLookup, context: StudyContext): Record<string, Claim> {
  const claims: Record<string, Claim> = {};
  const base = groups.find((g) => g.id === "cnn-baseline-64");
  // The last stage of the chain that retrains its winner: the study's final CNN.
  const final = [...context.finals.values()].at(-1);
  if (base && final) addClaim(claims, comparisonClaim("cnn-tuning.final", final, base, { a: "The final CNN", b: "the untuned baseline CNN" }, lookup));
  const ref = final?.first.reference?.find((r) => r.testAccuracy != null);
  // Stage 5: the longer schedule with and without shifted images, on best validation accuracy.
  // The first side named says "the images", the second "them".
  const shifted = (t: TrialEvidence, images: string) => (Number(t.params.shift) > 0 ? `shifting ${images} by up to ${Math.round(Number(t.params.shift) * 100)}% of their size` : `not shifting ${images}`);
  addClaim(claims, trialLeadClaim("cnn-tuning.long", context.searches.get("cnn-long"), (w, r) => ({ winner: `Over the longer schedule, ${shifted(w, "the images")}`, runner: shifted(r, "them") })));
  // Stage 6: wider layers on stage 5's schedule, against each other and against stage 5's narrower winner.
  const widths = (t: TrialEvidence) => `dense ${t.params.dense}, ${t.params.filters} later filters`;
  addClaim(
    claims,
    trialLeadClaim("cnn-tuning.width", context.searches.get("cnn-width"), (w, r) =>
      w.params.dense === r.params.dense
        ? { winner: `Of the two models with a dense layer of ${w.params.dense} units, the one with ${w.params.filters} filters in the later convolutions`, runner: `the one with ${r.params.filters}` }
        : { winner: `The wider model that won (${widths(w)})`, runner: `the runner-up (${widths(r)})` }
    )
  );
  addClaim(
    claims,
    stageLeadClaim("cnn-tuning.width.vs-long", context.searches.get("cnn-width"), context.searches.get("cnn-long"), (w, l) => ({
      later: `Stage 6's winner (${widths(w)})`,
      earlier: `stage 5's (${widths(l)})`
    }))
  );
  if (final && ref?.testAccuracy != null) {
    addClaim(claims, referenceClaim("cnn-tuning.reference", final, "our final CNN", { testAccuracy: ref.testAccuracy, source: ref.source, name: `${writeupName(ref.source)}'s final tuned CNN` }, final.first.testCount, lookup));
  }
  return claims;
}

const BUILDERS: Record<string, (groups: Group[], lookup: RunLookup, context: StudyContext) => Record<string, Claim>> = {
  fashion: fashionClaims,
  dynamics: dynamicsClaims,
  "activation-init": activationInitClaims,
  "batch-lr": batchLrClaims,
  overfitting: overfittingClaims,
  homework: homeworkClaims,
  "mlp-tuning": mlpTuningClaims,
  "cnn-tuning": cnnTuningClaims
};

/** The claims of one study page; empty for a study whose page states no comparison. */
export function studyClaims(studyId: string, groups: Group[], lookup: RunLookup, context: StudyContext): Record<string, Claim> {
  const claims = BUILDERS[studyId]?.(groups, lookup, context) ?? {};
  // Every search of the study: which of its settings matter to its score.
  for (const [tuner, search] of context.searches) {
    const settings = [...new Set(search.runs.flatMap((r) => Object.keys(r.params)))].sort();
    addClaim(claims, importanceClaim(`${studyId}.importance.${tuner}`, tuner, search.runs, settings));
  }
  return claims;
}
