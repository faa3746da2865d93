// What the pages read: stored runs reshaped into summaries and tidy rows (the Framework loaders
// in src/data call these and write the result to stdout).
import { DATASETS } from "./dataset.ts";
import { describeLayers, outputWidth } from "./models.ts";
import { readDeclarations, type ProfileName, FAMILIES } from "./schema.ts";
import { DECLARATIONS_FILE, type RunRecord } from "./store.ts";
import { ensureStudy, objectiveOf, runTuner } from "./studies.ts";
import { ensureRuns, type PlannedRun } from "./suite.ts";
import { familyClaims, overviewClaims } from "./findings/models.ts";
import { studyClaims } from "./findings/studies.ts";
import { groupRuns, type RunGroup } from "./findings/groups.ts";
import { lookupOf } from "./findings/lookup.ts";
import { seedInterval } from "./stats.ts";

export type Family = (typeof FAMILIES)[number];

function profileInfo(profile: ProfileName) {
  const declarations = readDeclarations(DECLARATIONS_FILE);
  const p = declarations.profiles[profile];
  return { name: profile, description: p.description, testSize: p.testSize, maxTrainSize: p.maxTrainSize, maxEpochs: p.maxEpochs };
}

export function summarize(planned: PlannedRun, record: RunRecord) {
  const e = planned.experiment;
  const last = record.history[record.history.length - 1];
  return {
    id: e.id,
    /** The configuration this run repeats with other seeds (its first seed's id); its own id when it has none. */
    group: e.group ?? e.id,
    key: record.key,
    title: e.title,
    question: e.question,
    family: e.family,
    dataset: e.dataset,
    architecture: describeLayers(e.layers, outputWidth(e)),
    optimizer: e.optimizer.name,
    learningRate: e.optimizer.learningRate,
    batchSize: e.batchSize,
    epochsDeclared: e.epochs,
    epochsRun: record.history.length,
    bestEpoch: record.bestEpoch,
    stoppedEarly: record.stoppedEarly,
    augmentation: e.augmentation,
    schedule: e.schedule,
    params: record.params,
    status: record.status,
    testAccuracy: record.test?.accuracy ?? null,
    testLoss: record.test?.loss ?? null,
    macroF1: record.test?.macroF1 ?? null,
    finalTrainAccuracy: last?.accuracy ?? null,
    finalValAccuracy: last?.valAccuracy ?? null,
    trainSeconds: record.timing.trainSeconds,
    samplesPerSecond: record.timing.samplesPerSecond,
    peakRssMB: record.timing.peakRssMB ?? null,
    trainCount: record.data.trainCount,
    /** The training images the run could have used (the dataset's, less validation); null for class subsets. */
    availableTrainCount: e.classes == null ? DATASETS[e.dataset].counts.train - record.data.validationCount : null,
    validationCount: record.data.validationCount,
    testCount: record.data.testCount,
    backend:
      record.environment.backend +
      (record.environment.threads ? `, ${record.environment.threads} threads` : "") +
      (record.environment.replicas ? `, ${record.environment.replicas} replicas` : ""),
    cpu: record.environment.cpu,
    createdAt: record.createdAt,
    hasWeights: record.hasWeights,
    reference: e.reference,
    study: e.study ?? null,
    variant: e.variant ?? null,
    seed: e.seed,
    /** The test images its predictions follow (testPredictions.ts: testSetId); null before trainer version 2. */
    testSet: record.testSet ?? null,
    classes: e.classes ?? null,
    output: e.output ?? "softmax",
    l2: Math.max(0, ...e.layers.map((l) => ("l2" in l && l.l2) || 0)),
    dropout: Math.max(0, ...e.layers.map((l) => (l.type === "dropout" ? l.rate : 0)))
  };
}

/**
 * The task a run is scored on: its dataset and classes. Runs of different tasks are never ranked
 * together (a 5-vs-8 run's accuracy is not comparable with a ten-class one's).
 */
export function taskOf(experiment: { dataset: keyof typeof DATASETS; classes?: number[] }) {
  const dataset = DATASETS[experiment.dataset];
  const classes = experiment.classes;
  const name = experiment.dataset === "mnist" ? "MNIST" : "Fashion-MNIST";
  return {
    task: classes ? `${experiment.dataset}-${classes.join("v")}` : experiment.dataset,
    taskLabel: `${name}, ${classes ? classes.map((c) => dataset.classNames[c]).join(" vs ") : "all ten classes"}`
  };
}

/** Class names of a run's task: the dataset's names, restricted to the run's classes. */
export function classNamesOf(experiment: { dataset: keyof typeof DATASETS; classes?: number[] }): string[] {
  const names = DATASETS[experiment.dataset].classNames;
  return experiment.classes ? experiment.classes.map((c) => names[c]) : [...names];
}
export type RunSummary = ReturnType<typeof summarize>;

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
  const declarations = readDeclarations(DECLARATIONS_FILE);
  const ids = declarations.experiments.filter((e) => e.study === undefined).map((e) => e.id);
  return ensureRuns(profile, { only: ids });
}

/**
 * Every run a profile stores: the declared runs with all their seeds, and every tuner's trials and
 * retrained winners, each once (trains what is missing).
 */
export async function allStoredRuns(profile: ProfileName): Promise<{ planned: PlannedRun; record: RunRecord }[]> {
  const declarations = readDeclarations(DECLARATIONS_FILE);
  const results = await ensureRuns(profile);
  for (const tuner of declarations.tuners) {
    const result = await runTuner(profile, tuner, declarations);
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
    /** Each configuration through its first seed, in full (the grid pages draw these). */
    runs: experiments.filter(firstSeed).map(({ planned, record }) => studyRun(planned, record)),
    /** Each configuration over its seeds, with mean curves. */
    groups: groups.map((g) => ({
      ...groupSummary(g),
      curves: seedCurves(experiments.filter(({ planned }) => (planned.experiment.group ?? planned.experiment.id) === g.id).map(({ record }) => record))
    })),
    /** Every seed's summary. */
    seedRuns,
    claims: studyClaims(studyId, groups, lookup, { finals, models: modelGroups, searches: new Map(tuners.map((t) => [t.tuner.id, { trials: t.trials, runs: t.runs }])) }),
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
