// Worker processes that train runs: one long-lived process (workerEntry.ts) per core, and the pool that
// hands them runs and retires one whose memory stays over the limit after a run.
import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ROOT, TRAINER_NODE_FLAGS, workerMemoryLimitMB } from "../config.ts";
import { Progress } from "../training/progress.ts";
import type { PlannedRun } from "./plan.ts";

/** What the parent sends a worker (workerEntry.ts), and what it answers. */
export type WorkerRequest = {
  type: "train";
  planned: PlannedRun;
  force: boolean;
  backend?: "wasm" | "cpu";
  replicas?: number;
  /** Over this after the run (MiB), the worker collects its garbage before answering. */
  memoryLimitMB?: number;
};
export type WorkerReply = { type: "done"; id: string; rssMB?: number } | { type: "failed"; id: string; message: string };

/**
 * One long-lived worker process: it starts Node, tsx, tfjs and the wasm backend once and decodes
 * the dataset once, then trains every run it is handed. Its progress lines (each names its run)
 * are passed on line by line to the progress of the run it is training, so lines of two workers
 * never interleave mid-line.
 */
export class WorkerProcess {
  private readonly child: ChildProcess;
  private exited: Promise<number | null>;
  private pending: { resolve: () => void; reject: (error: Error) => void; id: string } | null = null;
  private sink: Progress;
  /** The worker's resident memory after its last run, in MiB (after a garbage collection if it was over the limit). */
  rssMB = 0;

  /** `threads`: the XNNPACK pool of the worker's wasm backend (WASM_THREADS there); default 1. */
  constructor(progress: Progress, threads = 1) {
    this.sink = progress;
    this.child = fork(join(ROOT, "loaders", "experiments", "workerEntry.ts"), [], {
      cwd: ROOT,
      execArgv: ["--expose-gc", ...TRAINER_NODE_FLAGS, "--import", "tsx"],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      env: { ...process.env, WASM_THREADS: String(threads) }
    });
    createInterface({ input: this.child.stderr! }).on("line", (line) => this.sink.log(line));
    this.child.on("message", (reply: WorkerReply) => {
      const pending = this.pending;
      this.pending = null;
      if (!pending) return;
      if (reply.type === "done") {
        this.rssMB = reply.rssMB ?? 0;
        pending.resolve();
      } else pending.reject(new Error(reply.message));
    });
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => {
        this.pending?.reject(new Error(`worker process exited (${signal ?? `code ${code}`}) while training ${this.pending.id}`));
        this.pending = null;
        resolve(code);
      })
    );
  }

  /** Trains one run; its progress lines go to `progress` (default: the one the worker was made with). */
  train(request: WorkerRequest, progress: Progress = this.sink): Promise<void> {
    this.sink = progress;
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

/**
 * The single-threaded worker processes of this process, reused from run to run: Node, tsx, tfjs,
 * the wasm backend and the decoded datasets are set up once per process, not once per run (seconds
 * each). The executor only hands a worker a run while it holds a core for it, so there are never
 * more busy workers than cores; idle ones wait without keeping this process alive.
 */
export class WorkerPool {
  private readonly idleWorkers: WorkerProcess[] = [];

  /**
   * Trains one run in an idle worker (or a new one). A worker holding more than `memoryLimitMB` after
   * the run is retired: its wasm heap grew for a large model and never shrinks, and keeping it would
   * hold that memory while smaller runs train.
   */
  async train(request: WorkerRequest, progress: Progress, memoryLimitMB = workerMemoryLimitMB()): Promise<void> {
    let worker = this.idleWorkers.pop();
    while (worker && !worker.alive) worker = this.idleWorkers.pop();
    worker ??= new WorkerProcess(progress);
    worker.busy();
    try {
      await worker.train({ ...request, memoryLimitMB }, progress);
    } finally {
      if (worker.alive && worker.rssMB > memoryLimitMB) {
        progress.log(`[executor] retiring a worker holding ${worker.rssMB.toFixed(0)} MB after ${request.planned.experiment.id}; the next run starts a fresh one`);
        void worker.close();
      } else if (worker.alive) {
        worker.idle();
        this.idleWorkers.push(worker);
      }
    }
  }

  /** Ends the idle workers, so that they hold no memory while a run trains over every core. */
  async closeIdle(): Promise<void> {
    const idle = this.idleWorkers.splice(0);
    await Promise.all(idle.map((worker) => worker.close()));
  }
}
