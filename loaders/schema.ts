// Experiment declarations: the zod schema for data/experiments.json, and how a declaration
// is resolved (defaults, then the chosen profile) into the exact settings a run trains with.
import { readFileSync } from "node:fs";
import { z } from "zod";

export const ACTIVATIONS = ["relu", "sigmoid", "tanh", "elu", "selu", "linear"] as const;
export const INITIALIZERS = ["glorotUniform", "heNormal", "randomNormal", "glorotNormal", "heUniform"] as const;
export const OPTIMIZERS = ["sgd", "momentum", "adam", "rmsprop"] as const;
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
const BatchNorm = z.strictObject({ type: z.literal("batchNorm") });
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
  reference: z.array(ReferenceSchema)
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
  keepWeights: z.boolean().optional()
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

const FileSchema = z.strictObject({
  $comment: z.string().optional(),
  defaults: DefaultsSchema,
  profiles: z.strictObject({ full: ProfileSchema, quick: ProfileSchema }),
  experiments: z.array(z.record(z.string(), z.unknown())).min(1)
});

/** An experiment with a profile applied: exactly what a run trains. */
export type ResolvedExperiment = Experiment & { profile: ProfileName; testSize: number };

export class DeclarationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeclarationError";
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length ? issue.path.join(".") : "(top level)";
      return `field "${path}": ${issue.message}`;
    })
    .join("; ");
}

export interface Declarations {
  file: string;
  experiments: Experiment[];
  profiles: Record<ProfileName, Profile>;
}

/** Validates a parsed declarations file; errors name the file, the experiment and the field. */
export function parseDeclarations(raw: unknown, file: string): Declarations {
  const top = FileSchema.safeParse(raw);
  if (!top.success) throw new DeclarationError(`${file}: ${describeIssues(top.error)}`);
  const { defaults, profiles, experiments } = top.data;
  const seen = new Set<string>();
  const parsed = experiments.map((entry, index) => {
    const label = typeof entry.id === "string" ? `experiment "${entry.id}"` : `experiment #${index + 1}`;
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
    if (!result.success) throw new DeclarationError(`${file}: ${label}: ${describeIssues(result.error)}`);
    const experiment = result.data;
    if (seen.has(experiment.id)) throw new DeclarationError(`${file}: ${label}: field "id": duplicate id`);
    seen.add(experiment.id);
    checkLayerOrder(experiment, `${file}: ${label}`);
    return experiment;
  });
  return {
    file,
    experiments: parsed,
    profiles: {
      full: { ...profiles.full, name: "full" },
      quick: { ...profiles.quick, name: "quick" }
    }
  };
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

export function readDeclarations(file: string): Declarations {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new DeclarationError(`${file}: cannot read the experiment declarations (${(error as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DeclarationError(`${file}: not valid JSON (${(error as Error).message})`);
  }
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
