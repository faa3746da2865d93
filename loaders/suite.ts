// The suite: which runs a profile needs, which are already stored, and training the missing ones.
import { existsSync, renameSync } from "node:fs";
import { Progress } from "./progress.ts";
import {
  PROFILES,
  readDeclarations,
  resolveExperiment,
  type Declarations,
  type ProfileName,
  type ResolvedExperiment
} from "./schema.ts";
import {
  DECLARATIONS_FILE,
  StoredRunError,
  readRun,
  runDir,
  runKey,
  sweepTemporary,
  withLock,
  writeRunAtomic,
  type RunRecord
} from "./store.ts";
import { trainRun } from "./train.ts";

/** The profile a build uses: REPORT_PROFILE, or the full published report. */
export function currentProfile(): ProfileName {
  const value = process.env.REPORT_PROFILE ?? "full";
  if (!(PROFILES as readonly string[]).includes(value)) {
    throw new Error(`REPORT_PROFILE="${value}" is not a profile; expected one of ${PROFILES.join(", ")}`);
  }
  return value as ProfileName;
}

export interface PlannedRun {
  experiment: ResolvedExperiment;
  key: string;
  dir: string;
}

export function planRuns(profile: ProfileName, declarations: Declarations = readDeclarations(DECLARATIONS_FILE)): PlannedRun[] {
  return declarations.experiments.map((declared) => {
    const experiment = resolveExperiment(declared, declarations.profiles[profile]);
    const key = runKey(experiment);
    return { experiment, key, dir: runDir(profile, experiment.id, key) };
  });
}

/** Reads a stored run; a damaged one is moved aside (never deleted) and reported, then treated as missing. */
function readOrSetAside(planned: PlannedRun, progress: Progress): RunRecord | null {
  try {
    return readRun(planned.dir);
  } catch (error) {
    if (!(error instanceof StoredRunError)) throw error;
    const aside = `${planned.dir}.damaged-${Date.now()}`;
    renameSync(planned.dir, aside);
    progress.log(`[${planned.experiment.id}] ${error.message}; moved it to ${aside} and training again`);
    return null;
  }
}

export interface EnsureOptions {
  force?: boolean;
  progress?: Progress;
  backend?: "wasm" | "cpu";
}

/** Returns the stored run of `planned`, training and storing it first when there is none. */
export async function ensureRun(planned: PlannedRun, options: EnsureOptions = {}): Promise<RunRecord> {
  const progress = options.progress ?? new Progress();
  if (!options.force) {
    const stored = existsSync(planned.dir) ? readOrSetAside(planned, progress) : null;
    if (stored) return stored;
  }
  return withLock(`${planned.experiment.profile}-${planned.key}`, async () => {
    // Another process may have trained it while we waited for the lock.
    if (!options.force) {
      const stored = existsSync(planned.dir) ? readOrSetAside(planned, progress) : null;
      if (stored) return stored;
    }
    const { record, files } = await trainRun(planned.experiment, planned.key, {
      progress,
      backend: options.backend
    });
    writeRunAtomic(planned.dir, record, files);
    progress.log(
      `[${planned.experiment.id}] stored ${record.status} run ${planned.key}` +
        (record.test ? `: test accuracy ${(record.test.accuracy * 100).toFixed(2)}%` : "")
    );
    return record;
  });
}

/** Ensures every run of a profile (or those named in `only`), in declaration order. */
export async function ensureRuns(
  profile: ProfileName,
  options: EnsureOptions & { only?: string[] } = {}
): Promise<{ planned: PlannedRun; record: RunRecord }[]> {
  sweepTemporary(profile);
  let plan = planRuns(profile);
  if (options.only?.length) {
    const known = new Set(plan.map((p) => p.experiment.id));
    const unknown = options.only.filter((id) => !known.has(id));
    if (unknown.length) throw new Error(`unknown experiment id(s): ${unknown.join(", ")}; known: ${[...known].join(", ")}`);
    plan = plan.filter((p) => options.only!.includes(p.experiment.id));
  }
  const results = [];
  for (const planned of plan) results.push({ planned, record: await ensureRun(planned, options) });
  return results;
}
