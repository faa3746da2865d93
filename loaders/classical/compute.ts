// Study 9's computation, "beyond the network": PCA, k-means, Gaussian mixtures and classical
// classifiers on MNIST subsets.
//
// Libraries: ml-pca (eigendecomposition of the covariance matrix), ml-kmeans (k-means with k-means++
// or random initialisation) and ml-logistic-regression (one-vs-rest logistic regression). Our own:
// the covariance itself (sparse, fast), projections and reconstructions, the clustering scores
// (clustering.ts), Gaussian mixtures (gmm.ts) and the decision tree (tree.ts).
import { cpus } from "node:os";
import { kmeans } from "ml-kmeans";
// @ts-expect-error ml-logistic-regression ships no type declarations
import LogisticRegression from "ml-logistic-regression";
import { Matrix } from "ml-matrix";
import { PCA } from "ml-pca";
import { gatherImages, loadDataset, NUM_CLASSES, PIXELS, stratifiedSubset, toFloatImages, type Dataset } from "../data/dataset.ts";
import { deriveSeed } from "../data/random.ts";
import { adjustedRandIndex, homogeneityCompleteness, pairwiseDistances, silhouette, silhouetteFromDistances } from "./clustering.ts";
import { fitMixture, predictMixture } from "./gmm.ts";
import { CLASSICAL_VERSION, libraryVersions, type ClassicalResult, type ResolvedSettings } from "./settings.ts";
import { accuracyByDepth, growTree, treeShape } from "./tree.ts";


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
