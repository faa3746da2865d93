// The map of the test set as a reader explores it (data from loaders/report/testMap.ts): the images laid
// out in 2-D, coloured by label with the CNN's mistakes ringed; hovering (or a tap) shows an image's
// thumbnail, a click picks it (the element's value) and the detail lists every stored run's answer for it
// from the comparison pack. The page's state lives in its address, read here with every value checked.
import type {mapReport} from "../../loaders/report/testMap.ts";
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import {html} from "./untyped.js";
import {DigitImage} from "./gallery.js";
import {integer, percent} from "./format.js";
import type {ComparePack} from "./compare.js";

export type MapData = Awaited<ReturnType<typeof mapReport>>;
export type MapSource = "pixels" | "hidden";
export type MapMethod = "umap" | "pca";

const SOURCES: readonly MapSource[] = ["pixels", "hidden"];
const METHODS: readonly MapMethod[] = ["umap", "pca"];
const PIXELS = 784;
/** Within this many CSS pixels of a point, a pointer or a tap is on it (a fingertip is wider than a cursor). */
const NEAR = 24;

export interface MapState {
  dataset: string;
  from: MapSource;
  method: MapMethod;
  /** The picked image's index in the official test set. */
  image: number | null;
  /** Keys of the address whose values were not understood, to be named in a note. */
  malformed: string[];
}

/** Reads ?dataset=&from=&method=&image= of the address; anything unknown falls back to the first choice and is named in `malformed`. */
export function readMapState(search: string, datasets: readonly string[]): MapState {
  const params = new URLSearchParams(search);
  const malformed: string[] = [];
  const pick = <T extends string>(key: string, allowed: readonly T[]): T => {
    const value = params.get(key)?.toLowerCase() ?? null;
    if (value != null && (allowed as readonly string[]).includes(value)) return value as T;
    if (value != null) malformed.push(key);
    return allowed[0];
  };
  const dataset = pick("dataset", datasets);
  const from = pick("from", SOURCES);
  const method = pick("method", METHODS);
  const raw = params.get("image");
  const image = raw != null && /^\d{1,5}$/.test(raw) ? Number(raw) : null;
  if (raw != null && image == null) malformed.push("image");
  return {dataset, from, method, image, malformed};
}

/** The query string of a state. */
export function encodeMapState({dataset, from, method, image}: Omit<MapState, "malformed">): string {
  const params = new URLSearchParams({dataset, from, method});
  if (image != null) params.set("image", String(image));
  return `?${params}`;
}

/** Where on the map the image with this official test index is, or -1 when it is not on it. */
/**
 * Which test images the map shows, in words: all of them when the test set is small enough, else the
 * seeded draw per class plus the model's mistakes, which are then over-represented.
 */
export function sampleSentence(data: MapData): string {
  const mistakes = data.label.filter((label, i) => data.predicted[i] !== label).length;
  const model = `${data.model.title} (test accuracy ${percent(data.model.testAccuracy)})`;
  if (data.label.length >= data.testCount) return `All ${integer(data.testCount)} test images; ${model} gets ${integer(mistakes)} of them wrong.`;
  return `${integer(data.label.length)} of the ${integer(data.testCount)} test images: ${integer(data.perClass)} of each class drawn at random, and up to ${integer(data.mistakesPerClass)} more of each class that ${model} gets wrong, so its ${integer(mistakes)} mistakes shown here are over-represented.`;
}

export function pointOfImage(data: MapData, image: number | null): number {
  return image == null ? -1 : data.index.indexOf(image);
}

/** A heading's words for a layout: what it is laid out from and how (`long` names the model too). */
export function layoutName(data: MapData, from: MapSource, method: MapMethod, {long = false}: {long?: boolean} = {}): string {
  const source = from === "pixels" ? "the pixels" : long ? `the ${data.model.units} units of ${data.model.title}'s last hidden layer` : "the CNN's last hidden layer";
  return `${method === "umap" ? "UMAP" : "PCA"} of ${source}`;
}

export interface TestMapOptions {
  from: MapSource;
  method: MapMethod;
  width: number;
  /** The map's images (784 bytes each, in the map's order), loaded after the map is drawn. */
  images: Promise<Uint8Array>;
  /** The point picked when the map is drawn, or -1. */
  selected?: number;
}

