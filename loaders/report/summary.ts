// One stored run as the pages see it: its summary row, and the task (dataset and classes) it is scored on.
import { DATASETS } from "../data/dataset.ts";
import type { PlannedRun } from "../experiments/plan.ts";
import type { RunRecord } from "../spec/record.ts";
import { describeLayers, outputWidth } from "../training/models.ts";

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
