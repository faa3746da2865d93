// A cross-process lock on a name (a directory under the runs folder, or another folder), so that two
// builds never train the same run twice nor write the site at once; a lock whose owner is gone is taken over.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { lockTimeoutMs, runsRoot } from "../config.ts";

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Who holds a lock: enough to tell the owner from a process that reused its pid, or one on another machine. */
export interface LockOwner {
  pid: number;
  host: string;
  /** The kernel's boot id (Linux): a pid is only meaningful within one boot. */
  boot: string | null;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat), or null where unknown. */
  start: number | null;
  since: string;
}

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
}

const BOOT_ID = readOptional("/proc/sys/kernel/random/boot_id");

/** A process's start time (field 22 of /proc/<pid>/stat), or null when it cannot be read. */
export function processStart(pid: number): number | null {
  const stat = readOptional(`/proc/${pid}/stat`);
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const start = Number(fields[19]);
  return Number.isFinite(start) ? start : null;
}

export function currentOwner(): LockOwner {
  return { pid: process.pid, host: hostname(), boot: BOOT_ID, start: processStart(process.pid), since: new Date().toISOString() };
}

/**
 * Whether a lock's owner is certainly gone: on this machine and boot, no process has its pid, or the
 * one that has it started at another time (the pid was reused, e.g. after a crash or a container
 * restart). An owner on another host, or one this machine cannot check, is taken to be alive.
 */
export function ownerGone(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false;
  if (owner.boot != null && BOOT_ID != null && owner.boot !== BOOT_ID) return true;
  if (!processAlive(owner.pid)) return true;
  const start = processStart(owner.pid);
  return owner.start != null && start != null && start !== owner.start;
}

function readOwner(lock: string): LockOwner | null {
  const text = readOptional(join(lock, "owner.json"));
  if (text) {
    try {
      return JSON.parse(text) as LockOwner;
    } catch {
      return null;
    }
  }
  // A lock written before owners were recorded: its pid only.
  const pid = Number(readOptional(join(lock, "pid")));
  return pid > 0 ? { pid, host: hostname(), boot: BOOT_ID, start: null, since: "an unknown time" } : null;
}

export class LockTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LockTimeoutError";
  }
}

export interface LockOptions {
  /** Give up after waiting this long for another owner (default LOCK_TIMEOUT_S, else an hour). */
  timeoutMs?: number;
  /** Where to say who is being waited for (once, then every minute). */
  log?: (line: string) => void;
  /** The folder that holds the lock directory (default: the run store's `.locks`). */
  dir?: string;
}

/**
 * Runs `fn` while holding a lock on `name`, so that two loaders building at once never train the same
 * run twice. The lock is a directory (mkdir is atomic) holding its owner (pid, start time, boot and
 * host); a lock whose owner is gone is taken over. While another owner holds it, the wait is reported
 * through `log`, and it ends with a LockTimeoutError naming the owner after `timeoutMs`.
 */
export async function withLock<T>(name: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const locks = options.dir ?? join(runsRoot(), ".locks");
  mkdirSync(locks, { recursive: true });
  const lock = join(locks, `${name}.lock`);
  const timeout = options.timeoutMs ?? lockTimeoutMs();
  const started = Date.now();
  let reported = 0;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "owner.json"), JSON.stringify(currentOwner()));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = readOwner(lock);
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      // The owner has made the directory but not yet written who it is; after 10 s it never will.
      if ((owner && ownerGone(owner)) || (!owner && age > 10_000)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      const waited = Date.now() - started;
      const who = owner ? `process ${owner.pid} on ${owner.host}, holding it since ${owner.since}` : "a process that has not written its name";
      if (waited >= timeout) {
        throw new LockTimeoutError(
          `${lock}: still held by ${who} after waiting ${Math.round(waited / 1000)} s; if that process is gone, remove the lock directory, or wait longer with LOCK_TIMEOUT_S`
        );
      }
      if (options.log && waited >= reported) {
        options.log(`[lock] waiting for ${name}: held by ${who} (gives up after ${Math.round(timeout / 1000)} s)`);
        reported = waited + 60_000;
      }
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
