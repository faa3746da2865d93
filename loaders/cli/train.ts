// `npm run train`: the one command that trains or computes what the report stores. By default it
// makes everything a profile's report needs at once: every declared run, every search (its trials
// and retrained winners) and study 9's classical methods, sharing one pool of cores through the
// executor. --only and --study narrow that; --list shows what is stored. A part that fails (a worker
// crashed, a run's data was bad) does not stop the others: the summary (stdout) names every failure,
// they are kept in <runs>/<profile>/.failures.json until a later call trains them, and the exit code
// is 1. A bad option or declaration ends in one line on stderr and exit code 2. Progress goes to stderr.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { basename, join } from "node:path";
import { ensureClassicalInChild } from "../classical/classical.ts";
import { requireDatasets } from "../data/dataset.ts";
import { DECLARATIONS_DIR, MULTICORE_MODES, ROOT, currentProfile, defaultWorkers, runsRoot, type MulticoreMode } from "../config.ts";
import { longestFirst } from "../experiments/cost.ts";
import { coreTime, describeCoreTime, runsStoredSince } from "../experiments/coreTime.ts";
import { coreSlotsFor, ensurePlanned, RunsFailedError, withCores, type EnsureOptions, type RunFailure } from "../experiments/executor.ts";
import { isStored, planRuns, type PlannedRun } from "../experiments/plan.ts";
import { readRun, sweepTemporary } from "../experiments/store.ts";
import { parseShard, shardOf, type Work } from "../experiments/shard.ts";
import { runTuner } from "../experiments/studies.ts";
import { trialBase } from "../experiments/trials.ts";
import { PROFILES, readDeclarations, type Declarations, type ProfileName, type Tuner } from "../spec/schema.ts";
import { Progress } from "../training/progress.ts";
import { parseOptions, positiveInteger, runMain, UsageError } from "./main.ts";
import { MergeError, mergeStores } from "./merge.ts";

const USAGE = `usage: npm run train -- [options]
  Trains what the report needs that is not stored yet: every declared run, every search (its trials
  and retrained winner) and study 9's classical methods, all at once on one pool of cores. Stored
  results are reused. Progress goes to stderr, the summary to stdout.
  --profile full|quick   the profile (default: REPORT_PROFILE, else full)
  --only ID,ID           only these declared experiments
  --study ID             only this study's declared runs and searches (repeat it for more);
                         "classical" is study 9 (PCA, clustering, classical classifiers)
  --force                train again what --only or --study selects, even when it is stored
  --list                 list the selected declared runs, their keys and states; train nothing
  --workers N            cores to use, a worker process each (default: TRAIN_WORKERS, else one per core)
  --multicore MODE       how a run too long for the others trains over every core: auto (default,
                         or TRAIN_MULTICORE), threads (XNNPACK threads), replicas (data-parallel), off
  --backend wasm|cpu     the tfjs backend runs train on (default wasm)
  --declarations PATH    read the experiments from PATH (a folder like data/experiments/, or one file)
  --without-classical    leave study 9 out
  --stale                then list (stdout) the stored results that no current declaration uses
  --shard I/N            train only shard I of N: the selection cut into parts that train on their
                         own (a declared run; a chain of searches with its retrained winner; study 9),
                         dealt longest first by the cost model; run each shard on its own machine
  --merge DIR...         copy into this store (RUNS_DIR, else data/runs) the results of other stores,
                         e.g. the shards', after checking every run against its hashes and its key;
                         copies nothing when a check fails, and never replaces a stored result
exit codes: 0 done; 1 some runs failed (the rest is stored, and the next call retries them);
  2 a bad option or declaration
`;

/** Where a from-scratch timing is kept (one entry per profile), for the report's cost page. */
const FROM_SCRATCH_FILE = join(ROOT, "data", "from-scratch.json");

/** What failed in the last call for a profile (absent when nothing did). */
export function failuresFile(profile: string): string {
  return join(runsRoot(), profile, ".failures.json");
}

