// `npm run build` (scripts/build.ts) swaps the new site in only when the build succeeded: a failing
// build leaves the previous site untouched, so a running server never serves a half-emptied folder.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../../loaders/config.ts";

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
});
