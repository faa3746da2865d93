// Charts across runs: test accuracy per run, and accuracy against parameter count.
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import {seriesColor} from "./colors.js";
import {integer, percent} from "./format.js";

const FAMILY_LABELS = {"baseline-mlp": "baseline MLP", "deep-mlp": "deeper MLP", cnn: "CNN"};
export const familyLabel = (family) => FAMILY_LABELS[family] ?? family;

/**
 * A colour scale for the families among `runs` only (a legend lists just what the chart draws), with
 * each family in the same colour on every chart.
 */
export function familyColor(runs) {
  const all = Object.values(FAMILY_LABELS);
  // One family needs no legend: the chart's own title names it.
  return seriesColor(all, all.map((_, i) => d3.schemeObservable10[i]), runs.map((r) => familyLabel(r.family)), {legendFrom: 2});
}

/** A run's title short enough to label a dot, without its layer sizes: "Tuned CNN", "Wide MLP". */
export const shortTitle = (title) =>
  title
    .replace(/:.*$/, "")
    .replace(/ with .*$/, "")
    .replace(/ (conv\S+|\d+(-\d+)+)/g, "");

/** Test accuracy of each completed run as a dot on a zoomed axis, best at the top; references as rings. */
export function AccuracyChart(runs, {width, references = true, ...options} = {}) {
  const done = runs.filter((r) => r.testAccuracy != null);
  const refs = references
    ? done.flatMap((r) => (r.reference ?? []).filter((ref) => ref.testAccuracy != null).map((ref) => ({title: r.title, value: ref.testAccuracy, source: ref.source})))
    : [];
  const values = [...done.map((r) => r.testAccuracy), ...refs.map((d) => d.value)];
  // Percent scales take their domain in percent: the axis starts a little below the lowest figure.
  const floor = Math.max(0, Math.floor(((d3.min(values) ?? 0) - 0.01) * 50) / 50);
  const order = d3.sort(done, (r) => -r.testAccuracy).map((r) => r.title);
  return Plot.plot({
    width,
    height: 50 + 36 * Math.max(1, order.length),
    marginLeft: Math.min(320, 10 + 6.2 * (d3.max(order, (t) => t.length) ?? 10)),
    marginRight: 40,
    ariaLabel: "test accuracy per run",
    x: {domain: [floor * 100, 100], percent: true, label: "Test accuracy (%)", grid: true},
    y: {domain: order, label: null},
    color: familyColor(done),
    marks: [
      Plot.ruleY(done, {y: "title", x1: () => floor, x2: "testAccuracy", stroke: (d) => familyLabel(d.family), strokeOpacity: 0.4}),
      Plot.dot(refs, {x: "value", y: "title", r: 6, stroke: "currentColor", strokeDasharray: "2,2", fill: "none", title: (d) => `${d.source} reported ${percent(d.value)}`}),
      Plot.dot(done, {x: "testAccuracy", y: "title", fill: (d) => familyLabel(d.family), r: 5, title: (d) => `${d.title}\n${percent(d.testAccuracy)} on ${integer(d.testCount)} test images`}),
      Plot.text(done, {x: "testAccuracy", y: "title", text: (d) => percent(d.testAccuracy, 1), dx: 10, textAnchor: "start", fontSize: 10})
    ],
    ...options
  });
}

/**
 * Test accuracy against parameter count (log x), one dot per run labelled with its short title; `highlight` names a
 * family whose runs are drawn larger and labelled, the others faded.
 */
export function AccuracyVsParams(runs, {width, height = 300, highlight, ...options} = {}) {
  const done = runs.filter((r) => r.testAccuracy != null);
  const strong = done.filter((r) => highlight == null || r.family === highlight);
  const faint = done.filter((r) => !strong.includes(r));
  // A label starts at its dot, or ends there where starting would run it off the chart's right edge
  // (positions estimated from the log scale's extent and the label's length).
  const [lo, hi] = d3.extent(done, (r) => Math.log(r.params));
  const [left, right] = [50 + 40, width - 20 - 40];
  const at = (r) => left + (hi > lo ? (Math.log(r.params) - lo) / (hi - lo) : 0.5) * (right - left);
  const ends = (r, fontSize) => at(r) + 0.6 * fontSize * shortTitle(r.title).length > width - 4;
  const labels = (rows, options) => [
    Plot.text(rows.filter((r) => !ends(r, options.fontSize)), {x: "params", y: "testAccuracy", text: (r) => shortTitle(r.title), textAnchor: "start", dx: -6, ...options}),
    Plot.text(rows.filter((r) => ends(r, options.fontSize)), {x: "params", y: "testAccuracy", text: (r) => shortTitle(r.title), textAnchor: "end", dx: 6, ...options})
  ];
  return Plot.plot({
    width,
    height,
    marginLeft: 50,
    marginRight: 20,
    marginTop: 30,
    ariaLabel: "test accuracy against parameter count",
    x: {type: "log", label: "Parameters (log scale)", grid: true, tickFormat: "~s", inset: 40},
    y: {percent: true, label: "Test accuracy (%)", grid: true, inset: 20},
    color: familyColor(done),
    marks: [
      Plot.dot(faint, {x: "params", y: "testAccuracy", fill: (d) => familyLabel(d.family), r: 4, fillOpacity: 0.45}),
      ...labels(faint, {dy: -10, fontSize: 9, fillOpacity: 0.55}),
      Plot.dot(strong, {x: "params", y: "testAccuracy", fill: (d) => familyLabel(d.family), r: 6, stroke: "var(--theme-background, white)"}),
      ...labels(strong, {dy: -12, fontSize: 11, fontWeight: "bold"}),
      Plot.tip(done, Plot.pointer({x: "params", y: "testAccuracy", title: (d) => `${d.title}\n${integer(d.params)} parameters, ${percent(d.testAccuracy)}`}))
    ],
    ...options
  });
}
