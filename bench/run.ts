// `npm run bench`: what training costs here, measured side by side in one run. Training throughput
// (samples/s) of the MLP and the CNN on tfjs cpu, stock tfjs wasm, our wasm kernels and PyTorch CPU
// (when `import torch` works), the wall time and peak memory of training the quick suite with one
// worker and with one per core, and a quick-profile site build from nothing. Writes data/bench.json.
//   npm run bench -- [--out FILE] [--parts all | throughput,cpu,suite,build,browser,full]   (default: throughput,browser;
//   all: every part but full; cpu: the tfjs cpu backend, minutes;
//   browser: the site built from the stored runs, timed, then the train page's training speed in Chromium, bench/browser.ts;
//   full: the full profile trained from nothing with its memory sampled, about 40 minutes, not in the default set)
// The CPU must be otherwise idle for the figures to mean anything: the load average before and
// after is printed and stored, with a warning when other work was running.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { listRunDirs, readRun } from "../loaders/experiments/store.ts";

import { runSampled } from "./pss.ts";
import { writeRealBatches } from "./batches.ts";
import { aggregateRounds, median, ratiosOf, type RoundFigure } from "./rounds.ts";
import { buildForBrowser, measureBrowser } from "./browser.ts";
import type { StoredBrowserReport } from "../src/components/browserCost.ts";
import { uncutFromScratchSeconds } from "../src/components/suiteCost.ts";
import { ROOT, TRAINER_NODE_FLAGS } from "../loaders/config.ts";
import { planRuns } from "../loaders/experiments/plan.ts";
import { planSchedule, estimateCost } from "../loaders/experiments/cost.ts";
import { readStoredRuns } from "../loaders/report/report.ts";
import { type UncutEstimate, uncutEstimate, uncutRuns } from "../loaders/report/uncut.ts";
import { type CoreTime, describeCoreTime } from "../loaders/experiments/coreTime.ts";

/** Where npm run train keeps its from-scratch timings (read after --parts full, and for the uncut estimate). */
const fromScratchFile = join(ROOT, "data", "from-scratch.json");

const { values: args } = parseArgs({
  options: {
    out: { type: "string", default: join(ROOT, "data", "bench.json") },
    parts: { type: "string", default: "throughput,browser" }
  }
});
/** Every part but "full": what `--parts all` measures. The default, a few minutes, leaves out the slow ones. */
const ALL_PARTS = ["throughput", "cpu", "suite", "build", "browser"];
const KNOWN_PARTS = [...ALL_PARTS, "full"];
const parts = new Set(args.parts === "all" ? ALL_PARTS : args.parts!.split(","));
for (const part of parts) {
  if (!KNOWN_PARTS.includes(part)) {
    process.stderr.write(`bench: --parts: unknown part "${part}"; expected "all" or a comma-separated list of ${KNOWN_PARTS.join(", ")}\n`);
    process.exit(2);
  }
}

type Throughput = RoundFigure;

const cores = availableParallelism();
const say = (line: string) => process.stdout.write(`${line}\n`);
/** Runs `node <TRAINER_NODE_FLAGS> --import tsx ...args`: every tfjs figure is measured with the V8 flags training runs with. */
const node = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [...TRAINER_NODE_FLAGS, "--import", "tsx", ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 64 << 20 });

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
}

function tfjsThroughput(variant: string, args: string[]): Throughput[] {
  say(`measuring tfjs ${variant} ...`);
  const result = node(["bench/kernels.ts", "--json", ...args]);
  return jsonLines(result.stdout).map((row) => ({
    model: String(row.model),
    variant,
    samplesPerSecond: typeof row.samplesPerSecond === "number" ? row.samplesPerSecond : null,
    note: typeof row.error === "string" ? row.error : undefined
  }));
}

/** Debian's python3-torch installs for the system interpreter, which may not be the first python3 on PATH. */
const PYTHON = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import torch"]).status === 0);

