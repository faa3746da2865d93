// Snapshots of a network's insides during training (loaders/spec/inside.ts): each layer's kernel as a
// histogram, and the norm of the loss's gradient with respect to it on a fixed probe batch. The gradient
// is measured apart from the training steps (trainOnBatch hides its own), with the model in inference mode.
import type * as tfType from "@tensorflow/tfjs";
import { INSIDE_BINS, type Inside, type InsideEpoch } from "../spec/inside.ts";

type Tf = typeof tfType;

/** The layers whose kernel is recorded: every layer with one, in order, with words for a reader. */
export function insideLayers(model: tfType.LayersModel): { layer: tfType.layers.Layer; kernel: tfType.LayerVariable; label: string }[] {
  const withKernel = model.layers.flatMap((layer) => {
    const kernel = layer.trainableWeights.find((w) => /kernel/.test(w.name));
    return kernel ? [{ layer, kernel }] : [];
  });
  const counts = new Map<string, number>();
  return withKernel.map(({ layer, kernel }, i) => {
    const kind = layer.getClassName() === "Conv2D" ? "convolution" : "dense";
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    return { layer, kernel, label: i === withKernel.length - 1 ? "output" : `${kind} ${n}` };
  });
}

/** A histogram of `values` over `bins` even bins between their finite minimum and maximum. */
export function histogram(values: ArrayLike<number>, bins = INSIDE_BINS): Omit<InsideEpoch["layers"][number], "gradientNorm"> {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  let finite = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    finite++;
    sum += v;
    sumSq += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const counts = new Array<number>(bins).fill(0);
  if (finite === 0) return { min: 0, max: 0, mean: 0, std: 0, counts, nonFinite: values.length };
  const width = (max - min) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) counts[width > 0 ? Math.min(bins - 1, Math.floor((v - min) / width)) : 0]++;
  }
  const mean = sum / finite;
  return { min, max, mean, std: Math.sqrt(Math.max(0, sumSq / finite - mean * mean)), counts, nonFinite: values.length - finite };
}

/** The probe batch: images [n, 28, 28, 1] scaled to 0..1 and their task labels. */
export interface Probe {
  x: tfType.Tensor4D;
  y: Float32Array;
}

/** The mean loss of the model on the probe, as the model's compiled loss computes it (softmax or one sigmoid unit). */
function probeLoss(tf: Tf, model: tfType.LayersModel, probe: Probe): tfType.Scalar {
  const p = tf.clipByValue(model.predict(probe.x) as tfType.Tensor, 1e-7, 1 - 1e-7);
  const n = probe.y.length;
  if (p.shape[1] === 1) {
    const y = tf.tensor2d(probe.y, [n, 1]);
    return tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p)))))) as tfType.Scalar;
  }
  // A one-hot product rather than gather: gather's gradient needs a kernel the wasm backend lacks.
  const onehot = tf.oneHot(tf.tensor1d(probe.y, "int32"), p.shape[1]!).toFloat();
  return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.log(p)), 1))) as tfType.Scalar;
}

/** One snapshot: every recorded layer's weight histogram and gradient norm. */
export function insideSnapshot(tf: Tf, model: tfType.LayersModel, probe: Probe, epoch: number): InsideEpoch {
  const layers = insideLayers(model);
  const variables = layers.map(({ kernel }) => kernel.read() as tfType.Variable);
  const norms = tf.tidy(() => {
    const { grads } = tf.variableGrads(() => probeLoss(tf, model, probe), variables);
    return variables.map((v) => tf.norm(grads[v.name]).dataSync()[0]);
  });
  return {
    epoch,
    layers: layers.map(({ kernel }, i) => ({ ...histogram(kernel.read().dataSync() as Float32Array), gradientNorm: Number.isFinite(norms[i]) ? norms[i] : null }))
  };
}

/** The record's header: the probe's size, the bins and the layers. */
export function insideHeader(model: tfType.LayersModel, probe: Probe): Omit<Inside, "epochs"> {
  return {
    probe: probe.y.length,
    bins: INSIDE_BINS,
    layers: insideLayers(model).map(({ layer, kernel, label }) => ({ name: layer.name, label, weights: kernel.shape.reduce<number>((a, b) => a * (b ?? 1), 1) }))
  };
}
