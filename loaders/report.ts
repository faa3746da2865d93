// What the pages read: stored runs reshaped into summaries and tidy rows (the Framework loaders
// in src/data call these and write the result to stdout).
import { DATASETS } from "./dataset.ts";
import { describeLayers, outputWidth } from "./models.ts";
import { readDeclarations, type ProfileName, FAMILIES } from "./schema.ts";
import { DECLARATIONS_FILE, type RunRecord } from "./store.ts";
import { ensureStudy, objectiveOf } from "./studies.ts";
import { ensureRuns, type PlannedRun } from "./suite.ts";

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
    classes: e.classes ?? null,
    output: e.output ?? "softmax",
    l2: Math.max(0, ...e.layers.map((l) => ("l2" in l && l.l2) || 0)),
    dropout: Math.max(0, ...e.layers.map((l) => (l.type === "dropout" ? l.rate : 0)))
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

/** Confusion matrix as tidy rows: {actual, predicted, count, rate}, rate normalised by row. */
export function tidyConfusion(matrix: number[][]) {
  return matrix.flatMap((row, actual) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, predicted) => ({ actual, predicted, count, rate: total ? count / total : 0 }));
  });
}

export async function runsReport(profile: ProfileName) {
  const results = await ensureRuns(profile);
  return { profile: profileInfo(profile), runs: results.map(({ planned, record }) => summarize(planned, record)) };
}

export async function familyReport(profile: ProfileName, family: string) {
  if (!(FAMILIES as readonly string[]).includes(family)) {
    throw new Error(`unknown family "${family}"; expected one of ${FAMILIES.join(", ")}`);
  }
  const declarations = readDeclarations(DECLARATIONS_FILE);
  // Runs that belong to a study are shown on the study's page, not among the family's models.
  const ids = declarations.experiments.filter((e) => e.family === family && e.study === undefined).map((e) => e.id);
  const results = await ensureRuns(profile, { only: ids });
  return {
    profile: profileInfo(profile),
    family,
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
  return {
    profile: profileInfo(profile),
    study,
    runs: experiments.map(({ planned, record }) => studyRun(planned, record)),
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
      /** The declared experiment that stands for the retrained winner, and where it is not the winner (null: retrained by the tuner itself). */
      finalExperiment: t.tuner.finalExperiment ?? null,
      finalDifferences: t.finalDifferences
    }))
  };
}
