// What a stored network sees, for the draw page: every layer's output for one 28×28 image (feature maps
// of convolutions and pools, activations of dense layers, the class probabilities), the first two
// convolutions' filters, an MLP's first-layer weights as 28×28 images, and a saliency map: the gradient
// of the picked class's probability with respect to each pixel.
import type * as TF from "@tensorflow/tfjs";
import type {Tf} from "./tfjs.js";
import {html} from "./untyped.js";
import {ProbabilityBars} from "./gallery.js";

/** Layer classes in words, for the labels a reader sees (tfjs' own names read "conv2d_Conv2D3"). */
const KIND_WORDS: Record<string, string> = {
  Conv2D: "convolution",
  MaxPooling2D: "max pool",
  BatchNormalization: "batch norm",
  Dropout: "dropout",
  Flatten: "flatten",
  Dense: "dense",
  Activation: "activation"
};

/** Each layer of `model` (its input layer left out) named by its kind and its rank among that kind: "convolution 2". */
function layerLabels(model: TF.LayersModel): Map<string, string> {
  const seen = new Map<string, number>();
  const labels = new Map<string, string>();
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind === "InputLayer") continue;
    const n = (seen.get(kind) ?? 0) + 1;
    seen.set(kind, n);
    labels.set(layer.name, `${KIND_WORDS[kind] ?? kind} ${n}`);
  }
  return labels;
}

/** One layer's output for one image: its name, its label in words and class, its shape without the batch, its values. */
export interface LayerOutput {
  name: string;
  label: string;
  kind: string;
  shape: number[];
  values: Float32Array;
}

const activationModels = new WeakMap<TF.LayersModel, TF.LayersModel>();

/** A model that returns every layer's output (built once per stored model). */
function activationModel(tf: Tf, model: TF.LayersModel): TF.LayersModel {
  let inside = activationModels.get(model);
  if (!inside) {
    const layers = model.layers.filter((layer) => layer.getClassName() !== "InputLayer");
    inside = tf.model({inputs: model.inputs, outputs: layers.map((layer) => layer.output as TF.SymbolicTensor)});
    activationModels.set(model, inside);
  }
  return inside;
}

/** Every layer's output for the image `pixels` (784 values, 0..1, row-major), in the model's order. */
export async function layerOutputs(tf: Tf, model: TF.LayersModel, pixels: ArrayLike<number>): Promise<LayerOutput[]> {
  const layers = model.layers.filter((layer) => layer.getClassName() !== "InputLayer");
  const input = tf.tensor4d(Float32Array.from(pixels), [1, 28, 28, 1]);
  const outputs = [activationModel(tf, model).predict(input) as TF.Tensor | TF.Tensor[]].flat();
  try {
    const values = await Promise.all(outputs.map((o) => o.data() as Promise<Float32Array>));
    const labels = layerLabels(model);
    return layers.map((layer, i) => ({name: layer.name, label: labels.get(layer.name)!, kind: layer.getClassName(), shape: outputs[i].shape.slice(1), values: values[i]}));
  } finally {
    input.dispose();
    outputs.forEach((o) => o.dispose());
  }
}

/**
 * The gradient of the predicted class's probability with respect to each input pixel, as 784 magnitudes
 * (absolute values): where a small change of ink would move the model's answer most.
 */
export async function saliency(tf: Tf, model: TF.LayersModel, pixels: ArrayLike<number>): Promise<{predicted: number; values: Float32Array}> {
  const input = tf.tensor4d(Float32Array.from(pixels), [1, 28, 28, 1]);
  try {
    const probabilities = model.predict(input) as TF.Tensor;
    const top = probabilities.argMax(1);
    const predicted = (await top.data())[0];
    top.dispose();
    // A one-hot product rather than gather: gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks.
    const pick = tf.oneHot([predicted], probabilities.shape[1]!).toFloat();
    const gradient = tf.grad((x: TF.Tensor) => tf.sum(tf.mul(model.predict(x) as TF.Tensor, pick)))(input);
    const magnitude = gradient.abs();
    const values = (await magnitude.data()) as Float32Array;
    [probabilities, pick, gradient, magnitude].forEach((t) => t.dispose());
    return {predicted, values};
  } finally {
    input.dispose();
  }
}

/**
 * A small grey image of `values` (height × width, row-major), scaled so its largest magnitude is full ink:
 * one-signed maps (activations after ReLU, saliency) dark on light; signed ones (weights) blue for positive,
 * red for negative.
 */
export function MapImage(values: ArrayLike<number>, height: number, width: number, {size = 56, title = ""}: {size?: number; title?: string} = {}): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.className = "map-image";
  canvas.style.width = `${size}px`;
  canvas.style.height = `${(size * height) / width}px`;
  canvas.style.imageRendering = "pixelated";
  canvas.setAttribute("role", "img");
  if (title) {
    canvas.setAttribute("aria-label", title);
    canvas.title = title;
  }
  let max = 0;
  let negative = false;
  for (let i = 0; i < height * width; i++) {
    max = Math.max(max, Math.abs(values[i]));
    if (values[i] < 0) negative = true;
  }
  const context = canvas.getContext("2d")!;
  const image = context.createImageData(width, height);
  for (let i = 0; i < height * width; i++) {
    const v = max > 0 ? values[i] / max : 0;
    const shade = Math.round(255 * (1 - Math.abs(v)));
    const [r, g, b] = !negative ? [shade, shade, shade] : v >= 0 ? [shade, shade, 255] : [255, shade, shade];
    image.data.set([r, g, b, 255], i * 4);
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

/** Channel `c` of an output shaped [height, width, channels]. */
function channel(output: LayerOutput, c: number): Float32Array {
  const [h, w, channels] = output.shape;
  const out = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) out[i] = output.values[i * channels + c];
  return out;
}

