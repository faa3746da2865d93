// A finding as the page shows it: the claim's sentence (built and checked in loaders/report/findings), then a
// small "evidence" button that opens the runs, figures, interval and test the sentence rests on.
import type { Claim as ClaimRecord, ComparisonEvidence, Evidence, Metric, Side } from "../../loaders/report/findings/claim.ts";
import type { GradientEvidence } from "../../loaders/report/findings/gradient.ts";
import {html} from "./untyped.js";
import {percent} from "./format.js";

const TESTS: Record<ComparisonEvidence["test"], string> = {
  welch: "Welch's t-test across seeds",
  mcnemar: "McNemar's exact test on the same test images",
  none: "no test possible"
};

const p = (x: number | null | undefined): string => (x == null || !Number.isFinite(x) ? "—" : x < 0.001 ? "< 0.001" : x.toFixed(x < 0.01 ? 3 : 2));
const pp = (x: number | null | undefined): string => (x == null || !Number.isFinite(x) ? "—" : `${x > 0 ? "+" : x < 0 ? "−" : ""}${Math.abs(x * 100).toFixed(2)} pp`);
const runName = (dir: string): string => dir.replace(/--[0-9a-f]{12}$/, "");

function sideRow(side: Side, metric: Metric): HTMLElement {
  const format = metric === "trainValGap" ? pp : (x: number) => percent(x);
  const each = side.values.flatMap((v, i) => [...(i ? [", "] : []), html`<span title=${runName(side.runs[i])}>${format(v)}</span>`]);
  return html`<tr><td>${side.label}</td><td class="num">${side.values.length}</td><td class="num">${format(side.mean)}</td><td>${each}</td></tr>`;
}

function comparisonDetails(e: ComparisonEvidence): HTMLElement {
  return html`<table class="evidence-table">
      <thead><tr><th></th><th class="num">Runs</th><th class="num">Mean</th><th>Each run</th></tr></thead>
      <tbody>${sideRow(e.a, e.metric)}${sideRow(e.b, e.metric)}</tbody>
    </table>
    <p>Difference ${pp(e.difference)}${Number.isFinite(e.low) ? `, 95% interval ${pp(e.low)} to ${pp(e.high)}` : ""}; ${TESTS[e.test]}${e.pValue != null ? `, p ${e.pValue < 0.001 ? "" : "= "}${p(e.pValue)}` : ""}${
      e.test === "mcnemar" ? ` (${e.onlyA} images only the first got right, ${e.onlyB} only the second)` : ""
    }. Verdict: ${e.verdict === "indistinguishable" ? "no detectable difference" : e.verdict === "higher" ? "the first is higher" : "the first is lower"} at the 5% level.</p>`;
}

