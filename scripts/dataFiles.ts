// Produces every data file the site references, in this one process, into Framework's loader cache,
// before `observable build` runs: Framework then finds each output fresh and starts no loader. Run
// one by one, forty loaders cost a Node start, a tsx start, their imports and a read of every stored
// run each. A file this step does not know of, or fails to produce, is left to Framework's own loader,
// which runs the same producer (loaders/report/dataFiles.ts) and reports its error the usual way.
//   npx tsx scripts/dataFiles.ts [--part I/N]   (scripts/build.ts runs it in two parts side by side;
//                                               it prints one line per file to stderr)
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, posix, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { matchDataFile, produceDataFile } from "../loaders/report/dataFiles.ts";
import { currentProfile } from "../loaders/config.ts";
import { NotStoredError } from "../loaders/experiments/executor.ts";
import { parsePart } from "../loaders/experiments/shard.ts";
import { withLock } from "../loaders/experiments/lock.ts";
import { primeStoredRuns, readStoredRuns, readingStoreOnce } from "../loaders/report/report.ts";
import type { ProfileName } from "../loaders/spec/schema.ts";
import { BUILD_LOCKS } from "./build.ts";
import { FRAMEWORK_CACHE, SRC, siteSources } from "./siteSources.ts";

const ROOT = resolve(import.meta.dirname, "..");

/**
 * The data files the site asks for: every literal FileAttachment in the pages and components
 * (Framework accepts only literals), and the config's dynamic paths. Paths are relative to src/data.
 */
export async function referencedDataFiles(): Promise<string[]> {
  const found = new Set<string>();
  for (const file of siteSources()) {
    const from = posix.dirname(relative(SRC, file).split("\\").join("/"));
    for (const match of readFileSync(file, "utf8").matchAll(/FileAttachment\(\s*(["'`])([^"'`$]+)\1\s*\)/g)) {
      const target = match[2].startsWith("/") ? match[2].slice(1) : posix.normalize(posix.join(from, match[2]));
      if (target.startsWith("data/")) found.add(target.slice("data/".length));
    }
  }
  const config = (await import(pathToFileURL(join(ROOT, "observablehq.config.ts")).href)).default as { dynamicPaths?: string[] };
  for (const path of config.dynamicPaths ?? []) if (path.startsWith("/data/")) found.add(path.slice("/data/".length));
  return [...found].sort();
}

/** One of `count` disjoint shares of the data files (1-based), so that processes can produce them side by side. */
export type Part = ReturnType<typeof parsePart>;

/**
 * Every stored run of the profile, read without training; where some are missing (a build from nothing),
 * trained under a lock, so that of the processes producing data files side by side one trains them with
 * every worker and the others wait for it and read them, instead of each starting a pool of its own.
 */
export async function storedOrTrained(profile: ProfileName, log: (line: string) => void) {
  try {
    return await readStoredRuns(profile, { readOnly: true });
  } catch (error) {
    if (!(error instanceof NotStoredError)) throw error;
    log(`data files: some ${profile} runs are not stored; training them (another process may be, then this one waits)`);
    return withLock(`train-${profile}`, () => readStoredRuns(profile), { dir: BUILD_LOCKS, log });
  }
}

export interface Produced {
  path: string;
  bytes: number;
  seconds: number;
}

/**
 * Writes every referenced data file into the loader cache, newer than its loader, so Framework uses it.
 * Returns what it wrote and what it left to Framework (no route, or the producer failed).
 */
export async function fillLoaderCache(
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  part: Part = { index: 1, count: 1 }
): Promise<{ produced: Produced[]; left: string[] }> {
  const produced: Produced[] = [];
  const left: string[] = [];
  const paths = (await referencedDataFiles()).filter((_, i) => i % part.count === part.index - 1);
  await readingStoreOnce(async () => {
    const profile = currentProfile();
    primeStoredRuns(profile, storedOrTrained(profile, log));
    for (const path of paths) {
      const match = matchDataFile(path);
      if (!match) {
        left.push(path);
        continue;
      }
      const started = performance.now();
      try {
        const output = await produceDataFile(match.route, match.param);
        const target = join(FRAMEWORK_CACHE, "data", path);
        mkdirSync(dirname(target), { recursive: true });
        const temporary = `${target}.${process.pid}.prebuild`;
        writeFileSync(temporary, output);
        renameSync(temporary, target);
        // Framework's freshness test is "output at least as new as its loader": after a loader edited
        // during this step (or a clock skew) Framework would run the loader anyway, so leave it that.
        if (statSync(target).mtimeMs < statSync(join(SRC, "data", `${match.route}.ts`)).mtimeMs) {
          rmSync(target);
          left.push(path);
          log(`data/${path}: left to Framework's loader (the loader is newer than this output)`);
          continue;
        }
        const seconds = (performance.now() - started) / 1000;
        produced.push({ path, bytes: output.length, seconds });
        log(`data/${path}: ${output.length.toLocaleString("en-US")} bytes in ${seconds.toFixed(1)} s`);
      } catch (error) {
        left.push(path);
        log(`data/${path}: left to Framework's loader (${(error as Error).message.split("\n")[0]})`);
      }
    }
  });
  return { produced, left };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const { values } = parseArgs({ options: { part: { type: "string" } } });
  const part = values.part === undefined ? { index: 1, count: 1 } : parsePart(values.part, "--part");
  const { produced, left } = await fillLoaderCache(undefined, part);
  process.stderr.write(`data files${part.count > 1 ? ` (part ${part.index}/${part.count})` : ""}: ${produced.length} produced in ${((performance.now() - started) / 1000).toFixed(1)} s${left.length ? `, ${left.length} left to Framework (${left.join(", ")})` : ""}\n`);
}
