// The site's data files, one producer per Framework loader route. Each loader entry point in src/data
// runs its one producer (what `npm run dev` does, file by file); scripts/build.ts runs all of them in
// one process before Framework builds, so the build starts Node once and reads the stored runs once
// instead of once per file. Producers import their modules lazily: a single loader pays only for its own.
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { currentProfile, DECLARATIONS_DIR, ROOT } from "../config.ts";
import { SHIPPED_GZIP_LEVEL } from "../data/subsetfile.ts";
import type { ProfileName } from "../spec/schema.ts";

export type DataFile = string | Uint8Array;

interface Route {
  /** The route under src/data, as the loader's file name spells it, without `.ts`. */
  route: string;
  /** What the output is; shown in errors. */
  what: string;
  produce(profile: ProfileName, param: string | undefined): Promise<DataFile>;
}

/** The binaries the wasm backend may ask for: plain, SIMD, and SIMD with threads. */
export const WASM_FILES = ["tfjs-backend-wasm", "tfjs-backend-wasm-simd", "tfjs-backend-wasm-threaded-simd"] as const;

const json = (value: unknown) => JSON.stringify(value);

const ROUTES: Route[] = [
  {
    route: "bench.json",
    what: "the stored benchmark",
    async produce() {
      const read = (name: string) => {
        const file = join(ROOT, "data", name);
        return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
      };
      const bench = read("bench.json");
      return json(bench ? { ...bench, fromScratch: read("from-scratch.json") } : null);
    }
  },
  {
    route: "classical.json",
    what: "the classical study",
    async produce(profile) {
      const { ensureClassical } = await import("../classical/classical.ts");
      const { readSettings } = await import("../classical/settings.ts");
      const settings = readSettings();
      const { result } = await ensureClassical(profile, { settings });
      return json({ ...result, reference: settings.reference });
    }
  },
  {
    route: "compare/[task].bin",
    what: "a task's two-run comparison pack",
    async produce(profile, task) {
      const { taskComparison } = await import("./compareData.ts");
      const { encodeComparePack } = await import("./comparePack.ts");
      const { testSet, runs, classNames } = await taskComparison(profile, task!);
      return gzipSync(encodeComparePack(task!, testSet, runs, classNames), { level: SHIPPED_GZIP_LEVEL });
    }
  },
  {
    route: "compare-images/[task].bin",
    what: "a task's comparison images",
    async produce(profile, task) {
      const { compareImages } = await import("./compareData.ts");
      return gzipSync(await compareImages(profile, task!), { level: SHIPPED_GZIP_LEVEL });
    }
  },
  {
    route: "dataset/[dataset].json",
    what: "a dataset's statistics",
    async produce(_profile, dataset) {
      const { storedDatasetReport } = await import("../data/datastats.ts");
      return json(storedDatasetReport(dataset!));
    }
  },
  {
    route: "explorer.json",
    what: "the run explorer's runs",
    async produce(profile) {
      const { explorerReport } = await import("./report.ts");
      return json(await explorerReport(profile));
    }
  },
  {
    route: "family/[family].json",
    what: "a model family's runs",
    async produce(profile, family) {
      const { familyReport } = await import("./report.ts");
      return json(await familyReport(profile, family!));
    }
  },
  {
    route: "inside/[study].json",
    what: "a study's record of its networks' insides",
    async produce(profile, study) {
      const { insideReport } = await import("./insideReport.ts");
      return json(await insideReport(profile, study!));
    }
  },
  {
    route: "ledger.json",
    what: "the per-image ledger",
    async produce(profile) {
      const { ledgerReport } = await import("./ledgerReport.ts");
      return json(await ledgerReport(profile));
    }
  },
  {
    route: "map/[dataset].json",
    what: "a dataset's map of its test images",
    async produce(profile, dataset) {
      const { mapReport } = await import("./testMap.ts");
      return json(await mapReport(profile, dataset!));
    }
  },
  {
    route: "map-images/[dataset].bin",
    what: "the images of a dataset's map",
    async produce(profile, dataset) {
      const { mapImages } = await import("./testMap.ts");
      return gzipSync(await mapImages(profile, dataset!), { level: SHIPPED_GZIP_LEVEL });
    }
  },
  {
    route: "mnist-test.bin",
    what: "the shipped MNIST test subset",
    async produce() {
      const { SHIPPED_TEST, subsetFile } = await import("../data/subsetfile.ts");
      return subsetFile("test", SHIPPED_TEST);
    }
  },
  {
    route: "mnist-train.bin",
    what: "the shipped MNIST training subset",
    async produce() {
      const { SHIPPED_TRAIN, SHIPPED_VALIDATION, subsetFile } = await import("../data/subsetfile.ts");
      return subsetFile("train", SHIPPED_TRAIN + SHIPPED_VALIDATION);
    }
  },
  {
    route: "models/[model].bin",
    what: "a stored model's weights",
    async produce(profile, id) {
      const { halfPrecisionModel, storedRunWithWeights } = await import("./predictions.ts");
      const { planned } = await storedRunWithWeights(profile, id!);
      return halfPrecisionModel(planned.dir).weights;
    }
  },
  {
    route: "models/[model].json",
    what: "a stored model's topology",
    async produce(profile, id) {
      const { halfPrecisionModel, storedRunWithWeights } = await import("./predictions.ts");
      const { planned, record } = await storedRunWithWeights(profile, id!);
      const { modelJson } = halfPrecisionModel(planned.dir);
      return json({ ...modelJson, run: { id, key: record.key, profile: planned.experiment.profile } });
    }
  },
  {
    route: "predictions/[run].bin",
    what: "a stored model's test predictions",
    async produce(profile, id) {
      const { predictionsFile } = await import("./predictions.ts");
      return predictionsFile(profile, id!);
    }
  },
  {
    route: "runs.json",
    what: "the overview's runs",
    async produce(profile) {
      const { runsReport } = await import("./report.ts");
      return json(await runsReport(profile));
    }
  },
  {
    route: "studies.json",
    what: "the list of studies",
    async produce() {
      const { readDeclarations } = await import("../spec/schema.ts");
      const { studies, experiments, tuners } = readDeclarations(DECLARATIONS_DIR);
      return json(
        studies.map((s) => ({
          ...s,
          runs: experiments.filter((e) => e.study === s.id).length,
          tuners: tuners.filter((t) => t.study === s.id).length
        }))
      );
    }
  },
  {
    route: "study/[study].json",
    what: "a study's runs and claims",
    async produce(profile, study) {
      const { studyReport } = await import("./report.ts");
      return json(await studyReport(profile, study!));
    }
  },
  {
    route: "tfjs/[file].wasm",
    what: "a wasm backend binary",
    async produce(_profile, file) {
      if (!(WASM_FILES as readonly string[]).includes(file!)) throw new Error(`expected one of ${WASM_FILES.join(", ")}, got "${file}"`);
      const dist = dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm"));
      return readFileSync(join(dist, `${file}.wasm`));
    }
  }
];

