// bench/pss.ts: the process-tree memory sampler behind the benchmark's peak-memory figures.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { processTree, pssMB, runSampled } from "../bench/pss.ts";

test("processTree finds a grandchild, and pssMB reads this process's proportional set size", async () => {
  // A shell that starts a sleeping child: the tree is shell -> sleep.
  const shell = spawn("sh", ["-c", "sleep 5 & wait"], { stdio: "ignore" });
  try {
    await new Promise((r) => setTimeout(r, 300));
    const tree = processTree(shell.pid!);
    assert.equal(tree[0], shell.pid);
    assert.ok(tree.length >= 2, `expected the shell and its sleep, got ${tree.join(", ")}`);
    assert.ok(!processTree(process.pid).includes(process.ppid), "a parent is not part of its child's tree");
    const own = pssMB(process.pid);
    assert.ok(own != null && own > 10 && own < 4096, `PSS of this Node process: ${own} MB`);
    assert.equal(pssMB(2 ** 22 + 12345), null, "a process that does not exist reads as null");
  } finally {
    shell.kill("SIGKILL");
  }
});

test("runSampled sees memory that a child process allocates and touches, and returns its output", async () => {
  // The child fills 300 MB, holds it for 2.5 s (two samples or more at 500 ms), then exits.
  const script = "const b = Buffer.alloc(300 * 2 ** 20, 1); process.stdout.write('held ' + b[123]); setTimeout(() => {}, 2500);";
  const result = await runSampled(process.execPath, ["-e", script], { cwd: process.cwd(), env: process.env, intervalMs: 500 });
  assert.equal(result.status, 0);
  assert.equal(result.stdout, "held 1");
  assert.ok(result.memory.samples >= 3, `${result.memory.samples} samples`);
  assert.ok(result.memory.peakMB > 290 && result.memory.peakMB < 600, `peak ${result.memory.peakMB} MB for a 300 MB buffer`);
  assert.ok(result.memory.largestProcessMB <= result.memory.peakMB + 0.1);
  assert.equal(result.memory.atPeak.length >= 1, true);
  assert.ok(result.memory.atPeak[0].pssMB > 290);
});

test("runSampled sums the CPU time of a grandchild that its parent never waits for", async () => {
  // sh starts a Node process that spins until it has used 1 s of CPU, user and system together (not of
  // wall time, which a busy machine stretches; not of user time alone, since the getrusage calls that
  // read it cost system time that some kernels charge heavily) and then idles, and exits without waiting for it: the grandchild's CPU shows in
  // no rusage the shell reports, only in what the sampler read.
  const spin = "for (let u = process.cpuUsage(); u.user + u.system < 1e6; u = process.cpuUsage()); setTimeout(() => {}, 1500);";
  const result = await runSampled("sh", ["-c", `"${process.execPath}" -e '${spin}' & sleep 5`], { cwd: process.cwd(), env: process.env, intervalMs: 250 });
  assert.equal(result.status, 0);
  assert.ok(result.memory.cpuSeconds >= 0.8 && result.memory.cpuSeconds < 4, `${result.memory.cpuSeconds} s of CPU for 1 s of spinning`);
});
