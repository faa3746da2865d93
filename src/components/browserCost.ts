// What the cost page says about training in the reader's browser: its sentences and table rows, made
// from the benchmark's browser part (bench/browser.ts, stored in data/bench.json), so that the page keeps
// only layout and every figure in a sentence comes from the stored measurement.
import type {BrowserReport, BrowserThroughput} from "../../bench/browser.ts";
import {integer} from "./format.js";
import {roundsApart} from "./spread.js";

/** The browser part as data/bench.json stores it: the report, and how long the site took to build from the stored runs. */
/**
 * The browser part as data/bench.json stores it: `rebuildSeconds` is a build from the stored runs with no
 * browser bundles made yet (a fresh checkout), `rebuildKeptSeconds` the next build, which keeps them.
 */
export type StoredBrowserReport = BrowserReport & {rebuildSeconds: number; rebuildKeptSeconds?: number; loadAtStart?: number};

/** The targets the figures are read against (issue: fast everywhere). */
export const BROWSER_TARGETS = Object.freeze({cnnOverCpu: 30, cnnEpochSeconds: 5, rebuildSeconds: 20});

/** One row of the page's table: a model on one backend, median and range of the rounds. */
export interface BrowserRow {
  model: string;
  variant: string;
  median: number | null;
  range: string;
  threads: number | null;
  note: string;
}

export function browserRows(report: StoredBrowserReport): BrowserRow[] {
  return report.throughput.map((t) => ({
    model: t.model,
    variant: t.variant,
    median: t.median,
    // Word joiners around the dash keep a range on one line on a phone.
    range: t.min != null && t.max != null ? `${integer(t.min)}\u2060–\u2060${integer(t.max)}` : "",
    threads: t.threads ?? null,
    note: t.median == null ? (t.note ?? "not measured") : ""
  }));
}

const find = (report: BrowserReport, model: string, variant: string): BrowserThroughput | undefined =>
  report.throughput.find((t) => t.model === model && t.variant === variant && t.median != null);

/** How `a` compares with `b` in words, as a ratio of medians, said to be real only when the rounds do not overlap. */
export function comparedTo(a: BrowserThroughput, b: BrowserThroughput, label = b.variant): string {
  const ratio = a.median! / b.median!;
  const rounds = Math.min(a.rounds.length, b.rounds.length);
  if (!roundsApart(a.rounds, b.rounds)) return `not clearly different from ${label} (${ratio.toFixed(2)} times its speed, but their ${rounds} rounds overlap)`;
  return `${ratio.toFixed(2)} times as fast as ${label} (every round ${ratio > 1 ? "faster" : "slower"})`;
}

/** A downloaded file in words: what it is rather than its hashed name. */
export function describeFile(path: string): string {
  if (/mnist-train/.test(path)) return "the shipped training images";
  if (/mnist-test/.test(path)) return "the shipped test images";
  if (/\.wasm$/.test(path)) return "tfjs' WebAssembly binary";
  const pkg = /_node\/(@tensorflow\/[\w-]+)@/.exec(path);
  if (pkg) return pkg[1];
  return path.split("/").pop()!.replace(/\.[0-9a-f]{8}(\.\w+)$/, "$1");
}

/** Images per epoch in a variant's address (its n=), or null. */
const imagesOf = (t: BrowserThroughput | undefined) => {
  const n = t ? /(?:^|&)n=(\d+)/.exec(t.query) : null;
  return n ? Number(n[1]) : null;
};

