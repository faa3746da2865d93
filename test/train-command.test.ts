// `npm run train` (loaders/cli/train.ts) when things go wrong: a worker killed mid-run fails that run
// only (the others are stored, the summary and .failures.json name it, the exit code is 1, and the next
// call trains it); a killed call leaves no worker training; bad options and declarations end in one
// line and exit code 2, not a stack.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { processTree } from "../bench/pss.ts";
import { DECLARATIONS_DIR, ROOT } from "../loaders/config.ts";
import { readDeclarations } from "../loaders/spec/schema.ts";
import { combinedDeclarations } from "../loaders/spec/declarationFolder.ts";

const SCRIPT = join(ROOT, "loaders", "cli", "train.ts");

/** Small MLP runs on the full profile's caps (so a run lasts long enough to be killed mid-way). */
function declarationsWith(experiments: { id: string; trainSize: number; epochs: number }[]): object {
  const project = combinedDeclarations(DECLARATIONS_DIR) as any;
  return {
    defaults: project.defaults,
    profiles: project.profiles,
    experiments: experiments.map((e) => ({
      id: e.id,
      title: `test run ${e.id}`,
      question: "Does the suite go on when one run fails?",
      family: "baseline-mlp",
      layers: [{ type: "dense", units: 16, activation: "relu" }],
      trainSize: e.trainSize,
      validationSize: 200,
      epochs: e.epochs,
      keepWeights: false
    })),
    studies: [],
    tuners: []
  };
}

