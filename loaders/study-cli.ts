// Trains (or reuses) the runs of every study, or of those named: declared grids and tuner trials.
//   npm run train:studies -- [--profile full|quick] [--study <id> ...] [--workers N]
// Progress goes to stderr; a one-line summary per study to stdout.
import { parseOptions, positiveInteger, runMain, UsageError } from "./cliMain.ts";
import { readDeclarations, PROFILES, type ProfileName } from "./schema.ts";
import { DECLARATIONS_FILE } from "./store.ts";
import { ensureStudy } from "./studies.ts";
import { currentProfile } from "./suite.ts";

await runMain("train:studies", async () => {
  const { values } = parseOptions({
    options: {
      profile: { type: "string" },
      study: { type: "string", multiple: true },
      workers: { type: "string" },
      help: { type: "boolean", short: "h", default: false }
    }
  });
  if (values.help) {
    process.stderr.write(
      "usage: npm run train:studies -- [--profile full|quick] [--study <id> ...] [--workers N]\n" +
        "  trains the runs of every study (or of those named) that are not stored yet: declared grids,\n" +
        "  tuner trials and the tuners' retrained winners; stored runs are reused. A run left to train\n" +
        "  alone uses every core (SUITE_MULTICORE, see npm run train -- --help).\n"
    );
    return 0;
  }
  const profile = (values.profile ?? currentProfile()) as ProfileName;
  if (!(PROFILES as readonly string[]).includes(profile)) throw new UsageError(`--profile must be one of ${PROFILES.join(", ")}, got "${profile}"`);
  const workers = values.workers == null ? undefined : positiveInteger("--workers", values.workers);
  const declared = readDeclarations(DECLARATIONS_FILE).studies.map((s) => s.id);
  const chosen = values.study?.length ? values.study : declared;
  const unknown = chosen.filter((id) => !declared.includes(id));
  if (unknown.length) throw new UsageError(`--study: no study ${unknown.map((id) => `"${id}"`).join(", ")}; declared: ${declared.join(", ")}`);
  const started = performance.now();
  for (const id of chosen) {
    const t0 = performance.now();
    const { experiments, tuners } = await ensureStudy(profile, id, { workers });
    const trials = tuners.reduce((n, t) => n + t.runs.length + 1, 0);
    console.log(`${id}: ${experiments.length} declared runs, ${trials} tuner runs (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  console.log(`all ${chosen.length} studies in ${((performance.now() - started) / 1000).toFixed(0)} s (profile ${profile})`);
  return 0;
});
