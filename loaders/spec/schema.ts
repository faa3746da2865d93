// Experiment declarations: the zod schema for data/experiments/, and how a declaration
// is resolved (defaults, then the chosen profile) into the exact settings a run trains with.
import { existsSync, statSync } from "node:fs";
import { combinedDeclarations, readDeclarationFile } from "./declarationFolder.ts";
import { z } from "zod";
import { DeclarationError, describeIssues } from "./errors.ts";
import { expandGrid, expandSeeds } from "./grids.ts";
import { ParamSchema } from "./params.ts";

export const ACTIVATIONS = ["relu", "sigmoid", "tanh", "elu", "selu", "linear"] as const;
export const INITIALIZERS = ["glorotUniform", "heNormal", "randomNormal", "glorotNormal", "heUniform"] as const;
export const OPTIMIZERS = ["sgd", "momentum", "adam", "nadam", "rmsprop"] as const;
export const FAMILIES = ["baseline-mlp", "deep-mlp", "cnn"] as const;
export const DATASET_IDS = ["mnist", "fashion-mnist"] as const;
export const PROFILES = ["full", "quick"] as const;

const Activation = z.enum(ACTIVATIONS);
const Initializer = z.enum(INITIALIZERS);
const positiveInt = z.number().int().positive();
const unitInterval = z.number().min(0).lt(1);

const Dense = z.strictObject({
  type: z.literal("dense"),
  units: positiveInt,
  activation: Activation.default("relu"),
  kernelInitializer: Initializer.optional(),
  l2: z.number().nonnegative().optional()
});
const Conv2d = z.strictObject({
  type: z.literal("conv2d"),
  filters: positiveInt,
  kernelSize: positiveInt,
  strides: positiveInt.default(1),
  padding: z.enum(["same", "valid"]).default("same"),
  activation: Activation.default("relu"),
  kernelInitializer: Initializer.optional(),
  l2: z.number().nonnegative().optional()
});
const MaxPool = z.strictObject({
  type: z.literal("maxPool"),
  poolSize: positiveInt.default(2),
  strides: positiveInt.optional()
});
const Dropout = z.strictObject({ type: z.literal("dropout"), rate: unitInterval });
const BatchNorm = z.strictObject({
  type: z.literal("batchNorm"),
  /** Weight of the old value when the moving mean and variance are updated (tfjs and Keras default 0.99). */
  momentum: z.number().min(0).lt(1).optional()
});
const ActivationLayer = z.strictObject({ type: z.literal("activation"), activation: Activation });
const Flatten = z.strictObject({ type: z.literal("flatten") });

/** One layer of the hidden stack; the output layer is added by the model builder. */
export const LayerSchema = z.discriminatedUnion("type", [
  Dense,
  Conv2d,
  MaxPool,
  Dropout,
  BatchNorm,
  ActivationLayer,
  Flatten
]);

const OptimizerSchema = z.strictObject({
  name: z.enum(OPTIMIZERS),
  learningRate: z.number().positive().max(10),
  momentum: z.number().min(0).lt(1).optional()
});

const EarlyStoppingSchema = z.strictObject({
  monitor: z.enum(["valLoss", "valAccuracy"]).default("valLoss"),
  patience: positiveInt,
  restoreBestWeights: z.boolean().default(true)
});

const AugmentationSchema = z.strictObject({
  /** Largest rotation, in degrees, either way. */
  rotationDegrees: z.number().min(0).max(45).default(0),
  /** Largest shift as a fraction of the image width / height. */
  widthShift: z.number().min(0).max(0.5).default(0),
  heightShift: z.number().min(0).max(0.5).default(0),
  /** Largest zoom change as a fraction (0.1 means 0.9x-1.1x). */
  zoom: z.number().min(0).max(0.5).default(0)
});

const ScheduleSchema = z.strictObject({
  /** The learning rate is multiplied by this factor after every epoch. */
  decayPerEpoch: z.number().positive().max(1)
});

/** A figure reported by one of the source write-ups, shown beside ours. */
const ReferenceSchema = z.strictObject({
  source: z.string().min(1),
  testAccuracy: z.number().min(0).max(1).optional(),
  testLoss: z.number().nonnegative().optional(),
  note: z.string().min(1)
});

