// Ends a child process of the pipeline whose parent has gone. A worker killed with its parent (kill -9
// of `npm run train`, a closed terminal) would otherwise train its run to the end with no one to read it,
// holding a core and a run's lock. A closed IPC channel is not enough: the event that reports it
// waits for the event loop, which a training loop keeps busy, so the trainers also ask between batches.
const parent = process.ppid;

/** Exits (code 1, with a line on stderr) when this process's parent is no longer the one that started it. */
export function exitIfOrphaned(): void {
  if (process.ppid === parent) return;
  process.stderr.write(`[pid ${process.pid}] the process that started this one (pid ${parent}) has ended; stopping\n`);
  process.exit(1);
}

/** Checks every `intervalMs` without keeping the process alive. */
export function exitWithParent(intervalMs = 1000): void {
  setInterval(exitIfOrphaned, intervalMs).unref();
}