/**
 * The layers of one image, top to bottom: each spatial output (convolution, pooling, batch norm, dropout)
 * as a grid of its feature maps, at most `maxMaps` per layer, each dense output as a strip of its units,
 * darker the more active; the last layer is the class probabilities.
 */
export function FeatureMaps(
  outputs: LayerOutput[],
  {maxMaps = 16, width = 640, classNames, label}: {maxMaps?: number; width?: number; classNames?: string[]; label?: number} = {}
): HTMLElement {
  const rows = outputs.map((output, index) => {
    const last = index === outputs.length - 1;
    if (output.shape.length === 3) {
      const [h, w, channels] = output.shape;
      const shown = Math.min(channels, maxMaps);
      const perRow = Math.min(shown, 8);
      const gap = 4;
      const size = Math.max(28, Math.min(64, Math.floor(width / perRow) - gap - 2));
      const maps = Array.from({length: shown}, (_, c) => MapImage(channel(output, c), h, w, {size, title: `${output.label}, map ${c + 1} of ${channels}`}));
      // At most eight maps a row, so sixteen maps make two even rows rather than nine and seven.
      const grid = html`<div class="layer-maps">${maps}</div>`;
      grid.style.maxWidth = `${perRow * (size + 2 + gap)}px`;
      return html`<div class="layer-row" data-layer=${output.name} data-kind=${output.kind}>
        <div class="layer-name">${output.label} <span class="muted">${h}×${w}×${channels}${shown < channels ? `, first ${shown} maps` : ""}</span></div>
        ${grid}
      </div>`;
    }
    const units = output.values.length;
    if (output.shape.length !== 1) return html`<div class="layer-row" data-layer=${output.name} data-kind=${output.kind}><div class="layer-name">${output.label} <span class="muted">${output.shape.join("×")}</span></div></div>`;
    const shape = last
      ? OutputBars(output.values, {label, classNames, width: Math.min(width, 320)})
      : MapImage(output.values, 1, units, {size: Math.min(width, Math.max(120, units * 4)), title: `${output.label}: ${units} units`});
    if (!last) shape.style.height = "16px";
    return html`<div class="layer-row" data-layer=${output.name} data-kind=${output.kind}>
      <div class="layer-name">${output.label} <span class="muted">${units} ${last ? "class probabilities" : "units"}</span></div>
      ${shape}
    </div>`;
  });
  return html`<div class="feature-maps">${rows}</div>`;
}

/** The output layer as labelled bars, so a reader sees which class each value is for; the answer is the largest. */
function OutputBars(values: ArrayLike<number>, {label, classNames, width}: {label?: number; classNames?: string[]; width: number}): SVGSVGElement {
  const probabilities = Array.from(values);
  const answer = probabilities.indexOf(Math.max(...probabilities));
  return ProbabilityBars(probabilities, {label: label ?? answer, predicted: answer, classNames, width, height: 56});
}

/**
 * A convolution's filters as small images: for the first convolution each k×k kernel of its one input
 * channel; for later ones each kernel summed over its input channels (what it responds to on average).
 */
export function Filters(model: TF.LayersModel, convIndex: number, {size = 40, max = 32}: {size?: number; max?: number} = {}): HTMLElement | null {
  const convs = model.layers.filter((layer) => layer.getClassName() === "Conv2D");
  const layer = convs[convIndex];
  if (!layer) return null;
  const label = layerLabels(model).get(layer.name)!;
  const kernel = layer.getWeights()[0];
  const [kh, kw, inputs, filters] = kernel.shape;
  const values = kernel.dataSync();
  const shown = Math.min(filters, max);
  const images = Array.from({length: shown}, (_, f) => {
    const out = new Float32Array(kh * kw);
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < inputs; c++) out[y * kw + x] += values[((y * kw + x) * inputs + c) * filters + f];
    return MapImage(out, kh, kw, {size, title: `${label}, filter ${f + 1} of ${filters}`});
  });
  return html`<div class="layer-row" data-filters=${layer.name}>
    <div class="layer-name">${label} filters <span class="muted">${kh}×${kw}${inputs > 1 ? `, summed over ${inputs} input channels` : ""}; blue positive, red negative${shown < filters ? `; first ${shown} of ${filters}` : ""}</span></div>
    <div class="layer-maps">${images}</div>
  </div>`;
}

/** An MLP's first dense layer as 28×28 images, one per unit (at most `max`): the pattern each unit weighs the pixels by. */
export function FirstLayerWeights(model: TF.LayersModel, {size = 48, max = 32}: {size?: number; max?: number} = {}): HTMLElement | null {
  const dense = model.layers.find((layer) => layer.getClassName() === "Dense");
  const kernel = dense?.getWeights()[0];
  if (!dense || !kernel || kernel.shape.length !== 2 || kernel.shape[0] !== 784) return null;
  const label = layerLabels(model).get(dense.name)!;
  const units = kernel.shape[1]!;
  const values = kernel.dataSync();
  const shown = Math.min(units, max);
  const images = Array.from({length: shown}, (_, u) => {
    const out = new Float32Array(784);
    for (let p = 0; p < 784; p++) out[p] = values[p * units + u];
    return MapImage(out, 28, 28, {size, title: `${label}, unit ${u + 1} of ${units}`});
  });
  return html`<div class="layer-row" data-filters=${dense.name}>
    <div class="layer-name">${label} weights <span class="muted">one 28×28 image per unit; blue positive, red negative${shown < units ? `; first ${shown} of ${units}` : ""}</span></div>
    <div class="layer-maps">${images}</div>
  </div>`;
}
