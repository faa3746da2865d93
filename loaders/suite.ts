// The suite: which runs a profile needs, which are already stored, and training the missing ones.
import { spawn } from "node:child_process";
import { existsSync, renameSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
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
  ROOT,
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
  options: EnsureOptions & { only?: string[]; workers?: number } = {}
): Promise<{ planned: PlannedRun; record: RunRecord }[]> {
  sweepTemporary(profile);
  const workers = options.workers ?? defaultWorkers();
  let plan = planRuns(profile);
  if (options.only?.length) {
    const known = new Set(plan.map((p) => p.experiment.id));
    const unknown = options.only.filter((id) => !known.has(id));
    if (unknown.length) throw new Error(`unknown experiment id(s): ${unknown.join(", ")}; known: ${[...known].join(", ")}`);
    plan = plan.filter((p) => options.only!.includes(p.experiment.id));
  }
  if (workers > 1) {
    const missing = plan.filter((p) => options.force || !isStored(p));
    if (missing.length > 1) await trainInWorkers(profile, missing, workers, options);
  }
  const results = [];
  for (const planned of plan) results.push({ planned, record: await ensureRun(planned, options) });
  return results;
}

/** Worker processes used to train missing runs: SUITE_WORKERS, or one per core. */
export function defaultWorkers(): number {
  const value = process.env.SUITE_WORKERS;
  if (value == null || value === "") return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`SUITE_WORKERS="${value}" is not a positive integer`);
  return n;
}

function isStored(planned: PlannedRun): boolean {
  try {
    return readRun(planned.dir) != null;
  } catch {
    return false;
  }
}

/**
 * Trains runs in parallel child processes, at most `workers` at a time, each with its own wasm
 * backend on its own core. Their progress lines go to our stderr as they come (each line names its
 * run). Each child stores its run atomically under the run's lock, so the caller then only reads.
 */
async function trainInWorkers(profile: ProfileName, runs: PlannedRun[], workers: number, options: EnsureOptions): Promise<void> {
  const queue = [...runs];
  const failures: string[] = [];
  const worker = async () => {
    for (let planned = queue.shift(); planned; planned = queue.shift()) {
      const args = ["--import", "tsx", join(ROOT, "loaders", "cli.ts"), "--profile", profile, "--only", planned.experiment.id, "--workers", "1"];
      if (options.force) args.push("--force");
      if (options.backend) args.push("--backend", options.backend);
      const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], env: process.env });
      const lines = createInterface({ input: child.stderr });
      lines.on("line", (line) => process.stderr.write(`${line}\n`));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      if (code !== 0) failures.push(`${planned.experiment.id} (exit code ${code})`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, runs.length) }, worker));
  if (failures.length) throw new Error(`training failed in worker processes: ${failures.join(", ")}; see the messages above`);
}