interface Started {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exit: Promise<number | null>;
  /** Resolves when a stderr line matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

function start(args: string[], runsDir: string): Started {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, ...args], {
    cwd: ROOT,
    env: { ...process.env, RUNS_DIR: runsDir, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"]
  });
  let out = "";
  let err = "";
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout!.on("data", (chunk) => (out += chunk));
  child.stderr!.on("data", (chunk) => {
    err += chunk;
    for (const w of waiters.splice(0)) (w.pattern.test(err) ? w.resolve() : waiters.push(w));
  });
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return {
    child,
    stderr: () => err,
    stdout: () => out,
    exit,
    waitFor: (pattern, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        if (pattern.test(err)) return resolve();
        const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms; stderr:\n${err}`)), timeoutMs);
        waiters.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
      })
  };
}

/** The worker processes among a process's descendants. */
function workersOf(pid: number): number[] {
  return processTree(pid)
    .slice(1)
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(join("loaders", "experiments", "workerEntry.ts"));
      } catch {
        return false;
      }
    });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("npm run train", { timeout: 5 * 60_000 }, () => {
  let dir: string;
  let declarations: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "train-command-"));
    declarations = join(dir, "experiments.json");
    // Two long runs start first (longest first), one per worker; two short ones follow.
    writeFileSync(
      declarations,
      JSON.stringify(
        declarationsWith([
          { id: "ta-long-1", trainSize: 20_000, epochs: 6 },
          { id: "ta-long-2", trainSize: 20_000, epochs: 6 },
          { id: "ta-short-1", trainSize: 500, epochs: 1 },
          { id: "ta-short-2", trainSize: 500, epochs: 1 }
        ])
      )
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("goes on when a worker is killed mid-run, lists the failure, exits 1, and trains it next time", async () => {
    const runs = join(dir, "runs-killed");
    const args = ["--declarations", declarations, "--profile", "full", "--workers", "2", "--without-classical"];
    const first = start(args, runs);
    await first.waitFor(/\[ta-long-1\] epoch 1\/6 batch \d+/);
    await first.waitFor(/\[ta-long-2\] epoch 1\/6 batch \d+/);
    // Both long runs are training now, one in each worker: kill the workers.
    const workers = workersOf(first.child.pid!);
    assert.equal(workers.length, 2, `two workers, found ${workers.join(", ")}`);
    for (const pid of workers) process.kill(pid, "SIGKILL");
    const code = await first.exit;
    assert.equal(code, 1, first.stderr());
    const stored = readdirSync(join(runs, "full")).filter((n) => n.includes("--"));
    assert.deepEqual(stored.map((n) => n.split("--")[0]).sort(), ["ta-short-1", "ta-short-2"], "the runs after the crash are stored");
    assert.match(first.stdout(), /NOT complete/);
    assert.match(first.stdout(), /run ta-long-1 failed: worker process exited \(SIGKILL\)/);
    assert.match(first.stdout(), /run ta-long-2 failed: worker process exited \(SIGKILL\)/);
    assert.doesNotMatch(first.stderr(), /^\s+at /m, "no stack trace");
    const failures = JSON.parse(readFileSync(join(runs, "full", ".failures.json"), "utf8"));
    assert.deepEqual(failures.failures.flatMap((f: { runs: { id: string }[] }) => f.runs.map((r) => r.id)).sort(), ["ta-long-1", "ta-long-2"]);

    // The next call trains only what failed, and then clears the record of failures.
    const second = start(args, runs);
    assert.equal(await second.exit, 0, second.stderr());
    assert.match(second.stderr(), /2 of 4 declared runs to train/);
    assert.match(second.stdout(), /ready in .* 2 results trained, 2 reused/);
    // The account of the cores' time names the two runs, and their training is most of what was held.
    const account = second.stderr().match(/\[train\] (\d+) core-seconds offered \((\d+) s on 2 cores\), 2 runs:\n.*training (\d+) core-s/);
    assert.ok(account, second.stderr());
    const [offered, , training] = account.slice(1).map(Number);
    assert.ok(training > 0 && training <= offered, `training ${training} of ${offered} core-seconds`);
    assert.ok(!existsSync(join(runs, "full", ".failures.json")));
  });

  it("leaves no worker training when it is killed itself", async () => {
    const runs = join(dir, "runs-orphans");
    const run = start(["--declarations", declarations, "--profile", "full", "--workers", "2", "--without-classical"], runs);
    await run.waitFor(/\[ta-long-1\] epoch 1\/6 batch \d+/);
    await run.waitFor(/\[ta-long-2\] epoch 1\/6 batch \d+/);
    const workers = workersOf(run.child.pid!);
    assert.equal(workers.length, 2);
    run.child.kill("SIGKILL");
    await run.exit;
    // Each worker notices between two batches that its parent is gone; a run lasts far longer than this.
    const deadline = Date.now() + 20_000;
    while (workers.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(workers.filter(alive), [], "workers still running after their parent was killed");
    assert.ok(!existsSync(join(runs, "full")) || readdirSync(join(runs, "full")).every((n) => !n.startsWith("ta-long")), "no long run was finished");
  });

  it("lists what --only and --study select, with each run's key and state, and trains nothing", () => {
    const runs = join(dir, "runs-list");
    const list = (...args: string[]) => {
      const result = spawnSync(process.execPath, ["--import", "tsx", SCRIPT, "--list", "--profile", "quick", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, RUNS_DIR: runs } });
      assert.equal(result.status, 0, result.stderr);
      return result.stdout.trim().split("\n").map((line) => line.split(/\s+/));
    };
    const declared = readDeclarations(DECLARATIONS_DIR);
    assert.deepEqual(list("--only", "baseline-mlp,cnn-basic").map(([id, key, ...state]) => [id, /^[0-9a-f]{12}$/.test(key), state.join(" ")]), [
      ["baseline-mlp", true, "not trained"],
      ["cnn-basic", true, "not trained"]
    ]);
    const fashion = list("--study", "fashion").map(([id]) => id);
    assert.ok(fashion.length > 0);
    assert.deepEqual(fashion, declared.experiments.filter((e) => e.study === "fashion").map((e) => e.id));
    assert.equal(list().length, declared.experiments.length);
    assert.ok(!existsSync(runs) || readdirSync(runs).length === 0, "listing trained nothing");
  });

  it("ends a bad call or bad declarations in one line naming the value, with exit code 2", () => {
    const broken = join(dir, "broken.json");
    writeFileSync(broken, '{"experiments": [');
    const cases: [string[], Record<string, string>, RegExp][] = [
      [["--workers", "0"], {}, /--workers must be a whole number of at least 1, got "0"/],
      [["--workers", "two"], {}, /--workers must be a whole number of at least 1, got "two"/],
      [["--profile", "huge"], {}, /--profile must be one of full, quick, got "huge"/],
      [["--frobnicate"], {}, /Unknown option '--frobnicate'/],
      [["--declarations", broken], {}, /broken\.json: not valid JSON/],
      [[], { TRAIN_WORKERS: "many" }, /TRAIN_WORKERS="many" is not a positive integer/],
      [[], { SUITE_WORKERS: "2" }, /SUITE_WORKERS is now called TRAIN_WORKERS: set TRAIN_WORKERS="2" instead/]
    ];
    for (const [args, env, message] of cases) {
      const result = spawnSync(process.execPath, ["--import", "tsx", SCRIPT, ...args], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, RUNS_DIR: join(dir, "runs-bad"), ...env }
      });
      assert.equal(result.status, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split("\n").length, 1, `one line for ${args.join(" ")}: ${result.stderr}`);
    }
    // Choices that cannot be met end the same way, before anything trains.
    const choices: [string[], RegExp][] = [
      [["--study", "no-such-study"], /^train: --study: no study "no-such-study"; declared: homework, .*, classical$/m],
      [["--only", "no-such-run"], /^train: --only: no declared experiment "no-such-run" in .*data\/experiments$/m],
      [["--only", "baseline-mlp", "--study", "seeds"], /^train: --only and --study choose in two ways; give one of them$/m],
      [["--force"], /^train: --force trains again everything it selects: choose what with --only or --study$/m],
      [["--study", "seeds", "--stale"], /^train: --stale looks at everything the report needs/m],
      [["--multicore", "sometimes"], /^train: --multicore must be one of auto, threads, replicas, off, got "sometimes"$/m],
      [["--backend", "gpu"], /^train: --backend must be wasm or cpu, got "gpu"$/m]
    ];
    for (const [args, message] of choices) {
      const result = spawnSync(process.execPath, ["--import", "tsx", SCRIPT, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, RUNS_DIR: join(dir, "runs-bad") } });
      assert.equal(result.status, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split("\n").length, 1, `one line for ${args.join(" ")}: ${result.stderr}`);
    }
    // A dataset that is not installed stops the call before its first run, not when its runs come up.
    const noFashion = join(dir, "no-fashion");
    mkdirSync(noFashion, { recursive: true });
    const result = spawnSync(process.execPath, ["--import", "tsx", SCRIPT, "--profile", "quick", "--study", "fashion"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, RUNS_DIR: join(dir, "runs-no-fashion"), FASHION_MNIST_DIR: noFashion }
    });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`^train: dataset "fashion-mnist" is not installed: missing ${noFashion}/train-images-idx3-ubyte\\.gz, .*dataset-fashion-mnist`, "m"));
    assert.doesNotMatch(result.stderr, /training \d+ samples/, "nothing trained");
    assert.ok(!existsSync(join(dir, "runs-no-fashion", "quick")) || readdirSync(join(dir, "runs-no-fashion", "quick")).every((name) => !name.includes("--")), "nothing stored");
  });
});