function torchThroughput(batchesFile: string): Throughput[] {
  const probe = spawnSync(PYTHON ?? "python3", ["-c", "import torch"], { encoding: "utf8" });
  if (probe.status !== 0) {
    say("PyTorch is not importable (install Debian python3-torch to compare); skipping it");
    return [];
  }
  // Each thread count is a variant of its own, compared with ours on as many threads.
  const out: Throughput[] = [];
  for (const threads of [1, 2].filter((t) => t <= cores)) {
    say(`measuring PyTorch CPU with ${threads} thread(s) ...`);
    const result = spawnSync(PYTHON!, [join(ROOT, "bench", "torch_bench.py"), String(threads), "20", "3", batchesFile], { encoding: "utf8" });
    if (result.status !== 0) say(`PyTorch with ${threads} thread(s) failed: ${result.stderr.slice(-500)}`);
    for (const row of jsonLines(result.stdout)) {
      out.push({ model: String(row.model), variant: `pytorch cpu, ${threads} thread${threads > 1 ? "s" : ""}`, samplesPerSecond: row.samplesPerSecond as number, note: String(row.backend), threads });
    }
  }
  return out;
}

const TIME = existsSync("/usr/bin/time");
/** Runs `node <TRAINER_NODE_FLAGS> --import tsx ...args` (as `npm run train` does) under /usr/bin/time (when there) while sampling the PSS of its process tree. */
async function measuredNode(args: string[], env: NodeJS.ProcessEnv, echo = false) {
  const cmd = TIME ? "/usr/bin/time" : process.execPath;
  const full = [...(TIME ? ["-f", "peak-rss-kb %M cpu-seconds %U %S", process.execPath] : []), ...TRAINER_NODE_FLAGS, "--import", "tsx", ...args];
  const result = await runSampled(cmd, full, { cwd: ROOT, env: { ...process.env, ...env }, intervalMs: 1000, echo });
  const rss = /peak-rss-kb (\d+)/.exec(result.stderr);
  // CPU time of every process (user + system): against the wall time it shows whether cores sat idle
  // or each did the same work more slowly than one process alone does.
  // Both figures are lower bounds: /usr/bin/time counts only the processes that were reaped (a
  // parent that exits before its idle workers do leaves theirs out), the sampler misses each
  // process's last second. The larger is kept.
  const cpu = /cpu-seconds ([\d.]+) ([\d.]+)/.exec(result.stderr);
  const reaped = cpu ? Number(cpu[1]) + Number(cpu[2]) : 0;
  return {
    ...result,
    cpuSeconds: Math.max(reaped, result.memory.cpuSeconds) || null,
    peakRssMB: rss ? Number(rss[1]) / 1024 : null
  };
}

/**
 * Trains the quick suite from nothing with `workers` processes: wall seconds, CPU seconds, the
 * largest process's peak RSS and the peak summed PSS of the whole process tree.
 */
async function suiteRun(workers: number) {
  const load = loadavg()[0];
  const runs = mkdtempSync(join(tmpdir(), "bench-runs-"));
  say(`training the quick suite from nothing with ${workers} worker(s) ...`);
  const result = await measuredNode(["loaders/cli/train.ts", "--profile", "quick", "--workers", String(workers)], { RUNS_DIR: runs, CI: "1" });
  process.env.RUNS_DIR = runs;
  const perRun = listRunDirs("quick").map((dir) => readRun(dir)?.timing.peakRssMB ?? 0);
  delete process.env.RUNS_DIR;
  rmSync(runs, { recursive: true, force: true });
  if (result.status !== 0) throw new Error(`quick suite with ${workers} workers failed:\n${result.stderr.slice(-2000)}`);
  return {
    workers,
    seconds: result.seconds,
    cpuSeconds: result.cpuSeconds,
    peakRssMB: result.peakRssMB,
    peakTreePssMB: result.memory.peakMB,
    largestRunPeakRssMB: Math.max(0, ...perRun),
    loadBefore: load,
    loadAfter: loadavg()[0]
  };
}