/** The fields every experiment needs once defaults are merged in. */
const ExperimentFields = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
  title: z.string().min(1),
  question: z.string().min(1),
  family: z.enum(FAMILIES),
  dataset: z.enum(DATASET_IDS),
  layers: z.array(LayerSchema).min(1),
  optimizer: OptimizerSchema,
  batchSize: positiveInt,
  epochs: positiveInt.max(500),
  earlyStopping: EarlyStoppingSchema.nullable(),
  /** Samples held out of the training set for validation (the test set is never used for choices). */
  validationSize: positiveInt,
  /** Training samples used after the validation hold-out; null means all that remain. */
  trainSize: positiveInt.nullable(),
  seed: z.number().int().nonnegative(),
  augmentation: AugmentationSchema.nullable(),
  schedule: ScheduleSchema.nullable(),
  /** Keep the trained weights so pages can run the model in the browser. */
  keepWeights: z.boolean(),
  /**
   * Record, per epoch, a histogram of each layer's weights and its gradient norm on a fixed batch
   * (loaders/spec/inside.ts). Absent leaves the run key as it was; true changes it.
   */
  recordInside: z.literal(true).optional(),
  reference: z.array(ReferenceSchema),
  /**
   * The dataset classes the run uses, relabelled 0, 1, ... in this order (e.g. [5, 8] for the
   * 5-vs-8 task); absent means all ten.
   */
  classes: z.array(z.number().int().min(0).max(9)).min(2).max(10).optional(),
  /** The output layer: a softmax over the classes (default), or one sigmoid unit for two classes. */
  output: z.enum(["softmax", "sigmoid"]).optional(),
  /** The study page that presents the run; absent means the model-family pages. Not part of the run key. */
  study: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes").optional(),
  /** For runs expanded from a grid: the grid coordinates, by axis name. Not part of the run key. */
  variant: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  /**
   * For runs expanded from `seeds`: the id of the configuration they repeat (the first seed's run
   * keeps that id). Runs of one group differ only in their seed. Not part of the run key.
   */
  group: z.string().optional()
};

export const ExperimentSchema = z.strictObject(ExperimentFields);
export type Experiment = z.infer<typeof ExperimentSchema>;
export type Layer = z.infer<typeof LayerSchema>;

const DefaultsSchema = z.strictObject({
  dataset: ExperimentFields.dataset.optional(),
  optimizer: OptimizerSchema.optional(),
  batchSize: positiveInt.optional(),
  epochs: positiveInt.optional(),
  earlyStopping: EarlyStoppingSchema.nullable().optional(),
  validationSize: positiveInt.optional(),
  trainSize: positiveInt.nullable().optional(),
  seed: z.number().int().nonnegative().optional(),
  augmentation: AugmentationSchema.nullable().optional(),
  schedule: ScheduleSchema.nullable().optional(),
  keepWeights: z.boolean().optional(),
  classes: ExperimentFields.classes,
  output: ExperimentFields.output
});

const ProfileSchema = z.strictObject({
  description: z.string().min(1),
  /** Caps applied to every experiment; null leaves the declared value. */
  maxTrainSize: positiveInt.nullable(),
  maxValidationSize: positiveInt.nullable(),
  maxEpochs: positiveInt.nullable(),
  testSize: positiveInt.max(10000)
});
export type Profile = z.infer<typeof ProfileSchema> & { name: ProfileName };
export type ProfileName = (typeof PROFILES)[number];

/** A study page: a question answered by a group of runs (experiments name it in their `study` field). */
const StudySchema = z.strictObject({
  id: ExperimentFields.study.unwrap(),
  title: z.string().min(1),
  question: z.string().min(1)
});
export type Study = z.infer<typeof StudySchema>;

