// "Look inside" for one test image of a drill-down gallery: the stored model that answered it, loaded
// in the page on the first request (tfjs is downloaded only then), shows the image's saliency and every
// layer's output for it (networkInside.ts), with the first two convolutions' filters for a CNN and the
// first layer's weights as images for an MLP.
// @ts-expect-error Framework's stdlib publishes no type declarations.
import {FileAttachment} from "observablehq:stdlib";
import type * as TF from "@tensorflow/tfjs";
import {html} from "./untyped.js";
import {loadStoredModel, type StoredModelJson} from "./drawModels.js";
import {FeatureMaps, Filters, FirstLayerWeights, MapImage, layerOutputs, saliency} from "./networkInside.js";
import {DigitImage, confidenceText, type GalleryImage} from "./gallery.js";
import {article} from "./format.js";
import type {Tf} from "./tfjs.js";

interface ModelFiles {
  json: {json(): Promise<StoredModelJson>};
  weights: {arrayBuffer(): Promise<ArrayBuffer>};
}

/**
 * The stored models a drill-down shows (the runs of PREDICTION_FILES in drillDown.ts). FileAttachment
 * needs literal names; a model is fetched only when a reader first looks inside one of its images.
 */
const MODEL_FILES: Record<string, ModelFiles> = {
  "baseline-mlp": {json: FileAttachment("../data/models/baseline-mlp.json"), weights: FileAttachment("../data/models/baseline-mlp.bin")},
  "mlp-512-512-dropout": {json: FileAttachment("../data/models/mlp-512-512-dropout.json"), weights: FileAttachment("../data/models/mlp-512-512-dropout.bin")},
  "cnn-strong": {json: FileAttachment("../data/models/cnn-strong.json"), weights: FileAttachment("../data/models/cnn-strong.bin")}
};

export const canLookInside = (id: string): boolean => Object.hasOwn(MODEL_FILES, id);

const models = new Map<string, Promise<{tf: Tf; model: TF.LayersModel}>>();

/** tfjs and the stored model of run `id`, loaded once per page. */
function storedModel(id: string): Promise<{tf: Tf; model: TF.LayersModel}> {
  let promise = models.get(id);
  if (!promise) {
    promise = import("./tfjs.js").then(async ({loadTf}) => {
      const {tf} = await loadTf();
      return {tf, model: await loadStoredModel(tf, MODEL_FILES[id].json, MODEL_FILES[id].weights)};
    });
    promise.catch(() => models.delete(id)); // a failed download may be retried
    models.set(id, promise);
  }
  return promise;
}

/** Fills `target` with what run `id`'s model sees in `image`; says so in `target` when it cannot. */
export async function lookInside(target: HTMLElement, id: string, title: string, image: GalleryImage, {classNames, width}: {classNames: string[]; width: number}): Promise<void> {
  target.replaceChildren(html`<p class="caption inside-status">Loading ${title} in this browser…</p>`);
  try {
    const {tf, model} = await storedModel(id);
    const bytes = typeof image.pixels === "string" ? Uint8Array.from(atob(image.pixels), (c) => c.charCodeAt(0)) : image.pixels;
    const pixels = Float32Array.from({length: 784}, (_, i) => (bytes[i] ?? 0) / 255);
    const [outputs, salient] = await Promise.all([layerOutputs(tf, model, pixels), saliency(tf, model, pixels)]);
    const probabilities = outputs[outputs.length - 1].values;
    // A CNN's first two convolutions' filters; an MLP has none, so its first layer's weights as 28×28 images.
    const filters = [Filters(model, 0), Filters(model, 1)].filter((f): f is HTMLElement => f != null);
    const weights = filters.length ? null : FirstLayerWeights(model, {size: 40, max: 16});
    target.replaceChildren(html`<div class="inside-image" data-image=${image.index}>
      <h5>Inside ${title}, for test image ${image.index} (${article(classNames[image.label])} ${classNames[image.label]})</h5>
      <div class="inside-grid">
        <div class="draw-column"><div class="draw-label">The image</div>${DigitImage(image.pixels, {size: 112})}<div class="caption">answered ${classNames[salient.predicted]} (${confidenceText(probabilities[salient.predicted])}) in this browser</div></div>
        <div class="draw-column"><div class="draw-label">Saliency for “${classNames[salient.predicted]}”</div>${MapImage(salient.values, 28, 28, {size: 112, title: "the gradient of the answer's probability for each pixel"})}<div class="caption">where a little more or less ink would move that probability most</div></div>
        ${filters.length ? html`<div class="draw-column">${filters}</div>` : weights ? html`<div class="draw-column">${weights}</div>` : ""}
      </div>
      ${FeatureMaps(outputs, {width, classNames, label: image.label})}
    </div>`);
  } catch (error) {
    target.replaceChildren(html`<p class="note">Could not run ${title} in this browser: ${String((error as Error)?.message ?? error)}</p>`);
  }
}
