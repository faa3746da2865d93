// The map of a dataset's test images: which images, the vectors they are laid out from (their pixels, and
// a stored CNN's last hidden layer), and the PCA and UMAP layouts of each (embedding.ts). Stored by key
// beside the runs, like a run (data/runs/<profile>/map-<dataset>--<key>/map.json), and computed only when
// the key is new: the key hashes the images chosen, the model run's key, the settings and the libraries.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import type * as tfType from "@tensorflow/tfjs";
import { runsRoot } from "../config.ts";
import { createRng, deriveSeed, shuffleInPlace } from "../data/random.ts";
import { libraryVersions } from "../classical/settings.ts";
import { DATASETS, loadDataset, stratifiedSubset, toFloatImages, PIXELS } from "../data/dataset.ts";
import { withLock } from "../experiments/lock.ts";
import { planRuns, type PlannedRun } from "../experiments/plan.ts";
import { canonicalJson, readJsonChecked, readRun, readRunPredictions, readTestSet, setAside, writeFolderAtomic } from "../experiments/store.ts";
import type { RunRecord } from "../spec/record.ts";
import type { RunPredictions, TestSet } from "../spec/testPredictions.ts";
import type { ProfileName } from "../spec/schema.ts";
import { MAP_MODELS } from "./mapModels.ts";
import { DEFAULT_UMAP, layouts, neighbourAgreement, type UmapSettings } from "./embedding.ts";
import { loadStoredModel, storedRunWithWeights } from "./predictions.ts";

export const MAP_VERSION = 1;
export const MAP_FILE = "map.json";
export const MAP_LIBRARIES = ["umap-js", "ml-pca", "ml-matrix"] as const;
/** Test images per class on a map, and at most how many more of each class's images the model gets wrong. */
export const PER_CLASS = 150;
export const MISTAKES_PER_CLASS = 50;
const SAMPLE_SEED = 11;
/** Neighbours each image's label is checked against when the page says how well a layout keeps the classes apart. */
export const AGREEMENT_NEIGHBOURS = 10;

export class StoredMapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoredMapError";
  }
}

const Coordinates = z.array(z.number().finite());
const LayoutSchema = z.object({ x: Coordinates, y: Coordinates });
const PcaSchema = LayoutSchema.extend({ explained: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]) });
const PairSchema = z.object({ pca: PcaSchema, umap: LayoutSchema });

export const MapSchema = z
  .object({
    version: z.literal(MAP_VERSION),
    key: z.string().regex(/^[0-9a-f]{12}$/),
    profile: z.string(),
    dataset: z.string(),
    testSet: z.string(),
    model: z.object({ id: z.string(), key: z.string(), layer: z.string(), units: z.number().int().positive() }),
    perClass: z.number().int().positive(),
    mistakesPerClass: z.number().int().nonnegative(),
    umap: z.object({ neighbours: z.number().int().positive(), minDistance: z.number().nonnegative(), epochs: z.number().int().positive(), components: z.number().int().positive(), seed: z.number().int() }),
    libraries: z.record(z.string(), z.string()),
    createdAt: z.string(),
    seconds: z.number().nonnegative(),
    /** Positions in the test set of the images on the map, ascending. */
    positions: z.array(z.number().int().nonnegative()),
    pixels: PairSchema,
    hidden: PairSchema
  })
  .superRefine((map, context) => {
    const n = map.positions.length;
    for (const [name, pair] of [["pixels", map.pixels], ["hidden", map.hidden]] as const) {
      for (const [method, layout] of Object.entries(pair)) {
        if (layout.x.length !== n || layout.y.length !== n) context.addIssue({ code: "custom", path: [name, method], message: `has ${layout.x.length} x and ${layout.y.length} y coordinates for ${n} images` });
      }
    }
    if (map.positions.some((p, i) => i > 0 && p <= map.positions[i - 1])) context.addIssue({ code: "custom", path: ["positions"], message: "expected ascending positions, each once" });
  });

export type StoredMap = z.infer<typeof MapSchema>;

/** What decides a map's numbers; its hash (with the code's version and the libraries') is the map's key. */
export interface MapSpec {
  profile: ProfileName;
  dataset: string;
  testSet: string;
  model: { id: string; key: string };
  perClass: number;
  mistakesPerClass: number;
  positions: number[];
  umap: UmapSettings;
}

export function mapKey(spec: MapSpec): string {
  const payload = canonicalJson({ version: MAP_VERSION, spec, libraries: libraryVersions(MAP_LIBRARIES) });
  return createHash("sha256").update(payload).digest("hex").slice(0, 12);
}

export function mapDir(profile: ProfileName, dataset: string, key: string): string {
  return join(runsRoot(), profile, `map-${dataset}--${key}`);
}