/**
 * What independent processes, one per core, can gain on this machine at most: the same fixed
 * workload (one bench/kernels.ts process training the CNN and the MLP for 30 batches each,
 * start-up included, one thread) alone, then one copy per core at once. cores x alone / together
 * is the speed-up that many workers would reach with no scheduling loss at all; where the cores slow each other down (shared caches,
 * memory bandwidth, a hypervisor's sibling threads) it is under 2, and the suite's figure is read
 * against it.
 */
async function contentionCeiling() {
  const once = () => measuredNode(["bench/kernels.ts", "--model", "all", "--batches", "30", "--warmup", "3"], {});
  const alone: number[] = [];
  const together: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    alone.push((await once()).seconds);
    const started = performance.now();
    await Promise.all(Array.from({ length: cores }, once));
    together.push((performance.now() - started) / 1000);
  }
  const best = (xs: number[]) => Math.min(...xs);
  return { copies: cores, aloneSeconds: best(alone), togetherSeconds: best(together), ceiling: (cores * best(alone)) / best(together), rounds: { alone, together } };
}

/**
 * `--parts full` (not in the default set: about 40 minutes): `npm run train -- --profile full`
 * from nothing into an empty runs folder, its wall time and the peak summed PSS of its process
 * tree with the processes at that moment: the figure behind "training the full suite stays under
 * 2 GB". npm run train itself records the from-scratch time in data/from-scratch.json.
 */
async function fullSuiteRun() {
  const runs = mkdtempSync(join(tmpdir(), "bench-full-"));
  say("training the full profile from nothing (npm run train), sampling the memory of every process once a second ...");
  try {
    const result = await measuredNode(["loaders/cli/train.ts", "--profile", "full"], { RUNS_DIR: runs, CI: "1" }, true);
    if (result.status !== 0) throw new Error(`train --profile full failed:\n${result.stderr.slice(-2000)}`);
    const results = readdirSync(join(runs, "full")).filter((name) => name.includes("--") && !name.startsWith(".")).length;
    // npm run train's own account of where the cores' time went, written with its from-scratch time.
    const scratch = existsSync(fromScratchFile) ? (JSON.parse(readFileSync(fromScratchFile, "utf8")) as { full?: { coreTime?: CoreTime | null } }).full : undefined;
    // The estimate without cuts from this training's own runs: same kernels, same machine, same day as its wall time.
    const uncut = await withRunsDir(runs, () => readStoredRuns("full", { readOnly: true }));
    return {
      coreTime: scratch?.coreTime ?? null,
      uncut: { measuredAt: new Date().toISOString(), from: "from-nothing" as const, ...uncutEstimate(uncutRuns(uncut)) },
      measuredAt: new Date().toISOString(),
      profile: "full",
      seconds: result.seconds,
      cpuSeconds: result.cpuSeconds,
      results,
      workers: cores,
      largestProcessPeakRssMB: result.peakRssMB,
      memory: result.memory
    };
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
}

/** Runs `work` with RUNS_DIR set to `dir`, putting the previous value back after. */
async function withRunsDir<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const saved = process.env.RUNS_DIR;
  process.env.RUNS_DIR = dir;
  try {
    return await work();
  } finally {
    if (saved == null) delete process.env.RUNS_DIR;
    else process.env.RUNS_DIR = saved;
  }
}

