// Model builders: turn a declared layer list into a compiled tf.LayersModel.
import type * as tfType from "@tensorflow/tfjs";
import { fusedAdam } from "../engine/adam.ts";
import { nadam } from "../engine/nadam.ts";
import type { Experiment, Layer } from "../spec/schema.ts";

export const IMAGE_SHAPE: [number, number, number] = [28, 28, 1];

type Tf = typeof tfType;

function initializer(tf: Tf, name: string | undefined, seed: number, fallback: string) {
  switch (name ?? fallback) {
    case "glorotUniform":
      return tf.initializers.glorotUniform({ seed });
    case "glorotNormal":
      return tf.initializers.glorotNormal({ seed });
    case "heNormal":
      return tf.initializers.heNormal({ seed });
    case "heUniform":
      return tf.initializers.heUniform({ seed });
    case "randomNormal":
      // Keras' RandomNormal default: mean 0, standard deviation 0.05.
      return tf.initializers.randomNormal({ mean: 0, stddev: 0.05, seed });
    default:
      throw new Error(`unknown initializer "${name}"`);
  }
}

function regularizer(tf: Tf, l2: number | undefined) {
  return l2 ? tf.regularizers.l2({ l2 }) : undefined;
}

/** Builds one hidden layer; `seed` makes its initial weights and dropout mask reproducible. */
function buildLayer(tf: Tf, layer: Layer, seed: number, first: boolean): tfType.layers.Layer {
  const inputShape = first ? { inputShape: IMAGE_SHAPE } : {};
  switch (layer.type) {
    case "dense":
      return tf.layers.dense({
        ...inputShape,
        units: layer.units,
        activation: layer.activation,
        kernelInitializer: initializer(tf, layer.kernelInitializer, seed, "glorotUniform"),
        kernelRegularizer: regularizer(tf, layer.l2)
      });
    case "conv2d":
      return tf.layers.conv2d({
        ...inputShape,
        filters: layer.filters,
        kernelSize: layer.kernelSize,
        strides: layer.strides,
        padding: layer.padding,
        activation: layer.activation,
        kernelInitializer: initializer(tf, layer.kernelInitializer, seed, "glorotUniform"),
        kernelRegularizer: regularizer(tf, layer.l2)
      });
    case "maxPool":
      return tf.layers.maxPooling2d({ ...inputShape, poolSize: layer.poolSize, strides: layer.strides ?? layer.poolSize });
    case "dropout":
      return tf.layers.dropout({ ...inputShape, rate: layer.rate, seed });
    case "batchNorm":
      return tf.layers.batchNormalization({ ...inputShape, ...(layer.momentum != null ? { momentum: layer.momentum } : {}) });
    case "activation":
      return tf.layers.activation({ ...inputShape, activation: layer.activation });
    case "flatten":
      return tf.layers.flatten({ ...inputShape });
    default:
      throw new Error(`unknown layer type "${(layer as { type: string }).type}"`);
  }
}

export function buildOptimizer(tf: Tf, spec: Experiment["optimizer"]): tfType.Optimizer {
  switch (spec.name) {
    case "sgd":
      return tf.train.sgd(spec.learningRate);
    case "momentum":
      return tf.train.momentum(spec.learningRate, spec.momentum ?? 0.9);
    case "adam":
      return fusedAdam(tf, spec.learningRate);
    case "nadam":
      return nadam(tf, { learningRate: spec.learningRate });
    case "rmsprop":
      // Keras' defaults (rho 0.9, epsilon 1e-7) rather than tfjs' rmsprop(lr) defaults.
      return tf.train.rmsprop(spec.learningRate, 0.9, spec.momentum ?? 0, 1e-7);
    default:
      throw new Error(`unknown optimizer "${(spec as { name: string }).name}"`);
  }
}

/** How many classes an experiment's task has: its `classes` list, or all ten. */
/** Units of the output layer: one for a sigmoid output, else one per class. */
export function outputWidth(experiment: Pick<Experiment, "classes" | "output">): number {
  return experiment.output === "sigmoid" ? 1 : classCount(experiment);
}

export function classCount(experiment: Pick<Experiment, "classes">): number {
  return experiment.classes?.length ?? 10;
}

/**
 * Builds and compiles the model an experiment declares: input [28, 28, 1], the declared
 * hidden layers (an MLP starts with a flatten), then the output: a softmax over the task's classes
 * (sparse categorical cross-entropy), or for `output: "sigmoid"` one sigmoid unit giving the
 * probability of the second class (binary cross-entropy).
 * Weights are seeded from `experiment.seed`, so the same declaration starts from the same point.
 */
export function buildModel(
  tf: Tf,
  experiment: Pick<Experiment, "layers" | "optimizer" | "seed"> & Partial<Pick<Experiment, "classes" | "output">>,
  numClasses = classCount(experiment)
) {
  const sigmoid = experiment.output === "sigmoid";
  const model = tf.sequential();
  const layers = experiment.layers;
  const needsFlatten = layers[0].type === "dense";
  if (needsFlatten) model.add(tf.layers.flatten({ inputShape: IMAGE_SHAPE }));
  layers.forEach((layer, i) => {
    model.add(buildLayer(tf, layer, experiment.seed * 1000 + i + 1, i === 0 && !needsFlatten));
  });
  // An image-shaped tensor must be flattened before the classifier.
  if (model.outputs[0].shape.length > 2) model.add(tf.layers.flatten());
  model.add(
    tf.layers.dense({
      units: sigmoid ? 1 : numClasses,
      activation: sigmoid ? "sigmoid" : "softmax",
      kernelInitializer: tf.initializers.glorotUniform({ seed: experiment.seed * 1000 + 999 })
    })
  );
  model.compile({
    optimizer: buildOptimizer(tf, experiment.optimizer),
    loss: sigmoid ? "binaryCrossentropy" : "sparseCategoricalCrossentropy",
    metrics: ["accuracy"]
  });
  return model;
}

/** A one-line description such as "784-128-10" or "conv32-pool-conv64-pool-dense128-10". */
export function describeLayers(layers: Layer[], numClasses = 10): string {
  const parts: string[] = [];
  if (layers[0].type === "dense") parts.push("784");
  for (const layer of layers) {
    if (layer.type === "dense") parts.push(String(layer.units));
    else if (layer.type === "conv2d") parts.push(`conv${layer.filters}${layer.strides > 1 ? `s${layer.strides}` : ""}`);
    else if (layer.type === "maxPool") parts.push("pool");
  }
  parts.push(String(numClasses));
  return parts.join("-");
}
