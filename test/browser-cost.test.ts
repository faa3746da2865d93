// The cost page's account of training in the reader's browser (src/components/browserCost.ts), read
// against the benchmark's stored browser part (data/bench.json): each sentence agrees with the figures
// it states, a comparison is called a difference only when the rounds do not overlap, and a damaged or
// missing part does not break the page's text.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../loaders/config.ts";
import { roundsApart as apart } from "../src/components/spread.js";
import { BROWSER_TARGETS, browserRows, browserSentences, comparedTo, describeFile, ratioSpan, rebuildSentence, type StoredBrowserReport } from "../src/components/browserCost.js";

const stored = (JSON.parse(readFileSync(join(ROOT, "data", "bench.json"), "utf8")) as { browser?: StoredBrowserReport | null }).browser ?? null;

describe("the cost page's browser figures", () => {
  it("tells rounds that overlap from rounds that are apart", () => {
    assert.equal(apart([10, 12], [13, 15]), true);
    assert.equal(apart([13, 15], [10, 12]), true);
    assert.equal(apart([10, 14], [13, 15]), false);
    assert.equal(apart([], [1]), false);
    const t = (variant: string, rounds: number[]) => ({ model: "MLP" as const, variant, query: "", rounds, median: rounds[Math.floor(rounds.length / 2)], min: Math.min(...rounds), max: Math.max(...rounds) });
    assert.equal(comparedTo(t("a", [10, 11, 12]), t("b", [11, 12, 13])), "not clearly different from b (0.92 times its speed, but their 3 rounds overlap)");
    assert.equal(comparedTo(t("a", [20, 21, 22]), t("b", [10, 11, 12]), "the other"), "1.91 times as fast as the other (every round faster)");
  });

  it("spans a ratio over every pairing of two variants' rounds", () => {
    const t = (rounds: number[]) => ({ model: "MLP" as const, variant: "v", query: "", rounds, median: null, min: null, max: null });
    assert.deepEqual(ratioSpan(t([300, 330]), t([10, 11])), { low: 300 / 11, high: 33 });
    assert.equal(ratioSpan(t([]), t([1])), null);
    assert.equal(ratioSpan(t([1]), undefined), null);
  });

  it("names downloaded files by what they are", () => {
    assert.equal(describeFile("/_file/data/mnist-train.2093b4ad.bin"), "the shipped training images");
    assert.equal(describeFile("/_file/data/tfjs/tfjs-backend-wasm-threaded-simd.c052228d.wasm"), "tfjs' WebAssembly binary");
    assert.equal(describeFile("/_node/@tensorflow/tfjs-core@4.22.0/index.f0b590b5.js"), "@tensorflow/tfjs-core");
    assert.equal(describeFile("/_import/components/gallery.1a2b3c4d.js"), "gallery.js");
  });

  it("states the stored figures as they are, each target met or not by its own number", { skip: stored ? false : "no browser part stored yet" }, () => {
    const report = stored!;
    assert.equal(browserRows(report).length, report.throughput.length);
    const text = browserSentences(report).join(" ");
    const cnn = report.oursOverCpu.find((r) => r.model === "small CNN")!;
    assert.ok(text.includes(`${cnn.ratio.toFixed(1)} times as fast`), text);
    assert.ok(text.includes(`by the medians, ${cnn.ratio >= BROWSER_TARGETS.cnnOverCpu ? "at or above" : "below"} the ${BROWSER_TARGETS.cnnOverCpu} times`), text);
    const [oursRounds, cpuRounds] = [cnn.ours, "cpu (plain JavaScript)"].map((v) => report.throughput.find((t) => t.model === "small CNN" && t.variant === v)!.rounds);
    const low = Math.min(...oursRounds) / Math.max(...cpuRounds);
    const high = Math.max(...oursRounds) / Math.min(...cpuRounds);
    assert.ok(text.includes(`${low.toFixed(1)} to ${high.toFixed(1)} times`), text);
    const straddles = low < BROWSER_TARGETS.cnnOverCpu && high >= BROWSER_TARGETS.cnnOverCpu;
    assert.equal(text.includes("cannot tell on which side of the target"), straddles, text);
    const epoch = Math.min(...[report.cnnEpochSeconds5000.oneThread, report.cnnEpochSeconds5000.threaded].filter((s): s is number => s != null));
    assert.ok(text.includes(`would take ${epoch.toFixed(1)} s for one epoch of 5,000 images (worked out from the rate), ${epoch < BROWSER_TARGETS.cnnEpochSeconds ? "under" : "over"}`), text);
    const [one, threaded] = ["ours on wasm, one thread", "ours on wasm, threaded"].map((v) => report.throughput.find((t) => t.model === "small CNN" && t.variant === v)!);
    assert.ok(text.includes(`the CNN was ${apart(one.rounds, threaded.rounds) ? `${(threaded.median! / one.median!).toFixed(2)} times as fast` : "not clearly different"}`), text);
    assert.ok(text.includes(`${(report.download.bytes / 1e6).toFixed(1)} MB in ${report.download.requests} requests`), text);
    assert.ok(rebuildSentence(report).includes(`took ${report.rebuildSeconds.toFixed(0)} s`));
    assert.ok(rebuildSentence(report).includes(report.rebuildSeconds < BROWSER_TARGETS.rebuildSeconds ? ", met" : "not met yet"));
    if (report.rebuildKeptSeconds != null) assert.ok(rebuildSentence(report).endsWith(`took ${report.rebuildKeptSeconds.toFixed(0)} s.`));
    const older = { ...report, rebuildKeptSeconds: undefined };
    assert.ok(!rebuildSentence(older).includes("later build"), "a stored report without the second build says nothing of it");
    for (const s of report.skipped) assert.ok(text.includes(`Not measured: ${s.variant}, because`), text);
  });

  it("writes no figure for a variant that failed, and says why instead", () => {
    const t = { model: "small CNN" as const, variant: "stock wasm, one thread", query: "model=cnn&n=4500", rounds: [], median: null, min: null, max: null, note: "no kernel Conv2DBackpropFilter" };
    const rows = browserRows({ measuredAt: "2026-12-07T00:00:00Z", browser: "x", rounds: 1, throughput: [t], oursOverCpu: [], cnnEpochSeconds5000: { threaded: null, oneThread: null }, download: { bytes: 0, requests: 0, largest: [] }, skipped: [], rebuildSeconds: 1 });
    assert.deepEqual(rows, [{ model: "small CNN", variant: "stock wasm, one thread", median: null, range: "", threads: null, note: "no kernel Conv2DBackpropFilter" }]);
  });

  it("says why a GPU backend was not measured, in the reader's words, from the stored reason", () => {
    const base = { measuredAt: "2026-12-07T00:00:00Z", browser: "x", rounds: 1, throughput: [], oursOverCpu: [], cnnEpochSeconds5000: { threaded: null, oneThread: null }, download: { bytes: 0, requests: 0, largest: [] }, rebuildSeconds: 1 };
    const text = browserSentences({
      ...base,
      skipped: [
        { variant: "WebGL", why: "software", detail: "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device))" },
        { variant: "WebGPU", why: "absent", detail: "no WebGPU adapter" }
      ]
    }).join(" ");
    assert.ok(text.includes("Not measured: WebGL, because the benchmark machine has no GPU (the browser draws WebGL there in software: ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device)))."), text);
    assert.ok(text.includes("Not measured: WebGPU, because the browser offered none (no WebGPU adapter)."), text);
  });
});
