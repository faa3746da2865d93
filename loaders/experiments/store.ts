// Stored runs: run keys, the on-disk layout under data/runs, atomic writes, and reading them back checked.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { z } from "zod";
import { runsRoot } from "../config.ts";
import { RunRecordSchema, TRAINER_VERSION, type RunFiles, type RunRecord } from "../spec/record.ts";
import type { ProfileName, ResolvedExperiment } from "../spec/schema.ts";
import { RUN_PREDICTIONS_FILE, decodeRunPredictions, decodeTestSet, encodeTestSet, type RunPredictions, type TestSet } from "../spec/testPredictions.ts";
import { processAlive } from "./lock.ts";
import { INSIDE_FILE, InsideSchema, type Inside } from "../spec/inside.ts";

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


export class StoredRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoredRunError";
  }
}

/** Reads and validates a stored run; null when there is none. Damage raises a StoredRunError naming the file. */
export function readRun(dir: string): RunRecord | null {
  const file = join(dir, "run.json");
  const record = readJsonChecked(file, RunRecordSchema, (message) => new StoredRunError(message));
  if (!record) return null;
  for (const [name, expected] of Object.entries(record.files ?? {})) {
    const path = join(dir, name);
    if (!existsSync(path)) throw new StoredRunError(`${file}: lists ${name}, but ${path} is missing`);
    const bytes = readFileSync(path);
    if (bytes.length !== expected.bytes) throw new StoredRunError(`${path}: ${bytes.length} bytes, but run.json recorded ${expected.bytes} (truncated or replaced)`);
    if (sha256(bytes) !== expected.sha256) throw new StoredRunError(`${path}: its contents differ from the SHA-256 run.json recorded (damaged or replaced)`);
  }
  if (record.hasWeights && !existsSync(join(dir, "model.json"))) {
    throw new StoredRunError(`${file}: says it has weights but ${join(dir, "model.json")} is missing`);
  }
  if (record.testSet !== undefined) {
    const predictions = join(dir, RUN_PREDICTIONS_FILE);
    const expected = record.data.testCount;
    try {
      const decoded = decodeRunPredictions(readFileSync(predictions), predictions);
      if (decoded.predicted.length !== expected) throw new RangeError(`${predictions}: ${decoded.predicted.length} images, but the run was tested on ${expected}`);
    } catch (error) {
      throw new StoredRunError(existsSync(predictions) ? (error as Error).message : `${file}: names test set "${record.testSet}" but ${predictions} is missing`);
    }
  }
  return record;
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


/**
 * Writes a result folder atomically (a run's, or study 9's): every file goes into a temporary sibling,
 * in the order given (the record last), then one rename makes it visible. A write interrupted before
 * the rename leaves only a `*.tmp-*` folder, which is never read and is swept by `sweepTemporary`. A
 * stored folder being replaced (a forced retrain) is kept until the new one is in place.
 */
export function writeFolderAtomic(dir: string, files: [name: string, content: string | Uint8Array][]): void {
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  mkdirSync(tmp);
  try {
    for (const [name, content] of files) writeFileSync(join(tmp, name), content);
    if (existsSync(dir)) {
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

/** Writes a run atomically (writeFolderAtomic), run.json last; returns the record as stored, with the size and hash of each file. */
export function writeRunAtomic(dir: string, record: RunRecord, files: RunFiles = {}): RunRecord {
  const listed: NonNullable<RunRecord["files"]> = {};
  for (const [name, content] of Object.entries(files)) {
    listed[name] = { bytes: typeof content === "string" ? Buffer.byteLength(content) : content.length, sha256: sha256(content) };
  }
  const stored = Object.keys(listed).length ? { ...record, files: listed } : record;
  writeFolderAtomic(dir, [...Object.entries(files), ["run.json", JSON.stringify(stored)]]);
  return stored;
}

/**
 * A stored JSON file checked against its schema; null when there is none. A file that is not JSON or
 * does not match raises `damaged(message)`, the message naming the file and the first field at fault.
 */
export function readJsonChecked<T>(file: string, schema: z.ZodType<T>, damaged: (message: string) => Error): T | null {
  if (!existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw damaged(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw damaged(`${file}: field "${issue.path.join(".")}": ${issue.message}`);
  }
  return parsed.data;
}

/** Moves a damaged result folder aside as `<dir>.damaged-<time>` (never deleted, never read again); returns where it went. */
export function setAside(dir: string): string {
  const aside = `${dir}.damaged-${Date.now()}`;
  renameSync(dir, aside);
  return aside;
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

/** A stored run's record of its insides (inside.json), checked; null when it recorded none. */
export function readInside(dir: string): Inside | null {
  return readJsonChecked(join(dir, INSIDE_FILE), InsideSchema, (message) => new StoredRunError(message));
}
