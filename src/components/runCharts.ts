// Charts across runs: test accuracy per run, and accuracy against parameter count.
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import type { Experiment } from "../../loaders/spec/schema.ts";
import {seriesColor} from "./colors.js";
import {integer, percent} from "./format.js";

/** A row that carries a model family: a run, a group over seeds, or any row of a chart coloured by family. */
export type FamilyRow = { family?: string | null; [field: string]: unknown };
/**
 * A run as the run charts draw it: a run summary, or a group over seeds with its mean test accuracy
 * in `testAccuracy`; null while it has no test figure (it is then left out).
 */
export interface ChartRun extends FamilyRow {
  title: string;
  family: string;
  testAccuracy: number | null;
  params: number;
  testCount?: number;
  /** The source write-ups' figures for the same model, drawn as rings by AccuracyChart. */
  reference?: readonly Experiment["reference"][number][] | null;
}
/** Options of AccuracyChart; the rest go to Plot.plot. */
export interface AccuracyChartOptions extends Plot.PlotOptions {
  /** Draw the write-ups' figures as rings (default true). */
  references?: boolean;
}
/** Options of AccuracyVsParams; the rest go to Plot.plot. */
export interface AccuracyVsParamsOptions extends Plot.PlotOptions {
  /** A family whose runs are drawn larger and labelled, the others faded; none: every run is. */
  highlight?: string | null;
}
type Measured<R extends ChartRun> = R & { testAccuracy: number };

const FAMILY_LABELS: Record<string, string> = {"baseline-mlp": "baseline MLP", "deep-mlp": "deeper MLP", cnn: "CNN"};
/** A family's name for legends ("deep-mlp" → "deeper MLP"); a family it does not know, or none, as it is. */
export const familyLabel = <F extends string | null | undefined>(family: F): string | F => FAMILY_LABELS[family as string] ?? family;

/**
 * A colour scale for the families among `runs` only (a legend lists just what the chart draws), with
 * each family in the same colour on every chart.
 */
export function familyColor(runs: readonly FamilyRow[]): { domain: (string | null | undefined)[]; range: string[]; legend: boolean } {
  const all = Object.values(FAMILY_LABELS);
  // One family needs no legend: the chart's own title names it.
  return seriesColor<string | null | undefined>(all, all.map((_, i) => d3.schemeObservable10[i]), runs.map((r) => familyLabel(r.family)), {legendFrom: 2});
}

/** A run's title short enough to label a dot, without its layer sizes: "Tuned CNN", "Wide MLP". */
export const shortTitle = (title: string): string =>
  title
    .replace(/:.*$/, "")
    .replace(/ with .*$/, "")
    .replace(/ (conv\S+|\d+(-\d+)+)/g, "");

/** Test accuracy of each completed run as a dot on a zoomed axis, best at the top; references as rings. */
export function AccuracyChart(runs: readonly ChartRun[], {width, references = true, ...options}: AccuracyChartOptions = {}): ReturnType<typeof Plot.plot> {
  const done = runs.filter((r): r is Measured<ChartRun> => r.testAccuracy != null);
  const refs = references
    ? done.flatMap((r) => (r.reference ?? []).filter((ref) => ref.testAccuracy != null).map((ref) => ({title: r.title, value: ref.testAccuracy!, source: ref.source})))
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
      Plot.ruleY(done, {y: "title", x1: () => floor, x2: "testAccuracy", stroke: (d: ChartRun) => familyLabel(d.family), strokeOpacity: 0.4}),
      Plot.dot(refs, {x: "value", y: "title", r: 6, stroke: "currentColor", strokeDasharray: "2,2", fill: "none", title: (d: (typeof refs)[number]) => `${d.source} reported ${percent(d.value)}`}),
      Plot.dot(done, {x: "testAccuracy", y: "title", fill: (d: ChartRun) => familyLabel(d.family), r: 5, title: (d: ChartRun) => `${d.title}\n${percent(d.testAccuracy)} on ${integer(d.testCount)} test images`}),
      Plot.text(done, {x: "testAccuracy", y: "title", text: (d: ChartRun) => percent(d.testAccuracy, 1), dx: 10, textAnchor: "start", fontSize: 10})
    ],
    ...options
  });
}

