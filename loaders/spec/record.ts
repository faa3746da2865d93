// The stored run record: what a run.json holds, validated on every read, and the versions that key it.
import { z } from "zod";

/**
 * Bump when a change to the trainer would change what a stored run contains or means. 2: every run
 * stores its per-image test predictions; test subsets no longer depend on the run's seed; a run that
 * does not learn is stored as diverged.
 */
export const TRAINER_VERSION = 2;
export const RUN_SCHEMA_VERSION = 1;

const HistoryRow = z.object({
  epoch: z.number().int().positive(),
  loss: z.number().nullable(),
  accuracy: z.number().nullable(),
  valLoss: z.number().nullable(),
  valAccuracy: z.number().nullable(),
  seconds: z.number().nonnegative(),
  learningRate: z.number().positive()
});

const PerClass = z.object({
  class: z.number().int(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number().int()
});

const Misclassified = z.object({
  index: z.number().int().nonnegative(),
  label: z.number().int(),
  predicted: z.number().int(),
  probabilities: z.array(z.number()),
  pixels: z.string()
});

/** What a stored run.json holds. Reading validates against this, so a damaged file is caught. */
export const RunRecordSchema = z.object({
  schemaVersion: z.literal(RUN_SCHEMA_VERSION),
  key: z.string().regex(/^[0-9a-f]{12}$/),
  trainerVersion: z.number().int(),
  experiment: z.record(z.string(), z.unknown()),
  status: z.enum(["completed", "diverged"]),
  data: z.object({
    dataset: z.string(),
    trainCount: z.number().int(),
    validationCount: z.number().int(),
    testCount: z.number().int(),
    splitSeed: z.number().int()
  }),
  environment: z.object({
    backend: z.string(),
    tfjsVersion: z.string(),
    node: z.string(),
    cpu: z.string(),
    platform: z.string(),
    /** Threads of the wasm backend's XNNPACK pool (loaders/engine/wasmThreads.ts); absent means one. */
    threads: z.number().int().positive().optional(),
    /** Data-parallel replicas the run was trained with (loaders/training/parallel.ts); absent means one. */
    replicas: z.number().int().positive().optional()
  }),
  params: z.number().int().positive(),
  history: z.array(HistoryRow),
  bestEpoch: z.number().int().nullable(),
  stoppedEarly: z.boolean(),
  divergence: z
    .object({
      epoch: z.number().int(),
      batch: z.number().int(),
      loss: z.number().nullable(),
      /** Why the run was stopped (absent in runs stored before the second reason existed: a non-finite loss). */
      reason: z.enum(["non-finite loss", "no better than chance"]).optional()
    })
    .nullable(),
  timing: z.object({
    trainSeconds: z.number().nonnegative(),
    evalSeconds: z.number().nonnegative(),
    /** Loading the data and building the model, tfjs' start in a fresh process included (absent in runs stored before it was recorded). */
    setupSeconds: z.number().nonnegative().optional(),
    /** Scoring the validation split after each epoch, outside trainSeconds (absent in runs stored before it was recorded). */
    validationSeconds: z.number().nonnegative().optional(),
    samplesPerSecond: z.number().nonnegative(),
    samplesSeen: z.number().int().nonnegative(),
    /** Peak resident memory of the training process during the run, in MiB (absent in runs stored before it was recorded). */
    peakRssMB: z.number().nonnegative().optional()
  }),
  test: z
    .object({
      loss: z.number(),
      accuracy: z.number(),
      confusion: z.array(z.array(z.number().int())),
      perClass: z.array(PerClass),
      macroF1: z.number()
    })
    .nullable(),
  /**
   * The test set (testPredictions.ts: testSetId) whose images predictions.bin follows, one answer per
   * image; absent in runs stored before trainer version 2 and in diverged runs.
   */
  testSet: z.string().regex(/^[a-z0-9-]+$/).optional(),
  misclassified: z.array(Misclassified),
  hasWeights: z.boolean(),
  /**
   * Every other file of the run (weights, topology, predictions) with its size and SHA-256, recorded
   * when the run is written, so that a truncated or altered file is caught when the run is read.
   * Absent in runs stored before it was recorded.
   */
  files: z.record(z.string(), z.object({ bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })).optional(),
  createdAt: z.string()
});
export type RunRecord = z.infer<typeof RunRecordSchema>;
export type HistoryEntry = z.infer<typeof HistoryRow>;

/** Extra files stored beside run.json (model topology and weights). */
export interface RunFiles {
  [name: string]: string | Uint8Array;
}
