// The suite: which runs a profile needs, which are already stored, and training the missing ones.
// Over 400 lines on purpose, for now: issue 24 moves loaders/ into a layered layout in one sweep, and
// splitting this file first would move the same code twice. It is split there.
import { fork, type ChildProcess } from "node:child_process";
import { existsSync, renameSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Progress, type ProgressState } from "./progress.ts";
import {
  PROFILES,
  readDeclarations,
  resolveExperiment,
  type Declarations,
  type Layer,
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
  storeTestSet,
  sweepTemporary,
  withLock,
  writeRunAtomic,
  type RunRecord
} from "./store.ts";

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
  /** Train data-parallel over this many replicas (loaders/parallel.ts); default 1. */
  replicas?: number;
  /**
   * How ensureRuns trains a run that is too long for the others to keep the other cores busy
   * (planSchedule) over all workers' cores: "threads" (one process whose wasm backend has an
   * XNNPACK pool of one thread per core, loaders/wasmThreads.ts), "replicas" (data-parallel,
   * loaders/parallel.ts), "auto" (replicas, which are faster, unless the model has batch
   * normalisation, whose statistics replicas would compute per part of the batch: then threads,
   * which compute exactly what one thread does) or "off" (one core). Default: SUITE_MULTICORE,
   * else "auto".
   */
  multicore?: MulticoreMode;
  /** trainInWorkers retires a worker holding more than this after a run (MiB); default WORKER_RECYCLE_MB. */
  recycleWorkersAboveMB?: number;
}

export const MULTICORE_MODES = ["auto", "threads", "replicas", "off"] as const;
export type MulticoreMode = (typeof MULTICORE_MODES)[number];

/** How a run trains over every core under `mode`: threads or replicas (see EnsureOptions.multicore). */
export function multicoreMethod(experiment: ResolvedExperiment, mode: Exclude<MulticoreMode, "off">, backend?: "wasm" | "cpu"): "threads" | "replicas" {
  if (backend === "cpu") return "replicas"; // the cpu backend has no thread pool
  if (mode !== "auto") return mode;
  return experiment.layers.some((l) => l.type === "batchNorm") ? "threads" : "replicas";
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
    // Imported here, so that reading stored runs never loads tfjs (about a second).
    const { trainRun } = await import("./train.ts");
    const memory = new MemoryWatch(progress);
    const { record, files, testSet } = await trainRun(planned.experiment, planned.key, {
      progress: memory,
      backend: options.backend,
      replicas: options.replicas
    });
    record.timing.peakRssMB = Math.round(memory.peakMB() * 10) / 10;
    if ((options.replicas ?? 1) > 1) record.environment.replicas = options.replicas;
    if (record.testSet) storeTestSet(planned.experiment.profile, testSet);
    const stored = writeRunAtomic(planned.dir, record, files);
    progress.log(
      `[${planned.experiment.id}] stored ${record.status} run ${planned.key}` +
        (record.test ? `: test accuracy ${(record.test.accuracy * 100).toFixed(2)}%` : "")
    );
    return stored;
  }, { log: (line) => progress.log(line) });
}

/**
 * Passes a run's progress on, and samples the process's resident memory at every progress call
 * (the trainer makes one per batch), for the run's peak. When the process's own high-water mark
 * (getrusage maxrss) rose during the run, that is the run's exact peak, spikes between samples
 * included; otherwise the process peaked in an earlier run and the sampled maximum is used.
 */
export class MemoryWatch extends Progress {
  private peakBytes = process.memoryUsage.rss();
  private readonly maxRssBefore = process.resourceUsage().maxRSS;
  constructor(private readonly inner: Progress) {
    super();
  }
  override update(state: ProgressState, force = false): void {
    this.sample();
    this.inner.update(state, force);
  }
  override log(message: string): void {
    this.sample();
    this.inner.log(message);
  }
  private sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peakBytes) this.peakBytes = rss;
  }
  /** The peak so far, in MiB. */
  peakMB(): number {
    this.sample();
    const maxRss = process.resourceUsage().maxRSS; // kibibytes
    const peak = maxRss > this.maxRssBefore ? Math.max(maxRss * 1024, this.peakBytes) : this.peakBytes;
    return peak / 2 ** 20;
  }
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
    if (missing.length > 1) await trainInWorkers(missing, workers, options);
    else if (missing.length === 1 && planSchedule(missing, workers, multicoreMode(options)).parallel.length) {
      // One long run left: train it over every core.
      await trainOnAllCores(missing[0], workers, options);
    }
  }
  const results = [];
  for (const planned of plan) {
    // Runs the workers just trained are read here, not retrained (unless a worker failed).
    results.push({ planned, record: await ensureRun(planned, { ...options, force: options.force && !isStored(planned, true) }) });
  }
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