/** Every route, as loader files under src/data name them. */
export const DATA_ROUTES: readonly string[] = ROUTES.map((r) => r.route);

/** The route's parameter name (`task` in `compare/[task].bin`), or null for a fixed file. */
export function routeParam(route: string): string | null {
  return /\[(\w+)\]/.exec(route)?.[1] ?? null;
}

/** Which route a data file's path (relative to src/data, such as `family/cnn.json`) comes from, and its parameter. */
export function matchDataFile(path: string): { route: string; param: string | undefined } | null {
  for (const { route } of ROUTES) {
    const name = routeParam(route);
    if (!name) {
      if (path === route) return { route, param: undefined };
      continue;
    }
    const [before, after] = route.split(`[${name}]`);
    if (path.startsWith(before) && path.endsWith(after) && path.length > before.length + after.length) {
      const param = path.slice(before.length, path.length - after.length);
      if (!param.includes("/")) return { route, param };
    }
  }
  return null;
}

/** Produces one data file; `param` is the route's `[name]` part. Errors name the route and the value. */
export async function produceDataFile(route: string, param: string | undefined, profile: ProfileName = currentProfile()): Promise<DataFile> {
  const entry = ROUTES.find((r) => r.route === route);
  if (!entry) throw new Error(`unknown data route "${route}"; expected one of ${DATA_ROUTES.join(", ")}`);
  const name = routeParam(route);
  if (name && !param) throw new Error(`data/${route}: missing --${name}`);
  try {
    return await entry.produce(profile, param);
  } catch (error) {
    const where = `data/${name ? route.replace(`[${name}]`, param!) : route} (${entry.what})`;
    if (!(error instanceof Error)) throw new Error(`${where}: ${String(error)}`);
    error.message = `${where}: ${error.message}`; // keeps the error's class (a StoredRunError stays one) and its stack
    throw error;
  }
}

/** A loader entry point's whole job: read `--<param>` from the command line and write the file to stdout. */
export async function emitDataFile(route: string, argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const name = routeParam(route);
  let param: string | undefined;
  if (name) {
    const { parseArgs } = await import("node:util");
    param = parseArgs({ args: [...argv], options: { [name]: { type: "string" } } }).values[name] as string | undefined;
  }
  const bytes = await produceDataFile(route, param);
  await new Promise<void>((done, fail) => process.stdout.write(bytes, (error) => (error ? fail(error) : done())));
}