/** The largest round count (1, 2 or 5 times a power of ten) at or below `lo`, and the smallest at or above `hi`. */
export function niceLogDomain([lo, hi]: [number, number]): [number, number] {
  const steps = [1, 2, 5, 10];
  const down = (x: number) => {
    const p = 10 ** Math.floor(Math.log10(x));
    return p * steps.filter((s) => s * p <= x * (1 + 1e-12)).at(-1)!;
  };
  const up = (x: number) => {
    const p = 10 ** Math.floor(Math.log10(x));
    return p * steps.find((s) => s * p >= x * (1 - 1e-12))!;
  };
  return [down(lo), up(hi)];
}

/**
 * Test accuracy against parameter count (log x), one dot per run labelled with its short title; `highlight` names a
 * family whose runs are drawn larger and labelled, the others faded.
 */
export function AccuracyVsParams(runs: readonly ChartRun[], {width, height = 300, highlight, ...options}: AccuracyVsParamsOptions = {}): ReturnType<typeof Plot.plot> {
  const done = runs.filter((r): r is Measured<ChartRun> => r.testAccuracy != null);
  const strong = done.filter((r) => highlight == null || r.family === highlight);
  const faint = done.filter((r) => !strong.includes(r));
  // A label starts at its dot, or ends there where starting would run it off the chart's right edge
  // (positions estimated from the log scale's extent and the label's length). `at` is only asked of
  // the runs in `done`, so the extent is never empty there; without a width no label ends at its dot.
  // The axis runs between round counts (1, 2 or 5 times a power of ten) around the runs, so that a
  // tick sits left of the smallest model: a domain starting at its own count left it without one.
  const domain = niceLogDomain(d3.extent(done, (r) => r.params) as [number, number]);
  const [lo, hi] = domain.map(Math.log);
  const [left, right] = [50 + 40, width! - 20 - 40];
  const at = (r: ChartRun) => left + (hi > lo ? (Math.log(r.params) - lo) / (hi - lo) : 0.5) * (right - left);
  const ends = (r: ChartRun, fontSize: number) => at(r) + 0.6 * fontSize * shortTitle(r.title).length > width! - 4;
  const labels = (rows: ChartRun[], options: Plot.TextOptions & { fontSize: number }) => [
    Plot.text(rows.filter((r) => !ends(r, options.fontSize)), {x: "params", y: "testAccuracy", text: (r: ChartRun) => shortTitle(r.title), textAnchor: "start", dx: -6, ...options}),
    Plot.text(rows.filter((r) => ends(r, options.fontSize)), {x: "params", y: "testAccuracy", text: (r: ChartRun) => shortTitle(r.title), textAnchor: "end", dx: 6, ...options})
  ];
  return Plot.plot({
    width,
    height,
    marginLeft: 50,
    marginRight: 20,
    marginTop: 30,
    ariaLabel: "test accuracy against parameter count",
    x: {type: "log", label: "Parameters (log scale)", grid: true, tickFormat: "~s", inset: 40, domain},
    y: {percent: true, label: "Test accuracy (%)", grid: true, inset: 20},
    color: familyColor(done),
    marks: [
      Plot.dot(faint, {x: "params", y: "testAccuracy", fill: (d: ChartRun) => familyLabel(d.family), r: 4, fillOpacity: 0.45}),
      ...labels(faint, {dy: -10, fontSize: 9, fillOpacity: 0.55}),
      Plot.dot(strong, {x: "params", y: "testAccuracy", fill: (d: ChartRun) => familyLabel(d.family), r: 6, stroke: "var(--theme-background, white)"}),
      ...labels(strong, {dy: -12, fontSize: 11, fontWeight: "bold"}),
      Plot.tip(done, Plot.pointer({x: "params", y: "testAccuracy", title: (d: ChartRun) => `${d.title}\n${integer(d.params)} parameters, ${percent(d.testAccuracy)}`}))
    ],
    ...options
  });
}
