// Experiment declarations: the committed folder validates, and malformed ones fail naming the file,
// the experiment and the field.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { combinedDeclarations } from "../loaders/spec/declarationFolder.ts";
import { parseDeclarations, readDeclarations, resolveExperiment } from "../loaders/spec/schema.ts";
import { runKey } from "../loaders/experiments/store.ts";
import { DECLARATIONS_DIR } from "../loaders/config.ts";
import { DeclarationError } from "../loaders/spec/errors.ts";

const raw = () => combinedDeclarations(DECLARATIONS_DIR) as any;

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
    const { experiments, profiles } = readDeclarations(DECLARATIONS_DIR);
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

describe("a declarations folder", () => {
  const copies: string[] = [];
  after(() => copies.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  /** A copy of the committed folder, changed by `edit`, read back; returns the error message. */
  function brokenCopy(edit: (dir: string) => void): string {
    const dir = mkdtempSync(join(tmpdir(), "declarations-"));
    copies.push(dir);
    cpSync(DECLARATIONS_DIR, dir, { recursive: true });
    edit(dir);
    try {
      readDeclarations(dir);
    } catch (error) {
      assert.ok(error instanceof DeclarationError, `expected a DeclarationError, got ${error}`);
      return error.message;
    }
    assert.fail("the broken copy was read without an error");
  }
  const json = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, name), "utf8"));
  const write = (dir: string, name: string, value: unknown) => writeFileSync(join(dir, name), JSON.stringify(value));

  it("reads back exactly what one file of the same shape declares", () => {
    const dir = mkdtempSync(join(tmpdir(), "declarations-"));
    copies.push(dir);
    const single = join(dir, "all.json");
    writeFileSync(single, JSON.stringify(combinedDeclarations(DECLARATIONS_DIR), (key, value) => (key === "$file" ? undefined : value)));
    const fromFolder = readDeclarations(DECLARATIONS_DIR);
    const fromFile = readDeclarations(single);
    assert.deepEqual({ ...fromFolder, file: "" }, { ...fromFile, file: "" });
    assert.ok(fromFolder.experiments.some((e) => e.study === "dynamics"), "a study's experiments get their study from their file");
  });

  it("names the study file an error is in", () => {
    const message = brokenCopy((dir) => {
      const dynamics = json(dir, "dynamics.json");
      dynamics.experiments[0].epochs = -1;
      write(dir, "dynamics.json", dynamics);
    });
    assert.match(message, /dynamics\.json: experiment "fashion-dyn.*": field "epochs"/);
  });

  it("rejects invalid JSON, a stray file, a missing study file and an entry of another study, naming the file", () => {
    assert.match(brokenCopy((dir) => writeFileSync(join(dir, "fashion.json"), "{")), /fashion\.json: not valid JSON/);
    assert.match(brokenCopy((dir) => write(dir, "extra.json", { title: "t", question: "q" })), /extra\.json: not a study listed in .*project\.json/);
    assert.match(brokenCopy((dir) => rmSync(join(dir, "batch-lr.json"))), /project\.json: field "studies": study "batch-lr" has no file/);
    assert.match(
      brokenCopy((dir) => {
        const overfitting = json(dir, "overfitting.json");
        overfitting.experiments[0].study = "fashion";
        write(dir, "overfitting.json", overfitting);
      }),
      /overfitting\.json: experiment "overfit-mlp": field "study": "fashion", but this file is study "overfitting"/
    );
    assert.match(brokenCopy((dir) => write(dir, "seeds.json", { title: "t", question: "q", tuner: [] })), /seeds\.json: field "tuner": not expected here/);
  });
});