/** The hyperparameters an MLP tuner may search; `units<i>` sets the width of hidden layer i alone. */
export const MLP_PARAMS = ["depth", "units", "units0", "units1", "units2", "units3", "activation", "dropout", "l2", "learningRate", "optimizer", "batchSize"] as const;
/**
 * The hyperparameters a CNN tuner may search: `blocks` convolution blocks, the first with `filters0`
 * filters and the later ones with `filters`, of `kernel` x `kernel`, each followed by `subsample`
 * ("pool": 2x2 max pool; "stride": a 5x5 convolution with stride 2), optional `batchNorm` after every
 * convolution, then a `dense` layer and `dropout`; `batchSize` and `decayPerEpoch` (the learning rate
 * multiplied by it after every epoch) search the training recipe.
 */
export const CNN_PARAMS = ["blocks", "filters0", "filters", "kernel", "subsample", "batchNorm", "dense", "dropout", "learningRate", "batchSize", "decayPerEpoch"] as const;
/** Augmentation a tuner may search (either model kind): the fields of an experiment's `augmentation`. */
export const AUGMENTATION_PARAMS = ["rotationDegrees", "widthShift", "heightShift", "zoom"] as const;
/**
 * One setting for both shifts (`widthShift` and `heightShift` alike), so that a search can ask whether
 * shifting helps with one point per value instead of a grid over both. A point that sets it overrides
 * the two shifts an earlier stage fixed.
 */
export const SHIFT_PARAM = "shift";
const TUNER_PARAMS = [...new Set([...MLP_PARAMS, ...CNN_PARAMS, ...AUGMENTATION_PARAMS, SHIFT_PARAM])] as [string, ...string[]];

/**
 * A hyperparameter search whose trials are runs of a study: each point of `space` becomes a model of
 * kind `model` (`base` plus the point), scored by its best validation accuracy; the winner is
 * retrained with `final` on top and tested (`final: null` skips the retraining). A tuner may start
 * `after` an earlier one: the earlier tuner's winning point is kept fixed under every point of this one.
 * `grid` trains every combination of the space's `choice` dimensions.
 */
const TunerSchema = z.strictObject({
  id: ExperimentFields.id,
  title: z.string().min(1),
  question: z.string().min(1),
  study: ExperimentFields.study.unwrap(),
  method: z.enum(["randomSearch", "successiveHalving", "grid"]),
  model: z.enum(["mlp", "cnn"]).default("mlp"),
  /** The id of an earlier tuner of the same study whose winner this one builds on. */
  after: ExperimentFields.id.optional(),
  /** Experiment fields shared by every trial (family, epochs, sizes, optimizer, ...); layers come from the point. */
  base: z.record(z.string(), z.unknown()),
  space: z.partialRecord(z.enum(TUNER_PARAMS), ParamSchema),
  /** Random search: points drawn; successive halving: points in the first rung; grid: not used. */
  points: positiveInt.max(200).default(1),
  /** Random search and grid: runs per point with seeds seed, seed + 1, ...; their mean validation accuracy ranks the point. */
  executions: positiveInt.max(10).default(1),
  seed: z.number().int().nonnegative(),
  /** Successive halving: epochs of the first rung, the growth factor, and the most epochs of any rung. */
  minEpochs: positiveInt.optional(),
  eta: z.number().int().min(2).optional(),
  maxEpochs: positiveInt.optional(),
  /** Overrides for retraining the winner (e.g. all training data, more epochs, early stopping); null: no retraining. */
  final: z.record(z.string(), z.unknown()).nullable().default({}),
  /**
   * How many times the winner is retrained with `final` (seeds seed, seed + 1, ...), so that its test
   * figure comes with the spread between seeds; the first keeps the id "<tuner id>-final".
   */
  finalRepeats: positiveInt.max(10).default(1),
  /**
   * In place of `final`: the id of a declared experiment that is the retrained winner, written out
   * (so the report's main pages, kept weights and the train command share one run). Its layers, optimizer and
   * augmentation must be the winner's; the tuner's result says where they differ.
   */
  finalExperiment: ExperimentFields.id.optional(),
  reference: z.array(ReferenceSchema).default([])
});
export type Tuner = z.infer<typeof TunerSchema>;

const FileSchema = z.strictObject({
  $comment: z.string().optional(),
  defaults: DefaultsSchema,
  profiles: z.strictObject({ full: ProfileSchema, quick: ProfileSchema }),
  studies: z.array(StudySchema).default([]),
  tuners: z.array(z.record(z.string(), z.unknown())).default([]),
  experiments: z.array(z.record(z.string(), z.unknown())).min(1)
});

