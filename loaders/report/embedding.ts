// Two-dimensional layouts of a set of vectors, for the map of the test set: PCA (study 9's covariance
// and ml-pca's eigenvectors) and UMAP (umap-js) run on the leading principal components, as is usual for
// images; both are repeatable: the same vectors and seed give the same layout, number for number.
import { UMAP } from "umap-js";
import { principalComponents, project } from "../classical/compute.ts";
import { createRng } from "../data/random.ts";

export interface UmapSettings {
  /** Neighbours that define a point's neighbourhood: larger keeps more of the global shape. */
  neighbours: number;
  /** How tightly points may pack in the layout. */
  minDistance: number;
  epochs: number;
  /** Principal components UMAP starts from (the pixels' noise dimensions left out). */
  components: number;
  seed: number;
}

export const DEFAULT_UMAP: UmapSettings = { neighbours: 15, minDistance: 0.1, epochs: 300, components: 50, seed: 1 };

export interface Layout {
  /** Per vector, its coordinates, in the vectors' order. */
  x: number[];
  y: number[];
}

export interface PcaLayout extends Layout {
  /** Share of the total variance along the first and second component. */
  explained: [number, number];
}

/**
 * A component's sign is arbitrary; fixing it (its largest entry positive) keeps a layout from flipping
 * when an eigensolver's rounding changes, so two computations of one map can be compared.
 */
function fixSigns(vectors: Float64Array, d: number, k: number): void {
  for (let j = 0; j < k; j++) {
    let largest = 0;
    for (let a = 0; a < d; a++) if (Math.abs(vectors[a * d + j]) > Math.abs(largest)) largest = vectors[a * d + j];
    if (largest < 0) for (let a = 0; a < d; a++) vectors[a * d + j] = -vectors[a * d + j];
  }
}

/** n vectors of d numbers (row-major) on their first k principal components, with each component's share of the variance. */
export function pcaCoordinates(vectors: Float32Array, n: number, d: number, k: number): { coordinates: Float64Array; explained: number[] } {
  if (vectors.length !== n * d) throw new RangeError(`expected ${n} × ${d} numbers, got ${vectors.length}`);
  if (n < 3) throw new RangeError(`a layout needs at least 3 vectors, got ${n}`);
  const components = Math.min(k, d);
  const pc = principalComponents(vectors, n, d);
  fixSigns(pc.vectors, d, components);
  return { coordinates: project(pc, vectors, n, components), explained: pc.explained.slice(0, components) };
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

function split(coordinates: ArrayLike<number>, n: number, stride: number): Layout {
  return { x: Array.from({ length: n }, (_, i) => round(coordinates[i * stride])), y: Array.from({ length: n }, (_, i) => round(coordinates[i * stride + 1])) };
}

/**
 * Both layouts of the vectors from one principal-component analysis: PCA's is each vector's first two
 * coordinates, UMAP's is seeded and starts from the first `settings.components` (the eigendecomposition
 * is the costly step, so it is done once).
 */
export function layouts(vectors: Float32Array, n: number, d: number, settings: UmapSettings = DEFAULT_UMAP): { pca: PcaLayout; umap: Layout } {
  if (settings.neighbours >= n) throw new RangeError(`UMAP with ${settings.neighbours} neighbours needs more than ${n} vectors`);
  const k = Math.min(Math.max(2, settings.components), d);
  const { coordinates, explained } = pcaCoordinates(vectors, n, d, k);
  const rows = Array.from({ length: n }, (_, i) => Array.from(coordinates.subarray(i * k, (i + 1) * k)));
  const umap = new UMAP({ nComponents: 2, nNeighbors: settings.neighbours, minDist: settings.minDistance, nEpochs: settings.epochs, random: createRng(settings.seed) });
  return { pca: { ...split(coordinates, n, k), explained: [explained[0], explained[1]] }, umap: split(umap.fit(rows).flat(), n, 2) };
}

/**
 * How well a layout keeps the classes apart: the share of points whose own label is the single most common
 * one among their `k` nearest neighbours in the layout (a tie counts against it). A layout that mixes the
 * classes at random scores about the largest class's share.
 */
export function neighbourAgreement(layout: Layout, label: ArrayLike<number>, k = 10): number {
  const n = layout.x.length;
  if (label.length !== n) throw new RangeError(`${n} points but ${label.length} labels`);
  if (n <= k) throw new RangeError(`${k} neighbours need more than ${n} points`);
  // The k nearest so far, nearest first (an insertion into a short sorted list beats sorting all n).
  const nearD = new Float64Array(k);
  const nearJ = new Int32Array(k);
  let agreeing = 0;
  for (let i = 0; i < n; i++) {
    nearD.fill(Infinity);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const dx = layout.x[i] - layout.x[j];
      const dy = layout.y[i] - layout.y[j];
      const d = dx * dx + dy * dy;
      if (d >= nearD[k - 1]) continue;
      let at = k - 1;
      while (at > 0 && nearD[at - 1] > d) {
        nearD[at] = nearD[at - 1];
        nearJ[at] = nearJ[at - 1];
        at--;
      }
      nearD[at] = d;
      nearJ[at] = j;
    }
    const votes = new Map<number, number>();
    for (const j of nearJ) votes.set(label[j], (votes.get(label[j]) ?? 0) + 1);
    const most = Math.max(...votes.values());
    if ((votes.get(label[i]) ?? 0) === most && [...votes.values()].filter((v) => v === most).length === 1) agreeing++;
  }
  return agreeing / n;
}
