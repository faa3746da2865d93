// Per-class precision, recall and F1 from rows {class, precision, recall, f1, support}: a dot chart and a table.
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import {percent} from "./format.js";
import {FullTable} from "./tableBox.js";
import type {FullTableOptions} from "./tableBox.js";
import type {ValueElement} from "./untyped.js";
import type {ClassMetrics} from "../../loaders/training/metrics.ts";

/** Options of PerClassChart: the class names (else the class numbers) and any Plot option. */
export interface PerClassChartOptions extends Plot.PlotOptions {
  classNames?: string[];
}
/** Options of PerClassTable: the class names (else the class numbers) and any option of FullTable. */
export interface PerClassTableOptions extends FullTableOptions {
  classNames?: string[];
}

type Metric = "precision" | "recall" | "f1";
const METRICS: Metric[] = ["precision", "recall", "f1"];
const METRIC_LABELS: Record<Metric, string> = {precision: "precision", recall: "recall", f1: "F1"};
/** One dot of the chart: a class's score on one metric. */
interface Score {
  class: string;
  metric: string;
  value: number;
  support: number;
}

/**
 * One row per class, one dot per metric. The x axis starts near the weakest score rather than at zero,
 * because the interesting differences between digits are a few points wide.
 */
export function PerClassChart(rows: ClassMetrics[], {classNames, width, height, ...options}: PerClassChartOptions = {}): ReturnType<typeof Plot.plot> {
  const names = classNames ?? rows.map((d) => String(d.class));
  const tidy: Score[] = rows.flatMap((d) => METRICS.map((metric) => ({class: names[d.class], metric: METRIC_LABELS[metric], value: d[metric], support: d.support})));
  const lo = d3.min(tidy, (d) => d.value) ?? 0;
  // Half a point below the lowest score, on a whole point: the differences fill the width.
  const floor = Math.max(0, Math.floor((lo - 0.005) * 100) / 100);
  return Plot.plot({
    width,
    height: height ?? 40 + 24 * rows.length,
    marginLeft: 60,
    ariaLabel: "per-class precision, recall and F1",
    x: {domain: [floor * 100, 100], percent: true, label: "Score (%)", grid: true},
    y: {domain: names, label: "Class"},
    color: {domain: METRICS.map((m) => METRIC_LABELS[m]), range: ["#4269d0", "#efb118", "#3ca951"], legend: true},
    symbol: {domain: METRICS.map((m) => METRIC_LABELS[m]), range: ["circle", "square", "diamond"]},
    marks: [
      Plot.ruleY(names, {stroke: "currentColor", strokeOpacity: 0.1}),
      Plot.dot(tidy, {x: "value", y: "class", stroke: "metric", fill: "metric", symbol: "metric", r: 4, fillOpacity: 0.7}),
      Plot.tip(tidy, Plot.pointer({x: "value", y: "class", title: (d: Score) => `class ${d.class} (${d.support} test images)\n${d.metric}: ${percent(d.value)}`}))
    ],
    ...options
  });
}

/** The same scores as a sortable table with percentages. */
export function PerClassTable(rows: ClassMetrics[], {classNames, ...options}: PerClassTableOptions = {}): ValueElement<(ClassMetrics & {name: string})[]> {
  const names = classNames ?? rows.map((d) => String(d.class));
  return FullTable(
    rows.map((d) => ({...d, name: names[d.class]})),
    {
      columns: ["name", "precision", "recall", "f1", "support"],
      header: {name: "Class", precision: "Precision", recall: "Recall", f1: "F1", support: "Test images"},
      format: {precision: (x: number) => percent(x), recall: (x: number) => percent(x), f1: (x: number) => percent(x)},
      select: false,
      ...options
    }
  );
}
