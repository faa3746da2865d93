// The executor: the one way a run is trained and stored. Everything that trains (page loaders, the
// train command, searches) asks it for planned runs; it reads the stored ones and trains the missing
// ones in worker processes, one per core, sharing the cores of this process through one pool
// (CoreSlots), with one memory rule (WorkerPool) and one failure policy (every run goes on; the
// failures are reported together at the end, in a RunsFailedError).
import { existsSync } from "node:fs";
import { currentProfile, defaultMulticore, defaultWorkers, type MulticoreMode } from "../config.ts";
import type { RunRecord } from "../spec/record.ts";
import type { ProfileName } from "../spec/schema.ts";
import { Progress, type ProgressState } from "../training/progress.ts";
import { withLock } from "./lock.ts";
import { multicoreMethod, planSchedule } from "./cost.ts";
import { isStored, planRuns, type PlannedRun } from "./plan.ts";
import { StoredRunError, readRun, setAside, storeTestSet, sweepTemporary, writeRunAtomic } from "./store.ts";
import { WorkerPool, WorkerProcess } from "./workerPool.ts";

export interface EnsureOptions {
  /** Train again even when the run is stored (the new run replaces the old one once it is complete). */
  force?: boolean;
  progress?: Progress;
  backend?: "wasm" | "cpu";
  /** Train data-parallel over this many replicas (loaders/training/parallel.ts); default 1. */
  replicas?: number;
  /** Cores to train on, one worker process each: default TRAIN_WORKERS, else one per core. With 1, runs train in this process. */
  workers?: number;
  /**
   * How a run that is too long for the others to keep the other cores busy (planSchedule) trains
   * over every core: "threads" (one process whose wasm backend has an XNNPACK pool of one thread per
   * core, loaders/engine/wasmThreads.ts), "replicas" (data-parallel, loaders/training/parallel.ts),
   * "auto" (replicas, which are faster, unless the model has batch normalisation, whose statistics
   * replicas would compute per part of the batch: then threads, which compute exactly what one thread
   * does) or "off" (one core). Default: TRAIN_MULTICORE, else "auto".
   */
  multicore?: MulticoreMode;
  /**
   * Other work shares the cores (the parts of `npm run train` run at once; a search's trials are many and
   * alike): then only a lone missing run trains over every core, and the schedule does not hold every
   * core for one long run while other runs could use them.
   */
  shared?: boolean;
  /** A worker holding more than this after a run is retired (MiB); default TRAIN_WORKER_MEMORY_MB, else 768. */
  recycleWorkersAboveMB?: number;
  /** Fail instead of training when a run is not stored (to check that committed runs are complete). */
  readOnly?: boolean;
  /** Priority of these runs' claims on cores (CoreSlots): higher goes first; default 0. */
  priority?: number;
}

/** How long runs may train over every core: the option, else TRAIN_MULTICORE, else "auto". */
export function multicoreMode(options: EnsureOptions = {}): MulticoreMode {
  return options.multicore ?? defaultMulticore();
}

