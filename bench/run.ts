// `npm run bench`: what training costs here, measured side by side in one run. Training throughput
// (samples/s) of the MLP and the CNN on tfjs cpu, stock tfjs wasm, our wasm kernels and PyTorch CPU
// (when `import torch` works), the wall time and peak memory of training the quick suite with one
// worker and with one per core, and a quick-profile site build from nothing. Writes data/bench.json.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../loaders/store.ts";

interface Throughput {
  model: string;
  variant: string;
  samplesPerSecond: number | null;
  note?: string;
}

const cores = availableParallelism();
const say = (line: string) => process.stdout.write(`${line}\n`);
const node = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 64 << 20 });

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
}

function tfjsThroughput(variant: string, args: string[]): Throughput[] {
  say(`measuring tfjs ${variant} ...`);
  const result = node(["bench/kernels.ts", "--json", ...args]);
  return jsonLines(result.stdout).map((row) => ({
    model: String(row.model),
    variant,
    samplesPerSecond: typeof row.samplesPerSecond === "number" ? row.samplesPerSecond : null,
    note: typeof row.error === "string" ? row.error : undefined
  }));
}

/** Debian's python3-torch installs for the system interpreter, which may not be the first python3 on PATH. */
const PYTHON = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import torch"]).status === 0);

function torchThroughput(): Throughput[] {
  const probe = spawnSync(PYTHON ?? "python3", ["-c", "import torch"], { encoding: "utf8" });
  if (probe.status !== 0) {
    say("PyTorch is not importable (install Debian python3-torch to compare); skipping it");
    return [];
  }
  const best = new Map<string, Throughput>();
  for (const threads of [1, 2].filter((t) => t <= cores)) {
    say(`measuring PyTorch CPU with ${threads} thread(s) ...`);
    const result = spawnSync(PYTHON!, [join(ROOT, "bench", "torch_bench.py"), String(threads), "20", "3"], { encoding: "utf8" });
    for (const row of jsonLines(result.stdout)) {
      const rate = row.samplesPerSecond as number;
      const prev = best.get(String(row.model));
      if (!prev || rate > prev.samplesPerSecond!) {
        best.set(String(row.model), { model: String(row.model), variant: "pytorch cpu", samplesPerSecond: rate, note: `${row.backend}, best of 1-2 threads: ${threads}` });
      }
    }
  }
  return [...best.values()];
}

/** Trains the quick suite from nothing with `workers` processes; wall seconds and the largest process's peak RSS. */
function suiteRun(workers: number) {
  const runs = mkdtempSync(join(tmpdir(), "bench-runs-"));
  say(`training the quick suite from nothing with ${workers} worker(s) ...`);
  const started = performance.now();
  const timed = existsSync("/usr/bin/time");
  const cmd = timed ? "/usr/bin/time" : process.execPath;
  const args = [...(timed ? ["-f", "peak-rss-kb %M", process.execPath] : []), "--import", "tsx", "loaders/cli.ts", "--profile", "quick", "--workers", String(workers)];
  const result = spawnSync(cmd, args, { cwd: ROOT, env: { ...process.env, RUNS_DIR: runs, CI: "1" }, encoding: "utf8", maxBuffer: 64 << 20 });
  const seconds = (performance.now() - started) / 1000;
  rmSync(runs, { recursive: true, force: true });
  if (result.status !== 0) throw new Error(`quick suite with ${workers} workers failed:\n${result.stderr.slice(-2000)}`);
  const rss = /peak-rss-kb (\d+)/.exec(result.stderr);
  return { workers, seconds, peakRssMB: rss ? Number(rss[1]) / 1024 : null };
}

async function buildFromNothing() {
  const runs = mkdtempSync(join(tmpdir(), "bench-build-"));
  say("building the quick-profile site from nothing (training included) ...");
  process.env.RUNS_DIR = runs;
  const { buildSite } = await import("../test/helpers/site.ts");
  try {
    const { seconds } = await buildSite();
    return { profile: "quick", seconds };
  } finally {
    delete process.env.RUNS_DIR;
    rmSync(runs, { recursive: true, force: true });
  }
}

const throughput: Throughput[] = [
  ...tfjsThroughput("ours (wasm + our kernels)", ["--batches", "20", "--warmup", "3"]),
  ...tfjsThroughput("stock wasm", ["--stock", "--batches", "20", "--warmup", "3"]),
  ...tfjsThroughput("tfjs cpu", ["--backend", "cpu", "--batches", "2", "--warmup", "1"]),
  ...torchThroughput()
];

const ratios: { model: string; versus: string; ratio: number }[] = [];
for (const model of new Set(throughput.map((t) => t.model))) {
  const ours = throughput.find((t) => t.model === model && t.variant.startsWith("ours"))?.samplesPerSecond;
  if (!ours) continue;
  for (const other of throughput.filter((t) => t.model === model && !t.variant.startsWith("ours") && t.samplesPerSecond)) {
    ratios.push({ model, versus: other.variant, ratio: ours / other.samplesPerSecond! });
  }
}

const suite = [suiteRun(1), suiteRun(cores)];
const build = await buildFromNothing();

const report = {
  measuredAt: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model ?? "unknown", cores, node: process.version },
  batchSize: 128,
  optimizer: "adam",
  throughput,
  ratios,
  suite: { runs: suite, speedup: suite[0].seconds / suite[1].seconds },
  build
};
writeFileSync(join(ROOT, "data", "bench.json"), JSON.stringify(report, null, 2) + "\n");

say("");
say("training throughput (samples/s, Adam, batch 128, one process)");
for (const t of throughput) {
  say(`  ${t.model.padEnd(38)} ${t.variant.padEnd(26)} ${t.samplesPerSecond == null ? `n/a (${t.note})` : Math.round(t.samplesPerSecond).toLocaleString("en-US").padStart(8)}`);
}
say("ratios, ours / other");
for (const r of ratios) say(`  ${r.model.padEnd(38)} vs ${r.versus.padEnd(22)} ${r.ratio.toFixed(2)}x`);
say("quick suite from nothing");
for (const s of suite) say(`  ${s.workers} worker(s): ${s.seconds.toFixed(1)} s, largest process peak RSS ${s.peakRssMB?.toFixed(0) ?? "?"} MB`);
say(`  speed-up with ${cores} workers: ${report.suite.speedup.toFixed(2)}x`);
say(`quick-profile site build from nothing: ${build.seconds.toFixed(1)} s`);
say("written to data/bench.json");
