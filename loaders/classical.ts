// Study 9, "beyond the network": PCA, k-means, Gaussian mixtures and classical classifiers on MNIST
// subsets, computed at build time and stored like a training run under
// data/runs/<profile>/classical--<key>/result.json. The settings are data/classical.json.
//
// Libraries: ml-pca (eigendecomposition of the covariance matrix), ml-kmeans (k-means with k-means++
// or random initialisation) and ml-logistic-regression (one-vs-rest logistic regression). Our own:
// the covariance itself (sparse, fast), projections and reconstructions, the clustering scores
// (clustering.ts), Gaussian mixtures (gmm.ts) and the decision tree (tree.ts).
// Over 400 lines on purpose, for now: issue 24 moves loaders/ into a layered layout in one sweep, and
// splitting this file first would move the same code twice. It is split there.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { cpus } from "node:os";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { kmeans } from "ml-kmeans";
// @ts-expect-error ml-logistic-regression ships no type declarations
import LogisticRegression from "ml-logistic-regression";
import { Matrix } from "ml-matrix";
import { PCA } from "ml-pca";
import { z } from "zod";
import { adjustedRandIndex, homogeneityCompleteness, pairwiseDistances, silhouette, silhouetteFromDistances } from "./clustering.ts";
import { gatherImages, loadDataset, NUM_CLASSES, PIXELS, stratifiedSubset, toFloatImages, type Dataset } from "./dataset.ts";
import { fitMixture, predictMixture } from "./gmm.ts";
import { deriveSeed } from "./random.ts";
import { canonicalJson, ROOT, runsRoot, withLock } from "./store.ts";
import { accuracyByDepth, growTree, treeShape } from "./tree.ts";

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
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  const parsed = SettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: field "${issue.path.join(".")}": ${issue.message}`);
  }
  return parsed.data;
}

export function resolveSettings(settings: Settings, profile: string): ResolvedSettings {
  const sizes = settings.profiles[profile];
  if (!sizes) throw new Error(`${SETTINGS_FILE} has no profile "${profile}" (it has ${Object.keys(settings.profiles).join(", ")})`);
  const { dataset, seed, pca, kmeans, gmm, logistic } = settings;
  return { profile, dataset, seed, sizes, pca, kmeans, gmm, logistic };
}

function libraryVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const versions: Record<string, string> = {};
  for (const name of LIBRARIES) {
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
  const file = join(dir, RESULT_FILE);
  if (!existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new StoredResultError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = ResultSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StoredResultError(`${file}: field "${issue.path.join(".")}": ${issue.message}`);
  }
  return parsed.data;
}

/** Writes result.json into a temporary sibling directory and renames it into place in one step. */
export function writeResultAtomic(dir: string, result: ClassicalResult): void {
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  mkdirSync(tmp);
  try {
    writeFileSync(join(tmp, RESULT_FILE), JSON.stringify(result));
    if (existsSync(dir)) {
      const old = `${dir}.old-${process.pid}-${randomBytes(4).toString("hex")}`;
      renameSync(dir, old);
      renameSync(tmp, dir);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, dir);
    }
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

export interface ClassicalOptions {
  /** Recompute even when a result is stored. */
  force?: boolean;
  /** Progress lines (stderr by default; stdout of a loader is its output). */
  log?: (line: string) => void;
  settings?: Settings;
}

/** The stored result in `dir`, or null when there is none or it is damaged (then handed to `damaged` first). */
function readUnlessDamaged(dir: string, damaged: (error: StoredResultError) => void): ClassicalResult | null {
  try {
    return readResult(dir);
  } catch (error) {
    if (!(error instanceof StoredResultError)) throw error;
    damaged(error);
    return null;
  }
}

/**
 * The stored result for a profile, computed and stored first when it is missing, when its settings
 * changed (a new key) or when the stored file is damaged (moved aside as `.damaged-<time>`).
 */
export async function ensureClassical(profile: string, options: ClassicalOptions = {}): Promise<{ result: ClassicalResult; dir: string; computed: boolean }> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const settings = options.settings ?? readSettings();
  const resolved = resolveSettings(settings, profile);
  const key = classicalKey(resolved);
  const dir = classicalDir(resolved, key);
  return withLock(`classical-${profile}`, async () => {
    if (!options.force) {
      const stored = readUnlessDamaged(dir, (error) => {
        const aside = `${dir}.damaged-${Date.now()}`;
        renameSync(dir, aside);
        log(`[classical] ${error.message}; moved it to ${aside} and computing it again`);
      });
      if (stored) return { result: stored, dir, computed: false };
    }
    log(`[classical] computing ${profile} profile → ${dir}`);
    const result = computeClassical(resolved, key, log);
    writeResultAtomic(dir, result);
    log(`[classical] stored ${join(dir, RESULT_FILE)}`);
    return { result, dir, computed: true };
  });
}

/**
 * ensureClassical with the computation in a child process (loaders/classical-cli.ts): what it
 * allocates (the training subset as doubles, the PCA and distance matrices, the fitted models) goes
 * back to the system when the child ends, instead of staying in this process's heap beside the
 * training workers for the rest of a build. A stored result is read here without starting one. The
 * child's progress lines are passed to `log`; it failing is an error naming its exit status.
 */
export async function ensureClassicalInChild(
  profile: string,
  options: { force?: boolean; log?: (line: string) => void } = {}
): Promise<{ result: ClassicalResult; dir: string; computed: boolean }> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = classicalDir(resolveSettings(readSettings(), profile));
  if (!options.force) {
    // A damaged result is left to the child, which moves it aside and computes it again.
    const stored = readUnlessDamaged(dir, () => {});
    if (stored) return { result: stored, dir, computed: false };
  }
  const args = ["--profile", profile, ...(options.force ? ["--force"] : [])];
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "loaders", "classical-cli.ts"), ...args], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"]
  });
  createInterface({ input: child.stderr! }).on("line", log);
  const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  if (code !== 0) throw new Error(`study 9 (classical methods, ${profile} profile) failed in its child process (${signal ?? `exit code ${code}`}); see its messages above`);
  const result = readResult(dir);
  if (!result) throw new Error(`study 9's child process ended without storing ${join(dir, RESULT_FILE)}`);
  return { result, dir, computed: true };
}