describe("profiles and run keys", () => {
  const { experiments, profiles } = readDeclarations(DECLARATIONS_DIR);
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

describe("grids, studies and tasks", () => {
  const withEntry = (entry: Record<string, unknown>) => {
    const file = raw();
    file.studies = [...((file.studies as unknown[] | undefined) ?? []), { id: "s", title: "S", question: "Q?" }];
    file.experiments = [...file.experiments, entry];
    return file;
  };
  const base = {
    id: "grid",
    title: "Grid",
    question: "Which?",
    family: "deep-mlp",
    study: "s",
    layers: [
      { type: "dense", units: 32, activation: "relu" },
      { type: "dropout", rate: 0.1 },
      { type: "dense", units: 16, activation: "relu" }
    ]
  };

  it("a grid expands into one experiment per combination, with ids, titles and coordinates", () => {
    const file = withEntry({
      ...base,
      grid: [
        { name: "batch", path: "batchSize", values: [4, 16] },
        { name: "lr", path: "optimizer.learningRate", values: [0.01, 1e-5] },
        { name: "act", path: "layers.*.activation", values: ["tanh", "sigmoid"] }
      ]
    });
    const { experiments } = parseDeclarations(file, "experiments.json");
    const grid = experiments.filter((e) => e.study === "s");
    assert.equal(grid.length, 8);
    const one = grid.find((e) => e.id === "grid-16-0p01-sigmoid")!;
    assert.ok(one, `ids: ${grid.map((e) => e.id).join(", ")}`);
    assert.equal(one.batchSize, 16);
    assert.equal(one.optimizer.learningRate, 0.01);
    assert.equal(one.optimizer.name, "adam", "the rest of the default optimizer is kept");
    assert.deepEqual(one.layers.map((l) => ("activation" in l ? l.activation : l.type)), ["sigmoid", "dropout", "sigmoid"]);
    assert.deepEqual(one.variant, { batch: 16, lr: 0.01, act: "sigmoid" });
    assert.equal(one.title, "Grid (batch 16, lr 0p01, act sigmoid)");
    assert.ok(grid.some((e) => e.id === "grid-4-0p00001-tanh"));
    // Coordinates and study are presentation: they do not enter the run key, the settings do.
    const { profiles } = parseDeclarations(file, "experiments.json");
    const resolved = resolveExperiment(one, profiles.full);
    assert.equal(runKey({ ...resolved, variant: { other: 1 }, study: undefined }), runKey(resolved));
    const keys = new Set(grid.map((e) => runKey(resolveExperiment(e, profiles.full))));
    assert.equal(keys.size, 8);
  });

  it("explicit labels name non-numeric values; missing labels are an error naming the axis", () => {
    const layers = [[{ type: "dense", units: 8 }], [{ type: "dense", units: 64 }, { type: "dense", units: 32 }]];
    const ok = parseDeclarations(withEntry({ ...base, grid: [{ name: "net", path: "layers", values: layers, labels: ["small", "deep"] }] }), "x.json");
    assert.deepEqual(ok.experiments.filter((e) => e.study === "s").map((e) => e.id), ["grid-small", "grid-deep"]);
    expectErrorIn(withEntry({ ...base, grid: [{ name: "net", path: "layers", values: layers }] }), 'experiment "grid"', "grid.0.labels", '"net"');
    expectErrorIn(
      withEntry({ ...base, grid: [{ name: "net", path: "layers", values: layers, labels: ["one"] }] }),
      "grid.0.labels",
      "1 labels for 2 values"
    );
  });

  it("seeds expand into one run per seed: the first keeps the id and the weights, all share a group", () => {
    const { experiments, profiles } = parseDeclarations(withEntry({ ...base, keepWeights: true, seeds: [4, 5, 6] }), "x.json");
    const runs = experiments.filter((e) => e.study === "s");
    assert.deepEqual(runs.map((e) => [e.id, e.seed, e.group, e.keepWeights]), [["grid", 4, "grid", true], ["grid-s5", 5, "grid", false], ["grid-s6", 6, "grid", false]]);
    assert.equal(runs[1].title, "Grid (seed 5)");
    // The group does not enter the key; the seed does.
    const keys = runs.map((e) => runKey(resolveExperiment(e, profiles.full)));
    assert.equal(new Set(keys).size, 3);
    assert.equal(runKey(resolveExperiment({ ...runs[0], group: "other" }, profiles.full)), keys[0]);
  });

  it("a grid with seeds repeats every point; bad seeds are errors naming the field", () => {
    const { experiments } = parseDeclarations(withEntry({ ...base, seeds: [1, 2], grid: [{ name: "lr", path: "optimizer.learningRate", values: [0.1, 0.01] }] }), "x.json");
    const runs = experiments.filter((e) => e.study === "s");
    assert.deepEqual(runs.map((e) => `${e.id}:${e.group}`), ["grid-0p1:grid-0p1", "grid-0p1-s2:grid-0p1", "grid-0p01:grid-0p01", "grid-0p01-s2:grid-0p01"]);
    expectErrorIn(withEntry({ ...base, seeds: [1, 1] }), 'experiment "grid"', '"seeds"', "listed once");
    expectErrorIn(withEntry({ ...base, seeds: [] }), '"seeds"');
    expectErrorIn(withEntry({ ...base, seeds: [1.5] }), '"seeds"', "non-negative integers");
    expectErrorIn(withEntry({ ...base, seeds: [1, 2], grid: [{ name: "seed", path: "seed", values: [1, 2] }] }), '"seeds"', 'axis named "seed"');
  });

  it("an expanded experiment that is invalid is reported with its generated id and field", () => {
    expectErrorIn(withEntry({ ...base, grid: [{ name: "lr", path: "optimizer.learningRate", values: [0.1, -1] }] }), 'experiment "grid--1"', "optimizer.learningRate");
  });

  it("a run must name a declared study", () => {
    expectErrorIn(withEntry({ ...base, study: "nope" }), 'experiment "grid"', 'field "study"', '"nope" is not a declared study');
  });

  it("tuners: parameters of their model kind, choices for a grid, an earlier tuner to build on", () => {
    const withTuners = (...tuners: Record<string, unknown>[]) => {
      const file = withEntry(base);
      file.tuners = [...((file.tuners as unknown[] | undefined) ?? []), ...tuners];
      return file;
    };
    const t = { title: "T", question: "Q?", study: "s", base: { family: "cnn" }, seed: 1, final: null };
    const arch = { ...t, id: "t-arch", method: "successiveHalving", model: "cnn", minEpochs: 1, eta: 3, maxEpochs: 3, points: 3, space: { blocks: { choice: [2, 3] } } };
    const lr = { ...t, id: "t-lr", method: "grid", model: "cnn", after: "t-arch", space: { learningRate: { choice: [0.1, 0.01] } } };
    const ok = parseDeclarations(withTuners(arch, lr), "x.json");
    assert.equal(ok.tuners.at(-1)!.after, "t-arch");
    assert.equal(ok.tuners.at(-1)!.final, null);
    expectErrorIn(withTuners({ ...arch, space: { depth: { choice: [1, 2] } } }), 'tuner "t-arch"', 'field "space.depth"', "not a parameter of a cnn tuner");
    expectErrorIn(withTuners({ ...arch, model: "mlp" }), 'tuner "t-arch"', 'field "space.blocks"', "mlp tuner");
    expectErrorIn(withTuners(arch, { ...lr, space: { learningRate: { float: [0.001, 0.1] } } }), 'tuner "t-lr"', "a grid needs", "learningRate");
    expectErrorIn(withTuners(lr, arch), 'tuner "t-lr"', 'field "after"', '"t-arch" is not a tuner declared before this one');
    expectErrorIn(withTuners(arch, { ...lr, model: "mlp", space: { learningRate: { choice: [0.1] } } }), 'tuner "t-lr"', "same study and model kind");
    // A declared experiment may stand for the retrained winner; it must exist, and then `final` is null.
    const declaredId = parseDeclarations(withEntry(base), "x.json").experiments[0].id;
    assert.equal(parseDeclarations(withTuners(arch, { ...lr, finalExperiment: declaredId }), "x.json").tuners.at(-1)!.finalExperiment, declaredId);
    expectErrorIn(withTuners(arch, { ...lr, finalExperiment: "nope" }), 'tuner "t-lr"', 'field "finalExperiment"', '"nope" is not a declared experiment');
    expectErrorIn(withTuners(arch, { ...lr, final: { epochs: 3 }, finalExperiment: declaredId }), 'tuner "t-lr"', 'field "final"', "must be null");
  });

  it("a sigmoid output needs exactly two classes", () => {
    const ok = parseDeclarations(withEntry({ ...base, classes: [5, 8], output: "sigmoid" }), "x.json");
    assert.deepEqual(ok.experiments.at(-1)!.classes, [5, 8]);
    expectErrorIn(withEntry({ ...base, output: "sigmoid" }), 'field "output"', "exactly two");
    expectErrorIn(withEntry({ ...base, classes: [1, 2, 3], output: "sigmoid" }), 'field "output"', "[1, 2, 3]");
    expectErrorIn(withEntry({ ...base, classes: [5, 5] }), 'field "classes"', "once");
    expectErrorIn(withEntry({ ...base, classes: [5, 12] }), 'field "classes.1"');
  });
});

function expectErrorIn(file: unknown, ...fragments: string[]) {
  assert.throws(
    () => parseDeclarations(file, "experiments.json"),
    (error: Error) => {
      assert.ok(error instanceof DeclarationError, `expected a DeclarationError, got ${error}`);
      for (const f of fragments) assert.ok(error.message.includes(f), `message "${error.message}" lacks "${f}"`);
      return true;
    }
  );
}
