// Merging the stores of several shards (`npm run train -- --merge DIR...`) into this one: a copy that
// first checks everything it would copy (each run against its files' hashes and against its key; each
// test set, study 9's result and each test-set map), and copies nothing when any check fails. Nothing stored here is ever
// replaced: a result this store already has is kept, and a test set that differs stops the merge.
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { readResult } from "../classical/settings.ts";
import { MAP_FILE, readMap } from "../report/testMap.ts";
import { TRAINER_VERSION } from "../spec/record.ts";
import { PROFILES, type ResolvedExperiment } from "../spec/schema.ts";
import { readRun, runKey } from "../experiments/store.ts";

export interface MergeReport {
  /** Results and files copied into the store, as "<profile>/<name>". */
  copied: string[];
  /** Results the store already had (identical or not: the stored one is kept). */
  kept: string[];
  /** Entries that are not results (temporary folders, locks), left where they are. */
  ignored: string[];
}

/** What stops a merge: every problem found, each naming its file; nothing was copied. */
export class MergeError extends Error {
  constructor(readonly problems: string[]) {
    super(`nothing merged: ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "MergeError";
  }
}

const RESULT = /^[a-z0-9-]+--[0-9a-f]{12}$/;

/** Why a stored result folder cannot be merged, or null when it can. */
function checkResult(dir: string, name: string): string | null {
  const key = name.slice(name.lastIndexOf("--") + 2);
  try {
    if (name.startsWith("classical--")) return readResult(dir) ? null : `${dir}: no result.json`;
    if (name.startsWith("map-")) {
      const map = readMap(dir);
      if (!map) return `${dir}: no ${MAP_FILE}`;
      return map.key === key ? null : `${join(dir, MAP_FILE)}: key ${map.key}, but the folder is named for ${key}`;
    }
    const record = readRun(dir);
    if (!record) return `${dir}: no run.json`;
    if (record.key !== key) return `${join(dir, "run.json")}: key ${record.key}, but the folder is named for ${key}`;
    if (record.trainerVersion !== TRAINER_VERSION || runKey(record.experiment as unknown as ResolvedExperiment) !== key) {
      return `${join(dir, "run.json")}: its experiment does not hash to its key under trainer version ${TRAINER_VERSION} (trained by version ${record.trainerVersion}, or edited)`;
    }
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

const sameBytes = (a: string, b: string) => readFileSync(a).equals(readFileSync(b));

/** Copies a file or folder in under a temporary name, then renames it into place in one step. */
function copyAtomically(from: string, to: string): void {
  const tmp = `${to}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  cpSync(from, tmp, { recursive: true });
  renameSync(tmp, to);
}

/**
 * Merges `sources` (stores laid out like data/runs: <profile>/<id>--<key>/, <profile>/test-sets/,
 * datasets/) into `target`. Checks every entry first and throws a MergeError listing every problem
 * before copying anything; then copies what the target lacks.
 */
export function mergeStores(sources: string[], target: string): MergeReport {
  const problems: string[] = [];
  const report: MergeReport = { copied: [], kept: [], ignored: [] };
  /** Planned copies: destination -> source, the first source that has it winning. */
  const copies = new Map<string, string>();
  const plan = (from: string, to: string, label: string) => {
    if (existsSync(to) || copies.has(to)) report.kept.push(label);
    else copies.set(to, from);
  };
  /** A file whose every copy must be the same bytes (a test set, a dataset's facts). */
  const planShared = (from: string, to: string, label: string) => {
    const other = copies.get(to) ?? (existsSync(to) ? to : null);
    if (other == null) copies.set(to, from);
    else if (!sameBytes(from, other)) problems.push(`${from}: differs from ${other}; runs scored on different test images cannot be compared, so they cannot be merged`);
    else report.kept.push(label);
  };
  for (const source of sources) {
    if (!existsSync(source) || !statSync(source).isDirectory()) {
      problems.push(`${source}: not a folder of stored runs`);
      continue;
    }
    for (const top of readdirSync(source)) {
      const dir = join(source, top);
      if (top === "datasets" && statSync(dir).isDirectory()) {
        for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) planShared(join(dir, file), join(target, top, file), `${top}/${file}`);
      } else if ((PROFILES as readonly string[]).includes(top) && statSync(dir).isDirectory()) {
        for (const name of readdirSync(dir)) {
          const from = join(dir, name);
          if (name === "test-sets" && statSync(from).isDirectory()) {
            for (const file of readdirSync(from).filter((f) => f.endsWith(".bin"))) planShared(join(from, file), join(target, top, name, file), `${top}/${name}/${file}`);
          } else if (RESULT.test(name) && statSync(from).isDirectory()) {
            const problem = checkResult(from, name);
            if (problem) problems.push(problem);
            else plan(from, join(target, top, name), `${top}/${name}`);
          } else {
            report.ignored.push(`${top}/${name}`);
          }
        }
      } else {
        report.ignored.push(top);
      }
    }
  }
  if (problems.length) throw new MergeError(problems);
  for (const [to, from] of copies) {
    mkdirSync(dirname(to), { recursive: true });
    copyAtomically(from, to);
    report.copied.push(to.slice(target.length + 1));
  }
  return report;
}
