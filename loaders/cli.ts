// Command line for the suite: list runs and their state, train missing runs, retrain chosen ones.
//   npm run train -- [--profile full|quick] [--only id,id] [--force] [--list] [--workers N] [--multicore auto|threads|replicas|off]
import { existsSync } from "node:fs";
import { parseOptions, UsageError } from "./cliMain.ts";
import { Progress } from "./progress.ts";
import { PROFILES, type ProfileName } from "./schema.ts";
import { readRun } from "./store.ts";
import { currentProfile, ensureRuns, MULTICORE_MODES, planRuns, type MulticoreMode } from "./suite.ts";

const options = {
  profile: { type: "string" },
  only: { type: "string" },
  force: { type: "boolean", default: false },
  list: { type: "boolean", default: false },
  backend: { type: "string", default: "wasm" },
  workers: { type: "string" },
  multicore: { type: "string" },
  help: { type: "boolean", short: "h", default: false }
} as const;
let parsed: ReturnType<typeof parseOptions<{ options: typeof options }>>;
try {
  parsed = parseOptions({ options });
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`train: ${error.message}\n`);
  process.exit(2);
}
const { values } = parsed;

if (values.help) {
  process.stderr.write(
    "usage: npm run train -- [--profile full|quick] [--only id,id] [--force] [--list] [--backend wasm|cpu] [--workers N] [--multicore auto|threads|replicas|off]\n" +
      "  trains the runs of a profile that are not stored yet; --force retrains the chosen ones;\n" +
      "  --workers N trains up to N runs at once in child processes (default: SUITE_WORKERS or one per core),\n" +
      "    longest first;\n" +
      "  --multicore says how a run too long for the others to keep the other cores busy trains over\n" +
      "    all N cores at once: threads (XNNPACK threads in one process), replicas (data-parallel,\n" +
      "    gradients averaged), auto (replicas unless the model has batch norm, then threads) or off\n" +
      "    (default: SUITE_MULTICORE, else auto)\n"
  );
  process.exit(0);
}

const profile = (values.profile ?? currentProfile()) as ProfileName;
if (!(PROFILES as readonly string[]).includes(profile)) {
  process.stderr.write(`--profile "${profile}" is not a profile; expected one of ${PROFILES.join(", ")}\n`);
  process.exit(2);
}
const multicore = values.multicore;
if (multicore != null && !(MULTICORE_MODES as readonly string[]).includes(multicore)) {
  process.stderr.write(`--multicore "${multicore}" is not one of ${MULTICORE_MODES.join(", ")}\n`);
  process.exit(2);
}
if (values.backend !== "wasm" && values.backend !== "cpu") {
  process.stderr.write(`--backend "${values.backend}" is not supported; expected wasm or cpu\n`);
  process.exit(2);
}
if (values.workers != null && !(Number.isInteger(Number(values.workers)) && Number(values.workers) >= 1)) {
  process.stderr.write(`--workers "${values.workers}" is not a positive integer\n`);
  process.exit(2);
}
const only = values.only?.split(",").map((s) => s.trim()).filter(Boolean);

try {
  if (values.list) {
    for (const planned of planRuns(profile)) {
      let state = "not trained";
      if (existsSync(planned.dir)) {
        try {
          const run = readRun(planned.dir);
          state = run ? `${run.status}, test accuracy ${run.test ? (run.test.accuracy * 100).toFixed(2) + "%" : "n/a"}` : "not trained";
        } catch (error) {
          state = `damaged: ${(error as Error).message}`;
        }
      }
      process.stdout.write(`${planned.experiment.id.padEnd(28)} ${planned.key}  ${state}\n`);
    }
  } else {
    const started = Date.now();
    const results = await ensureRuns(profile, {
      only,
      force: values.force,
      backend: values.backend,
      workers: values.workers == null ? undefined : Number(values.workers),
      multicore: multicore as MulticoreMode | undefined,
      progress: new Progress()
    });
    process.stderr.write(`${results.length} runs ready (profile ${profile}) in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  }
} catch (error) {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  process.exit(1);
}
