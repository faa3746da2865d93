// What the pages read: stored runs grouped over seeds and reshaped into tidy rows, with their claims
// (the Framework loaders in src/data call these and write the result to stdout). A run that is not
// stored yet is asked of the executor, so a build from nothing trains it.
import { AsyncLocalStorage } from "node:async_hooks";
import { readDeclarations, type ProfileName, FAMILIES } from "../spec/schema.ts";

import { ensureStudy, objectiveOf, runTuner } from "../experiments/studies.ts";
import { ensureRuns } from "../experiments/executor.ts";
import { familyClaims, overviewClaims } from "./findings/models.ts";
import { studyClaims } from "./findings/studies.ts";
import { groupRuns, type RunGroup } from "./findings/groups.ts";
import { lookupOf } from "./findings/lookup.ts";
import { SETTING_WORDS } from "./findings/words.ts";
import { seedInterval } from "./stats.ts";
import { DECLARATIONS_DIR } from "../config.ts";
import type { RunRecord } from "../spec/record.ts";
import { INSIDE_FILE } from "../spec/inside.ts";
import { readInside } from "../experiments/store.ts";
import type { PlannedRun } from "../experiments/plan.ts";
import { classNamesOf, summarize, taskOf, type RunSummary } from "./summary.ts";

export type Family = (typeof FAMILIES)[number];

function profileInfo(profile: ProfileName) {
  const declarations = readDeclarations(DECLARATIONS_DIR);
  const p = declarations.profiles[profile];
  return { name: profile, description: p.description, testSize: p.testSize, maxTrainSize: p.maxTrainSize, maxEpochs: p.maxEpochs };
}


/** Learning curves as tidy rows: {epoch, split, metric, value}. */
export function tidyHistory(record: RunRecord) {
  const rows: { epoch: number; split: "train" | "validation"; metric: "loss" | "accuracy"; value: number }[] = [];
  for (const h of record.history) {
    if (h.loss != null) rows.push({ epoch: h.epoch, split: "train", metric: "loss", value: h.loss });
    if (h.accuracy != null) rows.push({ epoch: h.epoch, split: "train", metric: "accuracy", value: h.accuracy });
    if (h.valLoss != null) rows.push({ epoch: h.epoch, split: "validation", metric: "loss", value: h.valLoss });
    if (h.valAccuracy != null) rows.push({ epoch: h.epoch, split: "validation", metric: "accuracy", value: h.valAccuracy });
  }
  return rows;
}

/**
 * Learning curves of a group of seeds: per epoch, split and metric, the mean over the seeds that
 * reached that epoch and its 95% interval (none for a single seed), as tidy rows for a band chart.
 */
export function seedCurves(records: readonly RunRecord[]) {
  const cells = new Map<string, { epoch: number; split: "train" | "validation"; metric: "loss" | "accuracy"; values: number[] }>();
  for (const record of records) {
    for (const row of tidyHistory(record)) {
      const key = `${row.epoch}|${row.split}|${row.metric}`;
      let cell = cells.get(key);
      if (!cell) cells.set(key, (cell = { epoch: row.epoch, split: row.split, metric: row.metric, values: [] }));
      cell.values.push(row.value);
    }
  }
  return [...cells.values()].map(({ values, ...where }) => {
    const s = seedInterval(values);
    return { ...where, n: s.n, mean: s.mean, low: s.hasInterval ? s.low : null, high: s.hasInterval ? s.high : null };
  });
}

/** Confusion matrix as tidy rows: {actual, predicted, count, rate}, rate normalised by row. */
export function tidyConfusion(matrix: number[][]) {
  return matrix.flatMap((row, actual) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, predicted) => ({ actual, predicted, count, rate: total ? count / total : 0 }));
  });
}

/** A group of seeds as pages show it: the first seed's summary, with each figure over the seeds. */
export function groupSummary(group: RunGroup<RunSummary>) {
  return {
    ...group.first,
    id: group.id,
    title: group.title,
    runIds: group.runs.map((r) => r.id),
    seeds: group.seeds,
    completedCount: group.completed.length,
    testAccuracy: group.testAccuracy,
    testLoss: group.testLoss,
    trainValGap: group.trainValGap,
    /** Means over the completed seeds (the first seed's when none completed). */
    trainSeconds: mean(group.completed.map((r) => r.trainSeconds)) ?? group.first.trainSeconds,
    samplesPerSecond: mean(group.completed.map((r) => r.samplesPerSecond)) ?? group.first.samplesPerSecond
  };
}
export type GroupSummary = ReturnType<typeof groupSummary>;

