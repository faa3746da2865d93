// Confusion matrices from tidy rows {actual, predicted, count, rate}: a 10×10 heatmap, a counts/shares
// toggle around it, and the most frequent confusions for the prose.
import * as Plot from "@observablehq/plot";
import * as Inputs from "@observablehq/inputs";
import * as d3 from "d3";

/** Class `confusion-cell` is on the <g> of both cell marks; tests count its 100 rects. */
export const CELL_CLASS = "confusion-cell";

function cellText(normalize) {
  return normalize
    ? (d) => (d.rate === 0 ? "0" : d.rate >= 0.995 ? "100" : d.rate >= 0.095 ? (d.rate * 100).toFixed(0) : (d.rate * 100).toFixed(1))
    : (d) => String(d.count);
}

/**
 * A heatmap of actual (rows) against predicted (columns) classes. Correct predictions on the diagonal are
 * drawn in blue, shaded by their row share; mistakes off the diagonal in orange, shaded by count (or by
 * row share when `normalize`), so that a handful of errors still shows beside hundreds of correct answers.
 */
export function ConfusionMatrix(rows, {classNames, normalize = false, width = 480, ...options} = {}) {
  const n = classNames?.length ?? d3.max(rows, (d) => Math.max(d.actual, d.predicted)) + 1;
  const names = classNames ?? d3.range(n).map(String);
  const value = normalize ? "rate" : "count";
  const diagonal = rows.filter((d) => d.actual === d.predicted);
  const errors = rows.filter((d) => d.actual !== d.predicted);
  const maxError = d3.max(errors, (d) => d[value]) || 1;
  const marginLeft = 70 + 6 * Math.max(0, d3.max(names, (s) => s.length) - 6);
  const size = Math.max(220, Math.min(width, 560));
  const cellSize = (size - marginLeft - 10) / n;
  const text = cellText(normalize);
  const fontSize = cellSize < 30 ? 8 : cellSize < 40 ? 10 : 11;
  const blue = (d) => d3.interpolateBlues(0.3 + 0.7 * d.rate);
  return Plot.plot({
    width: size,
    height: cellSize * n + 60 + 40,
    marginLeft,
    marginTop: 10,
    marginBottom: 50,
    marginRight: 10,
    ariaLabel: normalize ? "confusion matrix, shares of each actual class" : "confusion matrix, counts",
    x: {type: "band", domain: d3.range(n), tickFormat: (i) => names[i], label: "Predicted →", labelAnchor: "center", tickSize: 0},
    y: {type: "band", domain: d3.range(n), tickFormat: (i) => names[i], label: "↑ Actual", labelAnchor: "center", tickSize: 0},
    color: {
      type: "linear",
      domain: [0, normalize ? maxError * 100 : maxError], // a percent scale takes its domain in percent
      range: ["#fff7ec", "#e34a33"],
      clamp: true,
      legend: true,
      label: normalize ? "Mistakes: share of the actual class (%)" : "Mistakes: test images",
      percent: normalize,
      width: Math.min(size, 320)
    },
    marks: [
      Plot.cell(errors, {x: "predicted", y: "actual", fill: value, inset: 0.5, className: CELL_CLASS}),
      Plot.cell(diagonal, {x: "predicted", y: "actual", fill: blue, inset: 0.5, stroke: "#08306b", strokeWidth: 1, className: CELL_CLASS}),
      Plot.text(errors, {
        x: "predicted",
        y: "actual",
        text,
        fontSize,
        fill: (d) => (d[value] > 0.6 * maxError ? "white" : d[value] === 0 ? "#bbb" : "black"),
        className: "confusion-label"
      }),
      Plot.text(diagonal, {x: "predicted", y: "actual", text, fontSize, fontWeight: "bold", fill: (d) => (d.rate > 0.55 ? "white" : "black"), className: "confusion-label"}),
      Plot.tip(rows, Plot.pointer({
        x: "predicted",
        y: "actual",
        title: (d) => `actual ${names[d.actual]}, predicted ${names[d.predicted]}\n${d.count} test images (${(d.rate * 100).toFixed(1)}% of the ${names[d.actual]}s)`
      }))
    ],
    ...options
  });
}

/**
 * A confusion matrix with a radio toggle between counts and row shares; the matrix redraws in place.
 * The returned element's value is the current mode, so a page may also use it with view().
 */
export function ConfusionPanel(rows, {classNames, normalize = false, width, ...options} = {}) {
  const toggle = Inputs.radio(new Map([["counts", false], ["share of each actual class", true]]), {
    label: "Show",
    value: normalize
  });
  toggle.classList.add("confusion-toggle");
  const root = document.createElement("div");
  root.className = "confusion-panel";
  const draw = () => ConfusionMatrix(rows, {classNames, normalize: toggle.value, width, ...options});
  let chart = draw();
  root.append(toggle, chart);
  toggle.addEventListener("input", () => {
    const next = draw();
    chart.replaceWith(next);
    chart = next;
    root.value = toggle.value;
  });
  root.value = toggle.value;
  return root;
}

/** The `n` most frequent mistakes, as {actual, predicted, count, rate}, largest first. */
export function mostConfused(rows, n = 3) {
  return rows
    .filter((d) => d.actual !== d.predicted && d.count > 0)
    .sort((a, b) => d3.descending(a.count, b.count) || d3.ascending(a.actual, b.actual))
    .slice(0, n);
}

/** Mistakes counted in both directions for each unordered pair of classes, largest first. */
export function confusedPairs(rows, n = 3) {
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
