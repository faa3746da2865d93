// The stored models in the page, for the draw-a-digit page: loading a model from its files, classifying
// one 28×28 input with several models at once, and a card with one model's probability bars.
import * as Plot from "@observablehq/plot";
import type * as TF from "@tensorflow/tfjs";
import type {Tf} from "./tfjs.js";
import type { RunSummary } from "../../loaders/report/summary.ts";
import {percent} from "./format.js";
import {DigitImage} from "./gallery.js";
import {html} from "./untyped.js";

/** tfjs as the page loads it (components/tfjs.js), handed in by the caller. */

/** What a stored model's model.json gives: the parts of tfjs's layers format that loading needs. */
export type StoredModelJson = Pick<TF.io.ModelJSON, "modelTopology" | "weightsManifest">;
/** A stored run as a prediction card names it (a summary row of runs.json). */
export type PredictionRun = Pick<RunSummary, "id" | "title" | "testAccuracy" | "testCount">;

export interface ModelInputOptions {
  size?: number;
}
export interface ProbabilityChartOptions {
  classNames?: string[];
  title?: string;
  width?: number;
  height?: number;
}
export interface PredictionCardOptions {
  classNames?: string[];
  width?: number;
  href?: string;
}

/**
 * Loads a tfjs layers model from two file attachments: its model.json (topology and weight manifest, from
 * src/data/models/[model].json.ts) and its weights (src/data/models/[model].bin.ts). One prediction on a
 * blank image follows, so that WebGL compiles its shaders before the reader's first stroke.
 */
export async function loadStoredModel(
  tf: Tf,
  jsonFile: { json(): Promise<StoredModelJson> },
  weightsFile: { arrayBuffer(): Promise<ArrayBuffer> }
): Promise<TF.LayersModel> {
  const [json, weightData] = await Promise.all([jsonFile.json(), weightsFile.arrayBuffer()]);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((group) => group.weights), weightData})
  );
  const warm = tf.tidy(() => model.predict(tf.zeros([1, 28, 28, 1])) as TF.Tensor);
  await warm.data();
  warm.dispose();
  return model;
}

/** Each model's ten class probabilities for one 28×28 image (values 0..1, row-major), as plain arrays. */
export async function classify(tf: Tf, models: TF.LayersModel[], pixels: Float32Array | number[]): Promise<number[][]> {
  const input = tf.tensor4d(pixels, [1, 28, 28, 1]);
  const outputs = models.map((model) => model.predict(input) as TF.Tensor);
  try {
    return (await Promise.all(outputs.map((output) => output.data()))).map((values) => Array.from(values));
  } finally {
    input.dispose();
    outputs.forEach((output) => output.dispose());
  }
}

/** The 28×28 image the models see, enlarged, with ink as dark on light like the report's other digits. */
export function ModelInput(pixels: ArrayLike<number> | null | undefined, {size = 140}: ModelInputOptions = {}): HTMLCanvasElement {
  const bytes = pixels ? Uint8Array.from(pixels, (v) => Math.round(v * 255)) : new Uint8Array(28 * 28);
  const canvas = DigitImage(bytes, {size, title: pixels ? "the 28×28 image the models classify" : "no drawing yet"});
  canvas.classList.add("model-input");
  return canvas;
}

/** Ten bars of class probabilities, the model's pick in blue. */
export function ProbabilityChart(
  probabilities: number[] | null,
  {classNames, title, width = 240, height = 130}: ProbabilityChartOptions = {}
): ReturnType<typeof Plot.plot> {
  const top = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : null;
  const names = classNames ?? Array.from({length: 10}, (_, i) => String(i));
  const rows = names.map((name, i) => ({class: i, name, p: probabilities?.[i] ?? 0}));
  return Plot.plot({
    width,
    height,
    marginTop: 12,
    marginLeft: 40,
    ariaLabel: `class probabilities of ${title}`,
    x: {type: "band", domain: rows.map((d) => d.class), tickFormat: (i) => names[i], label: null, tickSize: 0},
    y: {domain: [0, 100], percent: true, ticks: 2, label: null, tickFormat: (d) => `${d}%`, grid: true}, // a percent scale takes its domain (and ticks) in percent
    marks: [
      Plot.barY(rows, {x: "class", y: "p", fill: (d) => (d.class === top ? "#4269d0" : "#b3b3b3"), inset: 2, className: "probability-bar"}),
      Plot.ruleY([0]),
      Plot.tip(rows, Plot.pointerX({x: "class", y: "p", title: (d) => `${d.name}: ${(d.p * 100).toFixed(1)}%`}))
    ]
  });
}

/**
 * One model's reading of the drawing: its name and test accuracy, the class it picks with its probability,
 * and bars for all ten classes. `probabilities` null shows an empty card.
 */
export function PredictionCard(run: PredictionRun, probabilities: number[] | null, {classNames, width = 240, href}: PredictionCardOptions = {}): HTMLElement {
  const top = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : null;
  const names = classNames ?? Array.from({length: 10}, (_, i) => String(i));
  return html`<figure class="card prediction-card" data-model=${run.id} data-top=${top ?? ""} data-probabilities=${probabilities ? JSON.stringify(probabilities.map((p) => +p.toFixed(5))) : ""}>
    <h3>${href ? html`<a href=${href}>${run.title}</a>` : run.title}</h3>
    <p class="muted">${percent(run.testAccuracy)} on ${run.testCount.toLocaleString("en-US")} test images</p>
    <p class="prediction">${
      top == null ? "Draw a digit." : html`reads <strong class="top-class">${names[top]}</strong> with ${percent(probabilities![top], 0)}`
    }</p>
    ${ProbabilityChart(probabilities, {classNames: names, title: run.title, width})}
  </figure>`;
}
