// `npm run train:all`: everything a profile's report needs, trained at once: every declared
// experiment (the model pages' runs and the studies' grids), every search with its retrained winner,
// and study 9's classical methods. They share one pool of cores (a child process per core), so that a
// search waiting on its slowest trial leaves the core to other work. Stored runs are reused; the wall
// time of what was trained is printed at the end (stdout), progress goes to stderr.
//   npm run train:all -- [--profile full|quick] [--workers N]
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { ensureClassicalInChild } from "./classical.ts";
import { Progress } from "./progress.ts";
import { readDeclarations, PROFILES, type ProfileName } from "./schema.ts";
import { DECLARATIONS_FILE, ROOT, readRun, runsRoot, sweepTemporary } from "./store.ts";
import { closeIdleTrialWorkers, coreSlotsFor, ensurePlanned, runTuner } from "./studies.ts";
import { currentProfile, defaultWorkers, longestFirst, planRuns } from "./suite.ts";

const { values } = parseArgs({
  options: {
    profile: { type: "string" },
    workers: { type: "string" },
    stale: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false }
  }
});
if (values.help) {
  process.stderr.write(
    "usage: npm run train:all -- [--profile full|quick] [--workers N] [--stale]\n" +
      "  trains every run of the profile that is not stored yet (declared experiments, searches and their\n" +
      "  winners) and study 9's classical methods, all sharing one core per worker (default: one per core);\n" +
      "  --stale then lists (stdout) the stored results no current declaration uses, e.g. to remove them\n"
  );
  process.exit(0);
}
const profile = (values.profile ?? currentProfile()) as ProfileName;
if (!(PROFILES as readonly string[]).includes(profile)) throw new Error(`--profile must be one of ${PROFILES.join(", ")}, got "${profile}"`);
const workers = values.workers == null ? defaultWorkers() : Number(values.workers);
if (!(Number.isInteger(workers) && workers >= 1)) throw new Error(`--workers must be a positive integer, got "${values.workers}"`);

/** Where a from-scratch timing is kept (one entry per profile), for the report's cost page. */
const TRAIN_ALL_FILE = join(ROOT, "data", "train-all.json");
/** Stored results (runs and the classical study's) of a profile. */
const storedCount = () => {
  const dir = join(runsRoot(), profile);
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.includes("--") && !name.startsWith(".")).length : 0;
};

const declarations = readDeclarations(DECLARATIONS_FILE);
const progress = new Progress();
sweepTemporary(profile);
const storedBefore = storedCount();
const started = performance.now();
const stored = (dir: string) => {
  try {
    return readRun(dir) != null;
  } catch {
    return false;
  }
};
const plan = planRuns(profile, declarations);
const missing = longestFirst(plan.filter((p) => !stored(p.dir)));
progress.log(`[train:all] ${profile} profile: ${missing.length} of ${plan.length} declared runs to train, ${declarations.tuners.length} searches, ${workers} worker(s)`);
// Only the last tuner of each `after` chain is started: it runs the earlier ones first.
const leaves = declarations.tuners.filter((t) => !declarations.tuners.some((other) => other.after === t.id));
const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
  const t0 = performance.now();
  const out = await work();
  progress.log(`[train:all] ${label} done after ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return out;
};
const [, classical] = await Promise.all([
  timed("declared experiments", () => ensurePlanned(missing, { workers, progress })),
  timed("classical methods", async () => {
    const release = await coreSlotsFor(workers).acquire(1);
    try {
      // In a child process, with the idle trial workers ended first: the classical methods' peak
      // (a few hundred MB of matrices) then sits beside one training worker only, and leaves with the child.
      await closeIdleTrialWorkers();
      return await ensureClassicalInChild(profile, { log: (line) => progress.log(line) });
    } finally {
      release();
    }
  }),
  ...leaves.map((tuner) => timed(`search ${tuner.id}`, () => runTuner(profile, tuner, declarations, { workers, progress }))),
]);
const seconds = (performance.now() - started) / 1000;
const trained = storedCount() - storedBefore;
(values.stale ? console.error : console.log)(`train:all: ${profile} profile ready in ${seconds.toFixed(0)} s with ${workers} worker(s): ${trained} results trained, ${storedBefore} reused`);
// A timing from nothing is the figure the training budget is about: keep it for the cost page.
if (storedBefore === 0 && trained > 0) {
  const all = existsSync(TRAIN_ALL_FILE) ? JSON.parse(readFileSync(TRAIN_ALL_FILE, "utf8")) : {};
  all[profile] = {
    measuredAt: new Date().toISOString(),
    seconds,
    workers,
    results: trained,
    machine: { cpu: cpus()[0]?.model.trim() ?? "unknown", cores: availableParallelism() }
  };
  writeFileSync(`${TRAIN_ALL_FILE}.tmp`, JSON.stringify(all, null, 2) + "\n");
  renameSync(`${TRAIN_ALL_FILE}.tmp`, TRAIN_ALL_FILE);
  progress.log(`[train:all] from-scratch time written to ${TRAIN_ALL_FILE}`);
}
if (values.stale) {
  // What the current declarations use: the declared runs, every search's trials and winners (the
  // earlier searches of a chain included) and the classical study's result.
  const used = new Set<string>([...plan.map((p) => basename(p.dir)), basename(classical.dir)]);
  for (const tuner of declarations.tuners) {
    const result = await runTuner(profile, tuner, declarations, { workers, progress, readOnly: true });
    for (const run of result.runs) used.add(`${run.id}--${run.key}`);
    for (const final of result.finals) used.add(basename(final.planned.dir));
  }
  const dir = join(runsRoot(), profile);
  for (const name of readdirSync(dir).sort()) if (name.includes("--") && !name.startsWith(".") && !used.has(name)) console.log(join(dir, name));
}
