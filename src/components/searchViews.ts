// A search's trials as a reader explores them: parallel coordinates whose axes can be brushed (the
// element's value is the trials inside every brush, for a linked table), and the bars of how much each
// setting matters by the forest's estimate (its sentence and evidence come from the page's claims).
import type {Params} from "../../loaders/spec/params.ts";
import type {ImportanceEvidence} from "../../loaders/report/findings/importance.ts";
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import {html, svg} from "./untyped.js";
import {percent} from "./format.js";
import {settingName, type SettingNames, type StudyTrial} from "./study.js";

/** The narrowest the charts draw: a phone's column is wider. */
const MIN_WIDTH = 280;

/** Settings searched on a log scale: their axes are logarithmic. */
const LOG_SETTINGS = new Set(["learningRate", "l2"]);

export interface SearchBrushOptions {
  dims: string[];
  names: SettingNames;
  width: number;
  height?: number;
  /** The search's winner (its params); else the best of these trials. */
  winner?: Params;
}

type Axis = {dim: string; y: (v: Params[string] | undefined) => number | null; ticks: {y: number; text: string}[]};

const tickText = (v: Params[string]) => (typeof v === "number" ? (v !== 0 && Math.abs(v) < 0.01 ? v.toExponential(0) : String(+v.toPrecision(3))) : String(v));

/** Each dimension's pixel scale (numbers linear or log over their extent, other values evenly spaced) and its labelled ticks. */
function axes<T extends StudyTrial>(trials: T[], dims: string[], top: number, bottom: number): Axis[] {
  return dims.map((dim) => {
    const values = trials.map((t) => t.params[dim]).filter((v): v is Params[string] => v != null);
    if (values.length && values.every((v) => typeof v === "number")) {
      const numbers = values as number[];
      const [lo, hi] = d3.extent(numbers) as [number, number];
      const scale = (LOG_SETTINGS.has(dim) && lo > 0 ? d3.scaleLog() : d3.scaleLinear()).domain([lo, hi]).range([bottom, top]);
      const distinct = [...new Set(numbers)].sort((a, b) => a - b);
      const shown = distinct.length <= 6 ? distinct : [lo, hi];
      const y = (v: Params[string] | undefined) => (typeof v !== "number" ? null : lo === hi ? (top + bottom) / 2 : scale(v));
      return {dim, y, ticks: shown.map((v) => ({y: y(v)!, text: tickText(v)}))};
    }
    const domain = [...new Set(values.map(String))].sort();
    const scale = d3.scalePoint(domain, [bottom, top]).padding(domain.length === 1 ? 0.5 : 0);
    const y = (v: Params[string] | undefined) => (v == null ? null : (scale(String(v)) ?? null));
    return {dim, y, ticks: domain.map((v) => ({y: scale(v)!, text: v}))};
  });
}

/**
 * Parallel coordinates of `trials` with a brush on every axis: drag along an axis to keep the trials
 * that pass through the dragged span; spans on several axes all apply; a click on an axis clears its span.
 * The element's `value` is the kept trials (all of them when nothing is brushed), and it sends an
 * "input" event on every change, so a page can `view()` it and show the kept trials in a table.
 */