/** How ensureRuns may train long runs over every core: the option, else SUITE_MULTICORE, else "auto". */
export function multicoreMode(options: EnsureOptions = {}): MulticoreMode {
  if (options.multicore != null) return options.multicore;
  const value = process.env.SUITE_MULTICORE ?? "";
  if (value === "") return "auto";
  if (!(MULTICORE_MODES as readonly string[]).includes(value)) throw new Error(`SUITE_MULTICORE="${value}" is not one of ${MULTICORE_MODES.join(", ")}`);
  return value as MulticoreMode;
}

/**
 * Trains one run over `cores` cores, as multicoreMethod says, in a worker process of its own that
 * ends with the run: its wasm backend runs XNNPACK on `cores` threads, or it trains data-parallel
 * over `cores` replicas (worker threads). Not in this process, whose wasm heap would keep the large
 * run's peak for the rest of the build (a wasm memory never shrinks).
 */
export async function trainOnAllCores(planned: PlannedRun, cores: number, options: EnsureOptions): Promise<RunRecord> {
  const mode = multicoreMode(options);
  if (mode === "off") return ensureRun(planned, options);
  const threads = multicoreMethod(planned.experiment, mode, options.backend) === "threads";
  const worker = new SuiteWorker(options.progress ?? new Progress(), threads ? cores : 1);
  try {
    await worker.train({ type: "train", planned, force: Boolean(options.force), backend: options.backend, replicas: threads ? undefined : cores });
  } catch (error) {
    throw new RunsFailedError([{ id: planned.experiment.id, dir: planned.dir, message: (error as Error).message }]);
  } finally {
    await worker.close();
  }
  return ensureRun(planned, { ...options, force: false });
}

/** Whether a complete run is stored; `fresh` only counts one written by this process's workers since it started. */
function isStored(planned: PlannedRun, fresh = false): boolean {
  try {
    const run = readRun(planned.dir);
    return run != null && (!fresh || Date.parse(run.createdAt) >= STARTED);
  } catch {
    return false;
  }
}
const STARTED = Date.now() - performance.now();

// ---------------------------------------------------------------------------------------------
// Cost estimates: which runs take longest, from the resolved declaration alone.

/** Multiply-add equivalents per output element of a memory-bound layer (activation, pooling, dropout), forward + backward. */
const ELEMENTWISE_COST = 10;
/** The same for batch normalisation, whose tfjs backward pass is a chain of small ops (calibrated on the stored full runs). */
const BATCHNORM_COST = 300;
/** Per-sample cost of the affine augmentation (JS, per pixel: about 7 us an image, loaders/augment.ts). */
const AUGMENTATION_COST = 784 * 80;
/** Multiply-add equivalents per second one wasm core sustains on these models (cnn-basic, full profile, 2-core EPYC). */
const UNITS_PER_SECOND = 9e9;
/** Seconds a run costs beyond its samples: building the model, evaluation set-up, writing the run. */
const RUN_OVERHEAD_SECONDS = 0.3;
/** Seconds of fixed cost per training step (tfjs op dispatch, batch tensors, the optimizer): what makes batch 4 slow. */
const STEP_OVERHEAD_SECONDS = 0.0015;

/**
 * Cost of one training sample (forward and backward, so three times the forward multiply-adds of
 * the convolutions and dense layers, plus per-element costs of the memory-bound layers), in
 * multiply-add equivalents. Shapes follow the layers from the 28x28x1 input to the classifier.
 */
export function trainingCostPerSample(layers: readonly Layer[], classes = 10): number {
  let [h, w, c] = [28, 28, 1];
  let cost = 0;
  for (const layer of layers) {
    switch (layer.type) {
      case "dense":
        cost += 3 * h * w * c * layer.units + ELEMENTWISE_COST * layer.units;
        [h, w, c] = [1, 1, layer.units];
        break;
      case "conv2d": {
        const { kernelSize: k, filters } = layer;
        const s = layer.strides ?? 1;
        const out = (n: number) => (layer.padding === "valid" ? Math.floor((n - k) / s) + 1 : Math.ceil(n / s));
        const [oh, ow] = [Math.max(1, out(h)), Math.max(1, out(w))];
        cost += 3 * oh * ow * filters * k * k * c + ELEMENTWISE_COST * oh * ow * filters;
        [h, w, c] = [oh, ow, filters];
        break;
      }
      case "maxPool": {
        const p = layer.poolSize ?? 2;
        const s = layer.strides ?? p;
        cost += ELEMENTWISE_COST * h * w * c;
        [h, w] = [Math.max(1, Math.floor((h - p) / s) + 1), Math.max(1, Math.floor((w - p) / s) + 1)];
        break;
      }
      case "batchNorm":
        cost += BATCHNORM_COST * h * w * c;
        break;
      case "flatten":
        break;
      default:
        cost += ELEMENTWISE_COST * h * w * c;
    }
  }
  return cost + 3 * h * w * c * classes;
}

