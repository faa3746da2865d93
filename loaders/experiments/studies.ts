// Studies: the runs a study page presents — its declared experiments (grids included) and its tuners,
// whose trials are ordinary stored runs built from points of a search space (trials.ts), trained and
// reused through the executor like every other run.
import { DECLARATIONS_DIR } from "../config.ts";
import type { RunRecord } from "../spec/record.ts";
import { readDeclarations, type Declarations, type Experiment, type ProfileName, type Tuner } from "../spec/schema.ts";
import { Progress } from "../training/progress.ts";
import { ensurePlanned, ensureRuns, type EnsureOptions } from "./executor.ts";
import { isStored, planExperiment, type PlannedRun } from "./plan.ts";
import { describePoint, normalizeMlpPoint, onFixed, trialExperiment } from "./trials.ts";
import { randomSearch, sampleDistinct, successiveHalving, type Candidate, type Trial } from "./tuners.ts";
import type { Params, Space } from "../spec/params.ts";

/** A tuner's objective: the best validation accuracy of the run (NaN when it diverged). */
export function objectiveOf(record: RunRecord): number {
  if (record.status !== "completed") return NaN;
  const values = record.history.map((h) => h.valAccuracy).filter((v): v is number => v != null);
  return values.length ? Math.max(...values) : NaN;
}

export interface TrialRun {
  id: string;
  key: string;
  params: Params;
  execution: number;
  epochs: number;
  score: number;
  trainCount: number;
  validationCount: number;
  trainSeconds: number;
  /** Validation accuracy after each epoch it ran (null where it was not measured). */
  valAccuracies: (number | null)[];
}

export interface TunerResult {
  tuner: Tuner;
  /** Every run the search trained, in the order it asked for them. */
  runs: TrialRun[];
  /** Random search: trials best first. Successive halving: one entry per rung. */
  trials: Trial[];
  rungs: { rung: number; budget: number; trials: Trial[] }[];
  winner: Trial;
  /** The winner's trial run (the longest rung's, or its first execution). */
  winnerRun: { planned: PlannedRun; record: RunRecord };
  /** The earlier tuner's winning point this one kept fixed (empty when it starts from scratch). */
  fixed: Params;
  /** The winner retrained and tested (the declared `finalExperiment`'s run, if any); null when the tuner declares `final: null`. */
  final: { planned: PlannedRun; record: RunRecord } | null;
  /**
   * Every retraining of the winner, one per seed (`finalRepeats`, or the seeds of `finalExperiment`),
   * `final` first; empty when there is none.
   */
  finals: { planned: PlannedRun; record: RunRecord }[];
  /** Every stored trial run of the search, in the order it trained them. */
  trialResults: { planned: PlannedRun; record: RunRecord }[];
  /**
   * With `finalExperiment`: each setting in which that declared experiment is not the winner
   * ("layers", "optimizer", "augmentation"), with both values; empty when it is the winner.
   */
  finalDifferences: { field: string; winner: unknown; declared: unknown }[];
}

/**
 * Where a declared final experiment differs from the winner's trial experiment: its model, optimizer and
 * augmentation, and its training recipe (data sizes, epochs, batch size, schedule, early stopping) when
 * the tuner's own trials train with the final recipe (`recipe`: a search of the recipe itself).
 */
export function finalDifferences(winner: Experiment, declared: Experiment, recipe = false): TunerResult["finalDifferences"] {
  const differences: TunerResult["finalDifferences"] = [];
  const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));
  const compare = (field: string, a: unknown, b: unknown) => {
    if (canonical(a) !== canonical(b)) differences.push({ field, winner: a ?? null, declared: b ?? null });
  };
  compare("layers", winner.layers, declared.layers);
  compare("optimizer", winner.optimizer, declared.optimizer);
  compare("augmentation", winner.augmentation, declared.augmentation);
  if (recipe) {
    for (const field of ["trainSize", "validationSize", "epochs", "batchSize", "schedule", "earlyStopping", "dataset"] as const) compare(field, winner[field], declared[field]);
  }
  return differences;
}

function pointId(params: Params, points: Params[]): number {
  const key = JSON.stringify(Object.entries(params).sort());
  return points.findIndex((p) => JSON.stringify(Object.entries(p).sort()) === key);
}

/** Every combination of a space's `choice` dimensions, in key order (the last key varies fastest). */
export function gridPoints(space: Space): Params[] {
  let points: Params[] = [{}];
  for (const name of Object.keys(space).sort()) {
    const param = space[name];
    if (!("choice" in param)) throw new Error(`a grid needs "choice" values, not for "${name}"`);
    points = points.flatMap((p) => param.choice.map((v) => ({ ...p, [name]: v })));
  }
  return points;
}

