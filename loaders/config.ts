// Settings and paths: where the project, its declarations and its runs are, and every environment
// variable the pipeline reads, each checked here with a message naming it and what it expects.
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PROFILES, type ProfileName } from "./spec/schema.ts";

/** The project's root folder. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The experiment declarations: one file per study, models.json and project.json (loaders/spec/declarationFolder.ts). */
export const DECLARATIONS_DIR = join(ROOT, "data", "experiments");

/** Where runs live; tests point this elsewhere with RUNS_DIR. */
export function runsRoot(): string {
  return process.env.RUNS_DIR ? resolve(process.env.RUNS_DIR) : join(ROOT, "data", "runs");
}

/** Where Debian's dataset-fashion-mnist puts its files; FASHION_MNIST_DIR points elsewhere (tests hide it so). */
export function fashionMnistDir(): string {
  return process.env.FASHION_MNIST_DIR ?? "/usr/share/datasets/fashion-mnist";
}

/** The profile a build uses: REPORT_PROFILE, or the full published report. */
export function currentProfile(): ProfileName {
  const value = process.env.REPORT_PROFILE ?? "full";
  if (!(PROFILES as readonly string[]).includes(value)) {
    throw new Error(`REPORT_PROFILE="${value}" is not a profile; expected one of ${PROFILES.join(", ")}`);
  }
  return value as ProfileName;
}

/** Variables that once had other names: a script still setting an old one is told, not silently ignored. */
const RENAMED: Record<string, string> = {
  TRAIN_WORKERS: "SUITE_WORKERS",
  TRAIN_MULTICORE: "SUITE_MULTICORE",
  TRAIN_WORKER_MEMORY_MB: "SUITE_WORKER_MEMORY_MB"
};

/** The variable's value; an error when only its old name is set. */
function fromEnvironment(name: string): string | undefined {
  const old = RENAMED[name];
  if (old && process.env[old] != null && process.env[name] == null) {
    throw new Error(`${old} is now called ${name}: set ${name}="${process.env[old]}" instead`);
  }
  return process.env[name];
}

function positiveIntegerFrom(name: string, fallback: number): number {
  const value = fromEnvironment(name);
  if (value == null || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}="${value}" is not a positive integer`);
  return n;
}

/** Worker processes used to train missing runs: TRAIN_WORKERS, or one per core. */
export function defaultWorkers(): number {
  return positiveIntegerFrom("TRAIN_WORKERS", availableParallelism());
}

/**
 * How many threads the wasm backend's XNNPACK pool gets when not told: WASM_THREADS, else 1.
 * Processes that share the machine with others keep 1; a process that trains alone sets the core count.
 */
export function defaultWasmThreads(): number {
  return positiveIntegerFrom("WASM_THREADS", 1);
}

export const MULTICORE_MODES = ["auto", "threads", "replicas", "off"] as const;
export type MulticoreMode = (typeof MULTICORE_MODES)[number];

/** How a long run may train over every core, when not told (see EnsureOptions.multicore): TRAIN_MULTICORE, else "auto". */
export function defaultMulticore(): MulticoreMode {
  const value = fromEnvironment("TRAIN_MULTICORE") ?? "";
  if (value === "") return "auto";
  if (!(MULTICORE_MODES as readonly string[]).includes(value)) throw new Error(`TRAIN_MULTICORE="${value}" is not one of ${MULTICORE_MODES.join(", ")}`);
  return value as MulticoreMode;
}

/**
 * The memory limit of a worker process between runs (MiB; TRAIN_WORKER_MEMORY_MB overrides): over it
 * after a run, the worker collects its garbage, and one still over it is retired, the next run
 * starting a fresh one. What stays is mostly the wasm heap, which grew for a large model and never
 * shrinks; keeping it would hold that memory while smaller runs train.
 */
export function workerMemoryLimitMB(): number {
  return positiveIntegerFrom("TRAIN_WORKER_MEMORY_MB", 768);
}

/** How long a process waits for another's lock by default: LOCK_TIMEOUT_S seconds, else an hour. */
export function lockTimeoutMs(): number {
  const seconds = Number(process.env.LOCK_TIMEOUT_S ?? 3600);
  if (!(seconds > 0)) throw new Error(`LOCK_TIMEOUT_S must be a positive number of seconds, got "${process.env.LOCK_TIMEOUT_S}"`);
  return seconds * 1000;
}

/**
 * V8 flags of every Node process that trains: the executor's workers get them, and the `train`
 * script of package.json passes the same to tsx (a test checks they agree). A training step
 * allocates thousands of short-lived objects (tensors, their records, kernel arguments); with V8's
 * default young generation they are collected so often that V8's helper threads take much of the
 * other core. Larger semi-spaces cut that at a cost of some peak memory per process (bench/run.ts
 * measures it). The flag has to be on the command line: V8 sizes the heap at start-up.
 */
export const TRAINER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=64"];