/** A stored map, checked; null when there is none; a StoredMapError naming the file when it is damaged. */
export function readMap(dir: string): StoredMap | null {
  return readJsonChecked(join(dir, MAP_FILE), MapSchema, (message) => new StoredMapError(message));
}

/**
 * The images of a map: `perClass` of each class drawn with a seed (all of them when the test set is
 * smaller), and up to `mistakesPerClass` of each class's images that the model got wrong (drawn with the
 * same seed), so that its mistakes can be seen among the rest even when it makes few.
 */
export function mapPositions(label: ArrayLike<number>, predicted: ArrayLike<number>, perClass: number, mistakesPerClass: number, seed = SAMPLE_SEED): number[] {
  const classes = new Set(Array.from(label)).size;
  const size = Math.min(label.length, perClass * classes);
  const chosen = new Set(stratifiedSubset(label, size, seed));
  const wrong = new Map<number, number[]>();
  for (let i = 0; i < label.length; i++) {
    if (predicted[i] === label[i]) continue;
    if (!wrong.has(label[i])) wrong.set(label[i], []);
    wrong.get(label[i])!.push(i);
  }
  const rng = createRng(deriveSeed(seed, "map mistakes"));
  for (const list of wrong.values()) for (const i of shuffleInPlace(list, rng).slice(0, mistakesPerClass)) chosen.add(i);
  return [...chosen].sort((a, b) => a - b);
}

/** The activations of a model's last hidden dense layer (the one before its output) for images scaled to [0, 1]. */
export function lastHiddenActivations(tf: typeof tfType, model: tfType.LayersModel, images: Float32Array, n: number): { layer: string; units: number; values: Float32Array } {
  const dense = model.layers.filter((layer) => layer.getClassName() === "Dense");
  if (dense.length < 2) throw new Error(`model "${model.name}" has no hidden dense layer before its output`);
  const hidden = dense[dense.length - 2];
  const units = (hidden.outputShape as number[])[1];
  const cut = tf.model({ inputs: model.inputs, outputs: hidden.output as tfType.SymbolicTensor });
  const values = new Float32Array(n * units);
  const batch = 500;
  for (let start = 0; start < n; start += batch) {
    const count = Math.min(batch, n - start);
    const out = tf.tidy(() => cut.predict(tf.tensor4d(images.subarray(start * PIXELS, (start + count) * PIXELS), [count, 28, 28, 1])) as tfType.Tensor);
    values.set(out.dataSync() as Float32Array, start * units);
    out.dispose();
  }
  return { layer: hidden.name, units, values };
}

export interface MapPlan {
  spec: MapSpec;
  key: string;
  dir: string;
  planned: PlannedRun;
  record: RunRecord;
  testSet: TestSet;
  predictions: RunPredictions;
}

/** What a map would be computed from, given its model's stored run; its key and folder. */
function planMap(profile: ProfileName, dataset: string, planned: PlannedRun, record: RunRecord, options: MapOptions): MapPlan {
  const testSet = record.testSet ? readTestSet(profile, record.testSet) : null;
  if (!testSet) throw new Error(`the stored run ${planned.dir} has no stored test set; retrain it (npm run train -- --only ${planned.experiment.id} --force)`);
  const predictions = readRunPredictions(planned.dir);
  const perClass = options.perClass ?? PER_CLASS;
  const mistakesPerClass = MISTAKES_PER_CLASS;
  const positions = mapPositions(testSet.label, predictions.predicted, perClass, mistakesPerClass);
  const spec: MapSpec = { profile, dataset, testSet: testSet.id, model: { id: planned.experiment.id, key: record.key }, perClass, mistakesPerClass, positions, umap: options.umap ?? DEFAULT_UMAP };
  const key = mapKey(spec);
  return { spec, key, dir: mapDir(profile, dataset, key), planned, record, testSet, predictions };
}

function mapModel(dataset: string): string {
  const id = MAP_MODELS[dataset];
  if (!id) throw new Error(`no map for dataset "${dataset}"; expected one of ${Object.keys(MAP_MODELS).join(", ")}`);
  return id;
}

/** The folders of the maps the current declarations would draw, from stored runs only (no training): what `--stale` keeps. */
export function currentMapDirs(profile: ProfileName): string[] {
  const plan = planRuns(profile);
  return Object.entries(MAP_MODELS).flatMap(([dataset, id]) => {
    const planned = plan.find((p) => p.experiment.id === id);
    const record = planned ? readRun(planned.dir) : null;
    return planned && record?.testSet ? [planMap(profile, dataset, planned, record, {}).dir] : [];
  });
}

export interface MapOptions {
  log?: (line: string) => void;
  umap?: UmapSettings;
  perClass?: number;
}

/**
 * The map of `dataset`'s test images for a profile (the stored one, or computed and stored first), with the
 * model run, test set and predictions it was drawn from, read once for the callers that need them too.
 */
