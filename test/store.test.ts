// Stored runs: atomic writes, validation of damaged files, sweeping leftovers, and the cross-process lock.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { StoredRunError, listRunDirs, readRun, runDir, sweepTemporary, writeRunAtomic } from "../loaders/experiments/store.ts";
import { RUN_SCHEMA_VERSION, TRAINER_VERSION, type RunRecord } from "../loaders/spec/record.ts";
import { LockTimeoutError, currentOwner, processStart, withLock } from "../loaders/experiments/lock.ts";

function record(key = "0123456789ab"): RunRecord {
  return {
    schemaVersion: RUN_SCHEMA_VERSION,
    key,
    trainerVersion: TRAINER_VERSION,
    experiment: { id: "t" },
    status: "completed",
    data: { dataset: "mnist", trainCount: 10, validationCount: 5, testCount: 5, splitSeed: 1 },
    environment: { backend: "cpu", tfjsVersion: "4", node: "v20", cpu: "x", platform: "linux" },
    params: 10,
    history: [{ epoch: 1, loss: 1, accuracy: 0.5, valLoss: 1, valAccuracy: 0.5, seconds: 1, learningRate: 0.001 }],
    bestEpoch: null,
    stoppedEarly: false,
    divergence: null,
    timing: { trainSeconds: 1, evalSeconds: 0, samplesPerSecond: 10, samplesSeen: 10 },
    test: null,
    misclassified: [],
    hasWeights: false,
    createdAt: new Date(0).toISOString()
  };
}

