// The comparison page's views: the difference of two confusion matrices as a heatmap whose cells are
// buttons, and galleries of the test images whose answer changed between the two runs.
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import {html} from "./untyped.js";
import {DigitImage, confidenceText} from "./gallery.js";
import type {Pixels} from "./gallery.js";
import type {MovedImage, confusionDifference} from "./compare.js";

/** A cell of the difference of two confusion matrices, as confusionDifference gives it. */
export type DifferenceCell = ReturnType<typeof confusionDifference>[number];
/** What DifferenceMatrix draws and whom it tells of a click. */
export interface DifferenceMatrixOptions {
  classNames: string[];
  width?: number;
  /** The cell drawn as chosen: [actual, predicted]. */
  selected?: [number, number] | null;
  onSelect?: (cell: {actual: number; predicted: number}) => void;
}
/** What MovedGallery shows. */
export interface MovedGalleryOptions {
  classNames: string[];
  /** An image's pixels by its position in the test set; none when they were not at hand. */
  pixelsAt?: (position: number) => Pixels | null | undefined;
  limit?: number;
  /** What it says when there is no image. */
  empty?: string;
}

const CELL_CLASS = "difference-cell";

/**
 * Run B's confusion matrix minus run A's (cells from confusionDifference): blue where B is better (more
 * right answers on the diagonal, fewer mistakes off it), red where it is worse, the signed change written
 * in each cell that changed. Cells are buttons: a click or Enter calls onSelect({actual, predicted}).
 */
export function DifferenceMatrix(
  cells: DifferenceCell[],
  {classNames, width = 480, selected = null, onSelect}: DifferenceMatrixOptions
): ReturnType<typeof Plot.plot> {
  const n = classNames.length;
  const marginLeft = 70 + 6 * Math.max(0, d3.max(classNames, (s) => s.length)! - 6);
  const size = Math.max(240, Math.min(width, 560));
  const cellSize = (size - marginLeft - 10) / n;
  const extent = d3.max(cells, (d) => Math.abs(d.benefit)) || 1;
  const signed = (d: DifferenceCell) => (d.delta > 0 ? `+${d.delta}` : d.delta < 0 ? `−${-d.delta}` : "");
  // Long class names (Fashion-MNIST's) run together under narrow cells: slant them.
  const slant = d3.max(classNames, (s) => s.length)! * 6 > cellSize;
  // Three-digit changes in narrow cells take a smaller font.
  const fontSize = (d: DifferenceCell) => (cellSize < 26 || (cellSize < 40 && Math.abs(d.delta) >= 100) ? 7 : cellSize < 34 ? 8 : 10);
  const chart = Plot.plot({
    width: size,
    height: cellSize * n + (slant ? 140 : 100),
    marginLeft,
    marginTop: 10,
    marginBottom: slant ? 90 : 50,
    marginRight: 10,
    ariaLabel: "confusion matrix of run B minus run A",
    x: {type: "band", domain: d3.range(n), tickFormat: (i: number) => classNames[i], label: "Predicted →", labelAnchor: "center", tickSize: 0, tickRotate: slant ? -45 : 0},
    y: {type: "band", domain: d3.range(n), tickFormat: (i: number) => classNames[i], label: "↑ Actual", labelAnchor: "center", tickSize: 0},
    // Plot reads the legend's width from the scale's options; its types list width only among a legend's.
    color: {type: "linear", domain: [-extent, extent], scheme: "RdBu", legend: true, label: "B against A, in test images", tickFormat: (d: number) => (d > 0 ? `${d} better` : d < 0 ? `${-d} worse` : "0"), ticks: 3, width: Math.min(size, 320)} as Plot.ScaleOptions,
    marks: [
      // One rect per cell, in the order of `cells` (the buttons below pair them up by position).
      Plot.cell(cells, {x: "predicted", y: "actual", fill: (d) => d.benefit, inset: 0.5, className: CELL_CLASS}),
      Plot.cell(cells.filter((d) => d.actual === d.predicted), {x: "predicted", y: "actual", fill: "none", stroke: "#888", inset: 0.5, pointerEvents: "none"}),
      // Clicks go through the numbers to the cells under them.
      Plot.text(cells, {x: "predicted", y: "actual", text: signed, fontSize, fill: (d) => (Math.abs(d.benefit) > 0.6 * extent ? "white" : "black"), pointerEvents: "none"})
    ]
  });
  const rects = chart.querySelectorAll<SVGRectElement>(`g.${CELL_CLASS} rect`);
  if (rects.length !== cells.length) throw new Error(`DifferenceMatrix: ${rects.length} cells drawn for ${cells.length}`);
  rects.forEach((rect, i) => {
    const d = cells[i];
    rect.dataset.actual = String(d.actual);
    rect.dataset.predicted = String(d.predicted);
    rect.classList.add("selectable");
    rect.setAttribute("tabindex", "0");
    rect.setAttribute("role", "button");
    rect.setAttribute("aria-label", `actual ${classNames[d.actual]}, predicted ${classNames[d.predicted]}: ${signed(d) || "no change"}; show the images that moved`);
    if (selected && selected[0] === d.actual && selected[1] === d.predicted) {
      rect.classList.add("selected");
      rect.setAttribute("aria-pressed", "true");
      rect.style.stroke = "currentColor";
      rect.style.strokeWidth = "3px";
    }
  });
  const pick = (event: Event) => {
    const rect = (event.target as Element | null)?.closest?.<SVGRectElement>("rect.selectable");
    if (rect) onSelect?.({actual: Number(rect.dataset.actual), predicted: Number(rect.dataset.predicted)});
  };
  chart.addEventListener("click", pick);
  // With its legend the chart is a figure, an HTML element (whose listeners TypeScript types by event).
  (chart as HTMLElement).addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    pick(event);
  });
  return chart;
}

/**
 * Images whose answer changed (compareRuns' `moved`), each with its label and both runs' answers. Without
 * pixels for an image (the dataset was not at hand when the site was built) its test index stands in.
 */
export function MovedGallery(items: MovedImage[], {classNames, pixelsAt, limit = 48, empty = "None."}: MovedGalleryOptions): HTMLElement {
  if (!items.length) return html`<p class="muted">${empty}</p>`;
  const shown = items.slice(0, limit);
  const confidence = (c: number | null) => (c == null ? "" : ` (${confidenceText(c)})`);
  return html`<div class="moved-gallery">${shown.map((m) => {
    const pixels = pixelsAt?.(m.position);
    const title = `test image #${m.index}: a ${classNames[m.label]}; A answered ${classNames[m.predictedA]}, B answered ${classNames[m.predictedB]}`;
    return html`<figure class="moved-image" title=${title}>${pixels ? DigitImage(pixels, {size: 56, title}) : html`<div class="no-pixels">#${m.index}</div>`}<figcaption><span>true ${classNames[m.label]}</span><span class=${m.predictedA === m.label ? "right" : "wrong"}>A: ${classNames[m.predictedA]}${confidence(m.confidenceA)}</span><span class=${m.predictedB === m.label ? "right" : "wrong"}>B: ${classNames[m.predictedB]}${confidence(m.confidenceB)}</span></figcaption></figure>`;
  })}</div>${items.length > limit ? html`<p class="caption">The first ${limit} of ${items.length}; the CSV has them all.</p>` : ""}`;
}