/** Training samples a resolved experiment uses (its cap, or its classes' share of the 60,000 training images less validation). */
function trainCount(e: ResolvedExperiment): number {
  const pool = Math.round((60_000 * (e.classes?.length ?? 10)) / 10) - e.validationSize;
  return Math.max(1, e.trainSize == null ? pool : Math.min(e.trainSize, pool));
}

/**
 * Estimated seconds to train and evaluate a run on one core: samples x epochs x per-sample cost,
 * plus validation after every epoch and the test set (forward only, a third of a training step),
 * plus a fixed cost per training step and per run.
 * Only the ratios between runs matter; they decide the order runs are handed to workers.
 */
export function estimateCost(e: ResolvedExperiment): number {
  const perSample = trainingCostPerSample(e.layers, e.classes?.length ?? 10);
  const samples = trainCount(e);
  const train = samples * e.epochs * (perSample + (e.augmentation ? AUGMENTATION_COST : 0));
  const evaluate = ((e.validationSize * e.epochs + e.testSize) * perSample) / 3;
  const steps = Math.ceil(samples / Math.min(e.batchSize, samples)) * e.epochs;
  return (train + evaluate) / UNITS_PER_SECOND + steps * STEP_OVERHEAD_SECONDS + RUN_OVERHEAD_SECONDS;
}

/** Longest first (ties in declaration order): list scheduling that keeps one long run from starting last. */
export function longestFirst(runs: readonly PlannedRun[]): PlannedRun[] {
  return runs
    .map((planned, index) => ({ planned, index, cost: estimateCost(planned.experiment) }))
    .sort((a, b) => b.cost - a.cost || a.index - b.index)
    .map((r) => r.planned);
}

/**
 * Expected speed-up per core of training one run over every core (bench/kernels.ts on 2 cores:
 * --threads 2 about 1.3x, --replicas 2 about 1.2-1.6x).
 */
const MULTICORE_EFFICIENCY: Record<"threads" | "replicas", number> = { threads: 0.65, replicas: 0.75 };
/** Multicore training pays for a run only when its steps are long (conv nets) and the run is long (start-up). */
const MULTICORE_MIN_STEP_SECONDS = 0.05;
const MULTICORE_MIN_RUN_SECONDS = 20;

/** The estimated seconds of one training step of a run (its batch, forward and backward). */
function stepSeconds(e: ResolvedExperiment): number {
  return (Math.min(e.batchSize, trainCount(e)) * trainingCostPerSample(e.layers, e.classes?.length ?? 10)) / UNITS_PER_SECOND;
}

/** The finishing time of list scheduling `costs` (longest first) on `workers` workers. */
export function listScheduleMakespan(costs: readonly number[], workers: number): number {
  const loads = new Array(Math.max(1, workers)).fill(0);
  for (const c of [...costs].sort((a, b) => b - a)) {
    let min = 0;
    for (let i = 1; i < loads.length; i++) if (loads[i] < loads[min]) min = i;
    loads[min] += c;
  }
  return Math.max(...loads);
}

export interface Schedule {
  /** Runs trained first, one at a time, each over every worker's core (threads or replicas). */
  parallel: PlannedRun[];
  /** The other runs, longest first, one per worker. */
  rest: PlannedRun[];
  /** Estimated single-core seconds of all runs, and of the schedule's wall time. */
  serialSeconds: number;
  wallSeconds: number;
}

/**
 * How to train `runs` on `workers` cores. Runs go to workers longest first. When `multicore` is
 * not "off" and one run is so long that the others cannot keep the other cores busy meanwhile (the
 * full profile's cnn-strong is 80% of its work), the longest runs are trained over all cores
 * instead, one at a time, as long as that shortens the estimated wall time.
 */
