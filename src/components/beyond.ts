// Charts and digit images for study 9 ("beyond the network"): PCA variance and reconstructions,
// k-means, Gaussian mixtures and the decision-tree depth sweep, drawn from the stored result.
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import type {ClassicalResult, Reference} from "../../loaders/classical/settings.ts";
import {percent} from "./format.js";

type Pca = ClassicalResult["pca"];
type KMeans = ClassicalResult["kmeans"];
/** A chart of this module: an SVG figure, or a figure with a legend. */
type Chart = ReturnType<typeof Plot.plot>;

/** Options of DigitImage. */
export interface DigitImageOptions {
  /** CSS pixels per image pixel (default 2). */
  scale?: number;
  /** The tooltip. */
  title?: string;
}

/** Options of the grids and strips of digit images. */
export interface DigitGridOptions {
  /** CSS pixels per image pixel (default 2). */
  scale?: number;
}

/** Options of the charts: `width` and any further Plot options, which override the chart's own. */
export interface BeyondChartOptions extends Plot.PlotOptions {
  width?: number;
}

/** Options of Pca2Scatter: its height follows its width, so the width is needed. */
export interface Pca2ScatterOptions extends BeyondChartOptions {
  width: number;
}

/** A 28×28 grey-scale digit from base64 bytes, on a canvas scaled up by `scale` (white ink on dark, as in the data page). */
export function DigitImage(base64: string, {scale = 2, title}: DigitImageOptions = {}): HTMLCanvasElement {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const canvas = document.createElement("canvas");
  canvas.width = 28;
  canvas.height = 28;
  canvas.style.width = `${28 * scale}px`;
  canvas.style.height = `${28 * scale}px`;
  canvas.style.imageRendering = "pixelated";
  canvas.className = "beyond-digit";
  if (title) canvas.title = title;
  const context = canvas.getContext("2d")!;
  const image = context.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = 255 - bytes[i];
    image.data.set([v, v, v, 255], i * 4);
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

/** A table of reconstructions: one row per digit, one column per number of components, the original last. */
export function ReconstructionGrid(reconstructions: Pca["reconstructions"], {scale = 2}: DigitGridOptions = {}): HTMLDivElement {
  const counts = [...new Set(reconstructions.map((r) => r.components))].filter((k) => k > 0).sort((a, b) => a - b);
  const columns = [...counts, 0];
  const table = document.createElement("table");
  table.className = "reconstruction-grid";
  const head = table.createTHead().insertRow();
  head.insertCell().textContent = "digit";
  for (const k of columns) {
    const th = document.createElement("th");
    th.textContent = k === 0 ? "original" : `${k}`;
    head.append(th);
  }
  const body = table.createTBody();
  for (const [label, rows] of d3.group(reconstructions, (r) => r.label)) {
    const tr = body.insertRow();
    tr.insertCell().textContent = String(label);
    for (const k of columns) {
      const r = rows.find((r) => r.components === k);
      const td = tr.insertCell();
      if (r) td.append(DigitImage(r.pixels, {scale, title: k === 0 ? `original ${label}` : `${label} from ${k} components`}));
    }
  }
  // Nine columns of 56-pixel images are wider than a phone: the table scrolls inside its own box.
  const box = document.createElement("div");
  box.className = "table-scroll";
  box.append(table);
  return box;
}

/** Cumulative explained variance against the number of components, raw and standardised pixels, with the write-up's point. */
export function VarianceChart(pca: Pca, reference: Pick<Reference, "pcaVariance">, {width, ...options}: BeyondChartOptions = {}): Chart {
  const rows = [
    ...pca.cumulative.map((v, i) => ({components: i + 1, variance: v, pixels: "raw pixels (ours)"})),
    ...pca.standardised.cumulative.map((v, i) => ({components: i + 1, variance: v, pixels: "standardised pixels (ours)"}))
  ];
  return Plot.plot({
    width,
    height: 300,
    ariaLabel: "cumulative explained variance",
    x: {label: "principal components", type: "log", domain: [1, pca.dimensions]},
    y: {label: "cumulative explained variance", domain: [0, 1], tickFormat: "%", grid: true},
    color: {legend: true, domain: ["raw pixels (ours)", "standardised pixels (ours)", "write-up"], range: ["#4269d0", "#97bbf5", "#ff725c"]},
    marks: [
      Plot.line(rows, {x: "components", y: "variance", stroke: "pixels", tip: true}),
      Plot.dot(pca.marks, {x: "components", y: "fraction", fill: () => "raw pixels (ours)", r: 3}),
      Plot.dot([reference.pcaVariance], {x: "components", y: "cumulativeVariance", fill: () => "write-up", r: 5, symbol: "diamond", tip: true}),
      Plot.ruleY([0])
    ],
    ...options
  });
}

/** The first principal components drawn as images (mid-grey is 0; light and dark are the two signs). */
export function ComponentStrip(componentImages: Pca["componentImages"], meanImage: string, {scale = 2}: DigitGridOptions = {}): HTMLDivElement {
  const div = document.createElement("div");
  div.className = "component-strip";
  const cell = (canvas: HTMLCanvasElement, caption: string): HTMLElement => {
    const figure = document.createElement("figure");
    const figcaption = document.createElement("figcaption");
    figcaption.textContent = caption;
    figure.append(canvas, figcaption);
    return figure;
  };
  div.append(cell(DigitImage(meanImage, {scale}), "mean"));
  for (const c of componentImages) div.append(cell(DigitImage(c.pixels, {scale}), `PC ${c.component}: ${percent(c.explained, 1)}`));
  return div;
}

/** Homogeneity, completeness and ARI of k-means against K, with the write-up's K = 10 homogeneity. */
export function KSweepChart(sweep: KMeans["sweep"], reference: Pick<Reference, "kmeansHomogeneityK10">, {width, ...options}: BeyondChartOptions = {}): Chart {
  const rows = sweep.flatMap((s) => [
    {k: s.k, score: "homogeneity", value: s.homogeneity},
    {k: s.k, score: "completeness", value: s.completeness},
    {k: s.k, score: "adjusted Rand index", value: s.ari}
  ]);
  return Plot.plot({
    width,
    height: 280,
    ariaLabel: "k-means scores against K",
    x: {label: "K (clusters)", type: "log"},
    y: {label: "score", domain: [0, 1], grid: true},
    color: {legend: true, domain: ["homogeneity", "completeness", "adjusted Rand index", "write-up, K = 10"], range: ["#4269d0", "#6cc5b0", "#a463f2", "#ff725c"]},
    marks: [
      Plot.line(rows, {x: "k", y: "value", stroke: "score", marker: "dot", tip: true}),
      Plot.dot([{k: 10, value: reference.kmeansHomogeneityK10}], {x: "k", y: "value", fill: () => "write-up, K = 10", r: 5, symbol: "diamond"}),
      Plot.ruleY([0])
    ],
    ...options
  });
}

/** Silhouette of each seeded run with k-means++ and with random initial centres. */
export function InitChart(init: KMeans["init"], {width, ...options}: BeyondChartOptions = {}): Chart {
  return Plot.plot({
    width,
    height: 160,
    marginLeft: 80,
    ariaLabel: "silhouette by initialisation",
    x: {label: "silhouette (higher: tighter, better separated clusters)", grid: true},
    y: {label: null},
    marks: [
      Plot.dot(init, {x: "silhouette", y: "init", stroke: "init", r: 5, tip: true, channels: {seed: "seed", homogeneity: "homogeneity", inertia: "inertia"}}),
      Plot.tickX(d3.rollups(init, (v) => d3.mean(v, (d) => d.silhouette), (d) => d.init), {x: "1", y: "0", strokeWidth: 2})
    ],
    ...options
  });
}

/** The clustering subset on its first two principal components, coloured by k-means cluster. */
export function Pca2Scatter(points: KMeans["pca2"]["points"], {width, ...options}: Pca2ScatterOptions): Chart {
  return Plot.plot({
    width,
    height: Math.min(480, width * 0.7),
    ariaLabel: "k-means on two principal components",
    x: {label: "PC 1"},
    y: {label: "PC 2"},
    // Cluster ids are not digits: the legend says "cluster 1" to "cluster 10".
    color: {type: "categorical", legend: true, label: "cluster", tickFormat: (d) => `cluster ${Number(d) + 1}`},
    marks: [Plot.dot(points, {x: "x", y: "y", fill: "cluster", r: 1.6, fillOpacity: 0.7, tip: true, channels: {digit: "label"}})],
    ...options
  });
}

/** ARI and homogeneity of each covariance type, ours beside the write-up's. */
export function GmmChart(fits: ClassicalResult["gmm"]["fits"], reference: Pick<Reference, "gmm">, {width, ...options}: BeyondChartOptions = {}): Chart {
  const rows = [
    ...fits.flatMap((f) => [
      {covariance: f.covariance, score: "adjusted Rand index", source: "ours", value: f.ari},
      {covariance: f.covariance, score: "homogeneity", source: "ours", value: f.homogeneity}
    ]),
    ...reference.gmm.flatMap((f) => [
      {covariance: f.covariance, score: "adjusted Rand index", source: "write-up", value: f.ari},
      {covariance: f.covariance, score: "homogeneity", source: "write-up", value: f.homogeneity}
    ])
  ];
  return Plot.plot({
    width,
    height: 380,
    marginRight: 90,
    ariaLabel: "Gaussian mixture scores by covariance type",
    // Covariance types across, the two scores down: every facet's name stays short enough for a phone.
    fx: {label: null},
    fy: {label: null, domain: ["adjusted Rand index", "homogeneity"], tickFormat: (d) => (d === "homogeneity" ? "homogeneity" : "ARI")},
    x: {axis: null, domain: ["ours", "write-up"]},
    // Scores on their own 0–1 scale, as the page's text and table write them.
    y: {label: "score", domain: [0, 1], grid: true, ticks: 4},
    color: {legend: true, domain: ["ours", "write-up"], range: ["#4269d0", "#ff725c"]},
    marks: [
      Plot.barY(rows, {fx: "covariance", fy: "score", x: "source", y: "value", fill: "source", tip: true}),
      Plot.ruleY([0])
    ],
    ...options
  });
}

/** Training and test accuracy of the decision tree cut at each depth. */
export function TreeDepthChart(byDepth: ClassicalResult["classifiers"]["tree"]["byDepth"], {width, ...options}: BeyondChartOptions = {}): Chart {
  return Plot.plot({
    width,
    height: 280,
    ariaLabel: "decision tree accuracy by depth",
    x: {label: "maximum depth", ticks: d3.range(1, (d3.max(byDepth, (d) => d.depth) ?? 0) + 1, 2)},
    y: {label: "accuracy", domain: [0, 1], grid: true, tickFormat: "%"},
    color: {legend: true, domain: ["train", "test"], range: ["#4269d0", "#ff725c"]},
    marks: [Plot.line(byDepth, {x: "depth", y: "accuracy", stroke: "split", marker: "dot", tip: true}), Plot.ruleY([0])],
    ...options
  });
}