async function buildFromNothing() {
  const runs = mkdtempSync(join(tmpdir(), "bench-build-"));
  say("building the quick-profile site from nothing (training included) ...");
  const out = mkdtempSync(join(tmpdir(), "bench-site-"));
  const saved = { RUNS_DIR: process.env.RUNS_DIR, REPORT_PROFILE: process.env.REPORT_PROFILE };
  Object.assign(process.env, { RUNS_DIR: runs, REPORT_PROFILE: "quick" });
  // The project's own build script, as a user runs it (npm run build), into a folder of its own.
  const { build } = await import("../scripts/build.ts");
  try {
    const started = performance.now();
    const code = await build(join(out, "site"));
    if (code !== 0) throw new Error(`the quick-profile build failed (exit code ${code})`);
    return { profile: "quick", seconds: (performance.now() - started) / 1000 };
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value == null) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(runs, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
}

const loadAtStart = loadavg()[0];
say(`load average at start: ${loadAtStart.toFixed(2)} on ${cores} cores`);
if (loadAtStart > 0.5) say(`WARNING: the CPU is busy with other work (load ${loadAtStart.toFixed(2)}); timings will be noisy and low`);

const OURS = "ours (wasm + our kernels)";
const THREADS = `ours, ${cores} XNNPACK threads`;
const DATA_PARALLEL = `ours, data-parallel over ${cores} cores`;
/**
 * The machine is shared, so one measurement can be off by a third. Each variant is measured in
 * ROUNDS interleaved rounds (all variants once, then again), so that a slow spell hits every
 * variant alike; the median counts, with the range of the rounds beside it. Every round is kept.
 */
const ROUNDS = 3;
const rounds: Throughput[][] = [];
if (parts.has("throughput")) {
  // The same real MNIST batches for both sides (bench/batches.ts): written once for PyTorch; ours reads them itself.
  const batchesDir = mkdtempSync(join(tmpdir(), "bench-batches-"));
  const batchesFile = join(batchesDir, "batches.bin");
  writeRealBatches(batchesFile, 128);
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      say(`throughput, round ${round} of ${ROUNDS}`);
      rounds.push([
        ...tfjsThroughput(OURS, ["--batches", "20", "--warmup", "3"]).map((t) => ({ ...t, threads: 1 })),
        // One run over every core: XNNPACK's thread pool (loaders/engine/wasmThreads.ts), and replicas in
        // worker threads with gradients averaged (loaders/training/parallel.ts).
        ...(cores > 1 ? tfjsThroughput(THREADS, ["--threads", String(cores), "--batches", "20", "--warmup", "3"]).map((t) => ({ ...t, threads: cores })) : []),
        ...(cores > 1 ? tfjsThroughput(DATA_PARALLEL, ["--model", "cnn", "--replicas", String(cores), "--batches", "20", "--warmup", "3"]).map((t) => ({ ...t, threads: cores })) : []),
        ...tfjsThroughput("stock wasm", ["--stock", "--batches", "20", "--warmup", "3"]),
        ...(parts.has("cpu") && round === 1 ? tfjsThroughput("tfjs cpu", ["--backend", "cpu", "--batches", "2", "--warmup", "1"]) : []),
        ...torchThroughput(batchesFile)
      ]);
    }
  } finally {
    rmSync(batchesDir, { recursive: true, force: true });
  }
}
const throughput = aggregateRounds(rounds);
const ratios = ratiosOf(throughput);

