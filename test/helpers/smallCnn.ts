// A small, quick CNN run (conv8-pool-dense32 on 600 MNIST images, 2 epochs) planned in the quick
// profile, and a Progress whose lines are collected: shared by tests that train one whole run.
import { Progress } from "../../loaders/training/progress.ts";
import { readDeclarations, resolveExperiment, type ResolvedExperiment } from "../../loaders/spec/schema.ts";
import { runDir, runKey } from "../../loaders/experiments/store.ts";

import { DECLARATIONS_DIR } from "../../loaders/config.ts";
import type { PlannedRun } from "../../loaders/experiments/plan.ts";

export function smallCnnRun(id: string, overrides: Partial<ResolvedExperiment> = {}): PlannedRun {
  const { experiments, profiles } = readDeclarations(DECLARATIONS_DIR);
  const experiment: ResolvedExperiment = {
    ...resolveExperiment(experiments.find((e) => e.id === "cnn-basic")!, profiles.quick),
    id,
    trainSize: 600,
    validationSize: 200,
    testSize: 200,
    epochs: 2,
    earlyStopping: null,
    layers: [
      { type: "conv2d", filters: 8, kernelSize: 3, strides: 1, padding: "same", activation: "relu" },
      { type: "maxPool", poolSize: 2 },
      { type: "flatten" },
      { type: "dense", units: 32, activation: "relu" }
    ],
    ...overrides
  };
  const key = runKey(experiment);
  return { experiment, key, dir: runDir("quick", experiment.id, key) };
}

/** A Progress that keeps its lines in `lines` instead of printing them. */
export function collectingProgress(): { progress: Progress; lines: string[] } {
  const lines: string[] = [];
  const sink = { isTTY: false, write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WriteStream;
  return { progress: new Progress(sink, 0), lines };
}
