// A worker process, forked by loaders/experiments/workerPool.ts: trains the runs its parent sends, one at a
// time, in this one process (tfjs, the wasm backend and the decoded dataset are set up once), and
// answers each with "done" or "failed". Progress goes to stderr; stdout is never written.
import { exitIfOrphaned, exitWithParent } from "./orphan.ts";
import { Progress, type ProgressState } from "../training/progress.ts";
import { workerMemoryLimitMB } from "../config.ts";
import { ensureRun } from "./executor.ts";
import type { WorkerReply, WorkerRequest } from "./workerPool.ts";

if (!process.send) throw new Error("loaders/experiments/workerEntry.ts is started by loaders/experiments/workerPool.ts, not by hand");
/** The trainers report every batch here: the moment to notice that the parent has gone. */
class WorkerProgress extends Progress {
  override update(state: ProgressState, force = false): void {
    exitIfOrphaned();
    super.update(state, force);
  }
}
const progress = new WorkerProgress(process.stderr);
exitWithParent();
const reply = (message: WorkerReply) => process.send!(message);

process.on("message", async (request: WorkerRequest) => {
  const id = request.planned.experiment.id;
  try {
    await ensureRun(request.planned, { force: request.force, backend: request.backend, replicas: request.replicas, progress });
    // A worker over the memory limit after a run collects its garbage (the run's data splits are
    // hundreds of MB of Float32Array that V8 frees lazily); under it, it does not, because a forced
    // full collection resets V8's heap sizing and the next runs then collect far more often, which
    // costs more CPU than it saves memory. Still over the limit, the parent retires it.
    if (process.memoryUsage.rss() / 2 ** 20 > (request.memoryLimitMB ?? workerMemoryLimitMB())) (globalThis as { gc?: () => void }).gc?.();
    reply({ type: "done", id, rssMB: process.memoryUsage.rss() / 2 ** 20 });
  } catch (error) {
    progress.log(`[${id}] failed: ${(error as Error).stack ?? error}`);
    reply({ type: "failed", id, message: (error as Error).message });
  }
});
// The parent disconnects when it has no more runs for us.
process.on("disconnect", () => process.exit(0));
