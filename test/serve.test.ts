// The local server (scripts/serve.ts): only GET and HEAD, caching by whether a file is content-hashed,
// nosniff, cross-origin isolation, the site's 404 page, and clear errors for a taken or malformed port, also from a path with a space.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { HASHED, ServeError, parsePort, serveStatic, type StaticServer } from "../scripts/serve.ts";
import { ROOT } from "../loaders/config.ts";

describe("the local server", () => {
  let dir: string;
  let site: StaticServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "serve-"));
    mkdirSync(join(dir, "_observablehq"));
    writeFileSync(join(dir, "index.html"), "<p>home</p>");
    writeFileSync(join(dir, "page.html"), "<p>page</p>");
    writeFileSync(join(dir, "404.html"), "<p>no such page</p>");
    writeFileSync(join(dir, "_observablehq", "client.d10d8454.js"), "export {}");
    site = await serveStatic(dir);
  });
  after(() => site.close());

  it("serves pages by clean URL, revalidated, and hashed assets cached for a year, all with nosniff", async () => {
    const page = await fetch(`${site.url}/page`);
    assert.equal(page.status, 200);
    assert.equal(await page.text(), "<p>page</p>");
    assert.equal(page.headers.get("cache-control"), "no-cache");
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    const asset = await fetch(`${site.url}/_observablehq/client.d10d8454.js`);
    assert.equal(asset.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.match(asset.headers.get("content-type")!, /javascript/);
    assert.ok(HASHED.test("runs.1a2b3c4d.json") && !HASHED.test("index.html"));
  });

  it("makes pages cross-origin isolated unless told not to, so the train page may use threads", async () => {
    const page = await fetch(`${site.url}/page`);
    assert.equal(page.headers.get("cross-origin-opener-policy"), "same-origin");
    assert.equal(page.headers.get("cross-origin-embedder-policy"), "require-corp");
    const plain = await serveStatic(dir, 0, { isolated: false });
    try {
      const response = await fetch(`${plain.url}/page`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("cross-origin-opener-policy"), null);
      assert.equal(response.headers.get("cross-origin-embedder-policy"), null);
    } finally {
      await plain.close();
    }
  });

  it("answers HEAD without a body and other methods with 405 and Allow", async () => {
    const head = await fetch(`${site.url}/page`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String("<p>page</p>".length));
    assert.equal(await head.text(), "");
    for (const method of ["POST", "PUT", "DELETE"]) {
      const response = await fetch(`${site.url}/page`, { method });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get("allow"), "GET, HEAD");
    }
  });

  it("gives the site's 404 page for a missing page, and refuses to leave its folder", async () => {
    const missing = await fetch(`${site.url}/no/such/page`);
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), "<p>no such page</p>");
    const escape = await fetch(`${site.url}/%2e%2e/%2e%2e/etc/passwd`);
    assert.ok(escape.status === 403 || escape.status === 404);
  });

  it("reports a port in use by name instead of crashing, and rejects malformed ports", async () => {
    const port = Number(new URL(site.url).port);
    await assert.rejects(serveStatic(dir, port), (e: Error) => e instanceof ServeError && e.message.includes(`port ${port}`) && e.message.includes("--port"));
    assert.equal(parsePort("8080"), 8080);
    for (const bad of ["abc", "-1", "70000", "80.5", ""]) assert.throws(() => parsePort(bad), /--port must be an integer/, bad);
  });

  it("as a script, from a path with a space, fails with a message (not silently) on a bad port or a taken one", () => {
    const spaced = mkdtempSync(join(tmpdir(), "with space "));
    copyFileSync(join(ROOT, "scripts", "serve.ts"), join(spaced, "serve.ts"));
    writeFileSync(join(spaced, "package.json"), JSON.stringify({ type: "module" })); // as in the project
    const tsx = join(ROOT, "node_modules", ".bin", "tsx");
    const bad = spawnSync(tsx, [join(spaced, "serve.ts"), dir, "--port", "http"], { encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--port must be an integer from 0 to 65535, got "http"/);
    const taken = spawnSync(tsx, [join(spaced, "serve.ts"), dir, "--port", new URL(site.url).port], { encoding: "utf8" });
    assert.equal(taken.status, 2);
    assert.match(taken.stderr, /already in use/);
  });
});
