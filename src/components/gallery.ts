// Digit images from base64 pixel strings (784 grey bytes, row-major 28×28), grids of them, and a gallery of
// misclassified test images with the model's probabilities.

import {article} from "./format.js";

const SIDE = 28;

/** An image's pixels: base64 of 784 grey bytes, or the bytes themselves (ink as 255). */
export type Pixels = string | ArrayLike<number>;
/** Options of DigitImage: its width and height in CSS pixels, and its tooltip and accessible name. */
export interface DigitImageOptions {
  size?: number;
  title?: string;
}
/** An image of DigitGrid: its pixels, its class number, a class name that overrides classNames, its training index. */
export interface DigitGridItem {
  pixels: Pixels;
  label?: number;
  className?: string;
  index?: number;
}
/** Options of DigitGrid. */
export interface DigitGridOptions {
  classNames?: string[];
  columns?: number;
  size?: number;
  byClass?: boolean;
  caption?: boolean;
}
/** Options of ProbabilityBars: the true and the predicted class, the class names, the size in pixels. */
export interface ProbabilityBarsOptions {
  label?: number;
  predicted?: number;
  classNames?: string[];
  width?: number;
  height?: number;
}
/** A test image of Gallery, with the model's answer and, when known, its probability for each class. */
export interface GalleryImage {
  index: number;
  label: number;
  predicted: number;
  probabilities?: number[] | null;
  pixels: Pixels;
}
/** Options of Gallery. */
export interface GalleryOptions {
  classNames?: string[];
  columns?: number;
  size?: number;
  limit?: number;
  /** A button under each image (its label), and what a click on it does (given the image and its figure). */
  action?: {label: string; run(item: GalleryImage, figure: HTMLElement): void};
}

