// Every run of the current profile for the run explorer: its summary plus its learning curves as compact
// per-epoch arrays (a few hundred runs stay small); trains the runs not stored yet.
import { summarize } from "../../loaders/report.ts";
import { ensureRuns, currentProfile } from "../../loaders/suite.ts";

const round = (x: number | null) => (x == null || !Number.isFinite(x) ? null : Number(x.toPrecision(5)));

const profile = currentProfile();
const results = await ensureRuns(profile);
const runs = results.map(({ planned, record }) => {
  const s = summarize(planned, record);
  return {
    id: s.id,
    key: s.key,
    title: s.title,
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
