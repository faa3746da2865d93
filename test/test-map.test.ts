// The map of the test set: the layouts (loaders/report/embedding.ts) on small real data and hand-made
// points, the choice of images and the stored maps (loaders/report/testMap.ts), which must be well-formed,
// current, and computed again to the same numbers from their seed; and the page's address and answers.
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, it } from "node:test";
import { loadDataset, toFloatImages, PIXELS } from "../loaders/data/dataset.ts";
import { layouts, neighbourAgreement, DEFAULT_UMAP } from "../loaders/report/embedding.ts";
import { MAP_FILE, StoredMapError, currentMapDirs, mapKey, mapPositions, mapReport, readMap, lastHiddenActivations, type StoredMap } from "../loaders/report/testMap.ts";
import { loadStoredModel } from "../loaders/report/predictions.ts";
import { planRuns } from "../loaders/experiments/plan.ts";
import { readTestSet } from "../loaders/experiments/store.ts";
import { encodeMapState, readMapState, answersFor, sampleSentence } from "../src/components/testMap.ts";
import type { ComparePack } from "../src/components/compare.ts";

/** The first n MNIST test images, scaled to [0, 1], with their labels. */
function mnist(n: number) {
  const test = loadDataset("mnist").test;
  const indices = Array.from({ length: n }, (_, i) => i);
  return { x: toFloatImages(test.images, indices), labels: Array.from(test.labels.subarray(0, n)) };
}

describe("layouts", () => {
  it("PCA puts points on a line along its first component, with all the variance there", () => {
    const n = 50;
    const x = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) x.set([i, 2 * i, -i], i * 3);
    const layout = layouts(x, n, 3, { ...DEFAULT_UMAP, neighbours: 5, epochs: 10 }).pca;
    assert.ok(layout.explained[0] > 0.999, `first component explains ${layout.explained[0]}`);
    assert.ok(layout.y.every((v) => Math.abs(v) < 1e-3), "nothing left for the second component");
    // Evenly spaced on the line, in order (the sign is fixed: the largest entry of the component is positive).
    const steps = layout.x.slice(1).map((v, i) => v - layout.x[i]);
    assert.ok(steps.every((s) => Math.abs(s - Math.sqrt(6)) < 1e-3), `steps ${steps.slice(0, 3)}`);
  });

  it("UMAP of real digits keeps most images beside their own class, and repeats exactly with its seed", () => {
    const { x, labels } = mnist(400);
    const settings = { ...DEFAULT_UMAP, epochs: 150 };
    const layout = layouts(x, 400, PIXELS, settings).umap;
    const agreement = neighbourAgreement(layout, labels);
    assert.ok(agreement > 0.7, `share of images whose neighbours mostly share their label: ${agreement}`);
    assert.deepEqual(layouts(x, 400, PIXELS, settings).umap, layout, "the same seed gives the same layout");
    assert.notDeepEqual(layouts(x, 400, PIXELS, { ...settings, seed: 2 }).umap, layout, "another seed gives another layout");
  });

  it("neighbour agreement: 1 for separate classes, about chance for shuffled labels, ties count against", () => {
    const n = 200;
    const layout = { x: Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 100) + (i % 10)), y: Array.from({ length: n }, (_, i) => Math.floor(i / 10) % 10) };
    const apart = Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1));
    assert.equal(neighbourAgreement(layout, apart, 5), 1);
    const alternating = Array.from({ length: n }, (_, i) => i % 2);
    const mixed = neighbourAgreement(layout, alternating, 4);
    assert.ok(mixed < 0.6, `alternating labels on a grid: ${mixed}`);
    // Three points: each one's two neighbours carry one label each, a tie, so none agrees.
    assert.equal(neighbourAgreement({ x: [0, 1, 2], y: [0, 0, 0] }, [0, 1, 2], 2), 0);
    assert.throws(() => neighbourAgreement({ x: [0, 1], y: [0, 0] }, [0], 1), /2 points but 1 labels/);
  });
});