export async function ensureMap(profile: ProfileName, dataset: string, options: MapOptions = {}): Promise<{ map: StoredMap; sources: MapPlan }> {
  const { planned, record } = await storedRunWithWeights(profile, mapModel(dataset));
  const sources = planMap(profile, dataset, planned, record, options);
  return { map: await storedOrComputed(profile, dataset, sources, options), sources };
}

async function storedOrComputed(profile: ProfileName, dataset: string, { spec, key, dir, testSet, planned, record }: MapPlan, options: MapOptions): Promise<StoredMap> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { positions, perClass, mistakesPerClass } = spec;
  const id = planned.experiment.id;
  return withLock(`map-${profile}-${dataset}`, async () => {
    try {
      const stored = readMap(dir);
      if (stored) return stored;
    } catch (error) {
      if (!(error instanceof StoredMapError)) throw error;
      log(`[map ${dataset}] ${error.message}; moved it to ${setAside(dir)} and computing it again`);
    }
    const started = performance.now();
    const n = positions.length;
    log(`[map ${dataset}] laying out ${n} test images from their pixels and ${id}'s last hidden layer (PCA, UMAP) → ${dir}`);
    const pixels = toFloatImages(loadDataset(planned.experiment.dataset).test.images, positions.map((p) => testSet.index[p]));
    const { tf, model } = await loadStoredModel(planned.dir);
    const hidden = lastHiddenActivations(tf, model, pixels, n);
    model.dispose();
    const umap = spec.umap;
    const map: StoredMap = {
      version: MAP_VERSION,
      key,
      profile,
      dataset,
      testSet: testSet.id,
      model: { id, key: record.key, layer: hidden.layer, units: hidden.units },
      perClass,
      mistakesPerClass,
      umap,
      libraries: libraryVersions(MAP_LIBRARIES),
      createdAt: new Date().toISOString(),
      seconds: 0,
      positions,
      pixels: layouts(pixels, n, PIXELS, umap),
      hidden: layouts(hidden.values, n, hidden.units, umap)
    };
    map.seconds = Math.round((performance.now() - started) / 100) / 10;
    writeFolderAtomic(dir, [[MAP_FILE, JSON.stringify(map)]]);
    log(`[map ${dataset}] stored in ${map.seconds} s`);
    return map;
  });
}

/** The map page's data for a dataset: the layouts, and for each image its label and the model's answer. */
export async function mapReport(profile: ProfileName, dataset: string) {
  const { map, sources } = await ensureMap(profile, dataset);
  const { planned, record, testSet, predictions } = sources;
  const { positions } = map;
  const label = positions.map((p) => testSet.label[p]);
  return {
    profile,
    dataset,
    key: map.key,
    classNames: [...DATASETS[dataset as keyof typeof DATASETS].classNames],
    testSet: map.testSet,
    testCount: testSet.label.length,
    model: { ...map.model, title: planned.experiment.title, testAccuracy: record.test?.accuracy ?? null },
    perClass: map.perClass,
    mistakesPerClass: map.mistakesPerClass,
    umap: map.umap,
    seconds: map.seconds,
    positions,
    index: positions.map((p) => testSet.index[p]),
    label,
    predicted: positions.map((p) => predictions.predicted[p]),
    confidence: positions.map((p) => Math.round(predictions.confidence[p] * 1000) / 1000),
    layouts: { pixels: map.pixels, hidden: map.hidden },
    /** Per layout, the share of images whose label is the most common among their nearest neighbours on it. */
    agreement: {
      pixels: { pca: neighbourAgreement(map.pixels.pca, label, AGREEMENT_NEIGHBOURS), umap: neighbourAgreement(map.pixels.umap, label, AGREEMENT_NEIGHBOURS) },
      hidden: { pca: neighbourAgreement(map.hidden.pca, label, AGREEMENT_NEIGHBOURS), umap: neighbourAgreement(map.hidden.umap, label, AGREEMENT_NEIGHBOURS) }
    },
    agreementNeighbours: AGREEMENT_NEIGHBOURS
  };
}

/** The pixels of a map's images, in the map's order (784 bytes each); empty when the dataset's files are not on this machine. */
export async function mapImages(profile: ProfileName, dataset: string): Promise<Uint8Array> {
  const { map, sources } = await ensureMap(profile, dataset);
  const { testSet } = sources;
  let images: Uint8Array;
  try {
    images = loadDataset(dataset as keyof typeof DATASETS).test.images;
  } catch (error) {
    process.stderr.write(`map-images: ${dataset} without images (${(error as Error).message})\n`);
    return new Uint8Array(0);
  }
  const out = new Uint8Array(map.positions.length * PIXELS);
  map.positions.forEach((p, i) => out.set(images.subarray(testSet.index[p] * PIXELS, (testSet.index[p] + 1) * PIXELS), i * PIXELS));
  return out;
}
