// The run explorer's views: a table of runs with a checkbox per run, and a scatter of test accuracy
// against a cost with the Pareto front marked. Pure logic lives in explorer.ts.
import * as Plot from "@observablehq/plot";
import {duration, integer, percent, rate, runHref} from "./format.js";
import {familyColor, familyLabel} from "./runCharts.js";
import {X_AXES, paretoFront, paretoLabels} from "./explorer.js";
import type {ExplorerRun} from "./explorer.js";

/** What RunChooser draws and whom it tells of a click. */
export interface RunChooserOptions {
  /** Ids of the runs ticked. */
  chosen?: Set<string>;
  onToggle?: (id: string) => void;
  maxHeight?: number;
}
/** RunChooser's element: `update(chosen)` re-ticks the boxes without redrawing. */
export type RunChooserElement = HTMLDivElement & {update(chosen: Set<string>): void};
/** What ParetoScatter draws and whom it tells of a click; the rest go to Plot.plot. */
export interface ParetoScatterOptions extends Omit<Plot.PlotOptions, "x"> {
  /** The cost on the x axis: a key of X_AXES. */
  x?: string;
  /** Ids of the runs outlined. */
  chosen?: Set<string>;
  onToggle?: (id: string) => void;
  /** The chart's width, which the labels' placement needs. */
  width: number;
  height?: number;
}
/** ParetoScatter's chart: `front` holds the runs on the Pareto front; `value` is the run under the pointer. */
export type ParetoScatterElement = ReturnType<typeof Plot.plot> & {front: ExplorerRun[]; value?: ExplorerRun | null};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node) (node as unknown as Record<string, unknown>)[key] = value;
    else node.setAttribute(key, String(value));
  }
  node.append(...children.filter((c): c is Node | string => c != null));
  return node;
}

const COLUMNS: [key: string, label: string][] = [
  ["title", "Run"],
  ["dataset", "Dataset"],
  ["family", "Family"],
  ["optimizer", "Optimizer"],
  ["architecture", "Layers"],
  ["params", "Parameters"],
  ["testAccuracy", "Test accuracy"],
  ["trainSeconds", "Training time"],
  ["epochsRun", "Epochs"]
];

function cell(run: ExplorerRun, key: string): Node | string {
  switch (key) {
    case "title":
      return run.reader ? el("span", {className: "reader-run", title: run.title}, run.title) : el("a", {href: runHref(run), title: run.title}, run.title);
    case "family":
      return familyLabel(run.family);
    case "optimizer":
      return `${run.optimizer}${run.learningRate != null ? ` (${rate(run.learningRate)})` : ""}`;
    case "architecture":
      return (run.architecture ?? "").replace(/-/g, "-\u200b");
    case "params":
      return integer(run.params);
    case "testAccuracy":
      return run.testAccuracy == null ? el("span", {className: "diverged"}, run.status) : `${percent(run.testAccuracy)}${run.reader ? "*" : ""}`;
    case "trainSeconds":
      return duration(run.trainSeconds);
    default:
      return String(run[key] ?? "—");
  }
}

/**
 * A table of `runs` (already filtered and sorted), each row with a checkbox that calls `onToggle(id)`.
 * `chosen` is a Set of ids; the returned element's `update(chosen)` re-ticks the boxes without redrawing.
 */
export function RunChooser(runs: ExplorerRun[], {chosen = new Set(), onToggle = () => {}, maxHeight = 460}: RunChooserOptions = {}): RunChooserElement {
  const boxes = new Map<string, HTMLInputElement>();
  const rows = runs.map((run) => {
    const box = el("input", {type: "checkbox", className: "run-choose", checked: chosen.has(run.id), ariaLabel: `choose ${run.title}`});
    box.addEventListener("change", () => onToggle(run.id));
    boxes.set(run.id, box);
    const tr = el("tr", {dataset: {runId: run.id}}, el("td", {}, box), ...COLUMNS.map(([key]) => el("td", {className: `col-${key}`}, cell(run, key))));
    if (chosen.has(run.id)) tr.classList.add("chosen");
    return tr;
  });
  const table = el(
    "table",
    {className: "explorer-table"},
    el("thead", {}, el("tr", {}, el("th", {}, ""), ...COLUMNS.map(([, label]) => el("th", {}, label)))),
    el("tbody", {}, ...rows)
  );
  const root = el("div", {className: "explorer-table-wrap"}, table) as RunChooserElement;
  root.style.maxHeight = `${maxHeight}px`;
  if (!runs.length) root.append(el("p", {className: "empty"}, "No run passes these filters."));
  root.update = (next) => {
    for (const [id, box] of boxes) {
      box.checked = next.has(id);
      box.closest("tr")!.classList.toggle("chosen", box.checked);
    }
  };
  return root;
}

