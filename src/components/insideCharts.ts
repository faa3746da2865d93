// Charts of what happened inside the networks of a study while they trained (data from
// loaders/report/insideReport.ts): each configuration's gradient norm per epoch for one layer, averaged
// over its seeds on a log scale, and one run's weight histograms, one row per epoch.
import type {insideReport} from "../../loaders/report/insideReport.ts";
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";

export type InsideData = Awaited<ReturnType<typeof insideReport>>;
export type InsideRun = InsideData["runs"][number];

/** The narrowest the charts draw: a phone's column is wider. */
const MIN_WIDTH = 280;

/** Whole epochs 0..last for an axis, at most about ten of them (Plot's own ticks fall between epochs on a short run). */
function epochTicks(last: number): number[] {
  return d3.range(0, last + 1, Math.max(1, Math.ceil(last / 10)));
}

export interface GradientPoint {
  group: string;
  /** The configuration in words, as the page names it. */
  name: string;
  epoch: number;
  /** Geometric mean over the configuration's seeds of the layer's gradient norm. */
  norm: number;
  seeds: number;
  color: string;
  dash: string;
}

export interface SeriesOptions {
  colorBy: string;
  dashBy: string;
  /** A configuration in words (its first seed's run stands for it). */
  name: (run: InsideRun) => string;
}

/**
 * Per configuration and epoch, the geometric mean over its seeds of layer `layer`'s gradient norm, up to
 * the last epoch every seed reached (early stopping ends seeds at different epochs; past that, a "mean"
 * would be one seed's figure).
 */
export function gradientSeries(runs: InsideRun[], layer: number, {colorBy, dashBy, name}: SeriesOptions): GradientPoint[] {
  const byGroup = d3.group(runs, (r) => r.group);
  return [...byGroup].flatMap(([group, members]) => {
    const epochs = d3.min(members, (r) => r.gradientNorms.length) ?? 0;
    const first = members.find((r) => r.id === group) ?? members[0];
    return d3.range(epochs).flatMap((epoch) => {
      const norms = members.map((r) => r.gradientNorms[epoch]?.[layer]).filter((v): v is number => v != null && v > 0);
      return norms.length === members.length ? [{group, name: name(first), epoch, norm: Math.exp(d3.mean(norms, Math.log)!), seeds: norms.length, color: String(first.variant?.[colorBy] ?? group), dash: String(first.variant?.[dashBy] ?? "")}] : [];
    });
  });
}

/** Gradient norm per epoch, one line per configuration: colour by one grid axis, dashes by another. */
export function GradientNormChart(
  runs: InsideRun[],
  {layer, width, colorBy, dashBy, dashes, name, colorName = String}: SeriesOptions & {layer: number; width: number; dashes: string[]; colorName?: (value: string) => string}
): HTMLElement | SVGSVGElement {
  const points = gradientSeries(runs, layer, {colorBy, dashBy, name});
  const pattern = (d: string) => ["none", "6,3", "2,3"][Math.max(0, dashes.indexOf(d)) % 3];
  return Plot.plot({
    width: Math.max(MIN_WIDTH, width),
    height: 300,
    marginLeft: 56,
    x: {label: "Epoch (0: before training)", ticks: epochTicks(d3.max(points, (p) => p.epoch) ?? 0), tickFormat: "d", grid: true},
    y: {type: "log", label: `Gradient norm of ${runs[0]?.layers[layer]?.label ?? "the layer"}`, grid: true, nice: true, tickFormat: "~g"},
    color: {legend: true, tickFormat: colorName},
    marks: [
      ...dashes.map((d) =>
        Plot.line(points.filter((p) => p.dash === d), {x: "epoch", y: "norm", z: "group", stroke: "color", strokeDasharray: pattern(d), strokeWidth: 1.6})
      ),
      Plot.tip(points, Plot.pointer({x: "epoch", y: "norm", title: (p: GradientPoint) => `${p.name}, epoch ${p.epoch}\ngradient norm ${p.norm.toPrecision(3)} (geometric mean of ${p.seeds} seeds)`}))
    ]
  });
}

/** The line styles' key for the dashed axis, as words under the chart. */
export function dashKey(dashes: string[]): string {
  const names = ["solid", "dashed", "dotted"];
  return dashes.map((d, i) => `${names[i % 3]}: ${d}`).join(" · ");
}

/** One run's weight histograms for layer `layer`: a row per epoch, each bin shaded by its share of the weights. */
export function WeightHistogramChart(run: InsideRun, {layer, width}: {layer: number; width: number}): HTMLElement | SVGSVGElement {
  const rows = (run.histograms ?? []).flatMap((epoch, e) => {
    const h = epoch[layer];
    if (!h) return [];
    const total = d3.sum(h.counts);
    const step = (h.max - h.min) / h.counts.length;
    return h.counts.map((count, k) => ({epoch: e, x1: h.min + k * step, x2: h.min + (k + 1) * step || h.min + 1e-9, share: total ? count / total : 0}));
  });
  const epochs = (run.histograms ?? []).length;
  return Plot.plot({
    width: Math.max(MIN_WIDTH, width),
    height: Math.max(200, Math.min(480, 16 * epochs + 60)),
    marginLeft: 56,
    x: {label: `Weight of ${run.layers[layer]?.label ?? "the layer"}`, grid: true},
    y: {label: "Epoch", reverse: true, ticks: epochTicks(Math.max(0, epochs - 1)), tickFormat: "d"},
    color: {type: "sqrt", scheme: "blues", label: "Share of the layer's weights", legend: true, tickFormat: "%"},
    marks: [
      Plot.rect(rows, {x1: "x1", x2: "x2", y1: (d: {epoch: number}) => d.epoch - 0.45, y2: (d: {epoch: number}) => d.epoch + 0.45, fill: "share"}),
      Plot.tip(rows, Plot.pointer({x: (d: {x1: number; x2: number}) => (d.x1 + d.x2) / 2, y: "epoch", title: (d: {epoch: number; x1: number; x2: number; share: number}) => `epoch ${d.epoch}: ${(d.share * 100).toFixed(1)}% of the weights between ${d.x1.toPrecision(3)} and ${d.x2.toPrecision(3)}`}))
    ]
  });
}