export function SearchBrush<T extends StudyTrial>(trials: T[], {dims, names, width: asked, height = 320, winner}: SearchBrushOptions): HTMLElement & {value: T[]} {
  // Framework's width can read 0 for a moment while the page is laid out again (a print, a full-page capture).
  const fits = Math.max(MIN_WIDTH, asked);
  const chars = (k: string | undefined) => (k == null ? 0 : settingName(names, k).length);
  // Each axis's tick labels sit to its right and need about 6 px a character at 10 px: where that is more
  // than the space between axes (many axes on a phone), the chart keeps its width and scrolls sideways
  // rather than print the labels over each other.
  const tickChars = d3.max(axes(trials, dims, 0, 1), (a) => d3.max(a.ticks, (t) => t.text.length)) ?? 0;
  const width = Math.max(fits, 60 + 3.5 * (chars(dims[0]) + chars(dims.at(-1))) + (dims.length - 1) * (6 * tickChars + 14));
  const scrolls = width > fits;
  // About 7 px a character at 11 px: where the names do not fit side by side, they are turned 45° and
  // the margins make room for the first and last of them.
  const crowded = (width - 60) / Math.max(1, dims.length) < 7 * (d3.max(dims, chars) ?? 0);
  const top = crowded ? Math.max(34, 5 * (d3.max(dims, chars) ?? 0) + 16) : 34;
  const bottom = height - 16;
  const left = crowded ? 24 : Math.max(24, 3.5 * chars(dims[0]) + 4);
  const right = Math.max(48, crowded ? 5 * chars(dims.at(-1)) + 8 : 3.5 * chars(dims.at(-1)) + 6);
  const x = d3.scalePoint(dims, [left, width - right]);
  const scales = axes(trials, dims, top, bottom);
  const same = (a: Params, b: Params) => dims.every((k) => String(a[k]) === String(b[k]));
  const chosen = winner ? trials.findIndex((t) => same(t.params, winner)) : -1;
  const best = chosen >= 0 ? chosen : (d3.greatestIndex(trials, (t) => (Number.isFinite(t.score) ? t.score : -Infinity)) ?? -1);
  const finite = trials.map((t) => t.score).filter(Number.isFinite);
  const color = d3.scaleSequential(d3.interpolateViridis).domain(finite.length ? (d3.extent(finite) as [number, number]) : [0, 1]);
  const path = (t: T) => {
    const line = d3.line<Axis>().defined((a) => a.y(t.params[a.dim]) != null).x((a) => x(a.dim)!).y((a) => a.y(t.params[a.dim])!);
    return line(scales) ?? "";
  };
  const lines = trials.map((t, i) => svg`<path d=${path(t)} fill="none" stroke=${Number.isFinite(t.score) ? color(t.score) : "#999"} stroke-width=${i === best ? 0 : 1.5} stroke-opacity="0.85"><title>${Number.isFinite(t.score) ? percent(t.score) : "diverged"}</title></path>`);
  const winnerLine = best >= 0 ? svg`<path d=${path(trials[best])} fill="none" stroke="currentColor" stroke-width="3" pointer-events="none"></path>` : "";
  const axisMarks = scales.map((a) => {
    const ax = x(a.dim)!;
    const label = settingName(names, a.dim);
    return svg`<g class="search-axis">
      <line x1=${ax} x2=${ax} y1=${top} y2=${bottom} stroke="#bbb"></line>
      ${a.ticks.map((t) => svg`<text x=${ax + 6} y=${t.y} dy="0.32em" font-size="10" fill="currentColor" stroke="var(--theme-background, white)" stroke-width="3" paint-order="stroke">${t.text}</text>`)}
      <text x=${ax} y=${top - 10} font-size="11" fill="currentColor" text-anchor=${crowded ? "start" : "middle"} transform=${crowded ? `rotate(-45 ${ax} ${top - 10})` : null}>${label}</text>
    </g>`;
  });
  const brushLayer = svg`<g class="search-brushes"></g>`;
  const chart = svg`<svg width=${width} height=${height} viewBox="0 0 ${width} ${height}" style=${scrolls ? "max-width: none" : "max-width: 100%; height: auto"} role="img" aria-label=${`Parallel coordinates of ${trials.length} trials over ${dims.map((d) => settingName(names, d)).join(", ")}; drag along an axis to select trials`}>
    <g class="search-trials">${lines}</g>${winnerLine}${axisMarks}${brushLayer}
  </svg>`;
  const status = html`<span class="search-brush-status"></span>`;
  const clear = html`<button type="button" class="search-brush-clear" hidden>Clear the selection</button>`;
  const legend = finite.length ? Plot.legend({color: {type: "linear", scheme: "viridis", domain: color.domain(), label: "validation accuracy", tickFormat: (d: number) => percent(d, 1)}}) : "";
  const element = html`<div class="search-brush">${legend}${scrolls ? html`<div class="search-brush-scroll">${chart}</div>` : chart}<div class="search-brush-bar">${status} ${clear}</div></div>` as HTMLElement & {value: T[]};

  const spans = new Map<string, [number, number]>();
  const brushes = new Map<string, d3.BrushBehavior<unknown>>();
  const keeps = (t: T) => [...spans].every(([dim, [y0, y1]]) => {
    const y = scales.find((a) => a.dim === dim)!.y(t.params[dim]);
    return y != null && y >= y0 - 0.5 && y <= y1 + 0.5;
  });
  const update = () => {
    const kept = spans.size ? trials.filter(keeps) : trials;
    element.value = kept;
    const keptSet = new Set(kept);
    trials.forEach((t, i) => {
      const on = keptSet.has(t);
      lines[i].setAttribute("stroke", on ? (Number.isFinite(t.score) ? color(t.score) : "#999") : "#ddd");
      lines[i].setAttribute("stroke-opacity", on ? "0.85" : "0.5");
    });
    status.textContent = spans.size ? `${kept.length} of ${trials.length} trials selected` : `${trials.length} trials; drag along an axis to select`;
    clear.hidden = spans.size === 0;
    element.dispatchEvent(new Event("input", {bubbles: true}));
  };
  const layer = d3.select(brushLayer as SVGGElement);
  for (const a of scales) {
    const ax = x(a.dim)!;
    const brush = d3
      .brushY()
      .extent([[ax - 12, top - 4], [ax + 12, bottom + 4]])
      .on("brush end", (event: d3.D3BrushEvent<unknown>) => {
        if (event.selection) spans.set(a.dim, event.selection as [number, number]);
        else spans.delete(a.dim);
        if (event.sourceEvent) update();
      });
    brushes.set(a.dim, brush);
    layer.append("g").attr("data-dim", a.dim).call(brush);
  }
  clear.onclick = () => {
    spans.clear();
    layer.selectAll<SVGGElement, unknown>("g[data-dim]").each(function () {
      brushes.get(this.getAttribute("data-dim")!)!.move(d3.select(this), null);
    });
    update();
  };
  element.value = trials;
  status.textContent = `${trials.length} trials; drag along an axis to select`;
  return element;
}