// ---------------------------------------------------------------------------------------------
// The computation

const round = (x: number, digits = 6) => Number(x.toFixed(digits));

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Pixels in [0, 1] → bytes, clipped. */
function toBytes(pixels: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, pixels[i])) * 255);
  return out;
}

/** Rows of a flat array as number[][] (what ml-kmeans and ml-matrix take). */
function rowsOf(x: ArrayLike<number>, n: number, d: number): number[][] {
  const out: number[][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = Array.prototype.slice.call(x, i * d, (i + 1) * d);
  return out;
}

export interface PrincipalComponents {
  dimensions: number;
  mean: Float64Array;
  /** dimensions × dimensions, row-major: column j is the j-th component (largest variance first). */
  vectors: Float64Array;
  /** Variance along each component, largest first. */
  variances: number[];
  explained: number[];
  /** The covariance matrix the components were computed from. */
  covariance: number[][];
}

/**
 * PCA of n images: the covariance matrix is accumulated from the (mostly zero) pixels directly,
 * then ml-pca eigendecomposes it.
 */
export function principalComponents(x: Float32Array, n: number, d: number): PrincipalComponents {
  const mean = new Float64Array(d);
  const second = new Float64Array(d * d);
  const nz = new Int32Array(d);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let a = 0; a < d; a++) {
      const v = x[i * d + a];
      if (v !== 0) nz[m++] = a;
      mean[a] += v;
    }
    for (let p = 0; p < m; p++) {
      const a = nz[p];
      const va = x[i * d + a];
      for (let q = 0; q <= p; q++) second[a * d + nz[q]] += va * x[i * d + nz[q]];
    }
  }
  for (let a = 0; a < d; a++) mean[a] /= n;
  const cov: number[][] = Array.from({ length: d }, () => new Array<number>(d));
  for (let a = 0; a < d; a++) {
    for (let b = 0; b <= a; b++) {
      const hi = Math.max(a, b);
      const lo = Math.min(a, b);
      const c = (second[hi * d + lo] - n * mean[a] * mean[b]) / (n - 1);
      cov[a][b] = c;
      cov[b][a] = c;
    }
  }
  const pca = new PCA(cov, { isCovarianceMatrix: true });
  const vectors = Float64Array.from(pca.getEigenvectors().to1DArray());
  // ml-pca divides each eigenvalue by their sum, which is the trace: the total variance.
  const explained = pca.getExplainedVariance();
  const total = cov.reduce((s, row, a) => s + row[a], 0);
  return { dimensions: d, mean, vectors, variances: explained.map((p) => p * total), explained, covariance: cov };
}

/**
 * Cumulative explained variance of PCA on standardised pixels (each pixel scaled to unit variance,
 * as scikit-learn's StandardScaler would do first): the eigenvalues of the correlation matrix of the
 * pixels that vary at all.
 */
