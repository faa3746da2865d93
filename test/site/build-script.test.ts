// `npm run build` (scripts/build.ts) swaps the new site in only when the build succeeded: a failing
// build leaves the previous site untouched, so a running server never serves a half-emptied folder.
// It produces every data file in one process before Framework starts, and these are byte for byte the
// files Framework's loaders write one by one (the tests' site is built that way). Where runs are missing,
// the two halves of the data-file step train them once between them.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, it } from "node:test";
import { ROOT } from "../../loaders/config.ts";
import { BUILD_TIMEOUT_MS, ensureSite, listFiles } from "../helpers/site.ts";
import { withLock } from "../../loaders/experiments/lock.ts";
import { BUILD_LOCKS } from "../../scripts/build.ts";

describe("the build script", () => {
  it("leaves the previous site as it was when the build fails, and says so", { timeout: 300_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), "swap-"));
    const site = join(dir, "site");
    mkdirSync(site);
    writeFileSync(join(site, "index.html"), "<p>the last good build</p>");
    // An unknown profile makes the data loaders fail, as a damaged dataset or run would.
    const result = spawnSync(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "scripts", "build.ts"), "--out", site], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, REPORT_PROFILE: "no-such-profile" },
      maxBuffer: 64 * 1024 * 1024
    });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /the build failed \(exit code \d+\); .*site is left as it was/);
    assert.equal(readFileSync(join(site, "index.html"), "utf8"), "<p>the last good build</p>");
    assert.deepEqual(readdirSync(dir), ["site"], "no staging folder left behind");
    assert.ok(!existsSync(`${site}.old-${result.pid}`));
  });

  it("produces every data file in two processes, the same bytes as the loaders run one by one", { timeout: BUILD_TIMEOUT_MS }, async () => {
    const loaderByLoader = await ensureSite();
    const dir = mkdtempSync(join(tmpdir(), "prebuilt-"));
    const site = join(dir, "site");
    try {
      const result = spawnSync(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "scripts", "build.ts"), "--out", site], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, REPORT_PROFILE: "quick", NO_COLOR: "1", FORCE_COLOR: "0" },
        maxBuffer: 64 * 1024 * 1024
      });
      const log = `${result.stdout}${result.stderr}`;
      assert.equal(result.status, 0, log.slice(-3000));
      // Two processes produce half the files each, and each reports its half.
      const parts = [...log.matchAll(/data files \(part (\d)\/2\): (\d+) produced in [\d.]+ s(.*)/g)];
      assert.deepEqual(parts.map((m) => m[1]).sort(), ["1", "2"], "each half of the data-file step reports what it produced");
      for (const m of parts) assert.equal(m[3], "", "nothing left to Framework's loaders");
      const produced = parts.reduce((sum, m) => sum + Number(m[2]), 0);
      assert.doesNotMatch(log, /\[(missing|stale)\]/, "Framework ran no loader itself");
      // A file a page attaches is served under a hash of its bytes (the same name is the same contents);
      // a dynamic path of the config is served under its own name.
      const attached = (root: string) => listFiles(root).filter((f) => f.startsWith("_file/data/")).sort();
      const dynamic = (root: string) => listFiles(root).filter((f) => f.startsWith("data/")).sort();
      assert.deepEqual(attached(site), attached(loaderByLoader.dir));
      assert.deepEqual(dynamic(site), dynamic(loaderByLoader.dir));
      for (const file of dynamic(site)) assert.ok(readFileSync(join(site, file)).equals(readFileSync(join(loaderByLoader.dir, file))), `${file}: same bytes`);
      const served = new Set([...attached(site).map((f) => f.slice("_file/".length).replace(/\.[0-9a-f]{8}(\.\w+)$/, "$1")), ...dynamic(site)]);
      assert.equal(served.size, produced, "every file produced is served, once");
    } finally {
      loaderByLoader.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("waits for a build already running in this checkout, and gives up with a message naming it", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "locked-"));
    const site = join(dir, "site");
    mkdirSync(site);
    writeFileSync(join(site, "index.html"), "<p>the last good build</p>");
    try {
      // This test holds the lock a running build (or the tests' own build) holds.
      const result = await withLock("build", async () =>
        spawnSync(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "scripts", "build.ts"), "--out", site], {
          cwd: ROOT,
          encoding: "utf8",
          env: { ...process.env, REPORT_PROFILE: "quick", LOCK_TIMEOUT_S: "2" }
        }),
        { dir: BUILD_LOCKS }
      );
      assert.notEqual(result.status, 0);
      assert.match(result.stderr, new RegExp(`build: \\[lock\\] waiting for build: held by process ${process.pid}`));
      assert.match(result.stderr, new RegExp(`still held by process ${process.pid} .* LOCK_TIMEOUT_S`));
      assert.equal(readFileSync(join(site, "index.html"), "utf8"), "<p>the last good build</p>", "the site is left as it was");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("trains missing runs once when both halves of the data-file step find them missing", { timeout: BUILD_TIMEOUT_MS }, async () => {
    const site = await ensureSite(); // stores every quick-profile run in data/runs/quick
    const runs = mkdtempSync(join(tmpdir(), "halves-"));
    try {
      cpSync(join(ROOT, "data", "runs", "quick"), join(runs, "quick"), { recursive: true });
      // Take away the two cheapest declared runs, as a newly declared experiment would be missing.
      const stored = readdirSync(join(runs, "quick"))
        .filter((name) => existsSync(join(runs, "quick", name, "run.json")))
        .map((name) => ({ name, record: JSON.parse(readFileSync(join(runs, "quick", name, "run.json"), "utf8")) as { timing: { trainSeconds: number } } }))
        .sort((a, b) => a.record.timing.trainSeconds - b.record.timing.trainSeconds);
      const missing = stored.slice(0, 2).map((s) => s.name);
      for (const name of missing) rmSync(join(runs, "quick", name), { recursive: true });
      const script = `const { storedOrTrained } = await import(${JSON.stringify(pathToFileURL(join(ROOT, "scripts", "dataFiles.ts")).href)});
        const runs = await storedOrTrained("quick", (line) => process.stderr.write(line + "\\n"));
        process.stdout.write(JSON.stringify(runs.map((r) => r.planned.dir).sort()));`;
      const half = () =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
          const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
            cwd: ROOT,
            env: { ...process.env, RUNS_DIR: runs, REPORT_PROFILE: "quick", CI: "1", NO_COLOR: "1" }
          });
          let stdout = "";
          let stderr = "";
          child.stdout.on("data", (chunk) => (stdout += chunk));
          child.stderr.on("data", (chunk) => (stderr += chunk));
          child.on("close", (code) => done({ code, stdout, stderr }));
        });
      const [a, b] = await Promise.all([half(), half()]);
      assert.equal(a.code, 0, a.stderr.slice(-2000));
      assert.equal(b.code, 0, b.stderr.slice(-2000));
      assert.deepEqual(JSON.parse(a.stdout), JSON.parse(b.stdout), "both halves read the same runs");
      assert.equal((JSON.parse(a.stdout) as string[]).length, new Set(JSON.parse(a.stdout) as string[]).size);
      for (const name of missing) {
        assert.ok(existsSync(join(runs, "quick", name, "run.json")), `${name} is stored again`);
        const id = name.split("--")[0];
        const trainedIn = [a, b].filter((half) => half.stderr.includes(`[${id}] training `)).length;
        assert.equal(trainedIn, 1, `${id} is trained by exactly one half`);
      }
      for (const half of [a, b]) assert.match(half.stderr, /some quick runs are not stored; training them/);
    } finally {
      site.dispose();
      rmSync(runs, { recursive: true, force: true });
    }
  });
});