/** One part of the work that failed: the runs that failed in it, or its error when no run is to blame. */
interface PartFailure {
  part: string;
  runs: RunFailure[];
  message: string;
}

/** What a call trains: declared runs, searches (the last of each chain: it runs the earlier ones) and study 9. */
interface Selection extends Work {
  /** Everything the report needs (no --only, no --study, no --shard). */
  whole: boolean;
}

function select(declarations: Declarations, profile: ProfileName, values: { only?: string; study?: string[]; "without-classical": boolean }): Selection {
  const plan = planRuns(profile, declarations);
  const leaves = (tuners: Tuner[]) => tuners.filter((t) => !tuners.some((other) => other.after === t.id));
  if (values.only != null && values.study?.length) throw new UsageError("--only and --study choose in two ways; give one of them");
  if (values.only != null) {
    const ids = values.only.split(",").map((s) => s.trim()).filter(Boolean);
    const known = new Set(plan.map((p) => p.experiment.id));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length) throw new UsageError(`--only: no declared experiment ${unknown.map((id) => `"${id}"`).join(", ")} in ${declarations.file}`);
    return { runs: plan.filter((p) => ids.includes(p.experiment.id)), searches: [], classical: false, whole: false };
  }
  if (values.study?.length) {
    const declared = [...declarations.studies.map((s) => s.id), "classical"];
    const unknown = values.study.filter((id) => !declared.includes(id));
    if (unknown.length) throw new UsageError(`--study: no study ${unknown.map((id) => `"${id}"`).join(", ")}; declared: ${declared.join(", ")}`);
    const chosen = new Set(values.study);
    return {
      runs: plan.filter((p) => p.experiment.study != null && chosen.has(p.experiment.study)),
      searches: leaves(declarations.tuners.filter((t) => chosen.has(t.study))),
      classical: chosen.has("classical"),
      whole: false
    };
  }
  return { runs: plan, searches: leaves(declarations.tuners), classical: !values["without-classical"], whole: true };
}

/** Each selected declared run, its key and whether it is stored, one line each (stdout). */
function list(runs: PlannedRun[]): void {
  for (const planned of runs) {
    let state = "not trained";
    if (existsSync(planned.dir)) {
      try {
        const run = readRun(planned.dir);
        state = run ? `${run.status}, test accuracy ${run.test ? (run.test.accuracy * 100).toFixed(2) + "%" : "n/a"}` : "not trained";
      } catch (error) {
        state = `damaged: ${(error as Error).message}`;
      }
    }
    process.stdout.write(`${planned.experiment.id.padEnd(28)} ${planned.key}  ${state}\n`);
  }
}