export function standardisedCumulative(covariance: number[][]): number[] {
  const varying = covariance.map((row, a) => a).filter((a) => covariance[a][a] > 0);
  const sd = varying.map((a) => Math.sqrt(covariance[a][a]));
  const correlation = varying.map((a, i) => varying.map((b, j) => covariance[a][b] / (sd[i] * sd[j])));
  const explained = new PCA(correlation, { isCovarianceMatrix: true }).getExplainedVariance();
  let s = 0;
  return explained.map((v) => Math.min(1, (s += Math.max(0, v))));
}

/** Coordinates of n images on the first k components (n × k, row-major). */
export function project(pc: PrincipalComponents, x: Float32Array, n: number, k: number): Float64Array {
  const d = pc.dimensions;
  const out = new Float64Array(n * k);
  const centred = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) centred[a] = x[i * d + a] - pc.mean[a];
    for (let a = 0; a < d; a++) {
      const v = centred[a];
      if (v === 0) continue;
      const row = a * d;
      for (let j = 0; j < k; j++) out[i * k + j] += v * pc.vectors[row + j];
    }
  }
  return out;
}

/** The image rebuilt from its first k coordinates: mean + Σ coordinate_j · component_j. */
export function reconstruct(pc: PrincipalComponents, coordinates: ArrayLike<number>, k: number): Float64Array {
  const d = pc.dimensions;
  const out = Float64Array.from(pc.mean);
  for (let a = 0; a < d; a++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += coordinates[j] * pc.vectors[a * d + j];
    out[a] += s;
  }
  return out;
}

interface Subset {
  indices: Int32Array;
  x: Float32Array;
  labels: Uint8Array;
  n: number;
}

function subset(split: Dataset["train"], n: number, seed: number, purpose: string): Subset {
  const indices = n >= split.count ? Int32Array.from({ length: split.count }, (_, i) => i) : stratifiedSubset(split.labels, n, deriveSeed(seed, purpose));
  return { indices, x: toFloatImages(split.images, indices), labels: Uint8Array.from(indices, (i) => split.labels[i]), n: indices.length };
}

function inertiaOf(x: ArrayLike<number>, n: number, d: number, labels: ArrayLike<number>, centroids: number[][]): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const c = centroids[labels[i]];
    for (let a = 0; a < d; a++) s += (x[i * d + a] - c[a]) ** 2;
  }
  return s;
}

