// The stored models in the page, for the draw-a-digit page: loading a model from its files, classifying
// one 28×28 input with several models at once, and a card with one model's probability bars.
import * as Plot from "@observablehq/plot";
import {html} from "htl";
import {percent} from "./format.js";
import {DigitImage} from "./gallery.js";

/**
 * Loads a tfjs layers model from two file attachments: its model.json (topology and weight manifest, from
 * src/data/models/[model].json.ts) and its weights (src/data/models/[model].bin.ts). One prediction on a
 * blank image follows, so that WebGL compiles its shaders before the reader's first stroke.
 */
export async function loadStoredModel(tf, jsonFile, weightsFile) {
  const [json, weightData] = await Promise.all([jsonFile.json(), weightsFile.arrayBuffer()]);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((group) => group.weights), weightData})
  );
  const warm = tf.tidy(() => model.predict(tf.zeros([1, 28, 28, 1])));
  await warm.data();
  warm.dispose();
  return model;
}

/** Each model's ten class probabilities for one 28×28 image (values 0..1, row-major), as plain arrays. */
export async function classify(tf, models, pixels) {
  const input = tf.tensor4d(pixels, [1, 28, 28, 1]);
  const outputs = models.map((model) => model.predict(input));
  try {
    return (await Promise.all(outputs.map((output) => output.data()))).map((values) => Array.from(values));
  } finally {
    input.dispose();
    outputs.forEach((output) => output.dispose());
  }
}

/** The 28×28 image the models see, enlarged, with ink as dark on light like the report's other digits. */
export function ModelInput(pixels, {size = 140} = {}) {
  const bytes = pixels ? Uint8Array.from(pixels, (v) => Math.round(v * 255)) : new Uint8Array(28 * 28);
  const canvas = DigitImage(bytes, {size, title: pixels ? "the 28×28 image the models classify" : "no drawing yet"});
  canvas.classList.add("model-input");
  return canvas;
}

/** Ten bars of class probabilities, the model's pick in blue. */
export function ProbabilityChart(probabilities, {classNames, title, width = 240, height = 130} = {}) {
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
export function PredictionCard(run, probabilities, {classNames, width = 240, href} = {}) {
  const top = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : null;
  const names = classNames ?? Array.from({length: 10}, (_, i) => String(i));
  return html`<figure class="card prediction-card" data-model=${run.id} data-top=${top ?? ""} data-probabilities=${probabilities ? JSON.stringify(probabilities.map((p) => +p.toFixed(5))) : ""}>
    <h3>${href ? html`<a href=${href}>${run.title}</a>` : run.title}</h3>
    <p class="muted">${percent(run.testAccuracy)} on ${run.testCount.toLocaleString("en-US")} test images</p>
    <p class="prediction">${
      top == null ? "Draw a digit." : html`reads <strong class="top-class">${names[top]}</strong> with ${percent(probabilities[top], 0)}`
    }</p>
    ${ProbabilityChart(probabilities, {classNames: names, title: run.title, width})}
  </figure>`;
}
