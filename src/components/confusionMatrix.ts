// Confusion matrices from tidy rows {actual, predicted, count, rate}: a 10×10 heatmap, a counts/shares
// toggle around it, and the most frequent confusions for the prose.
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import {Inputs} from "./untyped.js";
import type {ConfusionRow} from "../../loaders/training/metrics.ts";

/** A cell of the matrix: an actual class (its row) and a predicted class (its column). */
export interface ConfusionCell {
  actual: number;
  predicted: number;
}
/** Options of ConfusionMatrix; any other Plot option is passed on to Plot.plot. */
export interface ConfusionMatrixOptions extends Plot.PlotOptions {
  classNames?: string[];
  /** Shares of each actual class instead of counts. */
  normalize?: boolean;
  width?: number;
  /** The cell to outline, if any. */
  selected?: ConfusionCell | null;
  /** Whether cells are buttons (see ConfusionPanel). */
  selectable?: boolean;
}
/** Options of ConfusionPanel (cells are buttons when `onSelect` is given). */
export interface ConfusionPanelOptions extends Omit<ConfusionMatrixOptions, "selectable"> {
  onSelect?: (cell: ConfusionCell) => void;
  onToggle?: (normalize: boolean) => void;
}
/** A ConfusionPanel: its value is whether it shows shares; `select(cell)` outlines a cell (null for none). */
export type ConfusionPanelElement = HTMLDivElement & {value: boolean; select(cell: ConfusionCell | null): void};
/** An unordered pair of classes `a` < `b` and the mistakes between them, both ways. */
export interface ConfusedPair {
  a: number;
  b: number;
  count: number;
}

/** Class `confusion-cell` is on the <g> of both cell marks; tests count its 100 rects. */
export const CELL_CLASS = "confusion-cell";

/** A cell's text; in cells too narrow for four digits (a phone), counts of 1,000 or more read "1.1k". */
function cellText(normalize: boolean, narrow = false): (d: ConfusionRow) => string {
  return normalize
    ? (d: ConfusionRow) => (d.rate === 0 ? "0" : d.rate >= 0.995 ? "100" : d.rate >= 0.095 ? (d.rate * 100).toFixed(0) : (d.rate * 100).toFixed(1))
    : (d: ConfusionRow) => (narrow && d.count >= 1000 ? `${(d.count / 1000).toFixed(1)}k` : String(d.count));
}

/**
 * A heatmap of actual (rows) against predicted (columns) classes. Correct predictions on the diagonal are
 * drawn in blue, shaded by their row share; mistakes off the diagonal in orange, shaded by count (or by
 * row share when `normalize`), so that a handful of errors still shows beside hundreds of correct answers.
 */
