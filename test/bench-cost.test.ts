// The cost page's account of the throughput benchmark (src/components/benchCost.ts): a stored benchmark is
// described as what it is (best round in the older form, median with range in the current one, read from
// the stored file itself), and the ratio table says whether each difference is beyond the rounds' spread.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../loaders/config.ts";
import { aggregateRounds, ratiosOf } from "../bench/rounds.ts";
import { mediansOfRounds, ratioRows, throughputIntro, type StoredThroughput } from "../src/components/benchCost.js";

const stored = JSON.parse(readFileSync(join(ROOT, "data", "bench.json"), "utf8")) as StoredThroughput;

describe("the cost page's throughput figures", () => {
  it("describes the stored benchmark by how its figures were taken", () => {
    const text = throughputIntro(stored);
    assert.ok(text.includes(`batch ${stored.batchSize}`), text);
    assert.ok(text.includes(mediansOfRounds(stored) ? "median of" : "best of"), text);
    assert.equal(ratioRows(stored).length, stored.ratios.length);
  });

  it("describes a benchmark of medians as medians, with overlap in the ratio table", () => {
    const figures = aggregateRounds(
      [1, 2, 3].map((i) => [
        { model: "CNN", variant: "ours (wasm + our kernels)", samplesPerSecond: 700 + i * 10, threads: 1 },
        { model: "CNN", variant: "pytorch cpu, 1 thread", samplesPerSecond: 705 + i * 10, threads: 1 }
      ])
    );
    const bench: StoredThroughput = { measuredAt: "2026-12-07T00:00:00Z", machine: { cpu: "test cpu", cores: 2 }, batchSize: 128, throughput: figures, ratios: ratiosOf(figures) };
    assert.match(throughputIntro(bench), /the median of 3 interleaved rounds/);
    assert.deepEqual(ratioRows(bench).map((r) => r.apart), ["no, the rounds overlap"]);
  });
});