describe("the images on a map", () => {
  it("draws the same number of each class and adds each class's mistakes up to a cap", () => {
    const label = Array.from({ length: 1000 }, (_, i) => i % 5);
    const predicted = label.map((l, i) => (i < 300 && l === 2 ? 3 : l)); // 60 mistakes, all of class 2
    const positions = mapPositions(label, predicted, 20, 25);
    const mistakes = positions.filter((p) => predicted[p] !== label[p]);
    assert.ok(mistakes.length >= 25 && mistakes.length <= 25 + 20, `${mistakes.length} mistakes`);
    for (let c = 0; c < 5; c++) if (c !== 2) assert.equal(positions.filter((p) => label[p] === c).length, 20);
    assert.deepEqual(positions, [...new Set(positions)].sort((a, b) => a - b), "ascending, each once");
    assert.deepEqual(mapPositions(label, predicted, 20, 25), positions, "the same seed draws the same images");
    assert.equal(mapPositions(label.slice(0, 50), predicted.slice(0, 50), 20, 0).length, 50, "a test set smaller than the sample is taken whole");
  });
});

describe("the stored maps", () => {
  const maps = currentMapDirs("full").map((dir) => ({ dir, map: readMap(dir) }));

  it("exist for both datasets, are well-formed, and carry the key of what they were computed from", () => {
    assert.deepEqual(maps.map(({ map }) => map?.dataset).sort(), ["fashion-mnist", "mnist"], "a current map of each dataset is stored (npm run build computes it)");
    for (const { dir, map } of maps) {
      assert.ok(map, `${dir}/${MAP_FILE}`);
      assert.equal(basename(dir), `map-${map.dataset}--${map.key}`);
      assert.ok(map.positions.length > 1000, `${map.positions.length} images`);
    }
  });

  it("repeat from their seed: the pixels' layouts exactly, the hidden layer's activations from the stored model", async () => {
    const { map } = maps.find((m) => m.map?.dataset === "mnist")!;
    const stored = map!;
    const testSet = readTestSet("full", stored.testSet)!;
    const n = stored.positions.length;
    const pixels = toFloatImages(loadDataset("mnist").test.images, stored.positions.map((p) => testSet.index[p]));
    assert.deepEqual(layouts(pixels, n, PIXELS, stored.umap), stored.pixels);
    // The hidden layer runs on the wasm backend, whose kernels may round differently on another CPU: its
    // PCA is compared to a tolerance, and its UMAP (which amplifies any difference) is repeated in process.
    const planned = planRuns("full").find((p) => p.experiment.id === stored.model.id)!;
    const { tf, model } = await loadStoredModel(planned.dir);
    const hidden = lastHiddenActivations(tf, model, pixels, n);
    model.dispose();
    assert.equal(hidden.units, stored.model.units);
    const small = { ...stored.umap, epochs: 50 };
    const { pca, umap } = layouts(hidden.values, n, hidden.units, small);
    const worst = Math.max(...pca.x.map((v, i) => Math.abs(v - stored.hidden.pca.x[i])), ...pca.y.map((v, i) => Math.abs(v - stored.hidden.pca.y[i])));
    assert.ok(worst < 1e-2, `largest difference from the stored hidden-layer PCA: ${worst}`);
    assert.deepEqual(layouts(hidden.values, n, hidden.units, small).umap, umap);
  });

  it("the page's data names each image's label and the model's answer, and how well each layout keeps classes apart", async () => {
    const report = await mapReport("full", "mnist");
    const n = report.positions.length;
    assert.equal(report.label.length, n);
    assert.equal(report.predicted.length, n);
    const testSet = readTestSet("full", report.testSet)!;
    report.positions.forEach((p, i) => assert.equal(report.index[i], testSet.index[p]));
    for (const from of ["pixels", "hidden"] as const) for (const method of ["pca", "umap"] as const) {
      const a = report.agreement[from][method];
      assert.ok(a > 0 && a <= 1, `${from} ${method}: ${a}`);
    }
  });

  it("a damaged map file is an error that names the file and the field", () => {
    const dir = mkdtempSync(join(tmpdir(), "map-"));
    try {
      const good = maps[0].map!;
      const broken: StoredMap = { ...good, pixels: { ...good.pixels, umap: { x: good.pixels.umap.x.slice(1), y: good.pixels.umap.y } } };
      mkdirSync(join(dir, "m"));
      writeFileSync(join(dir, "m", MAP_FILE), JSON.stringify(broken));
      assert.throws(() => readMap(join(dir, "m")), (e: Error) => e instanceof StoredMapError && e.message.includes(join(dir, "m", MAP_FILE)) && /pixels\.umap/.test(e.message));
      writeFileSync(join(dir, "m", MAP_FILE), "{not json");
      assert.throws(() => readMap(join(dir, "m")), /not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a map's key changes with anything it depends on", () => {
    const spec = { profile: "full" as const, dataset: "mnist", testSet: "mnist", model: { id: "cnn-strong", key: "aaaaaaaaaaaa" }, perClass: 150, mistakesPerClass: 50, positions: [1, 2, 3], umap: DEFAULT_UMAP };
    const key = mapKey(spec);
    assert.match(key, /^[0-9a-f]{12}$/);
    assert.equal(mapKey({ ...spec }), key);
    assert.notEqual(mapKey({ ...spec, model: { ...spec.model, key: "bbbbbbbbbbbb" } }), key);
    assert.notEqual(mapKey({ ...spec, umap: { ...spec.umap, seed: 2 } }), key);
    assert.notEqual(mapKey({ ...spec, positions: [1, 2, 4] }), key);
  });
});

describe("the map page's address and answers", () => {
  it("reads a good address and names each value it does not know, falling back to the defaults", () => {
    const datasets = ["mnist", "fashion-mnist"];
    assert.deepEqual(readMapState("?dataset=fashion-mnist&from=hidden&method=pca&image=42", datasets), { dataset: "fashion-mnist", from: "hidden", method: "pca", image: 42, malformed: [] });
    const hostile = readMapState("?dataset=%3Cscript%3E&from=..%2F..&method=tsne&image=1e9", datasets);
    assert.deepEqual(hostile, { dataset: "mnist", from: "pixels", method: "umap", image: null, malformed: ["dataset", "from", "method", "image"] });
    const state = { dataset: "mnist", from: "hidden" as const, method: "umap" as const, image: 7 };
    assert.deepEqual(readMapState(encodeMapState(state), datasets), { ...state, malformed: [] });
  });

  it("groups every run's answer for an image: the right ones, and each wrong answer with its confidence", () => {
    const wrong: Record<number, { positions: number[]; predicted: number[]; confidence: number[] }> = {
      0: { positions: [1, 5], predicted: [3, 2], confidence: [0.9, 0.5] },
      1: { positions: [5], predicted: [2], confidence: [0.7] },
      2: { positions: [], predicted: [], confidence: [] }
    };
    const pack = {
      meta: { runs: [{ title: "A" }, { title: "B" }, { title: "C" }] },
      label: Uint8Array.from([0, 1, 0, 0, 0, 7]),
      wrongOf: (r: number) => ({ positions: Uint16Array.from(wrong[r].positions), predicted: Uint8Array.from(wrong[r].predicted), confidence: wrong[r].confidence })
    } as unknown as ComparePack;
    assert.deepEqual(answersFor(pack, 5), [
      { predicted: 2, runs: [{ title: "A", confidence: 0.5 }, { title: "B", confidence: 0.7 }] },
      { predicted: 7, runs: [{ title: "C", confidence: null }] }
    ]);
    assert.deepEqual(answersFor(pack, 1), [
      { predicted: 1, runs: [{ title: "B", confidence: null }, { title: "C", confidence: null }] },
      { predicted: 3, runs: [{ title: "A", confidence: 0.9 }] }
    ]);
  });

  it("says which images it shows: all of a small test set, or the draw with its over-represented mistakes", () => {
    const data = (shown: number, testCount: number) =>
      ({ label: Array.from({ length: shown }, (_, i) => i % 10), predicted: Array.from({ length: shown }, (_, i) => (i < 3 ? (i + 1) % 10 : i % 10)), testCount, perClass: 150, mistakesPerClass: 50, model: { title: "Tuned CNN", testAccuracy: 0.99 } }) as unknown as Parameters<typeof sampleSentence>[0];
    assert.equal(sampleSentence(data(1000, 1000)), "All 1,000 test images; Tuned CNN (test accuracy 99.00%) gets 3 of them wrong.");
    const drawn = sampleSentence(data(1553, 10000));
    assert.match(drawn, /^1,553 of the 10,000 test images: 150 of each class drawn at random, and up to 50 more/);
    assert.match(drawn, /its 3 mistakes shown here are over-represented\.$/);
  });
});