/** The map; its value is the picked point (an index into the map's arrays) or -1, and it fires "input" when the pick changes. */
export function TestMapChart(data: MapData, {from, method, width, images, selected = -1}: TestMapOptions): HTMLElement & {value: number} {
  const layout = data.layouts[from][method];
  const n = data.label.length;
  const points = d3.range(n);
  const wrong = points.filter((i) => data.predicted[i] !== data.label[i]);
  const size = Math.max(280, width);
  const height = Math.round(Math.min(620, Math.max(300, size * 0.8)));
  const explained = method === "pca" ? data.layouts[from].pca.explained : null;
  const axis = (k: 0 | 1) => (explained ? {label: `Component ${k + 1} (${percent(explained[k], 0)} of the variance)`, ticks: [], labelAnchor: "center" as const} : {axis: null});
  const chart = Plot.plot({
    width: size,
    height,
    marginTop: 12,
    marginRight: 12,
    marginBottom: explained ? 28 : 12,
    marginLeft: explained ? 28 : 12,
    x: {...axis(0), inset: 6},
    y: {...axis(1), inset: 6},
    color: {type: "categorical", domain: d3.range(data.classNames.length), range: d3.schemeTableau10 as string[], legend: true, tickFormat: (c: number) => data.classNames[c]},
    marks: [
      Plot.dot(points, {x: (i: number) => layout.x[i], y: (i: number) => layout.y[i], fill: (i: number) => data.label[i], r: size < 500 ? 1.6 : 2.2, fillOpacity: 0.8}),
      // Thin, half-transparent rings: where the CNN errs often (Fashion-MNIST's shirts), the labels' colours still show through.
      Plot.dot(wrong, {x: (i: number) => layout.x[i], y: (i: number) => layout.y[i], stroke: "currentColor", strokeOpacity: 0.55, r: size < 500 ? 2.6 : 3.4, strokeWidth: 0.8})
    ]
  }) as HTMLElement & {scale(name: string): {apply(v: number): number}};
  // With a legend, Plot returns a figure: the chart is its own svg child (the legend's swatches are svgs too, deeper down).
  const svgElement = chart.tagName.toLowerCase() === "svg" ? chart : chart.querySelector(":scope > svg")!;
  const sx = chart.scale("x");
  const sy = chart.scale("y");
  const px = Float64Array.from(points, (i) => sx.apply(layout.x[i]));
  const py = Float64Array.from(points, (i) => sy.apply(layout.y[i]));
  const delaunay = d3.Delaunay.from(points, (i) => px[i], (i) => py[i]);
  const ns = "http://www.w3.org/2000/svg";
  const ring = (className: string) => {
    const c = document.createElementNS(ns, "circle");
    c.setAttribute("class", className);
    c.setAttribute("r", "7");
    c.setAttribute("fill", "none");
    c.setAttribute("stroke-width", "2");
    c.style.display = "none";
    svgElement.appendChild(c);
    return c;
  };
  const hoverRing = ring("map-hover");
  hoverRing.setAttribute("stroke", "currentColor");
  const pickRing = ring("map-picked");
  pickRing.setAttribute("stroke", "#d62728");
  pickRing.setAttribute("r", "9");

  const tip = html`<div class="map-tip" role="status" hidden></div>`;
  // A way to pick without a pointer (or to find a known image): its index in the official test set.
  const field = html`<input type="text" inputmode="numeric" size="7" aria-label="index of a test image to pick">` as HTMLInputElement;
  const found = html`<span class="muted" role="status"></span>`;
  const finder = html`<form class="map-find"><label>Pick a test image by its index ${field}</label> <button type="submit">Show</button> ${found}</form>`;
  const element = html`<figure class="test-map">${chart}${tip}${finder}</figure>` as HTMLElement & {value: number};
  element.value = -1;
  let pixels: Uint8Array | null = null;
  images.then((bytes) => (pixels = bytes.length >= n * PIXELS ? bytes : null)).catch(() => (pixels = null));

  const nearest = (event: PointerEvent | MouseEvent): number => {
    const [x, y] = d3.pointer(event, svgElement);
    const i = delaunay.find(x, y);
    return i >= 0 && Math.hypot(px[i] - x, py[i] - y) <= NEAR ? i : -1;
  };
  const place = (c: SVGCircleElement, i: number) => {
    c.style.display = i < 0 ? "none" : "";
    if (i >= 0) c.setAttribute("cx", String(px[i])), c.setAttribute("cy", String(py[i]));
  };
  const describe = (i: number) => `test image ${data.index[i]}: ${data.classNames[data.label[i]]}${data.predicted[i] === data.label[i] ? ", right" : `, the CNN says ${data.classNames[data.predicted[i]]}`}`;
  const show = (i: number) => {
    place(hoverRing, i);
    if (i < 0) return void (tip.hidden = true);
    tip.replaceChildren(
      ...(pixels ? [DigitImage(pixels.subarray(i * PIXELS, (i + 1) * PIXELS), {size: 56})] : []),
      html`<span>${describe(i)}</span>`
    );
    tip.hidden = false;
    // Beside the point, kept inside the figure.
    const figureWidth = element.clientWidth || size;
    const left = Math.min(Math.max(0, px[i] + 12), Math.max(0, figureWidth - 190));
    tip.style.left = `${left}px`;
    // Above the point, unless that would put it above the window's top edge: then below it.
    const offset = chart === svgElement ? 0 : svgElement.getBoundingClientRect().top - chart.getBoundingClientRect().top;
    const above = py[i] + offset - 80;
    const roomAbove = element.getBoundingClientRect().top + above >= 0;
    tip.style.top = `${roomAbove ? Math.max(0, above) : py[i] + offset + 14}px`;
  };
  const pick = (i: number) => {
    element.value = i;
    place(pickRing, i);
    element.dispatchEvent(new Event("input", {bubbles: true}));
  };
  svgElement.addEventListener("pointermove", (event) => show(nearest(event as PointerEvent)));
  svgElement.addEventListener("pointerleave", () => show(-1));
  // A click on a point picks it; a click on empty space clears the pick.
  svgElement.addEventListener("click", (event) => {
    const i = nearest(event as MouseEvent);
    show(i);
    if (i !== element.value) pick(i);
  });
  finder.addEventListener("submit", (event) => {
    event.preventDefault();
    const typed = field.value.trim();
    const i = /^\d{1,5}$/.test(typed) ? data.index.indexOf(Number(typed)) : -1;
    found.textContent = i >= 0 ? "" : /^\d{1,5}$/.test(typed) ? `test image ${typed} is not among the ${n} on this map` : "an index is a whole number, such as 1234";
    if (i >= 0) {
      place(hoverRing, -1);
      tip.hidden = true;
      pick(i);
    }
  });
  svgElement.setAttribute("aria-label", `${layoutName(data, from, method, {long: true})}: ${n} test images, coloured by label; ${wrong.length} the CNN gets wrong are ringed`);
  if (selected >= 0 && selected < n) {
    element.value = selected;
    place(pickRing, selected);
  }
  return element;
}

