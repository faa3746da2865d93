// Merging shard stores (loaders/cli/merge.ts) on copies of committed full-profile runs: what is missing
// is copied, what is stored is kept, and a damaged run, a run under another key or a test set that
// differs stops the merge before anything is copied.
import assert from "node:assert/strict";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { MergeError, mergeStores } from "../loaders/cli/merge.ts";
import { ROOT } from "../loaders/config.ts";

const FULL = join(ROOT, "data", "runs", "full");
/** Three small stored runs of ten-class MNIST (the baseline's other seeds and the wide MLP's). */
const RUNS = readdirSync(FULL).filter((name) => /^(baseline-mlp-s[23]|mlp-256-128)--[0-9a-f]{12}$/.test(name)).sort();

describe("merging stores", () => {
  const scratch = mkdtempSync(join(tmpdir(), "merge-"));
  after(() => rmSync(scratch, { recursive: true, force: true }));
  let n = 0;
  /** A store holding `runs` of the committed full profile, with the MNIST test set. */
  function store(runs: string[]): string {
    const dir = join(scratch, `store-${++n}`);
    mkdirSync(join(dir, "full", "test-sets"), { recursive: true });
    cpSync(join(FULL, "test-sets", "mnist.bin"), join(dir, "full", "test-sets", "mnist.bin"));
    for (const name of runs) cpSync(join(FULL, name), join(dir, "full", name), { recursive: true });
    return dir;
  }
  const contents = (dir: string) => (existsSync(join(dir, "full")) ? readdirSync(join(dir, "full")).sort() : []);

  it("copies what the target lacks, once, and keeps what it has", () => {
    assert.equal(RUNS.length, 3, `committed runs found: ${RUNS.join(", ")}`);
    const a = store(RUNS.slice(0, 2));
    const b = store(RUNS.slice(2));
    const target = join(scratch, "merged");
    const report = mergeStores([a, b], target);
    assert.deepEqual(contents(target), [...RUNS, "test-sets"].sort());
    assert.deepEqual(report.copied.sort(), [...RUNS.map((r) => `full/${r}`), "full/test-sets/mnist.bin"].sort());
    assert.deepEqual(report.kept, ["full/test-sets/mnist.bin"], "the second shard's identical test set is not copied again");
    for (const name of RUNS) assert.ok(readFileSync(join(target, "full", name, "run.json")).equals(readFileSync(join(FULL, name, "run.json"))), name);
    // Again: everything is there already and nothing is replaced.
    const stored = join(target, "full", RUNS[0], "run.json");
    appendFileSync(stored, " ");
    const again = mergeStores([a, b], target);
    assert.deepEqual(again.copied, []);
    assert.equal(again.kept.length, 5);
    assert.ok(readFileSync(stored, "utf8").endsWith(" "), "the stored run was kept as it was");
  });

  it("copies nothing when a run is damaged, stored under another key or scored on other test images", () => {
    const good = store(RUNS.slice(0, 1));
    const damaged = store(RUNS.slice(1, 2));
    truncateSync(join(damaged, "full", RUNS[1], "predictions.bin"), 10);
    const renamed = store(RUNS.slice(2));
    const wrongName = RUNS[2].replace(/--[0-9a-f]{12}$/, "--0123456789ab");
    renameSync(join(renamed, "full", RUNS[2]), join(renamed, "full", wrongName));
    const otherImages = store([]);
    const testSet = join(otherImages, "full", "test-sets", "mnist.bin");
    const bytes = readFileSync(testSet);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(testSet, bytes);
    const target = join(scratch, "untouched");
    assert.throws(
      () => mergeStores([good, damaged, renamed, otherImages, join(scratch, "no-such-store")], target),
      (error: Error) => {
        assert.ok(error instanceof MergeError, String(error));
        assert.equal(error.problems.length, 4, error.message);
        assert.match(error.message, new RegExp(`${RUNS[1]}.*predictions\\.bin`));
        assert.match(error.message, new RegExp(`${wrongName}/run\\.json: key [0-9a-f]{12}, but the folder is named for 0123456789ab`));
        assert.match(error.message, /test-sets\/mnist\.bin: differs from .*; runs scored on different test images cannot be compared/);
        assert.match(error.message, /no-such-store: not a folder of stored runs/);
        return true;
      }
    );
    assert.ok(!existsSync(target), "nothing was copied");
  });
});