function details(e: Evidence): HTMLElement {
  if (e.kind === "comparison") return comparisonDetails(e);
  if (e.kind === "ranking")
    return html`<table class="evidence-table">
        <thead><tr><th>Rank</th><th></th><th class="num">Runs</th><th class="num">Mean</th></tr></thead>
        <tbody>${e.items.map((s, i) => html`<tr><td class="num">${i + 1}</td><td>${s.label}</td><td class="num">${s.values.length}</td><td class="num">${percent(s.mean)}</td></tr>`)}</tbody>
      </table>
      ${e.lead ? comparisonDetails(e.lead) : ""}`;
  if (e.kind === "reference")
    return html`<table class="evidence-table"><tbody>${sideRow(e.ours, "testAccuracy")}</tbody></table>
      <p>Reported: ${percent(e.reported)}. Our 95% interval ${e.interval === "seeds" ? "over seeds" : "over the test images"}: ${percent(e.low)} to ${percent(e.high)}.</p>`;
  if (e.kind === "correlation")
    return html`<table class="evidence-table">
        <thead><tr><th></th><th class="num">Setting</th><th class="num">Runs</th><th class="num">Mean</th></tr></thead>
        <tbody>${e.items.map((s) => html`<tr><td>${s.label}</td><td class="num">${s.x.toLocaleString("en-US")}</td><td class="num">${s.values.length}</td><td class="num">${percent(s.mean)}</td></tr>`)}</tbody>
      </table>
      <p>Spearman's ρ ${e.rho.toFixed(2).replace("-", "−")}, 95% interval ${e.low.toFixed(2).replace("-", "−")} to ${e.high.toFixed(2).replace("-", "−")} (Fisher z); t-test of ρ = 0, p ${e.pValue < 0.001 ? "" : "= "}${p(e.pValue)}. Verdict: ${
        e.verdict === "indistinguishable" ? "no detectable monotone relation" : e.verdict === "higher" ? "rises with the setting" : "falls as the setting rises"
      } at the 5% level.</p>`;
  if (e.kind === "sign")
    return html`<table class="evidence-table"><tbody>${sideRow(e.side, e.metric)}</tbody></table>
      <p>95% interval ${pp(e.low)} to ${pp(e.high)}${e.side.values.length < 2 ? " (one seed: no interval)" : ""}.</p>`;
  if (e.kind === "importance") {
    const imp = e.importance;
    return html`<table class="evidence-table">
        <thead><tr><th>Setting</th><th class="num">Share of the splitting gain</th></tr></thead>
        <tbody>${imp.settings.map((s) => html`<tr><td>${e.names[s.setting] ?? s.setting}</td><td class="num">${percent(s.share, 1)}</td></tr>`)}</tbody>
      </table>
      <p>A random forest of ${imp.trees} trees fitted to ${imp.trials} points (${e.points.reduce((n, pt) => n + pt.runs.length, 0)} runs) after ${e.budget} epoch${e.budget === 1 ? "" : "s"}${imp.constant.length ? `; the same in every point: ${imp.constant.map((c) => e.names[c] ?? c).join(", ")}` : ""}. Out-of-bag R² ${imp.outOfBagR2 == null ? "—" : imp.outOfBagR2.toFixed(2).replace("-", "−")}: ${
        e.verdict === "explains" ? "enough to read the ranking" : "too little to read a ranking"
      } (the sentence ranks from ${e.readableR2}).</p>`;
  }
  if (e.kind === "gradient") {
    const row = (side: GradientEvidence["a"]) => html`<tr><td>${side.label}</td><td class="num">${side.norms.length}</td><td>${side.norms.flatMap((v, i) => [...(i ? [", "] : []), html`<span title=${runName(side.runs[i])}>${v.toPrecision(3)}</span>`])}</td></tr>`;
    return html`<table class="evidence-table">
        <thead><tr><th></th><th class="num">Runs</th><th>Gradient norm of ${e.layer} before training, each run</th></tr></thead>
        <tbody>${row(e.a)}${row(e.b)}</tbody>
      </table>
      <p>Ratio of the geometric means ${e.ratio.toPrecision(3)}, 95% interval ${e.low.toPrecision(3)} to ${e.high.toPrecision(3)}; Welch's t-test on the base-10 logarithms, p ${e.pValue < 0.001 ? "" : "= "}${p(e.pValue)}. Verdict: ${
        e.verdict === "indistinguishable" ? "no detectable difference" : e.verdict === "higher" ? "the first is larger" : "the first is smaller"
      } at the 5% level.</p>`;
  }
  const figures = Object.entries(e.values ?? {}).map(([name, value]) => `${name} ${Math.abs(value) < 1 ? value.toPrecision(4) : Math.round(value).toLocaleString("en-US")}`);
  return html`<p>Runs: ${e.runs.map(runName).join(", ")}.</p>${figures.length ? html`<p>Figures: ${figures.join("; ")}.</p>` : ""}`;
}

/**
 * The sentence of `claim` with an evidence toggle; "" when the claim is missing (the data does not
 * support it in this build). `claim` comes from a loader's `claims` map.
 */
export function Claim(claim: ClaimRecord | null | undefined): HTMLElement | "" {
  if (!claim) return "";
  const box = html`<span class="evidence" hidden>${details(claim.evidence)}</span>`;
  const button = html`<button type="button" class="evidence-toggle" aria-expanded="false" title="Show the runs and the test behind this sentence">evidence</button>`;
  button.onclick = () => {
    box.hidden = !box.hidden;
    button.setAttribute("aria-expanded", String(!box.hidden));
  };
  return html`<span class="claim" data-claim=${claim.id}>${claim.text} ${button}${box}</span>`;
}