export function planSchedule(runs: readonly PlannedRun[], workers: number, multicore: MulticoreMode): Schedule {
  const ordered = longestFirst(runs);
  const cost = new Map(ordered.map((p) => [p, estimateCost(p.experiment)]));
  const serialSeconds = ordered.reduce((sum, p) => sum + cost.get(p)!, 0);
  const parallel: PlannedRun[] = [];
  let rest = ordered;
  let wallSeconds = listScheduleMakespan(ordered.map((p) => cost.get(p)!), workers);
  if (multicore !== "off" && workers > 1) {
    let parallelSeconds = 0;
    for (const candidate of ordered) {
      const c = cost.get(candidate)!;
      const efficiency = MULTICORE_EFFICIENCY[multicoreMethod(candidate.experiment, multicore)];
      if (c < MULTICORE_MIN_RUN_SECONDS || stepSeconds(candidate.experiment) < MULTICORE_MIN_STEP_SECONDS) continue;
      const others = rest.filter((p) => p !== candidate);
      const trial = parallelSeconds + c / (workers * efficiency) + listScheduleMakespan(others.map((p) => cost.get(p)!), workers);
      if (trial >= wallSeconds) break;
      parallel.push(candidate);
      parallelSeconds += c / (workers * efficiency);
      rest = others;
      wallSeconds = trial;
    }
  }
  return { parallel, rest, serialSeconds, wallSeconds };
}

// ---------------------------------------------------------------------------------------------
// Worker processes.

/** What the parent sends a worker (loaders/suiteWorker.ts), and what it answers. */
export type WorkerRequest = { type: "train"; planned: PlannedRun; force: boolean; backend?: "wasm" | "cpu"; replicas?: number };
export type WorkerReply = { type: "done"; id: string; rssMB?: number } | { type: "failed"; id: string; message: string };

/**
 * The memory limit of a worker process between runs (MiB; SUITE_WORKER_MEMORY_MB overrides): over it
 * after a run, the worker collects its garbage, and one still over it is retired, the next run
 * starting a fresh one. What stays is mostly the wasm heap, which grew for a large model and never
 * shrinks; keeping it would hold that memory while smaller runs train.
 */
export const WORKER_RECYCLE_MB = Number(process.env.SUITE_WORKER_MEMORY_MB ?? 768);

/**
 * V8 flags of every Node process that trains: the suite's workers get them here, the `train`
 * scripts of package.json pass the same to tsx (a test checks they agree). A training step
 * allocates thousands of short-lived objects (tensors, their records, kernel arguments), and with
 * V8's default young generation they are collected often: in a process training a run of 1,000
 * batches of 4, V8's helper threads used 2.6 s of CPU beside the main thread's 7.2 s, on the other
 * core. With 64 MB semi-spaces the same run trained in 1.22 s instead of 1.37 s on CPU time of 1.44 s
 * instead of 1.64 s, and the quick suite took 9% less time with one worker and with two (CNN runs,
 * whose time goes to wasm kernels, unchanged), for about 40 MB more peak memory per process; 128 MB
 * gained nothing more. The flag has to be on the command line: V8 sizes the heap at start-up.
 */
export const TRAINER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=64"];

/**
 * One long-lived worker process: it starts Node, tsx, tfjs and the wasm backend once and decodes
 * the dataset once, then trains every run it is handed. Its progress lines (each names its run)
 * are passed on line by line, so lines of two workers never interleave mid-line.
 */
export class SuiteWorker {
  private readonly child: ChildProcess;
  private exited: Promise<number | null>;
  private pending: { resolve: () => void; reject: (error: Error) => void; id: string } | null = null;
  /** The worker's resident memory after its last run, in MiB (after a garbage collection if it was over WORKER_RECYCLE_MB). */
  rssMB = 0;