// The quick suite as the workload of the parallel speed-up: every declared run of the quick profile.
const plan = planRuns("quick");
const schedule = planSchedule(plan, cores, "off");
const longest = plan.reduce((a, b) => (estimateCost(a.experiment) >= estimateCost(b.experiment) ? a : b));
const workload = {
  profile: "quick",
  runs: plan.length,
  estimatedSerialSeconds: schedule.serialSeconds,
  longestRun: longest.experiment.id,
  longestShare: estimateCost(longest.experiment) / schedule.serialSeconds,
  idealSpeedup: schedule.serialSeconds / schedule.wallSeconds
};
// The suite with 1 worker and with one per core, in ROUNDS interleaved rounds like the throughput
// figures: the fastest of each counts, every round is kept.
type SuiteTiming = Awaited<ReturnType<typeof suiteRun>>;
const suiteRounds: { one: SuiteTiming; all: SuiteTiming }[] = [];
const ceiling = parts.has("suite") && cores > 1 ? (say(`${cores} copies of one workload at once, against one alone ...`), await contentionCeiling()) : null;
if (parts.has("suite")) {
  for (let round = 1; round <= ROUNDS; round++) {
    say(`quick suite, round ${round} of ${ROUNDS}`);
    suiteRounds.push({ one: await suiteRun(1), all: await suiteRun(cores) });
  }
}
const fastest = (list: SuiteTiming[]) => list.reduce((a, b) => (b.seconds < a.seconds ? b : a));
const suite = suiteRounds.length ? [fastest(suiteRounds.map((r) => r.one)), fastest(suiteRounds.map((r) => r.all))] : [];
const build = parts.has("build") ? await buildFromNothing() : null;
// A part this run does not measure keeps its figures from the previous file (each part records
// when it was measured), so that `--parts suite` re-measures the suite and nothing else.
const out = resolve(args.out!);
const previous = (existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : {}) as Record<string, unknown>;
const fullSuite = parts.has("full") ? await fullSuiteRun() : (previous.fullSuite ?? null);
/** The site rebuilt from the stored runs (what a fresh clone's `npm start` builds), then the train page in Chromium. */
async function browserPart(): Promise<StoredBrowserReport & { loadAtStart: number }> {
  const load = loadavg()[0];
  const fresh = await buildForBrowser(say, { freshCheckout: true });
  fresh.dispose();
  const built = await buildForBrowser(say);
  try {
    say(`measuring the train page in Chromium (${ROUNDS} interleaved rounds) ...`);
    return { rebuildSeconds: fresh.seconds, rebuildKeptSeconds: built.seconds, loadAtStart: load, ...(await measureBrowser(built.dir, { rounds: ROUNDS, say })) };
  } finally {
    built.dispose();
  }
}
const browser = parts.has("browser") ? await browserPart() : ((previous.browser as StoredBrowserReport | undefined) ?? null);
// The full profile without its cuts (loaders/report/uncut.ts): from the from-nothing training's own runs
// where --parts full has measured one, else from the stored runs (no training, so every benchmark states it).
const fromNothing = (fullSuite as { uncut?: UncutEstimate & { measuredAt: string; from: "from-nothing" } } | null)?.uncut ?? null;
if (!fromNothing) say("estimating the full profile with every training split whole, from the stored runs ...");
const uncut =
  fromNothing ??
  (await readStoredRuns("full", { readOnly: true }).then(
    (stored) => ({ measuredAt: new Date().toISOString(), from: "stored" as const, ...uncutEstimate(uncutRuns(stored)) }),
    (error: Error) => (say(`the estimate needs every full-profile run stored, and it was not: ${error.message.slice(0, 300)}`), (previous.uncut as (UncutEstimate & { measuredAt: string }) | undefined) ?? null)
  ));
const fromScratch = existsSync(fromScratchFile) ? (JSON.parse(readFileSync(fromScratchFile, "utf8")) as { full?: { seconds: number; workers: number; measuredAt: string } }).full : undefined;
const loadAtEnd = loadavg()[0];

const measuredAt = new Date().toISOString();
const suiteReport = suite.length
  ? {
      measuredAt,
      workload,
      runs: suite,
      speedup: suite[0].seconds / suite[1].seconds,
      rounds: suiteRounds.map((r) => ({ oneWorker: r.one.seconds, perCore: r.all.seconds, speedup: r.one.seconds / r.all.seconds })),
      medianRoundSpeedup: median(suiteRounds.map((r) => r.one.seconds / r.all.seconds)),
      contention: ceiling
    }
  : null;
const measuredThroughput = parts.has("throughput");
const report = {
  measuredAt: measuredThroughput ? measuredAt : (previous.measuredAt ?? measuredAt),
  machine: { cpu: cpus()[0]?.model ?? "unknown", cores, node: process.version },
  load: measuredThroughput ? { atStart: loadAtStart, atEnd: loadAtEnd } : (previous.load ?? null),
  batchSize: 128,
  optimizer: "adam",
  throughput: measuredThroughput ? throughput : ((previous.throughput as Throughput[] | undefined) ?? []),
  ratios: measuredThroughput ? ratios : ((previous.ratios as typeof ratios | undefined) ?? []),
  suite: parts.has("suite") ? suiteReport : (previous.suite ?? null),
  build: build ? { ...build, measuredAt } : (previous.build ?? null),
  browser,
  fullSuite,
  uncut
};
writeFileSync(out, JSON.stringify(report, null, 2) + "\n");