const MARGINS = {marginLeft: 55, marginRight: 20, marginTop: 30, marginBottom: 30};
/**
 * Test accuracy against `x` (params or trainSeconds, log scale) for the runs with a test accuracy; the
 * Pareto front (fewest parameters or seconds for the accuracy) is joined by a step line and drawn as rings
 * (class "pareto-point", each with an aria-label of its run id); chosen runs are outlined. Clicking a dot
 * calls `onToggle(id)`.
 */
export function ParetoScatter(
  runs: ExplorerRun[],
  {x = "params", chosen = new Set(), onToggle, width, height = 340, ...options}: ParetoScatterOptions
): ParetoScatterElement {
  const done = runs.filter((r): r is ExplorerRun & {testAccuracy: number} => r.testAccuracy != null && Number.isFinite(r[x]) && r[x] > 0);
  const front = paretoFront(done, {x, y: "testAccuracy"});
  const marked = done.filter((r) => chosen.has(r.id));
  const label = X_AXES[x] ?? x;
  const format = x === "trainSeconds" ? duration : integer;
  const labels = paretoLabels(front, {x, width, height, margins: MARGINS, extent: done});
  const chart = Plot.plot({
    width,
    height,
    ...MARGINS,
    ariaLabel: `test accuracy against ${label.toLowerCase()}, Pareto front of ${front.length}`,
    x: {type: "log", label: `${label} (log scale) →`, grid: true, tickFormat: "~s", inset: 20},
    y: {percent: true, label: "↑ Test accuracy (%)", grid: true, inset: 15},
    color: familyColor(done),
    marks: [
      Plot.line(front, {x, y: "testAccuracy", curve: "step-after", stroke: "currentColor", strokeOpacity: 0.5, strokeDasharray: "5,3"}),
      Plot.dot(done, {x, y: "testAccuracy", fill: (d) => familyLabel(d.family), r: 4.5, fillOpacity: 0.8, className: "run-point", ariaLabel: (d) => d.id}),
      Plot.dot(front, {x, y: "testAccuracy", r: 8, stroke: "currentColor", strokeWidth: 1.5, fill: "none", className: "pareto-point", ariaLabel: (d) => d.id}),
      Plot.dot(marked, {x, y: "testAccuracy", r: 11, stroke: "currentColor", strokeWidth: 3, strokeDasharray: "3,2", fill: "none", className: "chosen-point", ariaLabel: (d) => d.id}),
      ...(["start", "middle", "end"] as const).map((anchor) => Plot.text(labels.filter((l) => l.anchor === anchor), {x, y: "testAccuracy", text: "id", dy: -13, fontSize: 10, textAnchor: anchor, className: "pareto-label"})),
      Plot.tip(
        done,
        Plot.pointer({
          x,
          y: "testAccuracy",
          title: (d) =>
            `${d.title}${front.includes(d) ? " (on the Pareto front)" : ""}\n${percent(d.testAccuracy)} test accuracy, ${format(d[x])}${x === "params" ? " parameters" : " training"}\n${onToggle ? (chosen.has(d.id) ? "click to drop its curves" : "click to add its curves") : ""}`
        })
      )
    ],
    ...options
  }) as ParetoScatterElement;
  if (onToggle) {
    chart.style.cursor = "pointer";
    chart.addEventListener("click", () => {
      if (chart.value) onToggle(chart.value.id);
    });
  }
  chart.front = front;
  return chart;
}

/** Runs with curves in the shape CompareCurves wants ({title, history} with tidy rows). */
export function withHistory<T extends ExplorerRun, H>(runs: T[], curveRows: (run: T) => H): (T & {history: H})[] {
  return runs.map((r) => ({...r, history: curveRows(r)}));
}

export const FRONT_SUMMARY = (front: ExplorerRun[], x: string): string[] =>
  front.length
    ? front.map((r) => `${r.title} (${percent(r.testAccuracy)}, ${x === "trainSeconds" ? duration(r[x]) : `${integer(r[x])} parameters`})`)
    : [];