/** Reads a stored run; a damaged one is moved aside (never deleted) and reported, then treated as missing. */
function readOrSetAside(planned: PlannedRun, progress: Progress): RunRecord | null {
  try {
    return readRun(planned.dir);
  } catch (error) {
    if (!(error instanceof StoredRunError)) throw error;
    const aside = setAside(planned.dir);
    progress.log(`[${planned.experiment.id}] ${error.message}; moved it to ${aside} and training again`);
    return null;
  }
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
    const { trainRun } = await import("../training/trainRun.ts");
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

/**
 * Cores handed out to training in this process: every child process takes one, a run trained over
 * every core takes them all. Searches and grids that run at the same time (npm run train) so
 * share the machine instead of each starting a process per core. Waiters are served by priority
 * (higher first: the stages of a chain of searches, which everything after them waits on), then in
 * the order they came.
 */
export class CoreSlots {
  private free: number;
  private heldMs = 0;
  private readonly waiting: { n: number; priority: number; wake: () => void }[] = [];
  constructor(readonly size: number) {
    this.free = size;
  }
  /** Waits for `n` cores (at most the pool's size); the returned function gives them back. */
  async acquire(n = 1, priority = 0): Promise<() => void> {
    const want = Math.min(n, this.size);
    if (this.waiting.length === 0 && this.free >= want) this.free -= want;
    else {
      await new Promise<void>((wake) => {
        let at = this.waiting.length;
        while (at > 0 && this.waiting[at - 1].priority < priority) at--;
        this.waiting.splice(at, 0, { n: want, priority, wake });
        this.dispatch();
      });
    }
    let released = false;
    const since = performance.now();
    return () => {
      if (released) return;
      released = true;
      this.heldMs += (performance.now() - since) * want;
      this.free += want;
      this.dispatch();
    };
  }
  /** Core-seconds handed out and given back so far: how much of the pool's time its holders had. */
  heldCoreSeconds(): number {
    return this.heldMs / 1000;
  }
  private dispatch(): void {
    while (this.waiting.length && this.free >= this.waiting[0].n) {
      const next = this.waiting.shift()!;
      this.free -= next.n;
      next.wake();
    }
  }
}

const pool = new WorkerPool();

/** Ends this process's idle worker processes, e.g. before other work that needs memory takes a core. */
export function closeIdleWorkers(): Promise<void> {
  return pool.closeIdle();
}

const slotPools = new Map<number, CoreSlots>();
/** The one pool of `workers` cores that every call of this process with that many workers shares. */
export function coreSlotsFor(workers: number): CoreSlots {
  let slots = slotPools.get(workers);
  if (!slots) slotPools.set(workers, (slots = new CoreSlots(workers)));
  return slots;
}

/**
 * Runs other work that computes a stored result (study 9, in a child process of its own) on `cores`
 * of the same pool the runs take theirs from, after ending the idle workers, so that its memory peak
 * sits beside the busy workers only.
 */
export async function withCores<T>(workers: number, cores: number, work: () => Promise<T>, priority = 0): Promise<T> {
  const release = await coreSlotsFor(workers).acquire(cores, priority);
  try {
    await pool.closeIdle();
    return await work();
  } finally {
    release();
  }
}

/** A failed run: its experiment, where it would have been stored, and why it failed. */
export interface RunFailure {
  id: string;
  dir: string;
  message: string;
}

/** Runs that failed, each with its error; thrown after every other run was trained and stored. */
export class RunsFailedError extends Error {
  constructor(readonly failures: RunFailure[]) {
    super(`training failed in worker processes: ${failures.map((f) => `${f.id}: ${f.message}`).join("; ")}`);
    this.name = "RunsFailedError";
  }
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
  const worker = new WorkerProcess(options.progress ?? new Progress(), threads ? cores : 1);
  try {
    await worker.train({ type: "train", planned, force: Boolean(options.force), backend: options.backend, replicas: threads ? undefined : cores });
  } catch (error) {
    throw new RunsFailedError([{ id: planned.experiment.id, dir: planned.dir, message: (error as Error).message }]);
  } finally {
    await worker.close();
  }
  return ensureRun(planned, { ...options, force: false });
}

/**
 * Trains `missing` in worker processes as planSchedule says: the long runs first, one at a time over
 * every core (threads or replicas, as multicoreMode says), then the rest, longest first, one core and
 * one pooled worker each. Every claim on a core goes through the process's CoreSlots at
 * `options.priority`. Each worker stores its run atomically under the run's lock. A failed run is
 * reported after the others have finished; a worker that died is replaced.
 */
async function trainInWorkers(missing: PlannedRun[], workers: number, options: EnsureOptions & { progress: Progress }): Promise<void> {
  const { progress } = options;
  const slots = coreSlotsFor(workers);
  const priority = options.priority ?? 0;
  const mode = multicoreMode(options);
  const schedule = planSchedule(missing, workers, options.shared && missing.length > 1 ? "off" : mode);
  if (missing.length > 1) {
    const method = (p: PlannedRun) => multicoreMethod(p.experiment, mode === "off" ? "replicas" : mode, options.backend);
    progress.log(
      `[executor] training ${missing.length} runs on ${workers} cores, longest first ` +
        `(estimated ${schedule.serialSeconds.toFixed(0)} s on one core, ${schedule.wallSeconds.toFixed(0)} s here)` +
        (schedule.parallel.length
          ? `; first, one at a time over ${workers} cores: ${schedule.parallel.map((p) => `${p.experiment.id} (${method(p) === "threads" ? "XNNPACK threads" : "data-parallel replicas"})`).join(", ")}`
          : "")
    );
  }
  const failures: RunFailure[] = [];
  const failed = (planned: PlannedRun, error: unknown) => {
    if (error instanceof RunsFailedError) failures.push(...error.failures);
    else failures.push({ id: planned.experiment.id, dir: planned.dir, message: (error as Error).message });
  };
  for (const planned of schedule.parallel) {
    const release = await slots.acquire(workers, priority);
    try {
      if (options.force || !isStored(planned)) {
        // Idle workers would hold their memory beside the run that now takes every core.
        await pool.closeIdle();
        await trainOnAllCores(planned, workers, options);
      }
    } catch (error) {
      failed(planned, error);
    } finally {
      release();
    }
  }
  const queue = [...schedule.rest];
  const lane = async () => {
    for (let planned = queue.shift(); planned; planned = queue.shift()) {
      const release = await slots.acquire(1, priority);
      try {
        await pool.train({ type: "train", planned, force: Boolean(options.force), backend: options.backend }, progress, options.recycleWorkersAboveMB);
      } catch (error) {
        failed(planned, error);
      } finally {
        release();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, queue.length) }, lane));
  if (failures.length) throw new RunsFailedError(failures);
}

