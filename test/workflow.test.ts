// The GitHub Actions sweep (.github/workflows/train-shards.yml) as far as it can be checked here: it
// starts only by hand, its matrix has as many shards as it tells the train command, every job's train
// call is one the command accepts, and the merge job merges every shard's store before it builds.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { parse } from "yaml";
import { ROOT } from "../loaders/config.ts";

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  env: Record<string, string | number>;
  jobs: Record<string, { needs?: string; strategy?: { matrix: { shard: number[] } }; steps: Step[] }>;
}

it("the sweep workflow starts by hand only, and its shards, train calls and merge fit the train command", () => {
  const workflow = parse(readFileSync(join(ROOT, ".github", "workflows", "train-shards.yml"), "utf8")) as Workflow;
  assert.deepEqual(Object.keys(workflow.on), ["workflow_dispatch"], "off by default: no push, pull request or schedule trigger");
  const shards = workflow.jobs.train.strategy!.matrix.shard;
  assert.deepEqual(shards, Array.from({ length: Number(workflow.env.SHARDS) }, (_, i) => i + 1), "the matrix lists shards 1..SHARDS");
  assert.equal(workflow.jobs["merge-and-build"].needs, "train");

  const runs = Object.values(workflow.jobs).flatMap((job) => job.steps.map((s) => s.run ?? "")).filter((run) => run.includes("npm run train"));
  assert.equal(runs.length, 2, runs.join("\n"));
  const [train, merge] = runs;
  assert.match(train, /--shard \$\{\{ matrix\.shard \}\}\/\$\{\{ env\.SHARDS \}\}/);
  assert.match(merge, /--merge shards\/\*/);
  const download = workflow.jobs["merge-and-build"].steps.find((s) => s.uses?.startsWith("actions/download-artifact"))!;
  assert.equal(download.with?.path, "shards", "the shards' stores land where the merge reads them");
  // Each call, with the workflow's expressions filled in, is accepted by the command (--list trains nothing).
  const filled = (run: string, shard: number) =>
    run.replace(/^npm run train -- /, "").replace("${{ inputs.profile }}", "quick").replace("${{ matrix.shard }}", String(shard)).replace("${{ env.SHARDS }}", String(shards.length)).split(/\s+/);
  for (const shard of [1, shards.length]) {
    const result = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "loaders", "cli", "train.ts"), ...filled(train, shard), "--list"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, RUNS_DIR: join(ROOT, "test-output", "no-runs") }
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`shard ${shard}/${shards.length}: \\d+ declared runs`));
  }
});