function mean(values: number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

/** The declared models of the overview and model pages (not a study's), every seed. */
async function modelRuns(profile: ProfileName) {
  const declarations = readDeclarations(DECLARATIONS_DIR);
  const ids = declarations.experiments.filter((e) => e.study === undefined).map((e) => e.id);
  return ensureRuns(profile, { only: ids });
}

/**
 * Every run a profile stores: the declared runs with all their seeds, and every tuner's trials and
 * retrained winners, each once (trains what is missing).
 */
export async function allStoredRuns(profile: ProfileName): Promise<{ planned: PlannedRun; record: RunRecord }[]> {
  const once = storeReads.getStore();
  if (!once) return readAllStoredRuns(profile);
  let runs = once.get(profile);
  if (!runs) once.set(profile, (runs = readAllStoredRuns(profile)));
  return [...(await runs)];
}

/**
 * Every stored run of a profile as allStoredRuns gives them, read now (never from readingStoreOnce's memo);
 * with `readOnly`, a NotStoredError naming the missing runs instead of training them.
 */
export function readStoredRuns(profile: ProfileName, options: { readOnly?: boolean } = {}): Promise<{ planned: PlannedRun; record: RunRecord }[]> {
  return readAllStoredRuns(profile, options);
}

/**
 * Inside readingStoreOnce: makes `runs` the stored runs that allStoredRuns gives for `profile` from now on
 * (for a caller that read or trained them its own way); outside one, does nothing.
 */
export function primeStoredRuns(profile: ProfileName, runs: Promise<{ planned: PlannedRun; record: RunRecord }[]>): void {
  storeReads.getStore()?.set(profile, runs);
}

const storeReads = new AsyncLocalStorage<Map<ProfileName, ReturnType<typeof readAllStoredRuns>>>();

/**
 * Runs `work` with allStoredRuns reading (and validating) the store once per profile: for one process
 * that produces many data files from a store that nothing else writes meanwhile (scripts/dataFiles.ts).
 */
export function readingStoreOnce<T>(work: () => Promise<T>): Promise<T> {
  return storeReads.run(new Map(), work);
}

async function readAllStoredRuns(profile: ProfileName, options: { readOnly?: boolean } = {}): Promise<{ planned: PlannedRun; record: RunRecord }[]> {
  const declarations = readDeclarations(DECLARATIONS_DIR);
  const results = await ensureRuns(profile, options);
  for (const tuner of declarations.tuners) {
    const result = await runTuner(profile, tuner, declarations, options);
    results.push(...result.trialResults, ...result.finals);
  }
  const seen = new Set<string>();
  return results.filter(({ planned }) => !seen.has(planned.dir) && Boolean(seen.add(planned.dir)));
}

export async function runsReport(profile: ProfileName) {
  const results = await ensureRuns(profile);
  const runs = results.map(({ planned, record }) => summarize(planned, record));
  const models = runs.filter((r) => r.study == null);
  const groups = groupRuns(models);
  return {
    profile: profileInfo(profile),
    runs,
    /** The overview's models, each over its seeds. */
    groups: groups.map(groupSummary),
    claims: overviewClaims(groups, lookupOf(profile, results))
  };
}

export async function familyReport(profile: ProfileName, family: string) {
  if (!(FAMILIES as readonly string[]).includes(family)) {
    throw new Error(`unknown family "${family}"; expected one of ${FAMILIES.join(", ")}`);
  }
  // Runs that belong to a study are shown on the study's page, not among the family's models.
  const models = await modelRuns(profile);
  const summaries = models.map(({ planned, record }) => summarize(planned, record));
  const groups = groupRuns(summaries);
  // Each configuration of the family in full detail through its first seed; the other seeds as summaries.
  const results = models.filter(({ planned }) => planned.experiment.family === family && (planned.experiment.group ?? planned.experiment.id) === planned.experiment.id);
  return {
    profile: profileInfo(profile),
    family,
    groups: groups
      .filter((g) => g.first.family === family)
      .map((g) => ({
        ...groupSummary(g),
        curves: seedCurves(models.filter(({ planned }) => (planned.experiment.group ?? planned.experiment.id) === g.id).map(({ record }) => record))
      })),
    seedRuns: summaries.filter((r) => r.family === family),
    claims: familyClaims(family, groups, lookupOf(profile, models)),
    runs: results.map(({ planned, record }) => ({
      ...summarize(planned, record),
      classNames: classNamesOf(planned.experiment),
      history: tidyHistory(record),
      epochs: record.history,
      divergence: record.divergence,
      confusion: record.test ? tidyConfusion(record.test.confusion) : [],
      perClass: record.test?.perClass ?? [],
      misclassified: record.misclassified
    }))
  };
}

/** A run as a study page shows it: the summary, curves, per-epoch rows and test breakdown (no images). */
function studyRun(planned: PlannedRun, record: RunRecord) {
  return {
    ...summarize(planned, record),
    classNames: classNamesOf(planned.experiment),
    epochs: record.history,
    divergence: record.divergence,
    confusion: record.test ? tidyConfusion(record.test.confusion) : [],
    perClass: record.test?.perClass ?? [],
    bestValAccuracy: objectiveOf(record)
  };
}

/** Everything one study page needs: its declared runs and its tuners' trials, winners and retrained runs. */
/** For the runs that recorded their insides: each layer's words and gradient norm before training, by run id. */
function initialGradients(runs: readonly { planned: PlannedRun; record: RunRecord }[]): Map<string, { layers: string[]; norms: (number | null)[] }> {
  return new Map(
    runs.flatMap(({ planned, record }) => {
      const inside = record.files?.[INSIDE_FILE] ? readInside(planned.dir) : null;
      const before = inside?.epochs.find((e) => e.epoch === 0);
      return inside && before ? [[planned.experiment.id, { layers: inside.layers.map((l) => l.label), norms: before.layers.map((l) => l.gradientNorm) }] as const] : [];
    })
  );
}

export async function studyReport(profile: ProfileName, studyId: string) {
  const { study, experiments, tuners } = await ensureStudy(profile, studyId);
  const firstSeed = ({ planned }: { planned: PlannedRun }) => (planned.experiment.group ?? planned.experiment.id) === planned.experiment.id;
  const seedRuns = experiments.map(({ planned, record }) => summarize(planned, record));
  const groups = groupRuns(seedRuns);
  // Claims may also compare with the declared models and the tuners' retrained winners.
  const models = await modelRuns(profile);
  const finals = new Map(
    tuners.filter((t) => t.finals.length).map((t) => [t.tuner.id, groupRuns(t.finals.map(({ planned, record }) => summarize(planned, record)))[0]] as const)
  );
  const modelGroups = new Map(groupRuns(models.map(({ planned, record }) => summarize(planned, record))).map((g) => [g.id, g]));
  const lookup = lookupOf(profile, [...experiments, ...models, ...tuners.flatMap((t) => t.finals)]);
  return {
    profile: profileInfo(profile),
    study,
    /** Search settings in words, for tables and parallel coordinates (the claims name them the same way). */
    settingNames: SETTING_WORDS,
    /** Each configuration through its first seed, in full (the grid pages draw these). */
    runs: experiments.filter(firstSeed).map(({ planned, record }) => studyRun(planned, record)),
    /** Each configuration over its seeds, with mean curves. */
    groups: groups.map((g) => ({
      ...groupSummary(g),
      curves: seedCurves(experiments.filter(({ planned }) => (planned.experiment.group ?? planned.experiment.id) === g.id).map(({ record }) => record))
    })),
    /** Every seed's summary. */
    seedRuns,
    claims: studyClaims(studyId, groups, lookup, { finals, models: modelGroups, searches: new Map(tuners.map((t) => [t.tuner.id, { trials: t.trials, runs: t.runs }])), initialGradients: initialGradients(experiments) }),
    tuners: tuners.map((t) => ({
      id: t.tuner.id,
      title: t.tuner.title,
      question: t.tuner.question,
      method: t.tuner.method,
      space: t.tuner.space,
      points: t.tuner.points,
      executions: t.tuner.executions,
      reference: t.tuner.reference,
      trialRuns: t.runs,
      trials: t.trials,
      rungs: t.rungs.map((r) => ({ rung: r.rung, budget: r.budget, trials: r.trials })),
      winner: t.winner,
      after: t.tuner.after ?? null,
      model: t.tuner.model,
      fixed: t.fixed,
      winnerRun: studyRun(t.winnerRun.planned, t.winnerRun.record),
      final: t.final ? studyRun(t.final.planned, t.final.record) : null,
      /** Every retraining of the winner (one per seed), first = `final`. */
      finals: t.finals.map(({ planned, record }) => summarize(planned, record)),
      /** The declared experiment that stands for the retrained winner, and where it is not the winner (null: retrained by the tuner itself). */
      finalExperiment: t.tuner.finalExperiment ?? null,
      finalDifferences: t.finalDifferences
    }))
  };
}

const fivePlaces = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? null : Number(x.toPrecision(5)));

