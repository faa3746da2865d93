// Views of configurations trained with several seeds: a table of means with 95% intervals (each seed a
// click away), test accuracy as mean, interval and every seed's point, and learning curves as a mean
// line in a band. Groups come from the loaders' `groups` (loaders/report/report.ts: groupSummary).
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import type {GroupSummary, seedCurves} from "../../loaders/report/report.ts";
import type {SeedSummary} from "../../loaders/report/stats.ts";
import type {RunSummary} from "../../loaders/report/summary.ts";
import {html} from "./untyped.js";
import {duration, integer, percent, runHref} from "./format.js";
import {seriesColor} from "./colors.js";
import {familyColor, familyLabel} from "./runCharts.js";
import {DownloadCsv, groupRows, runRows} from "./download.js";

/** A row of a group's mean learning curves (loaders/report/report.ts: seedCurves): one epoch, split and metric. */
export type SeedCurveRow = ReturnType<typeof seedCurves>[number];

/** Options of GroupTable. */
export interface GroupTableOptions {
  caption?: string;
  /** The downloads' file name, without ".csv". */
  filename?: string;
}

/** Options of SeedAccuracyChart; the rest go to Plot.plot. */
export interface SeedAccuracyChartOptions extends Plot.PlotOptions {
  /** False leaves out the write-ups' figures. */
  references?: boolean;
}

/** Options of SeedCurves; the rest go to Plot.plot. */
export interface SeedCurvesOptions extends Plot.PlotOptions {
  metric?: "accuracy" | "loss";
}

/** "97.62% ± 0.21" (mean ± half the 95% interval), or the single figure for one seed. */
export function meanInterval(summary: SeedSummary | null | undefined, digits = 2): string {
  if (!summary) return "—";
  if (!summary.hasInterval) return percent(summary.mean, digits);
  return `${percent(summary.mean, digits)} ± ${((summary.high - summary.mean) * 100).toFixed(digits)}`;
}

/**
 * One row per configuration: its mean test accuracy ± the 95% interval's half-width over its seeds, the
 * seeds' own figures behind a click, parameters and mean training time. `runs` are every seed's summaries.
 */
export function GroupTable(groups: GroupSummary[], runs: RunSummary[], {caption, filename = "models"}: GroupTableOptions = {}): HTMLElement {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const sorted = d3.sort(groups, (g) => -(g.testAccuracy?.mean ?? -1));
  return html`<div class="group-table-wrap"><div class="table-scroll"><table class="group-table">
    ${caption ? html`<caption>${caption}</caption>` : ""}
    <thead><tr><th>Model</th><th class="num">Test accuracy, mean ± 95% interval</th><th class="num">Seeds</th><th class="num">Parameters</th><th class="num">Training time (mean)</th></tr></thead>
    <tbody>${sorted.map((g) => {
      const seeds = g.runIds.map((id) => byId.get(id)).filter((r): r is RunSummary => r != null);
      return html`<tr>
        <td><a href=${runHref(g)}>${g.title}</a></td>
        <td class="num">${meanInterval(g.testAccuracy)}</td>
        <td class="num"><details class="seeds"><summary>${g.completedCount} of ${g.seeds.length}</summary>${html`<ul>${seeds.map(
          (r) => html`<li>seed ${r.seed}: ${r.status === "completed" ? percent(r.testAccuracy) : r.status}</li>`
        )}</ul>`}</details></td>
        <td class="num">${integer(g.params)}</td>
        <td class="num">${duration(g.trainSeconds)}</td>
      </tr>`;
    })}</tbody>
  </table></div>
  <p class="downloads">${DownloadCsv(() => groupRows(sorted), {filename: `${filename}.csv`, label: "Download CSV (means over seeds)"})} ${DownloadCsv(() => runRows(sorted.flatMap((g) => g.runIds.map((id) => byId.get(id)).filter((r): r is RunSummary => r != null))), {filename: `${filename}-seeds.csv`, label: "Download CSV (every seed)"})}</p></div>`;
}

/**
 * Test accuracy per configuration: the mean as a bar end, its 95% interval over seeds as a thick rule,
 * every seed as a small dot, and the write-ups' figures as dashed rings. Best at the top.
 */
