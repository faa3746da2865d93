// Trains one planned run given as a JSON file (written by studies.ts for runs that are not declared
// in data/experiments.json, such as tuner trials) and stores it. Used as a worker process: progress
// goes to stderr, nothing to stdout.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Progress } from "./progress.ts";
import { ensureRun, type PlannedRun } from "./suite.ts";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { backend: { type: "string" }, force: { type: "boolean" } } });
if (positionals.length !== 1) {
  console.error("usage: tsx loaders/train-one.ts <planned-run.json> [--backend wasm|cpu]");
  process.exit(2);
}
const planned = JSON.parse(readFileSync(positionals[0], "utf8")) as PlannedRun;
const backend = values.backend as "wasm" | "cpu" | undefined;
if (backend && backend !== "wasm" && backend !== "cpu") throw new Error(`--backend must be wasm or cpu, got "${backend}"`);
await ensureRun(planned, { progress: new Progress(), backend, force: values.force ?? false });