/** The paragraph under the table: each figure, each target met or not, and what was not measured and why. */
export function browserSentences(report: StoredBrowserReport, cores: number | null = null): string[] {
  const out: string[] = [];
  const date = report.measuredAt.slice(0, 10);
  const cnnOne = find(report, "small CNN", "ours on wasm, one thread");
  const cnnThreads = find(report, "small CNN", "ours on wasm, threaded");
  const cnnCpu = find(report, "small CNN", "cpu (plain JavaScript)");
  const [images, cpuImages] = [imagesOf(cnnOne), imagesOf(cnnCpu)];
  out.push(
    `Measured by npm run bench on ${date} in headless Chromium ${report.browser}, by pressing Train on the built page with the backend fixed in its address: one epoch of each network (the page's small CNN and MLP at their default sizes)${images ? ` over ${integer(images)} training images` : ""}${cpuImages && cpuImages !== images ? ` (${integer(cpuImages)} for the CNN on plain JavaScript, to keep the benchmark short)` : ""}, ${report.rounds} interleaved rounds; each figure is the median of the rounds, in images a second, with their range beside it.`
  );
  const best = report.oursOverCpu.find((r) => r.model === "small CNN");
  if (cnnCpu && best) {
    const met = best.ratio >= BROWSER_TARGETS.cnnOverCpu;
    const span = ratioSpan(find(report, "small CNN", best.ours), cnnCpu);
    const target = BROWSER_TARGETS.cnnOverCpu;
    const spread = span == null ? "" : span.low >= target || span.high < target ? `; every pairing of their rounds gives ${span.low.toFixed(1)} to ${span.high.toFixed(1)} times, ${span.low >= target ? "all at or above it" : "all below it"}` : `, but their rounds give anything from ${span.low.toFixed(1)} to ${span.high.toFixed(1)} times, so this run cannot tell on which side of the target it is`;
    out.push(
      `The small CNN trains ${best.ratio.toFixed(1)} times as fast on our kernels (${best.ours}) as on the plain JavaScript backend, which is where it trained before they reached the page: by the medians, ${met ? "at or above" : "below"} the ${target} times this project set itself as a target${spread}.`
    );
  }
  const epoch = report.cnnEpochSeconds5000;
  const fastest = [epoch.oneThread, epoch.threaded].filter((s): s is number => s != null);
  if (fastest.length) {
    const seconds = Math.min(...fastest);
    out.push(`At that rate the small CNN would take ${seconds.toFixed(1)} s for one epoch of 5,000 images (worked out from the rate), ${seconds < BROWSER_TARGETS.cnnEpochSeconds ? "under" : "over"} the ${BROWSER_TARGETS.cnnEpochSeconds} s target.`);
  }
  const mlpOne = find(report, "MLP", "ours on wasm, one thread");
  const mlpThreads = find(report, "MLP", "ours on wasm, threaded");
  const threaded = [cnnOne && cnnThreads ? `the CNN was ${comparedTo(cnnThreads, cnnOne, "the CNN on one thread")}` : null, mlpOne && mlpThreads ? `the MLP ${comparedTo(mlpThreads, mlpOne, "the MLP on one thread")}` : null].filter(Boolean);
  if (threaded.length) {
    const gained = [[cnnThreads, cnnOne], [mlpThreads, mlpOne]].some(([t, o]) => t && o && roundsApart(t.rounds, o.rounds) && t.median! > o.median!);
    out.push(
      `With the headers that let a page share memory between threads (the local server sends them), WebAssembly ran on ${cnnThreads?.threads ?? mlpThreads?.threads ?? "several"} threads: ${threaded.join(", and ")}${gained ? "" : "; the page's networks are small, so a thread's share of one batch is probably too little work to pay for handing it out"}.`
    );
  }
  const mlpOurs = find(report, "MLP", "ours on wasm, one thread");
  const mlpStock = find(report, "MLP", "stock wasm, one thread");
  if (mlpOurs && mlpStock) out.push(`On one thread, the MLP on our kernels was ${comparedTo(mlpOurs, mlpStock, "the MLP on TensorFlow.js's own WebAssembly kernels")}.`);
  if (report.loadAtStart != null && report.loadAtStart > 0.5) {
    out.push(`Caution: other work was running when these were measured (load average ${report.loadAtStart.toFixed(1)} at the start${cores ? ` on ${cores} cores` : ""}), so they are low and noisy.`);
  }
  for (const s of report.skipped) out.push(`Not measured: ${s.variant}, ${plainReason(s)}.`);
  const largest = report.download.largest.slice(0, 2).map((f) => `${describeFile(f.path)} (${(f.bytes / 1e6).toFixed(1)} MB)`);
  out.push(`Before Train can be pressed, the page downloads ${(report.download.bytes / 1e6).toFixed(1)} MB in ${integer(report.download.requests)} requests${largest.length ? `, the largest ${largest.join(" and ")}` : ""}.`);
  return out;
}

/** The lowest and highest ratio that any round of `a` and any round of `b` give; null without rounds. */
export function ratioSpan(a: BrowserThroughput | undefined, b: BrowserThroughput | undefined): {low: number; high: number} | null {
  if (!a?.rounds.length || !b?.rounds.length) return null;
  return {low: Math.min(...a.rounds) / Math.max(...b.rounds), high: Math.max(...a.rounds) / Math.min(...b.rounds)};
}

/** The site's build time from the stored runs against its target (the benchmark's browser part measures it). */
export function rebuildSentence(report: StoredBrowserReport): string {
  const met = report.rebuildSeconds < BROWSER_TARGETS.rebuildSeconds ? ", met" : ", not met yet";
  const kept = report.rebuildKeptSeconds == null ? "" : ` A later build, which keeps the page libraries bundled by the first, took ${report.rebuildKeptSeconds.toFixed(0)} s.`;
  return `Building the whole site from the stored runs, as npm start does on a fresh checkout, took ${report.rebuildSeconds.toFixed(0)} s on ${report.measuredAt.slice(0, 10)} (target: under ${BROWSER_TARGETS.rebuildSeconds} s${met}).${kept}`;
}

/** Why a variant was not measured, in a reader's words (a file from before `why` was stored keeps its text). */
function plainReason(s: StoredBrowserReport["skipped"][number] | {variant: string; reason: string}): string {
  if (!("why" in s)) return s.reason;
  if (s.why === "software") return `because the benchmark machine has no GPU (the browser draws ${s.variant} there in software: ${s.detail})`;
  return `because the browser offered none (${s.detail})`;
}