export interface RunAnswer {
  title: string;
  confidence: number | null;
}

/** Every run's answer for the image at `position` of the pack's test set, grouped by answer, most runs first. */
export function answersFor(pack: ComparePack, position: number): {predicted: number; runs: RunAnswer[]}[] {
  const groups = new Map<number, RunAnswer[]>();
  const label = pack.label[position];
  pack.meta.runs.forEach((run, r) => {
    const wrong = pack.wrongOf(r);
    const at = d3.bisectLeft(wrong.positions, position);
    const answer = at < wrong.positions.length && wrong.positions[at] === position ? {predicted: wrong.predicted[at], confidence: wrong.confidence[at]} : {predicted: label, confidence: null};
    if (!groups.has(answer.predicted)) groups.set(answer.predicted, []);
    groups.get(answer.predicted)!.push({title: run.title, confidence: answer.confidence});
  });
  return [...groups].map(([predicted, runs]) => ({predicted, runs})).sort((a, b) => b.runs.length - a.runs.length || a.predicted - b.predicted);
}

/** The picked image, large, with the CNN's answer and every stored run's (or why they are missing). */
export function MapDetail(data: MapData, i: number, {pixels, pack}: {pixels: Uint8Array | null; pack: ComparePack | null}): HTMLElement {
  const names = data.classNames;
  const label = data.label[i];
  const image = pixels && pixels.length >= (i + 1) * PIXELS ? DigitImage(pixels.subarray(i * PIXELS, (i + 1) * PIXELS), {size: 112, title: `test image ${data.index[i]}`}) : html`<span class="muted">(the images are not in this build)</span>`;
  const cnn = `${data.predicted[i] === label ? "got it right" : `answered ${names[data.predicted[i]]}`}, with ${percent(data.confidence[i], 0)} confidence`;
  let answers: HTMLElement;
  if (!pack || pack.meta.testSet !== data.testSet) {
    answers = html`<p class="muted">The other runs' answers are not available for these test images.</p>`;
  } else {
    const groups = answersFor(pack, data.positions[i]);
    const total = pack.meta.runs.length;
    const listed = (runs: RunAnswer[]) => `${runs.slice(0, 6).map((r) => r.title).join("; ")}${runs.length > 6 ? `; and ${runs.length - 6} more` : ""}`;
    answers = html`<div><p>Every stored run of the task (${total}) answered it:</p><ul class="map-answers">${groups.map(
      (g) => html`<li><strong>${g.predicted === label ? `${names[g.predicted]} (right)` : names[g.predicted]}</strong>: ${g.runs.length} run${g.runs.length === 1 ? "" : "s"}${g.predicted === label ? "" : `, mean confidence ${percent(d3.mean(g.runs, (r) => r.confidence ?? 0)!, 0)}`} <span class="muted">(${listed(g.runs)})</span></li>`
    )}</ul></div>`;
  }
  return html`<div class="map-detail">${image}<div><p><strong>Test image ${data.index[i]}</strong>, labelled <strong>${names[label]}</strong>. The map's CNN (${data.model.title}) ${cnn}.</p>${answers}</div></div>`;
}
