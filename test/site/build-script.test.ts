// `npm run build` (scripts/build.ts) swaps the new site in only when the build succeeded: a failing
// build leaves the previous site untouched, so a running server never serves a half-emptied folder.
// It produces every data file in one process before Framework starts, and these are byte for byte the
// files Framework's loaders write one by one (the tests' site is built that way).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
});
