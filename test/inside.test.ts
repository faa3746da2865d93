// What a run records of its insides (loaders/training/inside.ts): histograms that count every weight,
// a snapshot before training and after each epoch, the run key that changes only when asked, and, on real
// training, the record of a sigmoid network from small random weights: its gradient starts far smaller than a ReLU one's;
// and the claim that compares two configurations' gradients, with its checker.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DECLARATIONS_DIR } from "../loaders/config.ts";
import { runKey } from "../loaders/experiments/store.ts";
import { readDeclarations, resolveExperiment, type ResolvedExperiment } from "../loaders/spec/schema.ts";
import { INSIDE_FILE, InsideSchema } from "../loaders/spec/inside.ts";
import { histogram } from "../loaders/training/inside.ts";
import { checkGradient, gradientEvidence, gradientSentence, ratioWords } from "../loaders/report/findings/gradient.ts";
import { Progress } from "../loaders/training/progress.ts";
import { trainRun } from "../loaders/training/trainRun.ts";

const quiet = new Progress({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream, 0);

describe("histogram", () => {
  it("counts every finite value once, between the smallest and the largest", () => {
    const h = histogram([0, 1, 2, 3, 4, Number.NaN, 4], 4);
    assert.deepEqual(h.counts, [1, 1, 1, 3]);
    assert.equal(h.min, 0);
    assert.equal(h.max, 4);
    assert.equal(h.nonFinite, 1);
    assert.ok(Math.abs(h.mean - 14 / 6) < 1e-12);
    assert.deepEqual(histogram([5, 5, 5], 3).counts, [3, 0, 0], "all equal: one bin");
    assert.deepEqual(histogram([Infinity], 2), { min: 0, max: 0, mean: 0, std: 0, counts: [0, 0], nonFinite: 1 });
  });
});

describe("recording a run's insides", { timeout: 5 * 60_000 }, () => {
  const { experiments, profiles } = readDeclarations(DECLARATIONS_DIR);
  const base = experiments.find((e) => e.id === "baseline-mlp")!;
  const small = (activation: "sigmoid" | "relu", init: "randomNormal" | "heNormal"): ResolvedExperiment => ({
    ...resolveExperiment(base, profiles.quick),
    id: `inside-${activation}-${init}`,
    trainSize: 1000,
    epochs: 2,
    recordInside: true,
    layers: [
      { type: "dense", units: 64, activation, kernelInitializer: init },
      { type: "dense", units: 32, activation, kernelInitializer: init }
    ]
  });

  it("stores a snapshot before training and after each epoch, with every weight counted", async () => {
    const experiment = small("sigmoid", "randomNormal");
    const { files } = await trainRun(experiment, runKey(experiment), { progress: quiet });
    const inside = InsideSchema.parse(JSON.parse(String(files[INSIDE_FILE])));
    assert.deepEqual(inside.layers.map((l) => [l.label, l.weights]), [["dense 1", 784 * 64], ["dense 2", 64 * 32], ["output", 32 * 10]]);
    assert.deepEqual(inside.epochs.map((e) => e.epoch), [0, 1, 2]);
    for (const epoch of inside.epochs) {
      epoch.layers.forEach((layer, i) => {
        assert.equal(layer.counts.reduce((a, b) => a + b, 0), inside.layers[i].weights, `epoch ${epoch.epoch}, ${inside.layers[i].label}`);
        assert.ok(layer.gradientNorm! > 0, "a finite, non-zero gradient");
      });
    }
    // tfjs' randomNormal starts at a standard deviation of 0.05; training moves the weights.
    const first = inside.epochs[0].layers[0];
    assert.ok(Math.abs(first.std - 0.05) < 0.002, `initial std ${first.std}`);
    assert.notEqual(inside.epochs[2].layers[0].std, first.std);
    const plain = { ...experiment, recordInside: undefined };
    delete plain.recordInside;
    assert.notEqual(runKey(plain), runKey(experiment), "recording changes the run key");
    assert.equal(INSIDE_FILE in (await trainRun({ ...plain, epochs: 1 }, "k", { progress: quiet })).files, false, "nothing recorded unless asked");
  });

  it("shows why sigmoid from small random weights starts slowly: its first layer's gradient is far smaller", async () => {
    const norm = async (activation: "sigmoid" | "relu", init: "randomNormal" | "heNormal") => {
      const experiment = { ...small(activation, init), epochs: 1 };
      const inside = InsideSchema.parse(JSON.parse(String((await trainRun(experiment, runKey(experiment), { progress: quiet })).files[INSIDE_FILE])));
      return inside.epochs[0].layers[0].gradientNorm!;
    };
    const sigmoid = await norm("sigmoid", "randomNormal");
    const relu = await norm("relu", "heNormal");
    assert.ok(sigmoid * 10 < relu, `first-layer gradient norm before training: sigmoid/randomNormal ${sigmoid}, relu/heNormal ${relu}`);
  });
});

describe("the gradient claim", () => {
  const a = { label: "sigmoid", runs: ["s--000000000001", "s--000000000002", "s--000000000003"], norms: [0.005, 0.006, 0.0055] };
  const b = { label: "relu", runs: ["r--000000000001", "r--000000000002", "r--000000000003"], norms: [0.6, 0.7, 0.65] };
  const stored = new Map([...a.runs.map((d, i) => [d, a.norms[i]] as const), ...b.runs.map((d, i) => [d, b.norms[i]] as const)]);
  const normOf = (dir: string) => stored.get(dir) ?? null;

  it("gives the ratio of the geometric means, tested on the logarithms, and words it by the verdict", () => {
    const e = gradientEvidence("dense 1", 0, a, b)!;
    assert.equal(e.verdict, "lower");
    const expected = Math.cbrt(0.005 * 0.006 * 0.0055) / Math.cbrt(0.6 * 0.7 * 0.65);
    assert.ok(Math.abs(e.ratio - expected) < 1e-12, `ratio ${e.ratio}, by hand ${expected}`);
    assert.ok(e.low < e.ratio && e.ratio < e.high);
    const text = gradientSentence(e);
    assert.match(text, /with sigmoid is smaller than with relu: 1\/120 of it/);
    assert.deepEqual(checkGradient(e, text, normOf, "c"), []);
    assert.equal(ratioWords(3.21), "3.2 times");
  });

  it("catches a flipped sentence, a changed stored norm and a direction the seeds do not support", () => {
    const e = gradientEvidence("dense 1", 0, a, b)!;
    const flipped = gradientSentence(e).replace("is smaller than", "is larger than");
    assert.ok(checkGradient(e, flipped, normOf, "c").some((p) => /must say "sigmoid is smaller than with relu"/.test(p)));
    assert.ok(checkGradient(e, gradientSentence(e), (dir) => (dir === a.runs[0] ? 0.05 : normOf(dir)), "c").some((p) => /stores 0.05/.test(p)));
    // Two sides whose seeds overlap: no direction may be stated.
    const close = gradientEvidence("dense 1", 0, { ...a, norms: [0.5, 0.7, 0.6] }, { ...b, norms: [0.55, 0.65, 0.62] })!;
    assert.equal(close.verdict, "indistinguishable");
    assert.match(gradientSentence(close), /shows no difference that these runs can detect from/);
    const overclaim = gradientSentence(close).replace("shows no difference that these runs can detect from", "is smaller than");
    assert.ok(checkGradient(close, overclaim, (dir) => (dir.startsWith("s") ? [0.5, 0.7, 0.6][Number(dir.at(-1)) - 1] : [0.55, 0.65, 0.62][Number(dir.at(-1)) - 1]), "c").length > 0);
  });
});