  /** `threads`: the XNNPACK pool of the worker's wasm backend (WASM_THREADS there); default 1. */
  constructor(progress: Progress, threads = 1) {
    this.child = fork(join(ROOT, "loaders", "suiteWorker.ts"), [], {
      cwd: ROOT,
      execArgv: ["--expose-gc", ...TRAINER_NODE_FLAGS, "--import", "tsx"],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      env: { ...process.env, WASM_THREADS: String(threads) }
    });
    createInterface({ input: this.child.stderr! }).on("line", (line) => progress.log(line));
    this.child.on("message", (reply: WorkerReply) => {
      const pending = this.pending;
      this.pending = null;
      if (!pending) return;
      if (reply.type === "done") {
        this.rssMB = reply.rssMB ?? 0;
        pending.resolve();
      }
      else pending.reject(new Error(reply.message));
    });
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => {
        this.pending?.reject(new Error(`worker process exited (${signal ?? `code ${code}`}) while training ${this.pending.id}`));
        this.pending = null;
        resolve(code);
      })
    );
  }

  train(request: WorkerRequest): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, id: request.planned.experiment.id };
      this.child.send(request);
    });
  }

  get alive(): boolean {
    return this.child.exitCode == null && this.child.signalCode == null;
  }

  /**
   * While idle the worker does not keep this process alive: when this process ends, the worker's
   * channel closes and it exits. `busy()` undoes that while it trains.
   */
  idle(): void {
    this.child.unref();
    this.child.channel?.unref();
    (this.child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  }
  busy(): void {
    this.child.ref();
    this.child.channel?.ref();
    (this.child.stderr as unknown as { ref?: () => void } | null)?.ref?.();
  }

  async close(): Promise<void> {
    if (this.alive) this.child.disconnect();
    await this.exited;
  }
}

/** A failed run: its experiment, where it would have been stored, and why it failed. */
export interface RunFailure {
  id: string;
  dir: string;
  message: string;
}

/** Runs that failed in worker processes, each with its error; thrown after every other run was trained and stored. */
export class RunsFailedError extends Error {
  constructor(readonly failures: RunFailure[]) {
    super(`training failed in worker processes: ${failures.map((f) => `${f.id}: ${f.message}`).join("; ")}`);
    this.name = "RunsFailedError";
  }
}

/**
 * Trains runs in at most `workers` long-lived child processes, each with its own wasm backend on
 * its own core, as planSchedule says: the long runs first, one at a time over every core (a
 * worker with one XNNPACK thread per core, or data-parallel replicas, as multicoreMode says), then
 * the rest, longest first, in single-threaded workers. Each child stores its runs atomically under
 * the run's lock, so the caller then only reads them. A failed run is reported after the others
 * have finished; a worker that died is replaced.
 */
export async function trainInWorkers(runs: PlannedRun[], workers: number, options: EnsureOptions): Promise<void> {
  const progress = options.progress ?? new Progress();
  const mode = multicoreMode(options);
  const schedule = planSchedule(runs, workers, mode);
  const lanes = Math.min(workers, schedule.rest.length || 1);
  const method = (p: PlannedRun) => (mode === "off" ? "replicas" : multicoreMethod(p.experiment, mode, options.backend));
  progress.log(
    `[suite] training ${runs.length} runs in ${lanes} worker process${lanes > 1 ? "es" : ""}, longest first ` +
      `(estimated ${schedule.serialSeconds.toFixed(0)} s on one core, ${schedule.wallSeconds.toFixed(0)} s here)` +
      (schedule.parallel.length
        ? `; first, one at a time over ${workers} cores: ${schedule.parallel.map((p) => `${p.experiment.id} (${method(p) === "threads" ? "XNNPACK threads" : "data-parallel replicas"})`).join(", ")}`
        : "")
  );
  const failures: RunFailure[] = [];
  const train = async (worker: SuiteWorker | null, planned: PlannedRun, replicas?: number, threads = 1) => {
    if (!worker?.alive) worker = new SuiteWorker(progress, threads);
    try {
      await worker.train({ type: "train", planned, force: Boolean(options.force), backend: options.backend, replicas });
    } catch (error) {
      failures.push({ id: planned.experiment.id, dir: planned.dir, message: (error as Error).message });
    }
    return worker;
  };
  let first: SuiteWorker | null = null;
  let threaded: SuiteWorker | null = null;
  for (const planned of schedule.parallel) {
    if (method(planned) === "threads") threaded = await train(threaded, planned, undefined, workers);
    else first = await train(first, planned, workers);
  }
  // The threaded worker's pool would compete with the single-threaded workers for the cores.
  await threaded?.close();
  const queue = [...schedule.rest];
  const lane = async (worker: SuiteWorker | null) => {
    for (let planned = queue.shift(); planned; planned = queue.shift()) {
      if (worker && worker.rssMB > (options.recycleWorkersAboveMB ?? WORKER_RECYCLE_MB)) {
        progress.log(`[suite] retiring a worker holding ${worker.rssMB.toFixed(0)} MB after a large run; the next run starts a fresh one`);
        await worker.close();
        worker = null;
      }
      worker = await train(worker, planned);
    }
    await worker?.close();
  };
  await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i === 0 ? first : null)));
  if (failures.length) throw new RunsFailedError(failures);
}