/** An experiment with a profile applied: exactly what a run trains. */
export type ResolvedExperiment = Experiment & { profile: ProfileName; testSize: number };

export interface Declarations {
  file: string;
  experiments: Experiment[];
  studies: Study[];
  tuners: Tuner[];
  /** The file's defaults, merged under every experiment (tuner trials included). */
  defaults: Record<string, unknown>;
  profiles: Record<ProfileName, Profile>;
}

/**
 * Validates one experiment entry (defaults already merged or not): fills the optional fields,
 * checks the schema, the layer order, the task and the study. Errors start with `label`.
 */
export function parseExperiment(entry: Record<string, unknown>, defaults: Record<string, unknown>, label: string, studyIds: Set<string>): Experiment {
  const merged = {
    earlyStopping: null,
    trainSize: null,
    augmentation: null,
    schedule: null,
    keepWeights: false,
    reference: [],
    ...defaults,
    ...entry
  };
  const result = ExperimentSchema.safeParse(merged);
  if (!result.success) throw new DeclarationError(`${label}: ${describeIssues(result.error)}`);
  const experiment = result.data;
  checkLayerOrder(experiment, label);
  checkTask(experiment, label);
  if (experiment.study !== undefined && !studyIds.has(experiment.study)) {
    throw new DeclarationError(
      `${label}: field "study": "${experiment.study}" is not a declared study (declared: ${[...studyIds].join(", ") || "none"})`
    );
  }
  return experiment;
}

/** Validates a parsed declarations file; errors name the file, the experiment and the field. */
export function parseDeclarations(raw: unknown, file: string): Declarations {
  const top = FileSchema.safeParse(raw);
  if (!top.success) throw new DeclarationError(`${file}: ${describeIssues(top.error)}`);
  const { defaults, profiles, experiments, studies, tuners: rawTuners } = top.data;
  const studyIds = new Set(studies.map((s) => s.id));
  const seen = new Set<string>();
  // An entry read from a declarations folder names its own file (declarationFolder.ts).
  const source = (entry: Record<string, unknown>) => {
    const { $file, ...rest } = entry;
    return { where: typeof $file === "string" ? $file : file, entry: rest };
  };
  const entries = experiments.flatMap((raw, index) => {
    const { where, entry } = source(raw);
    const label = typeof entry.id === "string" ? `experiment "${entry.id}"` : `experiment #${index + 1}`;
    return expandGrid({ ...defaults, ...entry }, `${where}: ${label}`)
      .flatMap((expanded) => expandSeeds(expanded, `${where}: ${label}`))
      .map((expanded) => ({ entry: expanded, index, where }));
  });
  const parsed = entries.map(({ entry, index, where }) => {
    const label = typeof entry.id === "string" ? `experiment "${entry.id}"` : `experiment #${index + 1}`;
    const experiment = parseExperiment(entry, defaults, `${where}: ${label}`, studyIds);
    if (seen.has(experiment.id)) throw new DeclarationError(`${where}: ${label}: field "id": duplicate id`);
    seen.add(experiment.id);
    return experiment;
  });
  const tuners: Tuner[] = [];
  rawTuners.forEach((raw, index) => {
    const { where, entry } = source(raw);
    const label = `${where}: tuner ${typeof entry.id === "string" ? `"${entry.id}"` : `#${index + 1}`}`;
    const result = TunerSchema.safeParse(entry);
    if (!result.success) throw new DeclarationError(`${label}: ${describeIssues(result.error)}`);
    const tuner = result.data;
    if (!studyIds.has(tuner.study)) throw new DeclarationError(`${label}: field "study": "${tuner.study}" is not a declared study`);
    if (seen.has(tuner.id)) throw new DeclarationError(`${label}: field "id": duplicate id`);
    seen.add(tuner.id);
    if (tuner.method === "successiveHalving" && (tuner.minEpochs == null || tuner.eta == null || tuner.maxEpochs == null)) {
      throw new DeclarationError(`${label}: successive halving needs "minEpochs", "eta" and "maxEpochs"`);
    }
    const allowed: readonly string[] = [...(tuner.model === "cnn" ? CNN_PARAMS : MLP_PARAMS), ...AUGMENTATION_PARAMS, SHIFT_PARAM];
    for (const name of Object.keys(tuner.space)) {
      if (!allowed.includes(name)) throw new DeclarationError(`${label}: field "space.${name}": not a parameter of a ${tuner.model} tuner (allowed: ${allowed.join(", ")})`);
    }
    if (tuner.method === "grid") {
      const notChoice = Object.entries(tuner.space).filter(([, p]) => !("choice" in p!)).map(([name]) => name);
      if (notChoice.length) throw new DeclarationError(`${label}: field "space": a grid needs "choice" values for every dimension, not for ${notChoice.join(", ")}`);
    }
    if (tuner.finalExperiment != null) {
      if (tuner.final != null) throw new DeclarationError(`${label}: field "final": must be null when "finalExperiment" names the retrained winner`);
      if (tuner.finalRepeats !== 1) throw new DeclarationError(`${label}: field "finalRepeats": the retrained winner "${tuner.finalExperiment}" is repeated by its own "seeds", not by "finalRepeats"`);
      if (!parsed.some((e) => e.id === tuner.finalExperiment)) {
        throw new DeclarationError(`${label}: field "finalExperiment": "${tuner.finalExperiment}" is not a declared experiment`);
      }
    }
    if (tuner.after != null) {
      const earlier = tuners.find((t) => t.id === tuner.after);
      if (!earlier) throw new DeclarationError(`${label}: field "after": "${tuner.after}" is not a tuner declared before this one`);
      if (earlier.study !== tuner.study || earlier.model !== tuner.model) {
        throw new DeclarationError(`${label}: field "after": "${tuner.after}" must be of the same study and model kind`);
      }
    }
    tuners.push(tuner);
  });
  return {
    file,
    experiments: parsed,
    studies,
    tuners,
    defaults,
    profiles: {
      full: { ...profiles.full, name: "full" },
      quick: { ...profiles.quick, name: "quick" }
    }
  };
}

