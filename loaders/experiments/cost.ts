// The cost model and the schedule: estimated seconds of a run from its declaration alone, and which
// runs train over every core first. Only the ratios between runs matter; they decide the order.
import type { MulticoreMode } from "../config.ts";
import type { Layer, ResolvedExperiment } from "../spec/schema.ts";
import type { PlannedRun } from "./plan.ts";

/** How a run trains over every core under `mode`: threads or replicas (see EnsureOptions.multicore). */
export function multicoreMethod(experiment: ResolvedExperiment, mode: Exclude<MulticoreMode, "off">, backend?: "wasm" | "cpu"): "threads" | "replicas" {
  if (backend === "cpu") return "replicas"; // the cpu backend has no thread pool
  if (mode !== "auto") return mode;
  return experiment.layers.some((l) => l.type === "batchNorm") ? "threads" : "replicas";
}


/** Multiply-add equivalents per output element of a memory-bound layer (activation, pooling, dropout), forward + backward. */
const ELEMENTWISE_COST = 10;
/** The same for batch normalisation, whose tfjs backward pass is a chain of small ops (calibrated on the stored full runs). */
const BATCHNORM_COST = 300;
/** Per-sample cost of the affine augmentation (JS, per pixel: about 7 us an image, loaders/data/augment.ts). */
const AUGMENTATION_COST = 784 * 80;
/** Multiply-add equivalents per second one wasm core sustains on these models (cnn-basic, full profile, 2-core EPYC). */
const UNITS_PER_SECOND = 9e9;
/** Seconds a run costs beyond its samples: building the model, evaluation set-up, writing the run. */
const RUN_OVERHEAD_SECONDS = 0.3;
/** Seconds of fixed cost per training step (tfjs op dispatch, batch tensors, the optimizer): what makes batch 4 slow. */
const STEP_OVERHEAD_SECONDS = 0.0015;

/**
 * Cost of one training sample (forward and backward, so three times the forward multiply-adds of
 * the convolutions and dense layers, plus per-element costs of the memory-bound layers), in
 * multiply-add equivalents. Shapes follow the layers from the 28x28x1 input to the classifier.
 */
export function trainingCostPerSample(layers: readonly Layer[], classes = 10): number {
  let [h, w, c] = [28, 28, 1];
  let cost = 0;
  for (const layer of layers) {
    switch (layer.type) {
      case "dense":
        cost += 3 * h * w * c * layer.units + ELEMENTWISE_COST * layer.units;
        [h, w, c] = [1, 1, layer.units];
        break;
      case "conv2d": {
        const { kernelSize: k, filters } = layer;
        const s = layer.strides ?? 1;
        const out = (n: number) => (layer.padding === "valid" ? Math.floor((n - k) / s) + 1 : Math.ceil(n / s));
        const [oh, ow] = [Math.max(1, out(h)), Math.max(1, out(w))];
        cost += 3 * oh * ow * filters * k * k * c + ELEMENTWISE_COST * oh * ow * filters;
        [h, w, c] = [oh, ow, filters];
        break;
      }
      case "maxPool": {
        const p = layer.poolSize ?? 2;
        const s = layer.strides ?? p;
        cost += ELEMENTWISE_COST * h * w * c;
        [h, w] = [Math.max(1, Math.floor((h - p) / s) + 1), Math.max(1, Math.floor((w - p) / s) + 1)];
        break;
      }
      case "batchNorm":
        cost += BATCHNORM_COST * h * w * c;
        break;
      case "flatten":
        break;
      default:
        cost += ELEMENTWISE_COST * h * w * c;
    }
  }
  return cost + 3 * h * w * c * classes;
}

/** Training samples a resolved experiment uses (its cap, or its classes' share of the 60,000 training images less validation). */
function trainCount(e: ResolvedExperiment): number {
  const pool = Math.round((60_000 * (e.classes?.length ?? 10)) / 10) - e.validationSize;
  return Math.max(1, e.trainSize == null ? pool : Math.min(e.trainSize, pool));
}

/**
 * Estimated seconds to train and evaluate a run on one core: samples x epochs x per-sample cost,
 * plus validation after every epoch and the test set (forward only, a third of a training step),
 * plus a fixed cost per training step and per run.
 * Only the ratios between runs matter; they decide the order runs are handed to workers.
 */