/** The forest's share of each setting as bars, most important first; null where the forest explains too little to rank them. */
export function ImportanceBars(evidence: ImportanceEvidence, {width: asked}: {width: number}): ReturnType<typeof Plot.plot> | null {
  // Bars would rank the settings; where the forest explains too little to rank them, the claim says so and no chart is drawn.
  if (evidence.verdict !== "explains") return null;
  const width = Math.max(MIN_WIDTH, asked);
  const rows = evidence.importance.settings.map((s) => ({name: evidence.names[s.setting] ?? s.setting, share: s.share}));
  return Plot.plot({
    width,
    height: 30 + 24 * rows.length,
    marginLeft: Math.min(160, 8 + 7 * (d3.max(rows, (r) => r.name.length) ?? 0)),
    marginRight: 44,
    x: {label: "share of the forest's splitting gain", tickFormat: (d: number) => percent(d, 0), domain: [0, Math.max(0.5, d3.max(rows, (r) => r.share) ?? 1)]},
    y: {label: null, domain: rows.map((r) => r.name)},
    marks: [
      Plot.barX(rows, {y: "name", x: "share", fill: "steelblue"}),
      Plot.text(rows, {y: "name", x: "share", text: (r: {share: number}) => percent(r.share, 0), dx: 4, textAnchor: "start", fill: "currentColor"}),
      Plot.ruleX([0])
    ]
  });
}