/**
 * Runs a tuner: trains (or reuses) every trial, then retrains the winner with `final` and tests it.
 * A tuner declared `after` another first runs that one (all reused when stored) and keeps its
 * winning point fixed under every point of its own.
 */
export async function runTuner(
  profile: ProfileName,
  tuner: Tuner,
  declarations: Declarations = readDeclarations(DECLARATIONS_DIR),
  options: EnsureOptions = {}
): Promise<TunerResult> {
  const progress = options.progress ?? new Progress();
  // The stages of a chain of searches go first for cores: everything after a stage waits on it.
  const dependents = (id: string): number => declarations.tuners.filter((t) => t.after === id).reduce((n, t) => n + 1 + dependents(t.id), 0);
  const inChain = tuner.after != null || dependents(tuner.id) > 0;
  // A search's trials are many and alike: only a lone missing one (a retrained winner) takes every core.
  const claim: EnsureOptions = { ...options, shared: true, priority: inChain ? 1 + dependents(tuner.id) : options.priority };
  let fixed: Params = {};
  if (tuner.after != null) {
    const earlier = declarations.tuners.find((t) => t.id === tuner.after);
    if (!earlier) throw new Error(`tuner "${tuner.id}": "after" names an unknown tuner "${tuner.after}"`);
    const previous = await runTuner(profile, earlier, declarations, options);
    fixed = previous.winner.params;
  }
  const space = tuner.space as Space;
  const normalize = (p: Params) => (tuner.model === "mlp" ? normalizeMlpPoint(p) : p);
  const own = tuner.method === "grid" ? gridPoints(space) : sampleDistinct(space, tuner.points, tuner.seed, normalize);
  const points = own.map((p) => onFixed(fixed, p));
  const runs: TrialRun[] = [];
  const trained = new Map<string, { planned: PlannedRun; record: RunRecord }>();
  const objective = async (candidates: Candidate[]) => {
    const planned = candidates.map((c) => {
      const index = pointId(c.params, points);
      const id = tuner.method === "successiveHalving" ? `${tuner.id}-p${index}-e${c.budget}` : `${tuner.id}-p${index}-s${c.execution}`;
      const epochs = tuner.method === "successiveHalving" ? c.budget : undefined;
      // Trials of one point differ by their rung or their execution: the title says which.
      // A profile that caps epochs below the rung's budget says so, so that the title matches what trained.
      const cap = declarations.profiles[profile].maxEpochs;
      const capped = cap != null && c.budget > cap ? `, ${cap} on this profile` : "";
      const which = tuner.method === "successiveHalving" ? `trial, ${c.budget} epoch${c.budget === 1 ? "" : "s"}${capped}` : `trial${tuner.executions > 1 ? ` ${c.execution + 1} of ${tuner.executions}` : ""}`;
      const trial = trialExperiment(declarations, tuner, c.params, { id, epochs, seedOffset: c.execution });
      return planExperiment({ ...trial, title: `${trial.title} (${which})` }, declarations, profile);
    });
    progress.log(`[${tuner.id}] ${planned.length} trial runs (${planned.filter((p) => !isStored(p)).length} to train)`);
    const records = await ensurePlanned(planned, { ...claim, progress });
    const scores = records.map(objectiveOf);
    planned.forEach((p, i) => trained.set(p.experiment.id, { planned: p, record: records[i] }));
    candidates.forEach((c, i) =>
      runs.push({
        id: planned[i].experiment.id,
        key: planned[i].key,
        params: c.params,
        execution: c.execution,
        epochs: planned[i].experiment.epochs,
        score: scores[i],
        trainCount: records[i].data.trainCount,
        validationCount: records[i].data.validationCount,
        trainSeconds: records[i].timing.trainSeconds,
        valAccuracies: records[i].history.map((h) => h.valAccuracy)
      })
    );
    return scores;
  };
  let trials: Trial[];
  let rungs: TunerResult["rungs"] = [];
  let winner: Trial;
  if (tuner.method === "successiveHalving") {
    const result = await successiveHalving({ points, minBudget: tuner.minEpochs!, eta: tuner.eta!, maxBudget: tuner.maxEpochs! }, objective);
    rungs = result.rungs;
    trials = result.rungs[0].trials;
    winner = result.winner;
  } else if (tuner.method === "grid") {
    trials = await scorePoints(points, tuner.executions, objective);
    winner = trials[0];
  } else {
    const withFixed = async (candidates: Candidate[]) => objective(candidates.map((c) => ({ ...c, params: onFixed(fixed, c.params) })));
    trials = (await randomSearch({ space, trials: tuner.points, executions: tuner.executions, seed: tuner.seed }, withFixed, 1, normalize)).map((t) => ({
      ...t,
      params: onFixed(fixed, t.params)
    }));
    winner = trials[0];
  }
  const winnerIndex = pointId(winner.params, points);
  const winnerRun = trained.get(
    tuner.method === "successiveHalving" ? `${tuner.id}-p${winnerIndex}-e${rungs[rungs.length - 1].budget}` : `${tuner.id}-p${winnerIndex}-s0`
  )!;
  let finalPlans: PlannedRun[] = [];
  let differences: TunerResult["finalDifferences"] = [];
  if (tuner.finalExperiment != null) {
    const declared = declarations.experiments.find((e) => e.id === tuner.finalExperiment);
    if (!declared) throw new Error(`tuner "${tuner.id}": "finalExperiment" names an unknown experiment "${tuner.finalExperiment}"`);
    // A search of the recipe itself, or a later stage that keeps the recipe an earlier one chose, trains its
    // trials as the final model is trained: then the declared model must match the winning trial in
    // everything but its seeds (so its first seed is that trial).
    const recipe = ["batchSize", "decayPerEpoch"].some((name) => name in tuner.space || name in fixed);
    differences = finalDifferences(trialExperiment(declarations, tuner, winner.params, { id: declared.id }), declared, recipe);
    if (differences.length) {
      progress.log(
        `[${tuner.id}] note: the declared final experiment "${declared.id}" is not this search's winner (${profile} profile) in ${differences.map((d) => d.field).join(", ")}`
      );
    }
    // The declared experiment and its other seeds (declared with `seeds`), first seed first.
    const seeds = declarations.experiments.filter((e) => e.id === declared.id || (declared.group != null && e.group === declared.group));
    finalPlans = seeds.map((e) => planExperiment(e, declarations, profile));
  } else if (tuner.final != null) {
    const group = `${tuner.id}-final`;
    // Named like the seeds of a declared experiment: the first keeps the group's id, the others "-s<seed>".
    const firstSeed = Number({ ...declarations.defaults, ...tuner.base }.seed ?? 1);
    finalPlans = Array.from({ length: tuner.finalRepeats }, (_, i) =>
      planExperiment(
        trialExperiment(declarations, tuner, winner.params, {
          id: i === 0 ? group : `${group}-s${firstSeed + i}`,
          seedOffset: i,
          overrides: { ...tuner.final, group, title: `${tuner.title}: ${describePoint(winner.params)} (retrained winner${i ? `, seed ${firstSeed + i}` : ""})` }
        }),
        declarations,
        profile
      )
    );
  }
  const finalRecords = finalPlans.length ? await ensurePlanned(finalPlans, { ...claim, progress }) : [];
  const finals = finalPlans.map((planned, i) => ({ planned, record: finalRecords[i] }));
  const final: TunerResult["final"] = finals[0] ?? null;
  progress.log(`[${tuner.id}] winner ${describePoint(winner.params)}: validation ${(winner.score * 100).toFixed(2)}%` +
    (final?.record.test ? `, retrained test accuracy ${(final.record.test.accuracy * 100).toFixed(2)}%` : ""));
  return { tuner, fixed, runs, trials, rungs, winner, winnerRun, final, finals, trialResults: [...trained.values()], finalDifferences: differences };
}

