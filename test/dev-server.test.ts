// `npm run dev` (scripts/dev.ts): Framework's preview server answers a page cross-origin isolated, as
// `npm start` does, leaves the headers out with --not-isolated, and a taken or malformed port ends
// with a message rather than a stack trace.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { once } from "node:events";
import { resolve } from "node:path";
import { after, describe, it } from "node:test";

const ROOT = resolve(import.meta.dirname, "..");

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

interface Dev {
  child: ChildProcess;
  stderr: () => string;
}

/** Starts the dev server and waits until it says whether it is isolated (or exits). */
async function startDev(args: string[]): Promise<Dev & { code: number | null }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/dev.ts", "--no-open", ...args], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  const ready = new Promise<number | null>((done) => {
    child.stderr!.on("data", (chunk: string) => {
      stderr += chunk;
      if (/cross-origin isolated/.test(stderr)) done(null);
    });
    child.once("exit", (code) => done(code));
  });
  const code = await ready;
  return { child, stderr: () => stderr, code };
}

describe("npm run dev", { timeout: 120_000 }, () => {
  const children: ChildProcess[] = [];
  after(() => children.forEach((child) => child.kill()));

  it("serves pages cross-origin isolated", async () => {
    const port = await freePort();
    const dev = await startDev(["--port", String(port)]);
    children.push(dev.child);
    assert.equal(dev.code, null, dev.stderr());
    const response = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("cross-origin-opener-policy"), "same-origin");
    assert.equal(response.headers.get("cross-origin-embedder-policy"), "require-corp");
    assert.match(await response.text(), /<html/);
    // A second server on the same port is refused with a message, not a stack trace.
    const taken = await startDev(["--port", String(port)]);
    assert.equal(taken.code, 2, taken.stderr());
    assert.match(taken.stderr(), new RegExp(`port ${port} on 127.0.0.1 is in use`));
    assert.doesNotMatch(taken.stderr(), /\n\s+at /);
    dev.child.kill();
  });

  it("leaves the headers out with --not-isolated", async () => {
    const port = await freePort();
    const dev = await startDev(["--port", String(port), "--not-isolated"]);
    children.push(dev.child);
    assert.equal(dev.code, null, dev.stderr());
    const response = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("cross-origin-opener-policy"), null);
    assert.equal(response.headers.get("cross-origin-embedder-policy"), null);
    dev.child.kill();
  });

  it("rejects a malformed port by name", async () => {
    const dev = await startDev(["--port", "80x"]);
    assert.equal(dev.code, 2);
    assert.match(dev.stderr(), /--port: expected a whole number from 1 to 65535, got "80x"/);
  });
});
