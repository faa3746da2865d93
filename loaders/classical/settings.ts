// Study 9's settings and stored result: data/classical.json validated, the key of a result (settings,
// code version and library versions) and its folder, and the result file's schema, read and written
// through the run store's atomic write and checked read, like a training run's.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { z } from "zod";
import { ROOT, runsRoot } from "../config.ts";
import { canonicalJson, readJsonChecked, writeFolderAtomic } from "../experiments/store.ts";

/** Bump when a change to this code would change what a stored result contains or means. */
export const CLASSICAL_VERSION = 1;
export const SETTINGS_FILE = join(ROOT, "data", "classical.json");
export const RESULT_FILE = "result.json";
const LIBRARIES = ["ml-pca", "ml-kmeans", "ml-logistic-regression", "ml-matrix"] as const;

const size = z.number().int().positive();
const ProfileSettings = z.object({
  pcaTrainSize: size,
  classifierTrainSize: size,
  testSize: size.max(10000),
  clusterSize: size,
  gmmSize: size,
  kmeansK: z.array(size).min(1),
  initSeeds: z.array(z.number().int()).min(1),
  logisticSteps: size,
  treeMaxDepth: size
});
const Reference = z.object({
  source: z.string(),
  note: z.string(),
  pcaVariance: z.object({ components: size, cumulativeVariance: z.number(), note: z.string() }),
  kmeansHomogeneityK10: z.number(),
  kmeansPca2Silhouette: z.number(),
  gmm: z.array(z.object({ covariance: z.enum(["spherical", "tied", "diag"]), ari: z.number(), homogeneity: z.number() })),
  mlpTestAccuracy: z.number()
});
export const SettingsSchema = z.object({
  $comment: z.string().optional(),
  dataset: z.string(),
  seed: z.number().int(),
  profiles: z.record(z.string(), ProfileSettings),
  pca: z.object({ reconstructionComponents: z.array(size).min(1), varianceMarks: z.array(z.number().gt(0).lte(1)), componentImages: z.number().int().min(0) }),
  kmeans: z.object({ maxIterations: size, tolerance: z.number().positive(), k: size }),
  gmm: z.object({
    components: size,
    pcaComponents: size,
    covariances: z.array(z.enum(["spherical", "tied", "diag"])).min(1),
    maxIterations: size,
    tolerance: z.number().positive(),
    regCovar: z.number().nonnegative()
  }),
  logistic: z.object({ pcaComponents: size, learningRate: z.number().positive() }),
  reference: Reference
});
export type Settings = z.infer<typeof SettingsSchema>;
export type Reference = z.infer<typeof Reference>;

/** What one profile computes: the profile's sizes plus the method settings (no prose, no reference figures). */
export interface ResolvedSettings {
  profile: string;
  dataset: string;
  seed: number;
  sizes: z.infer<typeof ProfileSettings>;
  pca: Settings["pca"];
  kmeans: Settings["kmeans"];
  gmm: Settings["gmm"];
  logistic: Settings["logistic"];
}

export function readSettings(file = SETTINGS_FILE): Settings {
  const settings = readJsonChecked(file, SettingsSchema, (message) => new Error(message));
  if (!settings) throw new Error(`${file}: missing (study 9's settings)`);
  return settings;
}

export function resolveSettings(settings: Settings, profile: string): ResolvedSettings {
  const sizes = settings.profiles[profile];
  if (!sizes) throw new Error(`${SETTINGS_FILE} has no profile "${profile}" (it has ${Object.keys(settings.profiles).join(", ")})`);
  const { dataset, seed, pca, kmeans, gmm, logistic } = settings;
  return { profile, dataset, seed, sizes, pca, kmeans, gmm, logistic };
}

/** The installed version of each named package (study 9's libraries unless told). */
export function libraryVersions(names: readonly string[] = LIBRARIES): Record<string, string> {
  const require = createRequire(import.meta.url);
  const versions: Record<string, string> = {};
  for (const name of names) {
    // Some of these packages do not export ./package.json; find it beside the resolved entry point.
    let dir = dirname(require.resolve(name));
    while (!existsSync(join(dir, "package.json")) || JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name !== name) {
      const up = dirname(dir);
      if (up === dir) throw new Error(`cannot find the package.json of ${name}`);
      dir = up;
    }
    versions[name] = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version;
  }
  return versions;
}