/**
 * The stored runs of `planned`, in order. With more than one worker, missing runs are trained in
 * worker processes first (trainInWorkers), a single one too: a run trained here would leave its peak
 * in this process's wasm heap, which never shrinks, for the rest of the build. With one worker they
 * train here, one at a time.
 */
export async function ensurePlanned(planned: PlannedRun[], options: EnsureOptions = {}): Promise<RunRecord[]> {
  const progress = options.progress ?? new Progress();
  const workers = options.workers ?? defaultWorkers();
  const slots = coreSlotsFor(workers);
  const missing = planned.filter((p) => options.force || !isStored(p));
  if (options.readOnly && missing.length) {
    throw new NotStoredError(`not stored: ${missing.map((p) => `${p.experiment.id} (${p.dir})`).join(", ")}`);
  }
  const trainedElsewhere = workers > 1 && missing.length > 0;
  if (trainedElsewhere) await trainInWorkers(missing, workers, { ...options, progress });
  // Runs the workers just stored are read here, not retrained; with one worker the missing ones train
  // here, each on a core of the pool. (A stored run is read once more by ensureRun, not checked again.)
  const trainsHere = new Set(trainedElsewhere ? [] : missing);
  const out: RunRecord[] = [];
  for (const p of planned) {
    const force = trainedElsewhere ? false : options.force;
    const release = trainsHere.has(p) ? await slots.acquire(1, options.priority ?? 0) : null;
    try {
      out.push(await ensureRun(p, { ...options, progress, force }));
    } finally {
      release?.();
    }
  }
  return out;
}

/** What a read-only ensure throws when runs are missing (its message names each with its folder). */
export class NotStoredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotStoredError";
  }
}

/** Ensures every declared run of a profile (or those named in `only`), in declaration order. */
export async function ensureRuns(
  profile: ProfileName = currentProfile(),
  options: EnsureOptions & { only?: string[] } = {}
): Promise<{ planned: PlannedRun; record: RunRecord }[]> {
  sweepTemporary(profile);
  let plan = planRuns(profile);
  if (options.only?.length) {
    const known = new Set(plan.map((p) => p.experiment.id));
    const unknown = options.only.filter((id) => !known.has(id));
    if (unknown.length) throw new Error(`unknown experiment id(s): ${unknown.join(", ")}; known: ${[...known].join(", ")}`);
    plan = plan.filter((p) => options.only!.includes(p.experiment.id));
  }
  const records = await ensurePlanned(plan, options);
  return plan.map((planned, i) => ({ planned, record: records[i] }));
}
