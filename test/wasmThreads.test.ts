// The threaded wasm backend under Node (loaders/engine/wasmThreads.ts): it gets the thread count asked for,
// trains to the same weights as one thread (float rounding apart), leaves no process hanging, and
// WASM_THREADS is checked.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultWasmThreads } from "../loaders/config.ts";
import { readRun } from "../loaders/experiments/store.ts";
import { trainOnAllCores } from "../loaders/experiments/executor.ts";
import { collectingProgress, smallCnnRun } from "./helpers/smallCnn.ts";
import { ROOT } from "../loaders/config.ts";

interface Probe {
  threads: number;
  backend: string;
  losses: number[];
  weights: number[][];
}

function probe(threads: number): Probe {
  const result = spawnSync(process.execPath, ["--import", "tsx", "test/helpers/threadsProbe.ts", String(threads)], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 90_000,
    maxBuffer: 64 << 20
  });
  assert.equal(result.status, 0, `probe with ${threads} thread(s) exited with ${result.status ?? result.signal}: ${result.stderr.slice(-2000)}`);
  const line = result.stdout.split("\n").find((l) => l.startsWith("{"));
  assert.ok(line, `probe printed no JSON; stdout: ${result.stdout.slice(0, 500)}`);
  return JSON.parse(line);
}

describe("multi-threaded wasm backend in Node", { timeout: 200_000 }, () => {
  it("runs XNNPACK on two threads, trains like one thread, and exits by itself", () => {
    const one = probe(1);
    const two = probe(2);
    assert.equal(one.backend, "wasm");
    assert.equal(two.backend, "wasm");
    assert.equal(one.threads, 1);
    assert.equal(two.threads, 2);
    assert.equal(two.losses.length, 3);
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(one.losses[i] - two.losses[i]) <= 1e-5 * Math.max(1, Math.abs(one.losses[i])), `loss of step ${i + 1}: ${one.losses[i]} vs ${two.losses[i]}`);
    assert.ok(one.losses[2] < one.losses[0], "three Adam steps on one batch lower its loss");
    let worst = 0;
    for (let w = 0; w < one.weights.length; w++) {
      assert.equal(one.weights[w].length, two.weights[w].length);
      for (let i = 0; i < one.weights[w].length; i++) {
        worst = Math.max(worst, Math.abs(one.weights[w][i] - two.weights[w][i]) / Math.max(1e-3, Math.abs(one.weights[w][i])));
      }
    }
    assert.ok(worst < 1e-4, `weights after three steps differ by up to ${worst} (relative)`);
  });

  it("the suite trains a run over every core in a threaded worker process and records its threads", async () => {
    const saved = process.env.RUNS_DIR;
    process.env.RUNS_DIR = mkdtempSync(join(tmpdir(), "threads-"));
    try {
      const planned = smallCnnRun("threaded-cnn");
      const { progress, lines } = collectingProgress();
      const run = await trainOnAllCores(planned, 2, { multicore: "threads", progress });
      assert.equal(run.status, "completed");
      assert.equal(run.environment.threads, 2);
      assert.equal(run.environment.replicas, undefined);
      assert.ok(run.test!.accuracy > 0.5, `test accuracy ${run.test!.accuracy}`);
      assert.deepEqual(readRun(planned.dir), run);
      assert.ok(lines.some((l) => l.includes("threaded-cnn")), "the worker's progress reaches the parent's progress");
    } finally {
      if (saved === undefined) delete process.env.RUNS_DIR;
      else process.env.RUNS_DIR = saved;
    }
  });

  it("WASM_THREADS must be a whole number of at least 1", () => {
    const saved = process.env.WASM_THREADS;
    try {
      delete process.env.WASM_THREADS;
      assert.equal(defaultWasmThreads(), 1);
      process.env.WASM_THREADS = "2";
      assert.equal(defaultWasmThreads(), 2);
      for (const bad of ["0", "-1", "1.5", "two"]) {
        process.env.WASM_THREADS = bad;
        assert.throws(() => defaultWasmThreads(), new RegExp(`WASM_THREADS="${bad.replace(".", "\\.")}" is not a positive integer`));
      }
    } finally {
      if (saved === undefined) delete process.env.WASM_THREADS;
      else process.env.WASM_THREADS = saved;
    }
  });
});