/** Scores every point `executions` times (seeds seed, seed + 1, ...); trials best first by mean score. */
async function scorePoints(points: Params[], executions: number, objective: (c: Candidate[]) => Promise<number[]>): Promise<Trial[]> {
  const candidates = points.flatMap((params) => Array.from({ length: executions }, (_, execution) => ({ params, execution, budget: 1 })));
  const scores = await objective(candidates);
  const rank = (x: number) => (Number.isFinite(x) ? x : -Infinity);
  const trials = points.map((params, index) => {
    const own = scores.slice(index * executions, (index + 1) * executions);
    return { index, params, scores: own, score: own.map(rank).reduce((a, b) => a + b, 0) / own.length };
  });
  return trials.sort((a, b) => b.score - a.score || a.index - b.index);
}

/** Every run of a study: its declared experiments and its tuners, through the executor. */
export async function ensureStudy(profile: ProfileName, studyId: string, options: EnsureOptions = {}) {
  const declarations = readDeclarations(DECLARATIONS_DIR);
  const study = declarations.studies.find((s) => s.id === studyId);
  if (!study) throw new Error(`unknown study "${studyId}"; declared: ${declarations.studies.map((s) => s.id).join(", ")}`);
  const ids = declarations.experiments.filter((e) => e.study === studyId).map((e) => e.id);
  const experiments = ids.length ? await ensureRuns(profile, { ...options, only: ids }) : [];
  const tuners = [];
  for (const tuner of declarations.tuners.filter((t) => t.study === studyId)) tuners.push(await runTuner(profile, tuner, declarations, options));
  return { study, experiments, tuners };
}