describe("run store", () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "runs-"));
    process.env.RUNS_DIR = root;
  });
  after(() => {
    delete process.env.RUNS_DIR;
  });

  it("writes a run atomically and reads it back", () => {
    const dir = runDir("quick", "t", "0123456789ab");
    writeRunAtomic(dir, record(), { "weights.bin": new Uint8Array([1, 2, 3]) });
    // sha256 of the bytes 01 02 03 (as `printf '\x01\x02\x03' | sha256sum` gives it).
    const files = { "weights.bin": { bytes: 3, sha256: "039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81" } };
    assert.deepEqual(readRun(dir), { ...record(), files });
    assert.deepEqual([...readFileSync(join(dir, "weights.bin"))], [1, 2, 3]);
    assert.deepEqual(readdirSync(join(root, "quick")), ["t--0123456789ab"], "no temporary directory left behind");
    assert.deepEqual(listRunDirs("quick"), [dir]);
  });

  it("replacing a run keeps the old one until the new one is complete", () => {
    const dir = runDir("quick", "t", "0123456789ab");
    const failing = { get "run.json"(): string { throw new Error("disk full"); } } as unknown as Record<string, string>;
    assert.throws(() => writeRunAtomic(dir, record(), failing), /disk full/);
    assert.equal(readRun(dir)!.files?.["weights.bin"]?.bytes, 3, "the stored run survives a failed rewrite");
    assert.deepEqual(readdirSync(join(root, "quick")), ["t--0123456789ab"]);
    writeRunAtomic(dir, { ...record(), params: 11 });
    assert.equal(readRun(dir)!.params, 11);
  });

  it("catches a truncated, altered or missing file that run.json lists, naming it", () => {
    const dir = runDir("quick", "w", "0123456789ab");
    writeRunAtomic(dir, record(), { "weights.bin": new Uint8Array(64).fill(7), "predictions.txt": "abc" });
    const weights = join(dir, "weights.bin");
    writeFileSync(weights, new Uint8Array(40).fill(7));
    assert.throws(() => readRun(dir), (e: Error) => e instanceof StoredRunError && e.message.includes(weights) && /40 bytes.*64/.test(e.message));
    writeFileSync(weights, new Uint8Array(64).fill(8));
    assert.throws(() => readRun(dir), (e: Error) => e instanceof StoredRunError && e.message.includes(weights) && /SHA-256/.test(e.message));
    rmSync(weights);
    assert.throws(() => readRun(dir), (e: Error) => e instanceof StoredRunError && /lists weights\.bin.*missing/.test(e.message));
  });

  it("never reads a half-written run, and sweeps what a dead process left", () => {
    const dead = 2 ** 22 + 12345; // above Linux's default pid_max, so no such process
    const partial = `${runDir("quick", "u", "aaaaaaaaaaaa")}.tmp-${dead}-beef`;
    mkdirSync(partial, { recursive: true });
    writeFileSync(join(partial, "weights.bin"), "half");
    assert.ok(!listRunDirs("quick").some((d) => d.includes("aaaaaaaaaaaa")));
    assert.equal(readRun(runDir("quick", "u", "aaaaaaaaaaaa")), null);
    assert.deepEqual(sweepTemporary("quick"), [`u--aaaaaaaaaaaa.tmp-${dead}-beef`]);
    assert.ok(!existsSync(partial));
  });

  it("reports damaged run files with the file and field", () => {
    const dir = runDir("quick", "v", "bbbbbbbbbbbb");
    writeRunAtomic(dir, record("bbbbbbbbbbbb"));
    const file = join(dir, "run.json");
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.slice(0, text.length / 2));
    assert.throws(() => readRun(dir), (e: Error) => e instanceof StoredRunError && e.message.includes(file) && /not valid JSON/.test(e.message));
    const broken = JSON.parse(text);
    broken.history[0].epoch = "one";
    writeFileSync(file, JSON.stringify(broken));
    assert.throws(() => readRun(dir), (e: Error) => e instanceof StoredRunError && e.message.includes("history.0.epoch"));
    writeFileSync(file, JSON.stringify({ ...JSON.parse(text), hasWeights: true }));
    assert.throws(() => readRun(dir), /model\.json is missing/);
  });

  it("a forced retrain killed between its two renames leaves the previous run, which the next start restores", () => {
    const dir = runDir("quick", "r", "cccccccccccc");
    writeRunAtomic(dir, record("cccccccccccc"));
    // What a process killed after `rename(dir, old)` and before `rename(tmp, dir)` leaves behind.
    const dead = 2 ** 22 + 4242;
    const old = `${dir}.old-${dead}-cafe`;
    renameSync(dir, old);
    mkdirSync(`${dir}.tmp-${dead}-beef`);
    assert.equal(readRun(dir), null, "the run is missing until the sweep");
    const done = sweepTemporary("quick");
    assert.ok(done.some((line) => line.startsWith(`r--cccccccccccc.old-${dead}-cafe (restored as r--cccccccccccc`)), done.join("; "));
    assert.equal(readRun(dir)?.key, "cccccccccccc", "the previous good run is back");
    assert.ok(!existsSync(old) && !existsSync(`${dir}.tmp-${dead}-beef`));
    // When the new run did arrive, the moved-aside one is only removed.
    mkdirSync(old);
    sweepTemporary("quick");
    assert.ok(!existsSync(old) && readRun(dir) != null);
  });

  it("a lock whose pid now belongs to another process is taken over at once", async () => {
    const locks = join(root, ".locks");
    mkdirSync(join(locks, "reused.lock"), { recursive: true });
    // This test's own process stands in for the unrelated process that got the dead owner's pid: alive, but
    // started at another time than the owner recorded.
    const start = processStart(process.pid);
    assert.ok(start != null, "/proc gives process start times here");
    writeFileSync(join(locks, "reused.lock", "owner.json"), JSON.stringify({ ...currentOwner(), start: start! + 1000 }));
    const began = Date.now();
    assert.equal(await withLock("reused", async () => "taken over", { timeoutMs: 5_000 }), "taken over");
    assert.ok(Date.now() - began < 2_000, "no wait for a process that is not the owner");
  });

  it("waiting for a live owner says who and since when, and gives up with a clear error", async () => {
    const locks = join(root, ".locks");
    mkdirSync(join(locks, "busy.lock"), { recursive: true });
    // An owner this machine cannot check (another host on a shared disk) counts as alive.
    writeFileSync(join(locks, "busy.lock", "owner.json"), JSON.stringify({ ...currentOwner(), pid: 4321, host: "elsewhere", since: "2026-12-06T10:00:00.000Z" }));
    const lines: string[] = [];
    await assert.rejects(
      withLock("busy", async () => "never", { timeoutMs: 600, log: (line) => lines.push(line) }),
      (e: Error) => e instanceof LockTimeoutError && e.message.includes("process 4321 on elsewhere, holding it since 2026-12-06T10:00:00.000Z") && /LOCK_TIMEOUT_S/.test(e.message)
    );
    assert.equal(lines.length, 1);
    assert.match(lines[0], /waiting for busy: held by process 4321 on elsewhere/);
  });

  it("the lock serialises holders within a process", async () => {
    const events: string[] = [];
    const hold = (name: string) =>
      withLock("same", async () => {
        events.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 50));
        events.push(`${name} out`);
      });
    await Promise.all([hold("a"), hold("b")]);
    assert.deepEqual(events, ["a in", "a out", "b in", "b out"]);
  });

  it("the lock waits for another process and takes over from a dead one", async () => {
    const locks = join(root, ".locks");
    mkdirSync(join(locks, "stale.lock"), { recursive: true });
    writeFileSync(join(locks, "stale.lock", "pid"), String(2 ** 22 + 999));
    assert.equal(await withLock("stale", async () => "taken over"), "taken over");

    const script = `
      import { withLock } from ${JSON.stringify(new URL("../loaders/experiments/lock.ts", import.meta.url).pathname)};
      import { writeFileSync } from "node:fs";
      await withLock("shared", async () => {
        process.stdout.write("held\\n");
        await new Promise(r => setTimeout(r, 300));
        writeFileSync(${JSON.stringify(join(root, "released"))}, "yes");
      });
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      env: { ...process.env, RUNS_DIR: root },
      stdio: ["ignore", "pipe", "inherit"]
    });
    const exited = new Promise((r) => child.once("exit", r));
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    const seen = await withLock("shared", async () => existsSync(join(root, "released")));
    assert.ok(seen, "got the lock only after the other process had finished its work");
    assert.equal(await exited, 0);
  });
});
