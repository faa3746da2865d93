// Planning: which stored run each declared experiment maps to (its key and folder), and whether it is stored.
import { DECLARATIONS_DIR } from "../config.ts";
import { readDeclarations, resolveExperiment, type Declarations, type Experiment, type ProfileName, type ResolvedExperiment } from "../spec/schema.ts";
import { readRun, runDir, runKey } from "./store.ts";

/** A resolved experiment with the key and folder of its stored run. */
export interface PlannedRun {
  experiment: ResolvedExperiment;
  key: string;
  dir: string;
}

/** The run an experiment (declared, or a tuner's trial) resolves to under a profile. */
export function planExperiment(experiment: Experiment, declarations: Declarations, profile: ProfileName): PlannedRun {
  const resolved = resolveExperiment(experiment, declarations.profiles[profile]);
  const key = runKey(resolved);
  return { experiment: resolved, key, dir: runDir(profile, resolved.id, key) };
}

/** Every declared experiment's run under a profile, in declaration order. */
export function planRuns(profile: ProfileName, declarations: Declarations = readDeclarations(DECLARATIONS_DIR)): PlannedRun[] {
  return declarations.experiments.map((declared) => planExperiment(declared, declarations, profile));
}

/** Whether a complete, undamaged run is stored; `since` only counts one written at or after that time (ms). */
export function isStored(planned: PlannedRun, since = 0): boolean {
  try {
    const run = readRun(planned.dir);
    return run != null && Date.parse(run.createdAt) >= since;
  } catch {
    return false;
  }
}
