// A search's trials as experiments: the layers, augmentation and optimizer a point of a search space
// sets, and the experiment one candidate trains.
import { ACTIVATIONS, AUGMENTATION_PARAMS, SHIFT_PARAM, parseExperiment, type Declarations, type Experiment, type Layer, type Tuner } from "../spec/schema.ts";
import { settingWord, type Params } from "../spec/params.ts";
import { DeclarationError } from "../spec/errors.ts";

/** The hidden layers of an MLP point: `depth` dense layers of `units` (or `units<i>`), each followed by dropout when > 0. */
export function mlpLayers(params: Params, where: string): Layer[] {
  const depth = Number(params.depth ?? 1);
  if (!Number.isInteger(depth) || depth < 1 || depth > 4) throw new DeclarationError(`${where}: "depth" must be 1-4, got ${params.depth}`);
  const layers: Layer[] = [];
  for (let i = 0; i < depth; i++) {
    const units = Number(params[`units${i}`] ?? params.units ?? 128);
    layers.push({
      type: "dense",
      units,
      activation: String(params.activation ?? "relu") as (typeof ACTIVATIONS)[number],
      ...(params.l2 != null && Number(params.l2) > 0 ? { l2: Number(params.l2) } : {})
    } as Layer);
    if (params.dropout != null && Number(params.dropout) > 0) layers.push({ type: "dropout", rate: Number(params.dropout) });
  }
  return layers;
}

/**
 * The hidden layers of a CNN point: `blocks` blocks of a `kernel` x `kernel` convolution ('same'
 * padding; `filters0` filters in the first block, `filters` in the others) and a subsampling step
 * ("pool": 2x2 max pool; "stride": a 5x5 convolution with stride 2 and as many filters), with batch
 * norm (momentum 0.9) after every convolution when `batchNorm` is true; then a dense layer of `dense` units and
 * dropout `dropout`.
 */
export function cnnLayers(params: Params, where: string): Layer[] {
  const blocks = Number(params.blocks ?? 2);
  if (!Number.isInteger(blocks) || blocks < 1 || blocks > 4) throw new DeclarationError(`${where}: "blocks" must be 1-4, got ${params.blocks}`);
  const subsample = String(params.subsample ?? "pool");
  if (subsample !== "pool" && subsample !== "stride") throw new DeclarationError(`${where}: "subsample" must be "pool" or "stride", got ${params.subsample}`);
  const batchNorm = params.batchNorm === true || params.batchNorm === "true";
  const kernel = Number(params.kernel ?? 3);
  const dropout = Number(params.dropout ?? 0);
  const conv = (filters: number, kernelSize: number, strides: number): Layer[] =>
    batchNorm
      ? [
          { type: "conv2d", filters, kernelSize, strides, padding: "same", activation: "linear" },
          // Moving statistics that settle within a few dozen steps: with the default 0.99 they
          // lag far behind after the one short epoch of a first rung, and evaluation suffers.
          { type: "batchNorm", momentum: 0.9 },
          { type: "activation", activation: "relu" }
        ]
      : [{ type: "conv2d", filters, kernelSize, strides, padding: "same", activation: "relu" }];
  const layers: Layer[] = [];
  for (let i = 0; i < blocks; i++) {
    const filters = Number(i === 0 ? (params.filters0 ?? params.filters ?? 32) : (params.filters ?? 64));
    layers.push(...conv(filters, kernel, 1));
    layers.push(...(subsample === "pool" ? [{ type: "maxPool", poolSize: 2 } as Layer] : conv(filters, 5, 2)));
  }
  layers.push({ type: "flatten" }, { type: "dense", units: Number(params.dense ?? 128), activation: "relu" });
  if (dropout > 0) layers.push({ type: "dropout", rate: dropout });
  return layers;
}

/** The augmentation a point sets (any of its augmentation dimensions), or undefined when it sets none. */
export function pointAugmentation(params: Params): Record<string, number> | undefined {
  const set = AUGMENTATION_PARAMS.filter((name) => params[name] != null);
  const shift = params[SHIFT_PARAM] != null ? Number(params[SHIFT_PARAM]) : null;
  if (!set.length && shift == null) return undefined;
  return { ...Object.fromEntries(set.map((name) => [name, Number(params[name])])), ...(shift != null ? { widthShift: shift, heightShift: shift } : {}) };
}

/**
 * A point of a later stage on top of the winner an earlier stage fixed. A point that sets both shifts
 * at once drops the fixed ones, so that its settings (and so its title) name each shift only once.
 */
export function onFixed(fixed: Params, point: Params): Params {
  if (point[SHIFT_PARAM] == null) return { ...fixed, ...point };
  const { widthShift: _w, heightShift: _h, ...rest } = fixed;
  return { ...rest, ...point };
}

/** Drops the widths of layers beyond a point's depth: they do not change the model. */
export function normalizeMlpPoint(params: Params): Params {
  const depth = Number(params.depth ?? 1);
  return Object.fromEntries(Object.entries(params).filter(([k]) => !/^units\d$/.test(k) || Number(k.slice(5)) < depth));
}

/** A compact, stable label of a point in a reader's words, e.g. "depth 2, learning rate 0.001, units 128". */
export function describePoint(params: Params): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${settingWord(k)} ${typeof params[k] === "number" ? Number((params[k] as number).toPrecision(3)) : params[k]}`)
    .join(", ");
}

/** The experiment one tuner candidate trains. */
/** The fields every trial of `tuner` starts from: the project's defaults under the tuner's own `base`. */
export function trialBase(declarations: Declarations, tuner: Tuner): Record<string, unknown> {
  return { ...declarations.defaults, ...tuner.base };
}

export function trialExperiment(
  declarations: Declarations,
  tuner: Tuner,
  params: Params,
  { id, epochs, seedOffset = 0, overrides = {} }: { id: string; epochs?: number; seedOffset?: number; overrides?: Record<string, unknown> }
): Experiment {
  const where = `${declarations.file}: tuner "${tuner.id}"`;
  const base = trialBase(declarations, tuner) as Record<string, unknown> & { optimizer?: { name: string; learningRate: number } };
  const optimizer = {
    ...(base.optimizer ?? { name: "adam", learningRate: 0.001 }),
    ...(params.optimizer != null ? { name: params.optimizer } : {}),
    ...(params.learningRate != null ? { learningRate: params.learningRate } : {})
  };
  const seed = Number(base.seed ?? 1) + seedOffset;
  const augmentation = pointAugmentation(params);
  const entry: Record<string, unknown> = {
    ...base,
    id,
    title: `${tuner.title}: ${describePoint(params)}`,
    question: tuner.question,
    study: tuner.study,
    layers: tuner.model === "cnn" ? cnnLayers(params, where) : mlpLayers(params, where),
    optimizer,
    ...(augmentation ? { augmentation: { ...((base.augmentation as object | null | undefined) ?? {}), ...augmentation } } : {}),
    ...(params.batchSize != null ? { batchSize: params.batchSize } : {}),
    ...(params.decayPerEpoch != null ? { schedule: { decayPerEpoch: Number(params.decayPerEpoch) } } : {}),
    ...(epochs != null ? { epochs } : {}),
    seed,
    variant: { ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === "boolean" ? String(v) : v])), seed },
    ...overrides
  };
  return parseExperiment(entry, {}, `${where}, trial "${id}"`, new Set(declarations.studies.map((s) => s.id)));
}
