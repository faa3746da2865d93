// Experiment declarations: the real file validates, and malformed ones fail naming experiment and field.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { DeclarationError, parseDeclarations, readDeclarations, resolveExperiment } from "../loaders/schema.ts";
import { DECLARATIONS_FILE, runKey } from "../loaders/store.ts";

const raw = () => JSON.parse(readFileSync(DECLARATIONS_FILE, "utf8"));

function expectError(mutate: (file: any) => void, ...fragments: string[]) {
  const file = raw();
  mutate(file);
  assert.throws(
    () => parseDeclarations(file, "experiments.json"),
    (error: Error) => {
      assert.ok(error instanceof DeclarationError, `expected a DeclarationError, got ${error}`);
      for (const f of fragments) assert.ok(error.message.includes(f), `message "${error.message}" lacks "${f}"`);
      return true;
    }
  );
}

describe("experiment declarations", () => {
  it("the committed declarations validate, with defaults merged in", () => {
    const { experiments, profiles } = readDeclarations(DECLARATIONS_FILE);
    assert.ok(experiments.length >= 5);
    const baseline = experiments.find((e) => e.id === "baseline-mlp")!;
    assert.equal(baseline.optimizer.name, "adam");
    assert.equal(baseline.batchSize, 128);
    assert.equal(baseline.epochs, 10);
    assert.equal(profiles.full.testSize, 10000);
    for (const family of ["baseline-mlp", "deep-mlp", "cnn"]) {
      assert.ok(experiments.some((e) => e.family === family), `no experiment of family ${family}`);
    }
  });

  it("rejects an unknown layer type, naming the experiment and field", () => {
    expectError((f) => (f.experiments[0].layers[0] = { type: "lstm", units: 3 }), 'experiment "baseline-mlp"', "layers.0");
  });
  it("rejects a negative learning rate", () => {
    expectError((f) => (f.experiments[1].optimizer = { name: "adam", learningRate: -0.1 }), 'experiment "mlp-256-128"', "optimizer.learningRate");
  });
  it("rejects a missing required field", () => {
    expectError((f) => delete f.experiments[2].question, 'experiment "mlp-512-512-dropout"', "question");
  });
  it("rejects a misspelt field instead of ignoring it", () => {
    expectError((f) => (f.experiments[0].epoch = 3), 'experiment "baseline-mlp"', "epoch");
  });
  it("rejects duplicate ids", () => {
    expectError((f) => (f.experiments[1].id = "baseline-mlp"), "duplicate id");
  });
  it("rejects a conv layer after a dense layer", () => {
    expectError(
      (f) => (f.experiments[0].layers = [{ type: "dense", units: 4 }, { type: "conv2d", filters: 2, kernelSize: 3 }]),
      "layers.1",
      "cannot follow"
    );
  });
  it("rejects an unknown profile field and reports the file", () => {
    expectError((f) => (f.profiles.quick.maxEpoch = 2), "experiments.json", "profiles.quick");
  });
  it("reports invalid JSON with the file name", () => {
    assert.throws(() => readDeclarations("/nonexistent/experiments.json"), /\/nonexistent\/experiments.json: cannot read/);
  });
});

describe("profiles and run keys", () => {
  const { experiments, profiles } = readDeclarations(DECLARATIONS_FILE);
  const baseline = experiments.find((e) => e.id === "baseline-mlp")!;

  it("the quick profile caps sizes and epochs", () => {
    const quick = resolveExperiment(baseline, profiles.quick);
    assert.equal(quick.trainSize, profiles.quick.maxTrainSize);
    assert.ok(quick.epochs <= profiles.quick.maxEpochs!);
    assert.equal(quick.testSize, profiles.quick.testSize);
    const full = resolveExperiment(baseline, profiles.full);
    assert.equal(full.trainSize, null);
    assert.equal(full.epochs, baseline.epochs);
  });

  it("keys are stable, ignore prose and key order, and change with anything computed", () => {
    const full = resolveExperiment(baseline, profiles.full);
    const key = runKey(full);
    assert.match(key, /^[0-9a-f]{12}$/);
    assert.equal(runKey({ ...full }), key);
    const reordered = Object.fromEntries(Object.entries(full).reverse()) as typeof full;
    assert.equal(runKey(reordered), key);
    assert.equal(runKey({ ...full, title: "another title", question: "?", reference: [] }), key);
    assert.notEqual(runKey({ ...full, epochs: full.epochs + 1 }), key);
    assert.notEqual(runKey({ ...full, seed: full.seed + 1 }), key);
    assert.notEqual(runKey({ ...full, dataset: "fashion-mnist" }), key);
    assert.notEqual(runKey(resolveExperiment(baseline, profiles.quick)), key);
    const ids = new Set(experiments.map((e) => runKey(resolveExperiment(e, profiles.full))));
    assert.equal(ids.size, experiments.length);
  });
});