export function ConfusionMatrix(
  rows: ConfusionRow[],
  {classNames, normalize = false, width = 480, selected = null, selectable = false, ...options}: ConfusionMatrixOptions = {}
): ReturnType<typeof Plot.plot> {
  const n = classNames?.length ?? d3.max(rows, (d) => Math.max(d.actual, d.predicted))! + 1;
  const names = classNames ?? d3.range(n).map(String);
  const value = normalize ? "rate" : "count";
  const diagonal = rows.filter((d) => d.actual === d.predicted);
  const errors = rows.filter((d) => d.actual !== d.predicted);
  const maxError = d3.max(errors, (d) => d[value]) || 1;
  const marginLeft = 70 + 6 * Math.max(0, d3.max(names, (s) => s.length)! - 6);
  const size = Math.max(220, Math.min(width, 560));
  const cellSize = (size - marginLeft - 10) / n;
  const text = cellText(normalize, cellSize < 30);
  const fontSize = cellSize < 30 ? 8 : cellSize < 40 ? 10 : 11;
  const blue = (d: ConfusionRow) => d3.interpolateBlues(0.3 + 0.7 * d.rate);
  // Class names wider than a column (Fashion-MNIST's on a phone) are turned, with room made below.
  const longest = 6 * d3.max(names, (s) => s.length)!;
  const turn = longest > cellSize - 4;
  const marginBottom = turn ? 40 + Math.ceil(longest * Math.SQRT1_2) : 50;
  const chart = Plot.plot({
    width: size,
    height: cellSize * n + 10 + marginBottom + 40,
    marginLeft,
    marginTop: 10,
    marginBottom,
    marginRight: 10,
    ariaLabel: normalize ? "confusion matrix, shares of each actual class" : "confusion matrix, counts",
    x: {type: "band", domain: d3.range(n), tickFormat: (i: number) => names[i], label: "Predicted →", labelAnchor: "center", tickSize: 0, tickRotate: turn ? -45 : 0},
    y: {type: "band", domain: d3.range(n), tickFormat: (i: number) => names[i], label: "↑ Actual", labelAnchor: "center", tickSize: 0},
    // The legend's width rides on the scale's options, which Plot passes to the legend; its types leave it out.
    color: {
      type: "linear",
      domain: [0, normalize ? maxError * 100 : maxError], // a percent scale takes its domain in percent
      range: ["#fff7ec", "#e34a33"],
      clamp: true,
      legend: true,
      label: normalize ? "Mistakes: share of the actual class (%)" : "Mistakes: test images",
      percent: normalize,
      width: Math.min(size, 320)
    } as Plot.ScaleOptions,
    marks: [
      Plot.cell(errors, {x: "predicted", y: "actual", fill: value, inset: 0.5, className: CELL_CLASS}),
      Plot.cell(diagonal, {x: "predicted", y: "actual", fill: blue, inset: 0.5, stroke: "#08306b", strokeWidth: 1, className: CELL_CLASS}),
      Plot.text(errors, {
        x: "predicted",
        y: "actual",
        text,
        fontSize,
        fill: (d: ConfusionRow) => (d[value] > 0.6 * maxError ? "white" : d[value] === 0 ? "#bbb" : "black"),
        className: "confusion-label"
      }),
      Plot.text(diagonal, {x: "predicted", y: "actual", text, fontSize, fontWeight: "bold", fill: (d: ConfusionRow) => (d.rate > 0.55 ? "white" : "black"), className: "confusion-label"}),
      Plot.tip(rows, Plot.pointer({
        x: "predicted",
        y: "actual",
        title: (d: ConfusionRow) => `actual ${names[d.actual]}, predicted ${names[d.predicted]}\n${d.count} test images (${(d.rate * 100).toFixed(1)}% of the ${names[d.actual]}s)`
      }))
    ],
    ...options
  });
  if (selectable || selected) markCells(chart, [errors, diagonal], {names, selected, selectable});
  return chart;
}

const SVG = "http://www.w3.org/2000/svg";

/**
 * Ties each cell's rect to its row (data-actual, data-predicted), makes it a button when `selectable`
 * (click, or Enter/Space when focused), and outlines the `selected` cell. Plot draws a mark's rects in
 * the order of its data, one <g> per mark, so rects and rows pair up by position.
 */
function markCells(chart: Element, groupsData: ConfusionRow[][], {names, selected, selectable}: {names: string[]; selected: ConfusionCell | null; selectable: boolean}): void {
  const groups = chart.querySelectorAll<SVGGElement>(`g.${CELL_CLASS}`);
  groupsData.forEach((data, k) => {
    const rects = groups[k]?.querySelectorAll("rect") ?? [];
    if (rects.length !== data.length) return;
    rects.forEach((rect, i) => {
      const d = data[i];
      rect.dataset.actual = String(d.actual);
      rect.dataset.predicted = String(d.predicted);
      if (selectable) {
        rect.classList.add("selectable");
        rect.setAttribute("tabindex", "0");
        rect.setAttribute("role", "button");
        rect.setAttribute("aria-label", `actual ${names[d.actual]}, predicted ${names[d.predicted]}: ${d.count} test images; show them`);
      }
      if (selected && d.actual === selected.actual && d.predicted === selected.predicted) {
        rect.classList.add("selected");
        rect.setAttribute("aria-pressed", "true");
        const outline = rect.cloneNode() as SVGRectElement;
        for (const name of ["class", "tabindex", "role", "aria-label", "aria-pressed", "data-actual", "data-predicted"]) outline.removeAttribute(name);
        Object.assign(outline.style, {fill: "none", stroke: "currentColor", strokeWidth: "3px", pointerEvents: "none"});
        const layer = document.createElementNS(SVG, "g");
        layer.setAttribute("class", "confusion-selection");
        if (groups[k].getAttribute("transform")) layer.setAttribute("transform", groups[k].getAttribute("transform")!);
        layer.append(outline);
        groups[k].ownerSVGElement?.append(layer);
      }
    });
  });
}