export function SeedAccuracyChart(
  groups: GroupSummary[],
  runs: RunSummary[],
  {width, references = true, ...options}: SeedAccuracyChartOptions = {}
): ReturnType<typeof Plot.plot> {
  const done = groups.filter((g): g is GroupSummary & {testAccuracy: SeedSummary} => g.testAccuracy != null);
  const order = d3.sort(done, (g) => -g.testAccuracy.mean).map((g) => g.title);
  const titleOf = new Map(done.flatMap((g) => g.runIds.map((id) => [id, g.title] as const)));
  const seeds = runs.filter((r): r is RunSummary & {testAccuracy: number} => r.testAccuracy != null && titleOf.has(r.id)).map((r) => ({...r, groupTitle: titleOf.get(r.id)}));
  const refs = references
    ? done.flatMap((g) => (g.reference ?? []).filter((ref): ref is typeof ref & {testAccuracy: number} => ref.testAccuracy != null).map((ref) => ({title: g.title, value: ref.testAccuracy, source: ref.source})))
    : [];
  const values = [...seeds.map((r) => r.testAccuracy), ...done.flatMap((g) => [g.testAccuracy.low, g.testAccuracy.high]), ...refs.map((d) => d.value)];
  const floor = Math.max(0, Math.floor(((d3.min(values) ?? 0) - 0.005) * 100) / 100);
  const ceiling = Math.min(1, Math.ceil(((d3.max(values) ?? 1) + 0.002) * 200) / 200);
  const narrow = width != null && width < 560; // no width: Plot's default, not narrow
  return Plot.plot({
    width,
    height: 60 + (narrow ? 56 : 40) * Math.max(1, order.length),
    marginLeft: narrow ? 10 : Math.min(300, 10 + 6.2 * (d3.max(order, (t) => t.length) ?? 10)),
    marginRight: narrow ? 12 : 64,
    ariaLabel: "mean test accuracy per model with 95% intervals over seeds",
    x: {domain: [floor * 100, ceiling * 100], percent: true, label: "Test accuracy (%)", grid: true, ticks: narrow ? 4 : 8},
    y: {domain: order, label: null, axis: narrow ? null : "left"},
    color: familyColor(done),
    marks: [
      // On a phone the names go above their rows instead of into a left margin.
      narrow ? Plot.text(done, {x: () => floor, y: "title", text: (g) => `${g.title}: ${percent(g.testAccuracy.mean)}`, dy: -16, textAnchor: "start", fontSize: 11, lineWidth: (width - 24) / 11, textOverflow: "ellipsis-middle"}) : null,
      Plot.ruleY(done, {y: "title", x1: (g) => g.testAccuracy.low, x2: (g) => g.testAccuracy.high, stroke: (g) => familyLabel(g.family), strokeWidth: 6, strokeOpacity: 0.35}),
      // On a phone the name sits above the row: the tick keeps to the row's lower part, clear of it.
      Plot.tickX(done, {x: (g) => g.testAccuracy.mean, y: "title", stroke: (g) => familyLabel(g.family), strokeWidth: 2, ...(narrow ? {insetTop: 18} : {})}),
      Plot.dot(seeds, {x: "testAccuracy", y: "groupTitle", r: 3, fill: (r) => familyLabel(r.family), title: (r) => `${r.title}\nseed ${r.seed}: ${percent(r.testAccuracy)}`}),
      Plot.dot(refs, {x: "value", y: "title", r: 6, stroke: "currentColor", strokeDasharray: "2,2", fill: "none", title: (d) => `${d.source} reported ${percent(d.value)}`}),
      // The mean's figure right of everything drawn on its row (its interval and any reference ring).
      narrow ? null : Plot.text(done, {x: (g) => Math.max(g.testAccuracy.high, ...refs.filter((r) => r.title === g.title).map((r) => r.value)), y: "title", text: (g) => percent(g.testAccuracy.mean), dx: 10, textAnchor: "start", fontSize: 10})
    ],
    ...options
  });
}

const SPLITS = ["train", "validation"];
const SPLIT_COLORS = ["#4269d0", "#ff725c"];

/**
 * The rows of a group's mean curves at the epochs every seed reached: where early stopping ended some
 * seeds, a mean over the rest would be a different average, and its band would swell from the fewer seeds.
 */
export function everySeedRows(curves: SeedCurveRow[]): SeedCurveRow[] {
  const seeds = d3.max(curves, (d) => d.n) ?? 0;
  return curves.filter((d) => d.n === seeds);
}

/**
 * Mean learning curve of a group's seeds for one metric, with its 95% interval over seeds as a band,
 * drawn over the epochs every seed reached (everySeedRows).
 */
export function SeedCurves(curves: SeedCurveRow[], {metric = "accuracy", width, height = 240, ...options}: SeedCurvesOptions = {}): ReturnType<typeof Plot.plot> {
  const rows = everySeedRows(curves.filter((d) => d.metric === metric));
  const banded = rows.filter((d) => d.low != null);
  const epochs = d3.extent(rows, (d) => d.epoch);
  const step = Math.max(1, Math.ceil(((epochs[1] ?? 1) - (epochs[0] ?? 1) + 1) / 10));
  return Plot.plot({
    width,
    height,
    marginLeft: 50,
    ariaLabel: `learning curves (${metric}, mean over seeds)`,
    x: {label: "Epoch", ticks: d3.range(epochs[0] ?? 1, (epochs[1] ?? 1) + 1, step), tickFormat: "d"},
    y: metric === "accuracy" ? {label: "Accuracy (%)", percent: true, grid: true, nice: true} : {label: "Loss (cross-entropy)", grid: true, nice: true, zero: true},
    color: seriesColor(SPLITS, SPLIT_COLORS, rows.map((d) => d.split)),
    marks: [
      Plot.areaY(banded, {x: "epoch", y1: "low", y2: "high", fill: "split", fillOpacity: 0.18, z: "split"}),
      Plot.line(rows, {x: "epoch", y: "mean", stroke: "split", z: "split", strokeWidth: 2}),
      Plot.tip(rows, Plot.pointer({x: "epoch", y: "mean", stroke: "split", title: (d) => `${d.split}, epoch ${d.epoch}, mean of ${d.n} seed${d.n === 1 ? "" : "s"}\n${metric}: ${metric === "accuracy" ? percent(d.mean) : d.mean.toFixed(4)}${d.low != null ? `\n95% interval ${metric === "accuracy" ? `${percent(d.low)} to ${percent(d.high)}` : `${d.low.toFixed(4)} to ${d.high.toFixed(4)}`}` : ""}`}))
    ],
    ...options
  });
}
