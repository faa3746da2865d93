// How the benchmark reads its interleaved rounds (bench/rounds.ts): the median with the range, failed
// rounds left out but their reason kept, and ratios of ours to the others with thread-for-thread ones
// first, each saying whether the two sides' rounds are apart or overlap.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aggregateRounds, median, ratiosOf, roundsApart, type RoundFigure } from "../bench/rounds.ts";

const ONE = "ours (wasm + our kernels)";
const round = (cnnOurs: number | null, cnnTorch1: number, cnnOurs2: number, cnnTorch2: number, stock: number): RoundFigure[] => [
  { model: "CNN", variant: ONE, samplesPerSecond: cnnOurs, threads: 1, ...(cnnOurs == null ? { note: "out of memory" } : {}) },
  { model: "CNN", variant: "ours, 2 XNNPACK threads", samplesPerSecond: cnnOurs2, threads: 2 },
  { model: "CNN", variant: "stock wasm", samplesPerSecond: stock },
  { model: "CNN", variant: "pytorch cpu, 1 thread", samplesPerSecond: cnnTorch1, threads: 1 },
  { model: "CNN", variant: "pytorch cpu, 2 threads", samplesPerSecond: cnnTorch2, threads: 2 }
];

describe("the benchmark's rounds", () => {
  it("takes the median, the mean of the middle two for an even count", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.throws(() => median([]), /median of nothing/);
  });

  it("calls two sides apart only when no round of one reaches the other's", () => {
    assert.equal(roundsApart([5, 6, 7], [8, 9]), true);
    assert.equal(roundsApart([5, 6, 8], [8, 9]), false);
    assert.equal(roundsApart([], [1]), false);
  });

  it("aggregates each variant over its rounds, leaving failed rounds out but keeping why", () => {
    const figures = aggregateRounds([round(700, 900, 1100, 1500, 100), round(null, 950, 1000, 1400, 110), round(760, 880, 1200, 1450, 90)]);
    const ours = figures.find((f) => f.variant === ONE)!;
    assert.deepEqual(ours.rounds, [700, 760]);
    assert.equal(ours.samplesPerSecond, 730);
    assert.equal(ours.min, 700);
    assert.equal(ours.max, 760);
    assert.equal(ours.note, "out of memory");
    const torch = figures.find((f) => f.variant === "pytorch cpu, 1 thread")!;
    assert.equal(torch.samplesPerSecond, 900);
    assert.equal(figures.length, 5, "one figure per model and variant");
  });

  it("puts thread-for-thread ratios first and marks overlapping rounds", () => {
    const figures = aggregateRounds([round(700, 900, 1100, 1500, 100), round(720, 950, 1600, 1400, 110), round(760, 880, 1200, 1450, 90)]);
    const ratios = ratiosOf(figures, ONE);
    const first = ratios.slice(0, 2);
    assert.ok(first.every((r) => r.threadForThread), JSON.stringify(first));
    const one = ratios.find((r) => r.ours === ONE && r.versus === "pytorch cpu, 1 thread")!;
    assert.equal(one.ratio, 720 / 900);
    assert.equal(one.apart, true, "every round of ours below every round of PyTorch");
    const two = ratios.find((r) => r.ours === "ours, 2 XNNPACK threads" && r.versus === "pytorch cpu, 2 threads")!;
    assert.equal(two.apart, false, "1,600 in one round reaches PyTorch's rounds");
    assert.ok(!ratios.some((r) => r.ours === ONE && r.versus === "pytorch cpu, 2 threads"), "one thread is not set against two");
    assert.ok(ratios.some((r) => r.ours === "ours, 2 XNNPACK threads" && r.versus === ONE && !r.threadForThread), "threads against ours on one");
    assert.ok(ratios.some((r) => r.ours === ONE && r.versus === "stock wasm"));
  });
});