/** The cell {actual, predicted} of a click or key event on a selectable cell, else null. */
function eventCell(event: Event): ConfusionCell | null {
  const rect = (event.target as Element | null)?.closest?.<SVGRectElement>("rect.selectable");
  return rect ? {actual: Number(rect.dataset.actual), predicted: Number(rect.dataset.predicted)} : null;
}

/**
 * A confusion matrix with a radio toggle between counts and row shares; the matrix redraws in place.
 * The returned element's value is the current mode, so a page may also use it with view().
 *
 * With `onSelect`, cells are buttons: a click (or Enter/Space) calls onSelect({actual, predicted}), and the
 * owner outlines a cell with `panel.select(cell)` (null for none). `selected` is the cell outlined at first;
 * `onToggle(normalize)` is called when the reader switches between counts and shares.
 */
export function ConfusionPanel(
  rows: ConfusionRow[],
  {classNames, normalize = false, width, selected = null, onSelect, onToggle, ...options}: ConfusionPanelOptions = {}
): ConfusionPanelElement {
  const toggle = Inputs.radio(new Map([["counts", false], ["share of each actual class", true]]), {
    label: "Show",
    value: normalize
  });
  toggle.classList.add("confusion-toggle");
  const root = document.createElement("div") as ConfusionPanelElement;
  root.className = "confusion-panel";
  const draw = () => ConfusionMatrix(rows, {classNames, normalize: toggle.value, width, selected, selectable: !!onSelect, ...options});
  let chart = draw();
  root.append(toggle, chart);
  const redraw = () => {
    const next = draw();
    chart.replaceWith(next);
    chart = next;
  };
  toggle.addEventListener("input", () => {
    redraw();
    root.value = toggle.value;
    onToggle?.(toggle.value);
  });
  if (onSelect) {
    root.addEventListener("click", (event) => {
      const cell = eventCell(event);
      if (cell) onSelect(cell);
    });
    root.addEventListener("keydown", (event) => {
      const cell = (event.key === "Enter" || event.key === " ") && eventCell(event);
      if (!cell) return;
      event.preventDefault();
      onSelect(cell);
      // Keep the keyboard where it was: the matrix is redrawn, so focus its new copy of the cell.
      root.querySelector<SVGRectElement>(`rect.selectable[data-actual="${cell.actual}"][data-predicted="${cell.predicted}"]`)?.focus();
    });
  }
  root.select = (cell) => {
    selected = cell;
    redraw();
  };
  root.value = toggle.value;
  return root;
}

/** The `n` most frequent mistakes, as {actual, predicted, count, rate}, largest first. */
export function mostConfused<R extends ConfusionRow>(rows: R[], n = 3): R[] {
  return rows
    .filter((d) => d.actual !== d.predicted && d.count > 0)
    .sort((a, b) => d3.descending(a.count, b.count) || d3.ascending(a.actual, b.actual))
    .slice(0, n);
}

/** Mistakes counted in both directions for each unordered pair of classes, largest first. */
export function confusedPairs(rows: ConfusionRow[], n = 3): ConfusedPair[] {
  const pairs = d3.rollups(
    rows.filter((d) => d.actual !== d.predicted),
    (v) => d3.sum(v, (d) => d.count),
    (d) => `${Math.min(d.actual, d.predicted)}-${Math.max(d.actual, d.predicted)}`
  );
  return pairs
    .map(([key, count]) => {
      const [a, b] = key.split("-").map(Number);
      return {a, b, count};
    })
    .filter((d) => d.count > 0)
    .sort((x, y) => d3.descending(x.count, y.count) || d3.ascending(x.a, y.a))
    .slice(0, n);
}
