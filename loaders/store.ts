// Stored runs: run keys, the on-disk layout under data/runs, atomic writes and a cross-process lock.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { ProfileName, ResolvedExperiment } from "./schema.ts";

/** Bump when a change to the trainer would change what a stored run contains or means. */
export const TRAINER_VERSION = 1;
export const RUN_SCHEMA_VERSION = 1;

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DECLARATIONS_FILE = join(ROOT, "data", "experiments.json");
/** Where runs live; tests point this elsewhere with RUNS_DIR. */
export function runsRoot(): string {
  return process.env.RUNS_DIR ? resolve(process.env.RUNS_DIR) : join(ROOT, "data", "runs");
}

/** JSON with object keys sorted, so equal declarations hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The run key: a hash of everything that decides what a run computes — the resolved
 * declaration (which names the dataset and profile) and the trainer version. Title,
 * question, reference figures, the study a run is shown in and its grid coordinates are
 * presentation and do not change the key.
 */
export function runKey(experiment: ResolvedExperiment): string {
  const { title: _t, question: _q, reference: _r, study: _s, variant: _v, ...computed } = experiment;
  const payload = canonicalJson({ trainer: TRAINER_VERSION, experiment: computed });
  return createHash("sha256").update(payload).digest("hex").slice(0, 12);
}

export function runDir(profile: ProfileName, id: string, key: string): string {
  return join(runsRoot(), profile, `${id}--${key}`);
}

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
    /** Threads of the wasm backend's XNNPACK pool (loaders/wasmThreads.ts); absent means one. */
    threads: z.number().int().positive().optional(),
    /** Data-parallel replicas the run was trained with (loaders/parallel.ts); absent means one. */
    replicas: z.number().int().positive().optional()
  }),
  params: z.number().int().positive(),
  history: z.array(HistoryRow),
  bestEpoch: z.number().int().nullable(),
  stoppedEarly: z.boolean(),
  divergence: z.object({ epoch: z.number().int(), batch: z.number().int(), loss: z.number().nullable() }).nullable(),
  timing: z.object({
    trainSeconds: z.number().nonnegative(),
    evalSeconds: z.number().nonnegative(),
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
  misclassified: z.array(Misclassified),
  hasWeights: z.boolean(),
  createdAt: z.string()
});
export type RunRecord = z.infer<typeof RunRecordSchema>;
export type HistoryEntry = z.infer<typeof HistoryRow>;

export class StoredRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoredRunError";
  }
}

/** Reads and validates a stored run; null when there is none. Damage raises a StoredRunError naming the file. */
export function readRun(dir: string): RunRecord | null {
  const file = join(dir, "run.json");
  if (!existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new StoredRunError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = RunRecordSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StoredRunError(`${file}: field "${issue.path.join(".")}": ${issue.message}`);
  }
  if (parsed.data.hasWeights && !existsSync(join(dir, "model.json"))) {
    throw new StoredRunError(`${file}: says it has weights but ${join(dir, "model.json")} is missing`);
  }
  return parsed.data;
}

/** Extra files stored beside run.json (model topology and weights). */
export interface RunFiles {
  [name: string]: string | Uint8Array;
}

/**
 * Writes a run directory atomically: everything goes into a temporary sibling, run.json last,
 * then one rename makes it visible. A run interrupted before the rename leaves only a
 * `*.tmp-*` directory, which is never read and is swept by `sweepTemporary`.
 */
export function writeRunAtomic(dir: string, record: RunRecord, files: RunFiles = {}): void {
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  mkdirSync(tmp);
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(tmp, name), content);
    writeFileSync(join(tmp, "run.json"), JSON.stringify(record));
    if (existsSync(dir)) {
      // Replacing a run (forced retrain): keep the old one until the new one is in place.
      const old = `${dir}.old-${process.pid}-${randomBytes(4).toString("hex")}`;
      renameSync(dir, old);
      renameSync(tmp, dir);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, dir);
    }
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes temporary directories left by processes that are no longer running. */
export function sweepTemporary(profile: ProfileName): string[] {
  const dir = join(runsRoot(), profile);
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const match = /\.(?:tmp|old)-(\d+)-[0-9a-f]+$/.exec(name);
    if (match && !processAlive(Number(match[1]))) {
      rmSync(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}

/** Lists stored run directories of a profile (complete ones only). */
export function listRunDirs(profile: ProfileName): string[] {
  const dir = join(runsRoot(), profile);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^[a-z0-9-]+--[0-9a-f]{12}$/.test(name))
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isDirectory());
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` while holding a lock on `name`, so that two loaders building at once never train
 * the same run twice. The lock is a directory (mkdir is atomic) holding the owner's pid; a
 * lock whose owner has died is taken over.
 */
export async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = join(runsRoot(), ".locks");
  mkdirSync(locks, { recursive: true });
  const lock = join(locks, `${name}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(lock, "pid"), "utf8"));
      } catch {
        // The owner has made the directory but not yet written its pid.
      }
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      const ownerlessForLong = !(owner > 0) && age > 10_000;
      if ((owner > 0 && !processAlive(owner)) || ownerlessForLong) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