export function estimateCost(e: ResolvedExperiment): number {
  const perSample = trainingCostPerSample(e.layers, e.classes?.length ?? 10);
  const samples = trainCount(e);
  const train = samples * e.epochs * (perSample + (e.augmentation ? AUGMENTATION_COST : 0));
  const evaluate = ((e.validationSize * e.epochs + e.testSize) * perSample) / 3;
  const steps = Math.ceil(samples / Math.min(e.batchSize, samples)) * e.epochs;
  return (train + evaluate) / UNITS_PER_SECOND + steps * STEP_OVERHEAD_SECONDS + RUN_OVERHEAD_SECONDS;
}

/** Longest first (ties in declaration order): list scheduling that keeps one long run from starting last. */
export function longestFirst(runs: readonly PlannedRun[]): PlannedRun[] {
  return runs
    .map((planned, index) => ({ planned, index, cost: estimateCost(planned.experiment) }))
    .sort((a, b) => b.cost - a.cost || a.index - b.index)
    .map((r) => r.planned);
}

/**
 * Expected speed-up per core of training one run over every core (bench/kernels.ts on 2 cores:
 * --threads 2 about 1.3x, --replicas 2 about 1.2-1.6x).
 */
const MULTICORE_EFFICIENCY: Record<"threads" | "replicas", number> = { threads: 0.65, replicas: 0.75 };
/** Multicore training pays for a run only when its steps are long (conv nets) and the run is long (start-up). */
const MULTICORE_MIN_STEP_SECONDS = 0.05;
const MULTICORE_MIN_RUN_SECONDS = 20;

/** The estimated seconds of one training step of a run (its batch, forward and backward). */
function stepSeconds(e: ResolvedExperiment): number {
  return (Math.min(e.batchSize, trainCount(e)) * trainingCostPerSample(e.layers, e.classes?.length ?? 10)) / UNITS_PER_SECOND;
}

/** The finishing time of list scheduling `costs` (longest first) on `workers` workers. */
export function listScheduleMakespan(costs: readonly number[], workers: number): number {
  const loads = new Array(Math.max(1, workers)).fill(0);
  for (const c of [...costs].sort((a, b) => b - a)) {
    let min = 0;
    for (let i = 1; i < loads.length; i++) if (loads[i] < loads[min]) min = i;
    loads[min] += c;
  }
  return Math.max(...loads);
}

export interface Schedule {
  /** Runs trained first, one at a time, each over every worker's core (threads or replicas). */
  parallel: PlannedRun[];
  /** The other runs, longest first, one per worker. */
  rest: PlannedRun[];
  /** Estimated single-core seconds of all runs, and of the schedule's wall time. */
  serialSeconds: number;
  wallSeconds: number;
}

/**
 * How to train `runs` on `workers` cores. Runs go to workers longest first. When `multicore` is
 * not "off" and one run is so long that the others cannot keep the other cores busy meanwhile (the
 * full profile's cnn-strong is 80% of its work), the longest runs are trained over all cores
 * instead, one at a time, as long as that shortens the estimated wall time.
 */
export function planSchedule(runs: readonly PlannedRun[], workers: number, multicore: MulticoreMode): Schedule {
  const ordered = longestFirst(runs);
  const cost = new Map(ordered.map((p) => [p, estimateCost(p.experiment)]));
  const serialSeconds = ordered.reduce((sum, p) => sum + cost.get(p)!, 0);
  const parallel: PlannedRun[] = [];
  let rest = ordered;
  let wallSeconds = listScheduleMakespan(ordered.map((p) => cost.get(p)!), workers);
  if (multicore !== "off" && workers > 1) {
    let parallelSeconds = 0;
    for (const candidate of ordered) {
      const c = cost.get(candidate)!;
      const efficiency = MULTICORE_EFFICIENCY[multicoreMethod(candidate.experiment, multicore)];
      if (c < MULTICORE_MIN_RUN_SECONDS || stepSeconds(candidate.experiment) < MULTICORE_MIN_STEP_SECONDS) continue;
      const others = rest.filter((p) => p !== candidate);
      const trial = parallelSeconds + c / (workers * efficiency) + listScheduleMakespan(others.map((p) => cost.get(p)!), workers);
      if (trial >= wallSeconds) break;
      parallel.push(candidate);
      parallelSeconds += c / (workers * efficiency);
      rest = others;
      wallSeconds = trial;
    }
  }
  return { parallel, rest, serialSeconds, wallSeconds };
}