say("");
say(`training throughput (samples/s on real MNIST batches, Adam, batch 128, one process; median of ${ROUNDS} interleaved rounds, min-max)`);
for (const t of throughput) {
  say(`  ${t.model.padEnd(38)} ${t.variant.padEnd(26)} ${t.samplesPerSecond == null ? `n/a (${t.note})` : `${Math.round(t.samplesPerSecond).toLocaleString("en-US").padStart(8)} (${Math.round(t.min!)}-${Math.round(t.max!)})`}`);
}
say("ratios of the medians, ours / other (thread for thread first; \"apart\": every round of one side above every round of the other)");
for (const r of ratios) say(`  ${r.model.padEnd(38)} ${r.ours.padEnd(34)} vs ${r.versus.padEnd(22)} ${r.ratio.toFixed(2)}x${r.apart ? "" : " (rounds overlap)"}`);
if (suiteReport) {
  say(
    `quick suite from nothing: all ${workload.runs} runs of the quick profile (estimated ${workload.estimatedSerialSeconds.toFixed(0)} s on one core; ` +
      `the longest, ${workload.longestRun}, is ${(workload.longestShare * 100).toFixed(0)}% of it, so ${workload.idealSpeedup.toFixed(2)}x is the most ${cores} workers can give)`
  );
  for (const s of suite) {
    say(
      `  ${s.workers} worker(s): ${s.seconds.toFixed(1)} s (CPU ${s.cpuSeconds?.toFixed(0) ?? "?"} s), largest process peak RSS ${s.peakRssMB?.toFixed(0) ?? "?"} MB, all processes together ${s.peakTreePssMB.toFixed(0)} MB PSS, ` +
        `largest per-run peak ${s.largestRunPeakRssMB.toFixed(0)} MB (load ${s.loadBefore.toFixed(1)} -> ${s.loadAfter.toFixed(1)})`
    );
  }
  say(`  speed-up with ${cores} workers: ${suiteReport.speedup.toFixed(2)}x (fastest of ${suiteRounds.length} rounds each)`);
  const [one, all] = suite;
  if (one.cpuSeconds && all.cpuSeconds) {
    say(
      `  CPU time: ${one.cpuSeconds.toFixed(0)} s with 1 worker, ${all.cpuSeconds.toFixed(0)} s with ${all.workers} ` +
        `(${(100 * (all.cpuSeconds / one.cpuSeconds - 1)).toFixed(0)}% more for the same runs); cores busy on average ${(one.cpuSeconds / one.seconds).toFixed(2)} with 1 worker` +
        (one.cpuSeconds > one.seconds
          ? ` (V8's collector and compiler threads use the idle core, so ${all.workers} workers gain at most ${((all.workers * one.seconds) / one.cpuSeconds).toFixed(2)}x)`
          : "") +
        ` and ${(all.cpuSeconds / all.seconds).toFixed(2)} of ${all.workers} with ${all.workers}`
    );
  }
  if (ceiling) {
    say(
      `  ${ceiling.copies} copies of one fixed workload: ${ceiling.aloneSeconds.toFixed(1)} s alone, ${ceiling.togetherSeconds.toFixed(1)} s for all at once: ` +
        `${ceiling.ceiling.toFixed(2)}x is the most ${ceiling.copies} independent processes gain here (suite: ${((100 * suiteReport.speedup) / ceiling.ceiling).toFixed(0)}% of it)`
    );
  }
  say(`  per round: ${suiteReport.rounds.map((r) => `${r.oneWorker.toFixed(1)} s / ${r.perCore.toFixed(1)} s = ${r.speedup.toFixed(2)}x`).join("; ")} (median ${suiteReport.medianRoundSpeedup.toFixed(2)}x)`);
}
if (build) say(`quick-profile site build from nothing: ${build.seconds.toFixed(1)} s`);
if (browser && parts.has("browser")) {
  say(`site built from the stored runs in ${browser.rebuildSeconds.toFixed(1)} s as on a fresh checkout${browser.rebuildKeptSeconds == null ? "" : `, ${browser.rebuildKeptSeconds.toFixed(1)} s with the page libraries' bundles kept`}`);
  say(`the train page in ${browser.browser} (samples/s, median of ${browser.rounds} rounds, min-max):`);
  for (const t of browser.throughput) {
    say(`  ${t.model.padEnd(10)} ${t.variant.padEnd(26)} ${t.median == null ? `n/a (${t.note})` : `${Math.round(t.median).toLocaleString("en-US").padStart(7)} (${Math.round(t.min!)}-${Math.round(t.max!)})`}`);
  }
  for (const r of browser.oursOverCpu) say(`  ${r.model}: ${r.ours} is ${r.ratio.toFixed(1)}x the cpu backend`);
  const epoch = browser.cnnEpochSeconds5000;
  say(`  one epoch of 5,000 images of the default CNN: ${epoch.oneThread?.toFixed(1) ?? "?"} s on one thread, ${epoch.threaded?.toFixed(1) ?? "?"} s threaded`);
  say(`  /train downloads ${(browser.download.bytes / 1e6).toFixed(1)} MB in ${browser.download.requests} requests before Train can be pressed`);
  for (const s of browser.skipped) say(`  not measured: ${s.variant}: ${s.why === "software" ? "drawn in software" : "not offered"} (${s.detail})`);
}
if (fullSuite) {
  const f = fullSuite as Awaited<ReturnType<typeof fullSuiteRun>>;
  say(
    `full profile from nothing${parts.has("full") ? "" : ` (kept from ${f.measuredAt}; --parts full re-measures it)`}: ${f.seconds.toFixed(0)} s for ${f.results} results on ${f.workers} workers; ` +
      `peak memory of all its processes together ${f.memory.peakMB.toFixed(0)} MB PSS at ${f.memory.peakAtSeconds.toFixed(0)} s ` +
      `(${f.memory.atPeak.map((p) => `${p.command} ${p.pssMB.toFixed(0)}`).join(", ")}); largest single process ${f.memory.largestProcessMB.toFixed(0)} MB PSS`
  );
  if (f.coreTime) for (const line of describeCoreTime(f.coreTime)) say(`  ${line}`);
}
if (uncut) {
  const added = uncut.cut.map((c) => `${c.study} ${c.runs} runs ${(c.uncutSeconds / c.seconds).toFixed(1)}x`).join(", ");
  const estimate = fromScratch ? uncutFromScratchSeconds(uncut, fromScratch) : null;
  say(
    `full profile with every training split whole (estimated from ${uncut.runs} ${"from" in uncut && uncut.from === "from-nothing" ? "runs of the from-nothing training" : "stored runs"}: each cut run's training time scaled to its whole split): ` +
      `training time ${uncut.factor.toFixed(2)}x (${added})` +
      (estimate == null ? "; no from-scratch time in data/from-scratch.json to add it to" : `; from nothing about ${(estimate / 60).toFixed(0)} min (the ${(fromScratch!.seconds / 60).toFixed(0)} min of ${fromScratch!.measuredAt.slice(0, 10)} plus the added training over ${fromScratch!.workers} workers), ${estimate <= 45 * 60 ? "within" : `${((estimate - 45 * 60) / 60).toFixed(0)} min over`} the 45-minute budget`)
  );
}
// The load at the end includes this benchmark's own last minute (the build or the suite on every
// core), so only the load at the start says whether other work shared the machine.
say(
  `load average at end: ${loadAtEnd.toFixed(2)} (this benchmark's own last minute included)` +
    (loadAtStart > 0.5 ? `; the load at the start, ${loadAtStart.toFixed(2)}, says other work was running: do not publish these figures` : "")
);
say(`written to ${out}`);