/** Every stored run of the profile, tuner trials included, as one row with its curves: the run explorer's data. */
export async function explorerReport(profile: ProfileName) {
  const runs = (await allStoredRuns(profile)).map(({ planned, record }) => {
    const s = summarize(planned, record);
    return {
      id: s.id,
      key: s.key,
      title: s.title,
      group: s.group,
      seed: s.seed,
      study: s.study,
      ...taskOf(planned.experiment),
      family: s.family,
      dataset: s.dataset,
      architecture: s.architecture,
      optimizer: s.optimizer,
      learningRate: s.learningRate,
      batchSize: s.batchSize,
      epochsRun: s.epochsRun,
      params: s.params,
      status: s.status,
      augmentation: s.augmentation != null,
      testAccuracy: s.testAccuracy,
      testLoss: s.testLoss,
      trainSeconds: fivePlaces(s.trainSeconds),
      samplesPerSecond: fivePlaces(s.samplesPerSecond),
      trainCount: s.trainCount,
      testCount: s.testCount,
      curves: {
        epoch: record.history.map((h) => h.epoch),
        loss: record.history.map((h) => fivePlaces(h.loss)),
        accuracy: record.history.map((h) => fivePlaces(h.accuracy)),
        valLoss: record.history.map((h) => fivePlaces(h.valLoss)),
        valAccuracy: record.history.map((h) => fivePlaces(h.valAccuracy))
      }
    };
  });
  return { profile, runs };
}