/** The result key: a hash of the resolved settings, this code's version and the libraries' versions. */
export function classicalKey(resolved: ResolvedSettings): string {
  const payload = canonicalJson({ version: CLASSICAL_VERSION, settings: resolved, libraries: libraryVersions() });
  return createHash("sha256").update(payload).digest("hex").slice(0, 12);
}

export function classicalDir(resolved: ResolvedSettings, key = classicalKey(resolved)): string {
  return join(runsRoot(), resolved.profile, `classical--${key}`);
}

// ---------------------------------------------------------------------------------------------
// The stored result

const Timing = z.object({ part: z.string(), seconds: z.number().nonnegative() });
const Image = z.string().regex(/^[A-Za-z0-9+/]+=*$/); // base64 of 784 bytes
export const ResultSchema = z.object({
  version: z.literal(CLASSICAL_VERSION),
  key: z.string().regex(/^[0-9a-f]{12}$/),
  profile: z.string(),
  settings: z.record(z.string(), z.unknown()),
  libraries: z.record(z.string(), z.string()),
  environment: z.object({ node: z.string(), cpu: z.string(), platform: z.string() }),
  createdAt: z.string(),
  timing: z.array(Timing),
  data: z.object({
    dataset: z.string(),
    pcaTrain: size,
    classifierTrain: size,
    test: size,
    cluster: size,
    gmm: size
  }),
  pca: z.object({
    dimensions: size,
    cumulative: z.array(z.number()),
    marks: z.array(z.object({ fraction: z.number(), components: size })),
    standardised: z.object({
      dimensions: size,
      cumulative: z.array(z.number()),
      marks: z.array(z.object({ fraction: z.number(), components: size }))
    }),
    meanImage: Image,
    componentImages: z.array(z.object({ component: size, explained: z.number(), pixels: Image })),
    reconstructions: z.array(z.object({ label: z.number().int(), components: z.number().int(), pixels: Image }))
  }),
  kmeans: z.object({
    sweep: z.array(
      z.object({ k: size, homogeneity: z.number(), completeness: z.number(), vMeasure: z.number(), ari: z.number(), inertia: z.number(), iterations: size })
    ),
    init: z.array(
      z.object({
        init: z.enum(["kmeans++", "random"]),
        seed: z.number().int(),
        silhouette: z.number(),
        homogeneity: z.number(),
        ari: z.number(),
        inertia: z.number(),
        iterations: size
      })
    ),
    pca2: z.object({
      k: size,
      silhouette: z.number(),
      homogeneity: z.number(),
      ari: z.number(),
      points: z.array(z.object({ x: z.number(), y: z.number(), label: z.number().int(), cluster: z.number().int() }))
    })
  }),
  gmm: z.object({
    kmeansStart: z.object({ ari: z.number(), homogeneity: z.number() }),
    fits: z.array(
      z.object({
        covariance: z.enum(["spherical", "tied", "diag"]),
        ari: z.number(),
        homogeneity: z.number(),
        completeness: z.number(),
        logLikelihood: z.number(),
        iterations: size,
        converged: z.boolean()
      })
    )
  }),
  classifiers: z.object({
    logistic: z.object({ features: size, steps: size, trainAccuracy: z.number(), testAccuracy: z.number() }),
    tree: z.object({
      depthReached: z.number().int(),
      leaves: size,
      byDepth: z.array(z.object({ depth: size, split: z.enum(["train", "test"]), accuracy: z.number() }))
    })
  })
});
export type ClassicalResult = z.infer<typeof ResultSchema>;

export class StoredResultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoredResultError";
  }
}

/** Reads and validates a stored result; null when there is none. A damaged file raises a StoredResultError naming it. */
export function readResult(dir: string): ClassicalResult | null {
  return readJsonChecked(join(dir, RESULT_FILE), ResultSchema, (message) => new StoredResultError(message));
}

/** Stores a result through the run store's atomic write (a temporary sibling renamed into place). */
export function writeResultAtomic(dir: string, result: ClassicalResult): void {
  writeFolderAtomic(dir, [[RESULT_FILE, JSON.stringify(result)]]);
}
