// Stored runs: run keys, the on-disk layout under data/runs, atomic writes and a cross-process lock.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { ProfileName, ResolvedExperiment } from "./schema.ts";
import { RUN_PREDICTIONS_FILE, decodeRunPredictions, decodeTestSet, encodeTestSet, type RunPredictions, type TestSet } from "./testPredictions.ts";

/**
 * Bump when a change to the trainer would change what a stored run contains or means. 2: every run
 * stores its per-image test predictions; test subsets no longer depend on the run's seed; a run that
 * does not learn is stored as diverged.
 */
export const TRAINER_VERSION = 2;
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
 * question, reference figures, the study a run is shown in, its grid coordinates and its seed group are
 * presentation and do not change the key.
 */
export function runKey(experiment: ResolvedExperiment): string {
  const { title: _t, question: _q, reference: _r, study: _s, variant: _v, group: _g, ...computed } = experiment;
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
  for (const [name, expected] of Object.entries(parsed.data.files ?? {})) {
    const path = join(dir, name);
    if (!existsSync(path)) throw new StoredRunError(`${file}: lists ${name}, but ${path} is missing`);
    const bytes = readFileSync(path);
    if (bytes.length !== expected.bytes) throw new StoredRunError(`${path}: ${bytes.length} bytes, but run.json recorded ${expected.bytes} (truncated or replaced)`);
    if (sha256(bytes) !== expected.sha256) throw new StoredRunError(`${path}: its contents differ from the SHA-256 run.json recorded (damaged or replaced)`);
  }
  if (parsed.data.hasWeights && !existsSync(join(dir, "model.json"))) {
    throw new StoredRunError(`${file}: says it has weights but ${join(dir, "model.json")} is missing`);
  }
  if (parsed.data.testSet !== undefined) {
    const predictions = join(dir, RUN_PREDICTIONS_FILE);
    const expected = parsed.data.data.testCount;
    try {
      const decoded = decodeRunPredictions(readFileSync(predictions), predictions);
      if (decoded.predicted.length !== expected) throw new RangeError(`${predictions}: ${decoded.predicted.length} images, but the run was tested on ${expected}`);
    } catch (error) {
      throw new StoredRunError(existsSync(predictions) ? (error as Error).message : `${file}: names test set "${parsed.data.testSet}" but ${predictions} is missing`);
    }
  }
  return parsed.data;
}

/** A stored run's per-image test predictions (validated by readRun when the run was read). */
export function readRunPredictions(dir: string): RunPredictions {
  const file = join(dir, RUN_PREDICTIONS_FILE);
  return decodeRunPredictions(readFileSync(file), file);
}

function testSetFile(profile: ProfileName, id: string): string {
  return join(runsRoot(), profile, "test-sets", `${id}.bin`);
}

/** The test images and labels a profile's runs of one task were scored on; null if none is stored. */
export function readTestSet(profile: ProfileName, id: string): TestSet | null {
  const file = testSetFile(profile, id);
  if (!existsSync(file)) return null;
  const testSet = decodeTestSet(readFileSync(file), file);
  if (testSet.id !== id) throw new StoredRunError(`${file}: holds test set "${testSet.id}", not "${id}"`);
  return testSet;
}

/**
 * Stores a test set the first time a run of its task is stored. Every later run must have been scored
 * on exactly the same images and labels: a difference means the test subset is no longer drawn the
 * same way, and comparing predictions image by image would be wrong, so it stops the build.
 */