export function computeClassical(resolved: ResolvedSettings, key: string, log: (line: string) => void = () => {}): ClassicalResult {
  const { sizes, seed } = resolved;
  const timing: { part: string; seconds: number }[] = [];
  const timed = <T>(part: string, fn: () => T): T => {
    const start = performance.now();
    const value = fn();
    const seconds = (performance.now() - start) / 1000;
    timing.push({ part, seconds: round(seconds, 2) });
    log(`[classical] ${part}: ${seconds.toFixed(1)} s`);
    return value;
  };
  const dataset = loadDataset(resolved.dataset);
  const d = PIXELS;
  const pcaTrain = subset(dataset.train, sizes.pcaTrainSize, seed, "classical pca");
  const classifierTrain = subset(dataset.train, sizes.classifierTrainSize, seed, "classical classifiers");
  const test = subset(dataset.test, sizes.testSize, seed, "classical test");
  const cluster = subset(dataset.train, sizes.clusterSize, seed, "classical clustering");
  const gmmData = subset(dataset.train, sizes.gmmSize, seed, "classical mixtures");

  // PCA ----------------------------------------------------------------------------------------
  const pc = timed("PCA (covariance and eigendecomposition)", () => principalComponents(pcaTrain.x, pcaTrain.n, d));
  const cumulative: number[] = [];
  pc.explained.reduce((s, v) => {
    cumulative.push(round(Math.min(1, s + v)));
    return s + v;
  }, 0);
  const marksOf = (cum: number[]) => resolved.pca.varianceMarks.map((fraction) => ({ fraction, components: cum.findIndex((c) => c >= fraction - 1e-9) + 1 || cum.length }));
  const marks = marksOf(cumulative);
  const standardised = timed("PCA on standardised pixels", () => standardisedCumulative(pc.covariance).map((c) => round(c)));
  const reconstructions: ClassicalResult["pca"]["reconstructions"] = [];
  for (let label = 0; label < NUM_CLASSES; label++) {
    const i = test.labels.indexOf(label);
    if (i < 0) continue;
    const image = test.x.subarray(i * d, (i + 1) * d);
    const coordinates = project(pc, image, 1, d);
    for (const k of resolved.pca.reconstructionComponents.filter((k) => k <= d)) {
      reconstructions.push({ label, components: k, pixels: toBase64(toBytes(reconstruct(pc, coordinates, k))) });
    }
    reconstructions.push({ label, components: 0, pixels: toBase64(toBytes(image)) }); // 0 = the original
  }
  const componentImages = Array.from({ length: Math.min(resolved.pca.componentImages, d) }, (_, j) => {
    let max = 0;
    for (let a = 0; a < d; a++) max = Math.max(max, Math.abs(pc.vectors[a * d + j]));
    const bytes = new Uint8Array(d);
    for (let a = 0; a < d; a++) bytes[a] = Math.round(127.5 + (127.5 * pc.vectors[a * d + j]) / max);
    return { component: j + 1, explained: round(pc.explained[j]), pixels: toBase64(bytes) };
  });

  // k-means on pixels: K sweep and initialisations ------------------------------------------------
  const clusterRows = rowsOf(cluster.x, cluster.n, d);
  const km = resolved.kmeans;
  const sweep = timed("k-means K sweep", () =>
    sizes.kmeansK
      .filter((k) => k <= cluster.n)
      .map((k) => {
        const r = kmeans(clusterRows, k, { seed, initialization: "kmeans++", maxIterations: km.maxIterations, tolerance: km.tolerance });
        const scores = homogeneityCompleteness(cluster.labels, r.clusters);
        log(`[classical]   K=${k}: homogeneity ${scores.homogeneity.toFixed(3)} after ${r.iterations} iterations`);
        return {
          k,
          homogeneity: round(scores.homogeneity),
          completeness: round(scores.completeness),
          vMeasure: round(scores.vMeasure),
          ari: round(adjustedRandIndex(cluster.labels, r.clusters)),
          inertia: round(inertiaOf(cluster.x, cluster.n, d, r.clusters, r.centroids), 3),
          iterations: r.iterations
        };
      })
  );
  const distances = timed("pairwise distances for silhouettes", () => pairwiseDistances(cluster.x, cluster.n, d));
  const init = timed("k-means++ vs random initialisation", () =>
    (["kmeans++", "random"] as const).flatMap((method) =>
      sizes.initSeeds.map((s) => {
        const r = kmeans(clusterRows, km.k, { seed: s, initialization: method, maxIterations: km.maxIterations, tolerance: km.tolerance });
        return {
          init: method,
          seed: s,
          silhouette: round(silhouetteFromDistances(distances, r.clusters)),
          homogeneity: round(homogeneityCompleteness(cluster.labels, r.clusters).homogeneity),
          ari: round(adjustedRandIndex(cluster.labels, r.clusters)),
          inertia: round(inertiaOf(cluster.x, cluster.n, d, r.clusters, r.centroids), 3),
          iterations: r.iterations
        };
      })
    )
  );
  const pca2 = timed("k-means on 2 principal components", () => {
    const z = project(pc, cluster.x, cluster.n, 2);
    const r = kmeans(rowsOf(z, cluster.n, 2), km.k, { seed, initialization: "kmeans++", maxIterations: km.maxIterations, tolerance: km.tolerance });
    return {
      k: km.k,
      silhouette: round(silhouette(z, cluster.n, 2, r.clusters)),
      homogeneity: round(homogeneityCompleteness(cluster.labels, r.clusters).homogeneity),
      ari: round(adjustedRandIndex(cluster.labels, r.clusters)),
      points: Array.from({ length: cluster.n }, (_, i) => ({ x: round(z[2 * i], 4), y: round(z[2 * i + 1], 4), label: cluster.labels[i], cluster: r.clusters[i] }))
    };
  });

  // Gaussian mixtures on PCA coordinates, started from k-means ------------------------------------
  const g = resolved.gmm;
  const gmm = timed("Gaussian mixtures", () => {
    const z = project(pc, gmmData.x, gmmData.n, g.pcaComponents);
    const start = kmeans(rowsOf(z, gmmData.n, g.pcaComponents), g.components, { seed, initialization: "kmeans++", maxIterations: km.maxIterations, tolerance: km.tolerance });
    const fits = g.covariances.map((covariance) => {
      const m = fitMixture(z, gmmData.n, g.pcaComponents, {
        covariance,
        components: g.components,
        initialLabels: start.clusters,
        maxIterations: g.maxIterations,
        tolerance: g.tolerance,
        regCovar: g.regCovar
      });
      // The labels are the components' responsibilities after the last step, argmax.
      const labels = predictMixture(m, z, gmmData.n);
      const scores = homogeneityCompleteness(gmmData.labels, labels);
      log(`[classical]   GMM ${covariance}: ARI ${adjustedRandIndex(gmmData.labels, labels).toFixed(3)} after ${m.iterations} iterations`);
      return {
        covariance,
        ari: round(adjustedRandIndex(gmmData.labels, labels)),
        homogeneity: round(scores.homogeneity),
        completeness: round(scores.completeness),
        logLikelihood: round(m.logLikelihood, 4),
        iterations: m.iterations,
        converged: m.converged
      };
    });
    return {
      kmeansStart: {
        ari: round(adjustedRandIndex(gmmData.labels, start.clusters)),
        homogeneity: round(homogeneityCompleteness(gmmData.labels, start.clusters).homogeneity)
      },
      fits
    };
  });

  // Classifiers ----------------------------------------------------------------------------------
  const lr = resolved.logistic;
  const logistic = timed("logistic regression", () => {
    const k = lr.pcaComponents;
    const zTrain = project(pc, classifierTrain.x, classifierTrain.n, k);
    const zTest = project(pc, test.x, test.n, k);
    // Standardise each coordinate by its training spread, and add a constant feature (the library fits no intercept).
    const sd = new Float64Array(k);
    for (let i = 0; i < classifierTrain.n; i++) for (let j = 0; j < k; j++) sd[j] += zTrain[i * k + j] ** 2;
    for (let j = 0; j < k; j++) sd[j] = Math.sqrt(sd[j] / classifierTrain.n) || 1;
    const features = (z: Float64Array, n: number) =>
      new Matrix(Array.from({ length: n }, (_, i) => [1, ...Array.from({ length: k }, (_, j) => z[i * k + j] / sd[j])]));
    const model = new LogisticRegression({ numSteps: sizes.logisticSteps, learningRate: lr.learningRate });
    model.train(features(zTrain, classifierTrain.n), Matrix.columnVector(Array.from(classifierTrain.labels)));
    const accuracy = (z: Float64Array, labels: Uint8Array) => {
      const predicted: number[] = model.predict(features(z, labels.length));
      return predicted.filter((p, i) => p === labels[i]).length / labels.length;
    };
    return { features: k, steps: sizes.logisticSteps, trainAccuracy: round(accuracy(zTrain, classifierTrain.labels)), testAccuracy: round(accuracy(zTest, test.labels)) };
  });
  const tree = timed("decision tree", () => {
    // The pixel bytes as stored (the tree splits on byte values), not the subsets' floats converted back.
    const xTrain = gatherImages(dataset.train.images, classifierTrain.indices);
    const xTest = gatherImages(dataset.test.images, test.indices);
    const root = growTree(xTrain, classifierTrain.labels, classifierTrain.n, d, NUM_CLASSES, { maxDepth: sizes.treeMaxDepth });
    const train = accuracyByDepth(root, xTrain, classifierTrain.labels, classifierTrain.n, d, sizes.treeMaxDepth);
    const testAcc = accuracyByDepth(root, xTest, test.labels, test.n, d, sizes.treeMaxDepth);
    const shape = treeShape(root);
    return {
      depthReached: shape.depth,
      leaves: shape.leaves,
      byDepth: train.flatMap((a, i) => [
        { depth: i + 1, split: "train" as const, accuracy: round(a) },
        { depth: i + 1, split: "test" as const, accuracy: round(testAcc[i]) }
      ])
    };
  });

  return {
    version: CLASSICAL_VERSION,
    key,
    profile: resolved.profile,
    settings: resolved as unknown as Record<string, unknown>,
    libraries: libraryVersions(),
    environment: { node: process.version, cpu: cpus()[0]?.model ?? "unknown", platform: `${process.platform}-${process.arch}` },
    createdAt: new Date().toISOString(),
    timing,
    data: { dataset: resolved.dataset, pcaTrain: pcaTrain.n, classifierTrain: classifierTrain.n, test: test.n, cluster: cluster.n, gmm: gmmData.n },
    pca: { dimensions: d, cumulative, marks, standardised: { dimensions: standardised.length, cumulative: standardised, marks: marksOf(standardised) }, meanImage: toBase64(toBytes(pc.mean)), componentImages, reconstructions },
    kmeans: { sweep, init, pca2 },
    gmm,
    classifiers: { logistic, tree }
  };
}