/** Decodes base64 into bytes (in the browser, without Buffer). */
export function decodePixels(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * A 28×28 canvas drawn as dark ink on a light ground (MNIST stores ink as 255), scaled up to `size` CSS pixels
 * without smoothing.
 */
export function DigitImage(pixels: Pixels, {size = 56, title}: DigitImageOptions = {}): HTMLCanvasElement {
  const bytes = typeof pixels === "string" ? decodePixels(pixels) : pixels;
  const canvas = document.createElement("canvas");
  canvas.width = SIDE;
  canvas.height = SIDE;
  canvas.className = "digit";
  canvas.style.width = `${size}px`;
  canvas.style.height = `${size}px`;
  canvas.style.imageRendering = "pixelated";
  if (title) {
    canvas.title = title;
    canvas.setAttribute("aria-label", title);
  }
  canvas.setAttribute("role", "img");
  const context = canvas.getContext("2d")!;
  const image = context.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const grey = 255 - (bytes[i] ?? 0);
    image.data[i * 4] = grey;
    image.data[i * 4 + 1] = grey;
    image.data[i * 4 + 2] = grey;
    image.data[i * 4 + 3] = 255;
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

/**
 * A grid of images, e.g. samples or mean images: items {pixels, label?, className?}. With `byClass`, one
 * row per class headed by its name; otherwise `columns` images per row with captions.
 */
export function DigitGrid(items: DigitGridItem[], {classNames, columns = 10, size = 42, byClass = false, caption = true}: DigitGridOptions = {}): HTMLDivElement {
  const root = document.createElement("div");
  root.className = "digit-grid";
  const name = (d: DigitGridItem) => d.className ?? classNames?.[d.label!] ?? String(d.label);
  if (byClass) {
    // Rows by class need every item's label.
    const labels = [...new Set(items.map((d) => d.label!))].sort((a, b) => a - b);
    for (const label of labels) {
      const row = document.createElement("div");
      row.className = "digit-grid-row";
      const head = document.createElement("span");
      head.className = "digit-grid-label";
      const first = items.find((d) => d.label === label);
      head.textContent = name(first!);
      row.append(head, ...items.filter((d) => d.label === label).map((d) => DigitImage(d.pixels, {size, title: `${name(d)}${d.index != null ? `, training image #${d.index}` : ""}`})));
      root.append(row);
    }
  } else {
    root.style.display = "grid";
    // Columns shrink with the page (the canvas fills its column), never past `size`.
    root.style.gridTemplateColumns = `repeat(${columns}, minmax(20px, ${size}px))`;
    for (const d of items) {
      const figure = document.createElement("figure");
      figure.className = "digit-cell";
      figure.append(DigitImage(d.pixels, {size, title: name(d)}));
      if (caption) {
        const text = document.createElement("figcaption");
        text.textContent = name(d);
        figure.append(text);
      }
      root.append(figure);
    }
  }
  return root;
}

const SVG = "http://www.w3.org/2000/svg";
function svgElement<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

/** A model's confidence as a reader should see it: never a rounded "100%" for an answer that was wrong. */
export function confidenceText(p: number): string {
  if (p >= 0.9995) return ">99.9%";
  return `${(p * 100).toFixed(p >= 0.995 ? 1 : 0)}%`;
}

/** Ten small bars of a probability vector; the true class in blue, the predicted (wrong) class in red. */
export function ProbabilityBars(probabilities: number[], {label, predicted, classNames, width = 140, height = 46}: ProbabilityBarsOptions = {}): SVGSVGElement {
  const n = probabilities.length;
  const names = classNames ?? probabilities.map((_, i) => String(i));
  const labelHeight = 12;
  const band = width / n;
  const svg = svgElement("svg", {width, height, viewBox: `0 0 ${width} ${height}`, class: "probability-bars", role: "img"});
  svg.setAttribute("aria-label", `probabilities: ${probabilities.map((p, i) => `${names[i]} ${(p * 100).toFixed(0)}%`).join(", ")}`);
  const chartHeight = height - labelHeight;
  svg.append(svgElement("line", {x1: 0, x2: width, y1: chartHeight, y2: chartHeight, stroke: "currentColor", "stroke-opacity": 0.3}));
  probabilities.forEach((p, i) => {
    const h = Math.max(0.5, p * (chartHeight - 2));
    const fill = i === label ? "#4269d0" : i === predicted ? "#e34a33" : "#aaa";
    const rect = svgElement("rect", {x: i * band + 1, y: chartHeight - h, width: band - 2, height: h, fill});
    const title = svgElement("title");
    title.textContent = `${names[i]}: ${(p * 100).toFixed(1)}%`;
    rect.append(title);
    svg.append(rect);
    const text = svgElement("text", {x: i * band + band / 2, y: height - 2, "text-anchor": "middle", "font-size": 9, fill: "currentColor"});
    if (i === label || i === predicted) text.setAttribute("font-weight", "bold");
    text.textContent = names[i].length > 2 ? names[i].slice(0, 2) : names[i];
    svg.append(text);
  });
  return svg;
}

/**
 * Misclassified test images {index, label, predicted, probabilities, pixels}: the image, "true → predicted",
 * and the probability the model gave each class.
 */
export function Gallery(items: GalleryImage[], {classNames, columns, size = 84, limit = Infinity, action}: GalleryOptions = {}): HTMLDivElement {
  const root = document.createElement("div");
  root.className = "gallery";
  if (columns) root.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
  const names = classNames ?? d3range(10).map(String);
  for (const d of items.slice(0, limit)) {
    const figure = document.createElement("figure");
    const confidence = d.probabilities?.[d.predicted];
    figure.append(DigitImage(d.pixels, {size, title: `test image #${d.index}: ${article(names[d.label])} ${names[d.label]} read as ${names[d.predicted]}`}));
    const caption = document.createElement("figcaption");
    const truth = document.createElement("span");
    truth.className = "gallery-true";
    truth.textContent = `true ${names[d.label]}`;
    const guess = document.createElement("span");
    // A right answer is not a mistake: only a wrong one takes the error colour.
    guess.className = d.predicted === d.label ? "gallery-predicted gallery-right" : "gallery-predicted";
    guess.textContent = `predicted ${names[d.predicted]}`;
    caption.append(truth, " → ", guess);
    if (confidence != null) caption.append(` (${confidenceText(confidence)})`);
    figure.append(caption);
    if (d.probabilities) figure.append(ProbabilityBars(d.probabilities, {label: d.label, predicted: d.predicted, classNames: names}));
    if (action) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "gallery-action";
      button.textContent = action.label;
      button.setAttribute("aria-label", `${action.label}: test image ${d.index}`);
      button.addEventListener("click", () => action.run(d, figure));
      figure.append(button);
    }
    root.append(figure);
  }
  return root;
}

function d3range(n: number): number[] {
  return Array.from({length: n}, (_, i) => i);
}
