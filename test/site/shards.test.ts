// A sweep over machines, end to end: the quick profile trained as two shards into separate stores (two
// single-core "machines" at once), merged into a third, which must hold what one machine's store holds
// (the same run keys, the same figures for runs trained on one thread), nothing more and nothing less,
// and from which the site builds without training anything.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ROOT, TRAINER_NODE_FLAGS } from "../../loaders/config.ts";
import { readRun } from "../../loaders/experiments/store.ts";
import { ensureSite } from "../helpers/site.ts";

const TRAIN = join(ROOT, "loaders", "cli", "train.ts");

/** `npm run train -- ...args` with its own store; resolves with its exit code and output. */
function train(args: string[], runs: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...TRAINER_NODE_FLAGS, "--import", "tsx", TRAIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, RUNS_DIR: runs, REPORT_PROFILE: "quick", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"]
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const results = (store: string) => readdirSync(join(store, "quick")).filter((name) => /--[0-9a-f]{12}$/.test(name)).sort();

describe("a sweep in shards", { timeout: 30 * 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "shards-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("trains the quick profile as two shards whose merged store equals one machine's, and builds the site from it", async () => {
    // One machine's store: the test build trains every quick run into data/runs/quick.
    const site = await ensureSite();
    site.dispose();
    const oneMachine = join(ROOT, "data", "runs", "quick");

    const shards = [join(dir, "shard-1"), join(dir, "shard-2")];
    const trained = await Promise.all(shards.map((store, i) => train(["--shard", `${i + 1}/2`, "--workers", "1"], store)));
    trained.forEach((t, i) => {
      assert.equal(t.code, 0, `shard ${i + 1}:\n${t.stderr.slice(-3000)}`);
      assert.match(t.stderr, new RegExp(`\\[train\\] shard ${i + 1}/2: \\d+ declared runs`));
    });
    const [first, second] = shards.map(results);
    assert.ok(first.length > 0 && second.length > 0, "each shard trained a share");
    assert.deepEqual(first.filter((name) => second.includes(name)), [], "no result trained by both shards");

    const merged = join(dir, "merged");
    const merge = spawnSync(process.execPath, ["--import", "tsx", TRAIN, "--merge", ...shards], { cwd: ROOT, encoding: "utf8", env: { ...process.env, RUNS_DIR: merged } });
    assert.equal(merge.status, 0, merge.stdout + merge.stderr);
    // Each result once, and each task's test set once (every shard that scored a task stored the same one).
    const testSets = new Set(shards.flatMap((store) => (existsSync(join(store, "quick", "test-sets")) ? readdirSync(join(store, "quick", "test-sets")) : [])));
    assert.match(merge.stdout, new RegExp(`^merge: ${first.length + second.length + testSets.size} copied`, "m"));
    assert.deepEqual(results(merged), [...first, ...second].sort());

    // The same keys as one machine's store: everything the declarations use, and nothing else.
    const stale = spawnSync(process.execPath, ["--import", "tsx", TRAIN, "--stale"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, RUNS_DIR: merged, REPORT_PROFILE: "quick" } });
    assert.equal(stale.status, 0, stale.stderr.slice(-3000));
    assert.equal(stale.stdout.trim(), "", "no stored result that the declarations do not use");
    assert.match(stale.stderr, / 0 results trained, \d+ reused/, "the check trained nothing: the merged store is complete");
    const usedByOneMachine = results(merged).filter((name) => existsSync(join(oneMachine, name)));
    assert.deepEqual(usedByOneMachine, results(merged), "every merged result has the same key in one machine's store");

    // The same figures where both sides trained on one thread (data-parallel replicas sum in another order).
    let compared = 0;
    for (const name of results(merged).filter((n) => !n.startsWith("classical--"))) {
      const [a, b] = [readRun(join(merged, "quick", name))!, readRun(join(oneMachine, name))!];
      if (a.environment.replicas || a.environment.threads || b.environment.replicas || b.environment.threads) continue;
      assert.equal(a.test?.accuracy ?? null, b.test?.accuracy ?? null, `${name}: test accuracy`);
      assert.deepEqual(a.history.map((h) => h.valAccuracy), b.history.map((h) => h.valAccuracy), `${name}: validation curve`);
      compared++;
    }
    assert.ok(compared > 100, `figures compared for ${compared} runs`);

    // The site builds from the merged store alone, training nothing.
    const out = join(dir, "site");
    const build = spawnSync(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "scripts", "build.ts"), "--out", out], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, RUNS_DIR: merged, REPORT_PROFILE: "quick" },
      maxBuffer: 256 * 1024 * 1024
    });
    assert.equal(build.status, 0, build.stderr.slice(-3000));
    assert.ok(existsSync(join(out, "index.html")));
    assert.doesNotMatch(build.stderr, /stored completed run/, "the build trained nothing");
    // It trained nothing; it laid out the test-set maps, which a build computes from the stored runs.
    const built = results(merged);
    assert.deepEqual(built.filter((name) => !name.startsWith("map-")), [...first, ...second].sort());
    assert.deepEqual(built.filter((name) => name.startsWith("map-")).map((name) => name.replace(/--.*$/, "")), ["map-fashion-mnist", "map-mnist"]);
  });
});
