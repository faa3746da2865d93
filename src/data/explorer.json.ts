// Every stored run of the current profile for the run explorer (declared runs with all their seeds,
// every tuner's trials and retrained winners): its summary, its task, and its learning curves as
// compact per-epoch arrays (a few hundred runs stay small); trains the runs not stored yet.
import { allStoredRuns } from "../../loaders/report/report.ts";
import { currentProfile } from "../../loaders/config.ts";
import { summarize, taskOf } from "../../loaders/report/summary.ts";

const round = (x: number | null) => (x == null || !Number.isFinite(x) ? null : Number(x.toPrecision(5)));

const profile = currentProfile();
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
    trainSeconds: round(s.trainSeconds),
    samplesPerSecond: round(s.samplesPerSecond),
    trainCount: s.trainCount,
    testCount: s.testCount,
    curves: {
      epoch: record.history.map((h) => h.epoch),
      loss: record.history.map((h) => round(h.loss)),
      accuracy: record.history.map((h) => round(h.accuracy)),
      valLoss: record.history.map((h) => round(h.valLoss)),
      valAccuracy: record.history.map((h) => round(h.valAccuracy))
    }
  };
});
process.stdout.write(JSON.stringify({ profile, runs }));
