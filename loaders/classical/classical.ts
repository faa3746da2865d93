// Study 9, "beyond the network", computed at build time and stored like a training run under
// data/runs/<profile>/classical--<key>/result.json (settings: data/classical.json): the stored result,
// or computed (in this process or a child of its own) and stored first.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ROOT } from "../config.ts";
import { withLock } from "../experiments/lock.ts";
import { setAside } from "../experiments/store.ts";
import { computeClassical } from "./compute.ts";
import { classicalDir, classicalKey, readResult, readSettings, resolveSettings, writeResultAtomic, RESULT_FILE, StoredResultError, type ClassicalResult, type Settings } from "./settings.ts";

export interface ClassicalOptions {
  /** Recompute even when a result is stored. */
  force?: boolean;
  /** Progress lines (stderr by default; stdout of a loader is its output). */
  log?: (line: string) => void;
  settings?: Settings;
}

/** The stored result in `dir`, or null when there is none or it is damaged (then handed to `damaged` first). */
function readUnlessDamaged(dir: string, damaged: (error: StoredResultError) => void): ClassicalResult | null {
  try {
    return readResult(dir);
  } catch (error) {
    if (!(error instanceof StoredResultError)) throw error;
    damaged(error);
    return null;
  }
}

/**
 * The stored result for a profile, computed and stored first when it is missing, when its settings
 * changed (a new key) or when the stored file is damaged (moved aside as `.damaged-<time>`).
 */
export async function ensureClassical(profile: string, options: ClassicalOptions = {}): Promise<{ result: ClassicalResult; dir: string; computed: boolean }> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const settings = options.settings ?? readSettings();
  const resolved = resolveSettings(settings, profile);
  const key = classicalKey(resolved);
  const dir = classicalDir(resolved, key);
  return withLock(`classical-${profile}`, async () => {
    if (!options.force) {
      const stored = readUnlessDamaged(dir, (error) => {
        log(`[classical] ${error.message}; moved it to ${setAside(dir)} and computing it again`);
      });
      if (stored) return { result: stored, dir, computed: false };
    }
    log(`[classical] computing ${profile} profile → ${dir}`);
    const result = computeClassical(resolved, key, log);
    writeResultAtomic(dir, result);
    log(`[classical] stored ${join(dir, RESULT_FILE)}`);
    return { result, dir, computed: true };
  });
}

/**
 * ensureClassical with the computation in a child process (loaders/classical/childEntry.ts): what it
 * allocates (the training subset as doubles, the PCA and distance matrices, the fitted models) goes
 * back to the system when the child ends, instead of staying in this process's heap beside the
 * training workers for the rest of a build. A stored result is read here without starting one. The
 * child's progress lines are passed to `log`; it failing is an error naming its exit status.
 */
export async function ensureClassicalInChild(
  profile: string,
  options: { force?: boolean; log?: (line: string) => void } = {}
): Promise<{ result: ClassicalResult; dir: string; computed: boolean }> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = classicalDir(resolveSettings(readSettings(), profile));
  if (!options.force) {
    // A damaged result is left to the child, which moves it aside and computes it again.
    const stored = readUnlessDamaged(dir, () => {});
    if (stored) return { result: stored, dir, computed: false };
  }
  const args = ["--profile", profile, ...(options.force ? ["--force"] : [])];
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "loaders", "classical", "childEntry.ts"), ...args], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"]
  });
  createInterface({ input: child.stderr! }).on("line", log);
  const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  if (code !== 0) throw new Error(`study 9 (classical methods, ${profile} profile) failed in its child process (${signal ?? `exit code ${code}`}); see its messages above`);
  const result = readResult(dir);
  if (!result) throw new Error(`study 9's child process ended without storing ${join(dir, RESULT_FILE)}`);
  return { result, dir, computed: true };
}