/** --merge: the other stores' results copied into this one; the summary to stdout, exit code 1 when nothing could be merged. */
function merge(sources: string[]): number {
  if (sources.length === 0) throw new UsageError("--merge needs the folders to merge, e.g. --merge shard-1/runs shard-2/runs");
  const target = runsRoot();
  try {
    const report = mergeStores(sources, target);
    console.log(`merge: ${report.copied.length} copied into ${target}, ${report.kept.length} already there (kept), ${report.ignored.length} ignored`);
    for (const name of report.ignored) process.stderr.write(`  ignored: ${name}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof MergeError)) throw error;
    console.log(`merge: ${error.message}`);
    return 1;
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseOptions({
    options: {
      profile: { type: "string" },
      only: { type: "string" },
      study: { type: "string", multiple: true },
      force: { type: "boolean", default: false },
      list: { type: "boolean", default: false },
      workers: { type: "string" },
      multicore: { type: "string" },
      backend: { type: "string", default: "wasm" },
      declarations: { type: "string" },
      "without-classical": { type: "boolean", default: false },
      stale: { type: "boolean", default: false },
      shard: { type: "string" },
      merge: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false }
    },
    allowPositionals: true
  });
  if (values.help) {
    process.stderr.write(USAGE);
    return 0;
  }
  const profile = (values.profile ?? currentProfile()) as ProfileName;
  if (!(PROFILES as readonly string[]).includes(profile)) throw new UsageError(`--profile must be one of ${PROFILES.join(", ")}, got "${profile}"`);
  const multicore = values.multicore as MulticoreMode | undefined;
  if (multicore != null && !(MULTICORE_MODES as readonly string[]).includes(multicore)) throw new UsageError(`--multicore must be one of ${MULTICORE_MODES.join(", ")}, got "${multicore}"`);
  if (values.backend !== "wasm" && values.backend !== "cpu") throw new UsageError(`--backend must be wasm or cpu, got "${values.backend}"`);
  let workers: number;
  try {
    workers = values.workers == null ? defaultWorkers() : positiveInteger("--workers", values.workers);
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError((error as Error).message);
  }
  if (values.merge) return merge(positionals);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" (only --merge takes folders)`);
  const declarations = readDeclarations(values.declarations ?? DECLARATIONS_DIR);
  let selection = select(declarations, profile, values);
  if (values.force && selection.whole) throw new UsageError("--force trains again everything it selects: choose what with --only or --study");
  if (values.stale && (!selection.whole || values.shard != null)) throw new UsageError("--stale looks at everything the report needs: leave out --only, --study and --shard");
  if (values.shard != null) {
    let shard: { index: number; count: number };
    try {
      shard = parseShard(values.shard);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const share = shardOf(selection, declarations, profile, shard.index, shard.count);
    process.stderr.write(
      `[train] shard ${shard.index}/${shard.count}: ${share.work.runs.length} declared runs, ${share.work.searches.length} searches` +
        `${share.work.classical ? ", study 9" : ""}; estimated ${share.seconds.toFixed(0)} s of ${share.totalSeconds.toFixed(0)} s on one core\n`
    );
    selection = { ...share.work, whole: selection.whole && shard.count === 1 };
  }
  if (values.list) {
    list(selection.runs);
    return 0;
  }

  /** Stored results (runs and the classical study's) of the profile. */
  const storedCount = () => {
    const dir = join(runsRoot(), profile);
    return existsSync(dir) ? readdirSync(dir).filter((name) => name.includes("--") && !name.startsWith(".")).length : 0;
  };
  const progress = new Progress();
  sweepTemporary(profile);
  const storedBefore = storedCount();
  const started = performance.now();
  const startedAt = new Date();
  const missing = longestFirst(selection.runs.filter((p) => values.force || !isStored(p)));
  // Every dataset this call may train on (each search with the earlier searches of its chain), checked
  // before the first run: a missing one would otherwise fail its runs at the end of an hour's training.
  const chain = (tuner: Tuner): Tuner[] => {
    const earlier = declarations.tuners.find((t) => t.id === tuner.after);
    return earlier ? [...chain(earlier), tuner] : [tuner];
  };
  requireDatasets([
    ...missing.map((p) => p.experiment.dataset),
    // A base without a dataset fails when its trials are declared, with the declaration's own message.
    ...selection.searches.flatMap(chain).flatMap((t) => {
      const dataset = trialBase(declarations, t).dataset;
      return typeof dataset === "string" ? [dataset] : [];
    })
  ]);
  progress.log(
    `[train] ${profile} profile: ${missing.length} of ${selection.runs.length} declared runs to train, ` +
      `${selection.searches.length} searches${selection.classical ? ", study 9" : ""}, ${workers} worker(s)`
  );
  const options: EnsureOptions = { workers, progress, force: values.force, backend: values.backend, multicore };
  // With other parts beside them, the declared runs leave cores to the searches rather than hold them all for one run.
  const shared = selection.searches.length > 0 || selection.classical;
  const failed: PartFailure[] = [];
  // Each part runs to its end whatever the others do; a part that fails is recorded, not thrown.
  const part = async <T>(label: string, work: () => Promise<T>): Promise<T | null> => {
    const t0 = performance.now();
    try {
      const out = await work();
      progress.log(`[train] ${label} done after ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      return out;
    } catch (error) {
      const runs = error instanceof RunsFailedError ? error.failures : [];
      failed.push({ part: label, runs, message: (error as Error).message });
      progress.log(`[train] ${label} FAILED after ${((performance.now() - t0) / 1000).toFixed(0)} s: ${(error as Error).message}`);
      return null;
    }
  };
  const [, classical] = await Promise.all([
    missing.length ? part("declared experiments", () => ensurePlanned(missing, { ...options, shared })) : null,
    selection.classical
      ? part("classical methods", () =>
          // In a child process: the classical methods' peak (a few hundred MB of matrices) leaves with it.
          withCores(workers, 1, () => ensureClassicalInChild(profile, { force: values.force, log: (line) => progress.log(line) }))
        )
      : null,
    ...selection.searches.map((tuner) => part(`search ${tuner.id}`, () => runTuner(profile, tuner, declarations, options)))
  ]);
  const seconds = (performance.now() - started) / 1000;
  const trained = storedCount() - storedBefore;
  const say = values.stale ? console.error : console.log;
  say(`train: ${profile} profile ${failed.length ? "NOT complete" : "ready"} in ${seconds.toFixed(0)} s with ${workers} worker(s): ${trained} results trained, ${storedBefore} reused`);
  // Where the cores' time went: what to cut next when a profile is too slow.
  const cores = trained > 0 ? coreTime(runsStoredSince(profile, startedAt), seconds, workers, coreSlotsFor(workers).heldCoreSeconds()) : null;
  if (cores) for (const line of describeCoreTime(cores)) progress.log(`[train] ${line}`);
  const file = failuresFile(profile);
  if (failed.length) {
    const lines = failed.flatMap((f) => (f.runs.length ? f.runs.map((r) => `  ${f.part}: run ${r.id} failed: ${r.message}`) : [`  ${f.part} failed: ${f.message}`]));
    say(`${failed.length} part(s) failed; the rest is stored, and the next call retries what failed:\n${lines.join("\n")}`);
    writeFileSync(`${file}.tmp`, JSON.stringify({ at: new Date().toISOString(), failures: failed }, null, 2) + "\n");
    renameSync(`${file}.tmp`, file);
    progress.log(`[train] failures written to ${file}`);
    return 1;
  }
  if (selection.whole) rmSync(file, { force: true });
  // A timing from nothing is the figure the training budget is about: keep it for the cost page.
  if (selection.whole && storedBefore === 0 && trained > 0 && !values.declarations) {
    const all = existsSync(FROM_SCRATCH_FILE) ? JSON.parse(readFileSync(FROM_SCRATCH_FILE, "utf8")) : {};
    all[profile] = {
      measuredAt: new Date().toISOString(),
      seconds,
      workers,
      results: trained,
      coreTime: cores,
      machine: { cpu: cpus()[0]?.model.trim() ?? "unknown", cores: availableParallelism() }
    };
    writeFileSync(`${FROM_SCRATCH_FILE}.tmp`, JSON.stringify(all, null, 2) + "\n");
    renameSync(`${FROM_SCRATCH_FILE}.tmp`, FROM_SCRATCH_FILE);
    progress.log(`[train] from-scratch time written to ${FROM_SCRATCH_FILE}`);
  }
  if (values.stale) {
    // What the current declarations use: the declared runs, every search's trials and winners (the
    // earlier searches of a chain included), the classical study's result and the test-set maps.
    const used = new Set<string>(selection.runs.map((p) => basename(p.dir)));
    if (classical) used.add(basename(classical.dir));
    for (const tuner of declarations.tuners) {
      const result = await runTuner(profile, tuner, declarations, { workers, progress, readOnly: true });
      for (const run of result.runs) used.add(`${run.id}--${run.key}`);
      for (const final of result.finals) used.add(basename(final.planned.dir));
    }
    const { currentMapDirs } = await import("../report/testMap.ts");
    for (const dir of currentMapDirs(profile)) used.add(basename(dir));
    const dir = join(runsRoot(), profile);
    for (const name of readdirSync(dir).sort()) if (name.includes("--") && !name.startsWith(".") && !used.has(name)) console.log(join(dir, name));
  }
  return 0;
}

await runMain("train", main);