export function storeTestSet(profile: ProfileName, testSet: TestSet): void {
  const file = testSetFile(profile, testSet.id);
  const bytes = encodeTestSet(testSet);
  if (existsSync(file)) {
    if (Buffer.compare(readFileSync(file), bytes) !== 0) {
      throw new StoredRunError(`${file}: the stored test set differs from the images this run was scored on; remove the file only if every run of the profile is retrained`);
    }
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}

const sha256 = (bytes: Uint8Array | string): string => createHash("sha256").update(bytes).digest("hex");

/** Extra files stored beside run.json (model topology and weights). */
export interface RunFiles {
  [name: string]: string | Uint8Array;
}

/**
 * Writes a run directory atomically: everything goes into a temporary sibling, run.json last,
 * then one rename makes it visible. A run interrupted before the rename leaves only a
 * `*.tmp-*` directory, which is never read and is swept by `sweepTemporary`. Returns the record as
 * stored (with the size and hash of each file).
 */
export function writeRunAtomic(dir: string, record: RunRecord, files: RunFiles = {}): RunRecord {
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  mkdirSync(tmp);
  let stored: RunRecord;
  try {
    const listed: NonNullable<RunRecord["files"]> = {};
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(join(tmp, name), content);
      listed[name] = { bytes: typeof content === "string" ? Buffer.byteLength(content) : content.length, sha256: sha256(content) };
    }
    stored = Object.keys(listed).length ? { ...record, files: listed } : record;
    writeFileSync(join(tmp, "run.json"), JSON.stringify(stored));
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
  return stored;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes what processes that are no longer running left of a write: temporary run directories, and
 * the previous run a forced retrain had moved aside (`.old-*`). When that process died between its two
 * renames, the new run never arrived, so the previous run is put back instead of deleted. Returns what
 * it did, one line per entry.
 */
export function sweepTemporary(profile: ProfileName): string[] {
  const dir = join(runsRoot(), profile);
  if (!existsSync(dir)) return [];
  const done: string[] = [];
  for (const name of readdirSync(dir)) {
    const match = /^(.+)\.(tmp|old)-(\d+)-[0-9a-f]+$/.exec(name);
    if (!match || processAlive(Number(match[3]))) continue;
    const [, target, kind] = match;
    if (kind === "old" && !existsSync(join(dir, target))) {
      renameSync(join(dir, name), join(dir, target));
      done.push(`${name} (restored as ${target}: the run that was to replace it never arrived)`);
      continue;
    }
    rmSync(join(dir, name), { recursive: true, force: true });
    done.push(name);
  }
  return done;
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

/** Who holds a lock: enough to tell the owner from a process that reused its pid, or one on another machine. */
export interface LockOwner {
  pid: number;
  host: string;
  /** The kernel's boot id (Linux): a pid is only meaningful within one boot. */
  boot: string | null;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat), or null where unknown. */
  start: number | null;
  since: string;
}

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
}

const BOOT_ID = readOptional("/proc/sys/kernel/random/boot_id");

/** A process's start time (field 22 of /proc/<pid>/stat), or null when it cannot be read. */
export function processStart(pid: number): number | null {
  const stat = readOptional(`/proc/${pid}/stat`);
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const start = Number(fields[19]);
  return Number.isFinite(start) ? start : null;
}

export function currentOwner(): LockOwner {
  return { pid: process.pid, host: hostname(), boot: BOOT_ID, start: processStart(process.pid), since: new Date().toISOString() };
}

/**
 * Whether a lock's owner is certainly gone: on this machine and boot, no process has its pid, or the
 * one that has it started at another time (the pid was reused, e.g. after a crash or a container
 * restart). An owner on another host, or one this machine cannot check, is taken to be alive.
 */
export function ownerGone(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false;
  if (owner.boot != null && BOOT_ID != null && owner.boot !== BOOT_ID) return true;
  if (!processAlive(owner.pid)) return true;
  const start = processStart(owner.pid);
  return owner.start != null && start != null && start !== owner.start;
}

function readOwner(lock: string): LockOwner | null {
  const text = readOptional(join(lock, "owner.json"));
  if (text) {
    try {
      return JSON.parse(text) as LockOwner;
    } catch {
      return null;
    }
  }
  // A lock written before owners were recorded: its pid only.
  const pid = Number(readOptional(join(lock, "pid")));
  return pid > 0 ? { pid, host: hostname(), boot: BOOT_ID, start: null, since: "an unknown time" } : null;
}

export class LockTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LockTimeoutError";
  }
}

export interface LockOptions {
  /** Give up after waiting this long for another owner (default LOCK_TIMEOUT_S, else an hour). */
  timeoutMs?: number;
  /** Where to say who is being waited for (once, then every minute). */
  log?: (line: string) => void;
}

/** How long a process waits for another's lock by default: LOCK_TIMEOUT_S seconds, else an hour. */
export function lockTimeoutMs(): number {
  const seconds = Number(process.env.LOCK_TIMEOUT_S ?? 3600);
  if (!(seconds > 0)) throw new Error(`LOCK_TIMEOUT_S must be a positive number of seconds, got "${process.env.LOCK_TIMEOUT_S}"`);
  return seconds * 1000;
}

/**
 * Runs `fn` while holding a lock on `name`, so that two loaders building at once never train the same
 * run twice. The lock is a directory (mkdir is atomic) holding its owner (pid, start time, boot and
 * host); a lock whose owner is gone is taken over. While another owner holds it, the wait is reported
 * through `log`, and it ends with a LockTimeoutError naming the owner after `timeoutMs`.
 */
export async function withLock<T>(name: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const locks = join(runsRoot(), ".locks");
  mkdirSync(locks, { recursive: true });
  const lock = join(locks, `${name}.lock`);
  const timeout = options.timeoutMs ?? lockTimeoutMs();
  const started = Date.now();
  let reported = 0;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "owner.json"), JSON.stringify(currentOwner()));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = readOwner(lock);
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      // The owner has made the directory but not yet written who it is; after 10 s it never will.
      if ((owner && ownerGone(owner)) || (!owner && age > 10_000)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      const waited = Date.now() - started;
      const who = owner ? `process ${owner.pid} on ${owner.host}, holding it since ${owner.since}` : "a process that has not written its name";
      if (waited >= timeout) {
        throw new LockTimeoutError(
          `${lock}: still held by ${who} after waiting ${Math.round(waited / 1000)} s; if that process is gone, remove the lock directory, or wait longer with LOCK_TIMEOUT_S`
        );
      }
      if (options.log && waited >= reported) {
        options.log(`[lock] waiting for ${name}: held by ${who} (gives up after ${Math.round(timeout / 1000)} s)`);
        reported = waited + 60_000;
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
