// The run explorer's pure logic: the Pareto front (against a brute-force check), Arquero filters and sorts,
// the URL state round trip, curves as tidy rows, and the reader's runs in (a fake) localStorage.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_STATE, curveRows, decodeState, defaultChoice, encodeState, filterRuns, paretoFront, paretoLabels } from "../src/components/explorer.js";
import { MAX_READER_RUNS, STORAGE_KEY, clearReaderRuns, loadReaderRuns, nextReaderId, saveReaderRun, type Store } from "../src/components/readerRuns.js";

interface Point {
  id: string;
  x: number | null;
  y: number | null;
}

/** A point is on the front when no other point is at least as good on both and better on one. */
function bruteFront(points: Point[]): Set<string> {
  const valid = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)) as { id: string; x: number; y: number }[];
  return new Set(valid.filter((p) => !valid.some((q) => q !== p && q.x <= p.x && q.y >= p.y && (q.x < p.x || q.y > p.y))).map((p) => p.id));
}

function rng(seed: number) {
  return () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const run = (id: string, fields: Record<string, unknown>) => ({ id, title: id.toUpperCase(), task: "mnist", dataset: "mnist", family: "deep-mlp", optimizer: "adam", params: 1000, testAccuracy: 0.9, trainSeconds: 10, architecture: "784-10", ...fields });

const RUNS = [
  run("a", { family: "cnn", params: 200_000, testAccuracy: 0.99, trainSeconds: 600 }),
  run("b", { family: "baseline-mlp", params: 100_000, testAccuracy: 0.975, trainSeconds: 20 }),
  run("c", { params: 670_000, testAccuracy: 0.98, trainSeconds: 90, optimizer: "sgd", architecture: "784-512-512-10" }),
  run("d", { task: "fashion-mnist", dataset: "fashion-mnist", params: 50_000, testAccuracy: 0.88, trainSeconds: 15 }),
  run("e", { params: 235_000, testAccuracy: null, trainSeconds: 30, status: "diverged" }),
  run("f", { family: "cnn", params: 420_000, testAccuracy: 0.989, trainSeconds: 560, optimizer: "sgd" })
];

describe("paretoFront", () => {
  it("keeps the points nothing beats: fewer parameters or more accuracy", () => {
    const front = paretoFront(RUNS, { x: "params", y: "testAccuracy" });
    assert.deepEqual(front.map((r) => r.id), ["d", "b", "a"]);
  });

  it("works on the other cost and with accessor functions", () => {
    assert.deepEqual(paretoFront(RUNS, { x: (r) => r.trainSeconds, y: (r) => r.testAccuracy }).map((r) => r.id), ["d", "b", "c", "f", "a"]);
  });

  it("ignores points without finite coordinates, and is empty for no points", () => {
    assert.deepEqual(paretoFront([], {}), []);
    assert.deepEqual(paretoFront([{ id: "n", x: null, y: 1 }, { id: "i", x: Infinity, y: 2 }, { id: "ok", x: 1, y: 0 }]).map((p) => p.id), ["ok"]);
  });

  it("keeps exact ties and drops points that tie on one coordinate only", () => {
    const points = [
      { id: "p", x: 1, y: 1 },
      { id: "q", x: 1, y: 1 },
      { id: "r", x: 1, y: 0.5 },
      { id: "s", x: 2, y: 1 },
      { id: "t", x: 3, y: 2 }
    ];
    assert.deepEqual(paretoFront(points).map((p) => p.id), ["p", "q", "t"]);
  });

  it("agrees with a brute-force check on random clouds, including integer ties", () => {
    const random = rng(7);
    for (let trial = 0; trial < 200; trial++) {
      const n = Math.floor(random() * 40);
      const points: Point[] = Array.from({ length: n }, (_, i) => ({ id: String(i), x: Math.floor(random() * 12), y: random() < 0.1 ? null : Math.floor(random() * 12) }));
      const front = paretoFront(points);
      assert.deepEqual(new Set(front.map((p) => p.id)), bruteFront(points), `trial ${trial}`);
      for (let i = 1; i < front.length; i++) assert.ok(front[i].x! >= front[i - 1].x! && front[i].y! >= front[i - 1].y!, "sorted along the front");
    }
  });
});

describe("paretoLabels", () => {
  const margins = { marginLeft: 55, marginRight: 20, marginTop: 30, marginBottom: 30 };
  it("leaves out a label that would run into a more accurate one, and keeps apart ones", () => {
    const runs = [
      { id: "cnn-strong-s3", params: 1e5, testAccuracy: 0.995 },
      { id: "cnn-arch-p11-e3", params: 1.05e5, testAccuracy: 0.994 },
      { id: "mlp", params: 1e3, testAccuracy: 0.9 }
    ];
    const placed = paretoLabels(runs, { x: "params", width: 600, height: 340, margins, extent: runs });
    assert.deepEqual(placed.map((p) => p.id), ["cnn-strong-s3", "mlp"]);
    for (const a of placed) for (const b of placed) if (a !== b) assert.ok(a.box.r <= b.box.l || b.box.r <= a.box.l || a.box.b <= b.box.t || b.box.b <= a.box.t);
  });
  it("anchors labels at the chart's edges inward", () => {
    const runs = [
      { id: "a-long-run-name-at-the-left", params: 10, testAccuracy: 0.5 },
      { id: "a-long-run-name-at-the-right", params: 1e6, testAccuracy: 0.99 }
    ];
    const placed = paretoLabels(runs, { x: "params", width: 390, height: 340, margins, extent: runs });
    const anchor = new Map(placed.map((p) => [p.id, p.anchor]));
    assert.equal(anchor.get("a-long-run-name-at-the-left"), "start");
    assert.equal(anchor.get("a-long-run-name-at-the-right"), "end");
    for (const p of placed) assert.ok(p.box.l >= margins.marginLeft && p.box.r <= 390, `${p.id} stays inside: ${JSON.stringify(p.box)}`);
  });
});

describe("filterRuns (Arquero)", () => {
  // Every task at once (the page always picks one; the logic allows none for these checks).
  const ids = (state: Parameters<typeof filterRuns>[1]) => filterRuns(RUNS, { task: null, ...state }).map((r) => r.id);

  it("with no filter shows every run, best test accuracy first and runs without one last", () => {
    assert.deepEqual(ids({}), ["a", "f", "c", "b", "d", "e"]);
  });

  it("shows one task at a time, ten-class MNIST by default, so runs of different tasks are never ranked together", () => {
    assert.deepEqual(filterRuns(RUNS, {}).map((r) => r.id), ["a", "f", "c", "b", "e"]);
    assert.deepEqual(filterRuns(RUNS, { task: "fashion-mnist" }).map((r) => r.id), ["d"]);
    assert.deepEqual(filterRuns(RUNS, { task: "mnist-5v8" }).map((r) => r.id), []);
  });

  it("filters by dataset, family and optimizer lists", () => {
    assert.deepEqual(ids({ datasets: ["fashion-mnist"] }), ["d"]);
    assert.deepEqual(ids({ families: ["cnn", "baseline-mlp"] }), ["a", "f", "b"]);
    assert.deepEqual(ids({ optimizers: ["sgd"] }), ["f", "c"]);
    assert.deepEqual(ids({ families: ["cnn"], optimizers: ["adam"] }), ["a"]);
    assert.deepEqual(ids({ families: [] }), []);
  });

  it("filters by parameter bounds, minimum accuracy and words of the title or layers", () => {
    assert.deepEqual(ids({ minParams: 150_000, maxParams: 500_000 }), ["a", "f", "e"]);
    assert.deepEqual(ids({ minAccuracy: 0.98 }), ["a", "f", "c"]);
    assert.deepEqual(ids({ query: "512" }), ["c"]);
    assert.deepEqual(ids({ query: "  b  " }), ["b"]);
  });

  it("sorts by any offered column, ties broken by title", () => {
    assert.deepEqual(ids({ sort: "params" }), ["d", "b", "a", "e", "f", "c"]);
    assert.deepEqual(ids({ sort: "-params" }), ["c", "f", "e", "a", "b", "d"]);
    assert.deepEqual(ids({ sort: "testAccuracy" }), ["d", "b", "c", "f", "a", "e"]);
    assert.deepEqual(ids({ sort: "trainSeconds" }), ["d", "b", "e", "c", "f", "a"]);
    assert.deepEqual(ids({ sort: "family" }), ["b", "a", "f", "c", "d", "e"]);
  });

  it("handles a few hundred runs", () => {
    const random = rng(3);
    const many = Array.from({ length: 400 }, (_, i) => run(`r${i}`, { params: Math.floor(random() * 1e6), testAccuracy: random(), family: ["cnn", "deep-mlp"][i % 2] }));
    const shown = filterRuns(many, { families: ["cnn"], minAccuracy: 0.5, sort: "-testAccuracy" });
    assert.ok(shown.every((r) => r.task === "mnist"));
    assert.equal(shown.length, many.filter((r) => r.family === "cnn" && r.testAccuracy! >= 0.5).length);
    for (let i = 1; i < shown.length; i++) assert.ok(shown[i - 1].testAccuracy! >= shown[i].testAccuracy!);
  });
});

describe("explorer state in the URL", () => {
  it("the defaults encode to an empty query and decode back", () => {
    assert.equal(encodeState(DEFAULT_STATE), "");
    assert.deepEqual(decodeState(""), DEFAULT_STATE);
  });

  it("round-trips every field", () => {
    const state = {
      runs: ["cnn-strong", "yours-2"],
      task: "mnist-5v8",
      datasets: ["mnist"],
      families: [],
      optimizers: ["adam", "sgd"],
      minParams: 1000,
      maxParams: 250000,
      minAccuracy: 0.975,
      query: "dropout 512",
      sort: "params",
      x: "trainSeconds",
      metric: "loss",
      split: "train"
    };
    const query = encodeState(state);
    assert.match(query, /runs=cnn-strong,yours-2/);
    assert.deepEqual(decodeState(query), state);
    assert.deepEqual(decodeState(`?${query}`), state);
  });

  it("falls back to defaults for malformed values", () => {
    const state = decodeState("sort=drop+tables&x=flops&metric=f1&split=test&acc=abc&pmin=&runs=a,,a,b");
    assert.deepEqual(state, { ...DEFAULT_STATE, runs: ["a", "b"] });
  });
});

describe("curves and the default choice", () => {
  it("turns compact curves into tidy rows, skipping missing values", () => {
    const rows = curveRows({ id: "x", title: "X", curves: { epoch: [1, 2], loss: [0.5, 0.3], accuracy: [0.8, 0.9], valLoss: [0.6, null], valAccuracy: [0.7, 0.75] } });
    assert.equal(rows.length, 7);
    assert.deepEqual(rows.find((r) => r.split === "validation" && r.metric === "accuracy" && r.epoch === 2), { run: "X", id: "x", epoch: 2, split: "validation", metric: "accuracy", value: 0.75 });
    assert.deepEqual(curveRows({ id: "y", title: "Y" }), []);
  });

  it("chooses the best run of each family when the URL chooses none", () => {
    assert.deepEqual(defaultChoice(RUNS), ["a", "c", "b"]);
  });
});

describe("the reader's runs in localStorage", () => {
  function memoryStore(): Store & { data: Map<string, string> } {
    const data = new Map<string, string>();
    return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
  }
  const readerRun = (id: string) => ({ id, title: `Your run ${id}`, family: "x", curves: { epoch: [1] } });

  it("saves, reloads, caps and clears them", () => {
    const store = memoryStore();
    assert.deepEqual(loadReaderRuns(store), []);
    for (let i = 1; i <= MAX_READER_RUNS + 2; i++) saveReaderRun(readerRun(nextReaderId(loadReaderRuns(store))), store);
    const runs = loadReaderRuns(store);
    assert.equal(runs.length, MAX_READER_RUNS);
    assert.equal(runs[0].id, "yours-3");
    assert.equal(runs.at(-1)!.id, `yours-${MAX_READER_RUNS + 2}`);
    assert.ok(runs.every((r) => r.reader === true));
    clearReaderRuns(store);
    assert.deepEqual(loadReaderRuns(store), []);
  });

  it("survives damaged storage and no storage", () => {
    const store = memoryStore();
    store.setItem(STORAGE_KEY, "{not json");
    assert.deepEqual(loadReaderRuns(store), []);
    store.setItem(STORAGE_KEY, JSON.stringify([{ id: 3 }, readerRun("yours-1")]));
    assert.deepEqual(loadReaderRuns(store).map((r) => r.id), ["yours-1"]);
    assert.deepEqual(loadReaderRuns(null), []);
  });
});