/** The output and class list must agree: a sigmoid output needs exactly two classes, listed once each. */
function checkTask(experiment: Experiment, label: string): void {
  const classes = experiment.classes;
  if (classes && new Set(classes).size !== classes.length) {
    throw new DeclarationError(`${label}: field "classes": each class may be listed once, got [${classes.join(", ")}]`);
  }
  if (experiment.output === "sigmoid" && classes?.length !== 2) {
    throw new DeclarationError(
      `${label}: field "output": a sigmoid output needs exactly two "classes" (e.g. [5, 8]), got ${classes ? `[${classes.join(", ")}]` : "all ten"}`
    );
  }
}

/** Conv and pooling layers need an image-shaped input: they cannot follow a flatten or dense layer. */
function checkLayerOrder(experiment: Experiment, label: string): void {
  let flat = false;
  experiment.layers.forEach((layer, i) => {
    if (layer.type === "flatten" || layer.type === "dense") flat = true;
    else if ((layer.type === "conv2d" || layer.type === "maxPool") && flat) {
      throw new DeclarationError(
        `${label}: field "layers.${i}": a ${layer.type} layer cannot follow a flatten or dense layer`
      );
    }
  });
}

/** The declarations in a folder (data/experiments/, see declarationFolder.ts) or in one file of the same shape. */
export function readDeclarations(file: string): Declarations {
  const raw = existsSync(file) && statSync(file).isDirectory() ? combinedDeclarations(file) : readDeclarationFile(file);
  return parseDeclarations(raw, file);
}

/** Applies a profile's caps to an experiment. */
export function resolveExperiment(experiment: Experiment, profile: Profile): ResolvedExperiment {
  const cap = (value: number | null, max: number | null): number | null =>
    max == null ? value : value == null ? max : Math.min(value, max);
  return {
    ...experiment,
    trainSize: cap(experiment.trainSize, profile.maxTrainSize),
    validationSize: cap(experiment.validationSize, profile.maxValidationSize) as number,
    epochs: cap(experiment.epochs, profile.maxEpochs) as number,
    profile: profile.name,
    testSize: profile.testSize
  };
}
