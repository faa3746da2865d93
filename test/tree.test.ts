// The CART decision tree: splits chosen by hand-computed Gini gains, and a deep tree cut at depth d
// predicting exactly like a tree grown to depth d.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accuracyByDepth, growTree, predictOne, treeShape } from "../loaders/classical/tree.ts";
import { createRng, randomInt } from "../loaders/data/random.ts";

describe("CART decision tree", () => {
  it("splits one feature between the classes", () => {
    const tree = growTree(Uint8Array.from([0, 1, 2, 3]), [0, 0, 1, 1], 4, 1, 2, { maxDepth: 5 });
    assert.equal(tree.feature, 0);
    assert.equal(tree.threshold, 1);
    assert.deepEqual(tree.left!.counts, [2, 0]);
    assert.deepEqual(tree.right!.counts, [0, 2]);
    assert.deepEqual(treeShape(tree), { depth: 1, leaves: 2 });
  });

  it("takes the feature with the larger Gini gain", () => {
    // Parent Gini 1/2. Feature 0 at <= 0: children {0,0} and {0,1,1,1}: 4/6 · 3/8 = 1/4, gain 1/4.
    // Feature 1 at <= 5: children {0,0,0} and {1,1,1}: impurity 0, gain 1/2.
    const f0 = [0, 0, 1, 1, 2, 2];
    const f1 = [5, 5, 5, 9, 9, 8];
    const x = Uint8Array.from(f0.flatMap((v, i) => [v, f1[i]]));
    const tree = growTree(x, [0, 0, 0, 1, 1, 1], 6, 2, 2, { maxDepth: 3 });
    assert.equal(tree.feature, 1);
    assert.equal(tree.threshold, 5);
    assert.deepEqual(treeShape(tree), { depth: 1, leaves: 2 });
  });

  it("does not split when no split lowers impurity (XOR at the root)", () => {
    const tree = growTree(Uint8Array.from([0, 0, 0, 1, 1, 0, 1, 1]), [0, 1, 1, 0], 4, 2, 2, { maxDepth: 4 });
    assert.equal(tree.left, undefined);
    assert.deepEqual(tree.counts, [2, 2]);
    assert.equal(tree.prediction, 0, "ties go to the lower class");
  });

  it("a tree cut at depth d predicts like a tree grown to depth d", () => {
    const rng = createRng(3);
    const n = 400;
    const features = 6;
    const x = Uint8Array.from({ length: n * features }, () => randomInt(rng, 256));
    // A label that depends on the features, with noise, so the tree grows deep.
    const y = Array.from({ length: n }, (_, i) => ((x[i * features] > 128 ? 1 : 0) + (x[i * features + 1] > 60 ? 1 : 0) + randomInt(rng, 2)) % 3);
    const deep = growTree(x, y, n, features, 3, { maxDepth: 8 });
    const byDepth = accuracyByDepth(deep, x, y, n, features, 8);
    for (let d = 1; d <= 8; d++) {
      const shallow = growTree(x, y, n, features, 3, { maxDepth: d });
      let correct = 0;
      for (let i = 0; i < n; i++) {
        const p = predictOne(shallow, x, i * features);
        assert.equal(predictOne(deep, x, i * features, d), p, `sample ${i} at depth ${d}`);
        if (p === y[i]) correct++;
      }
      assert.equal(byDepth[d - 1], correct / n);
    }
    for (let d = 1; d < 8; d++) assert.ok(byDepth[d] >= byDepth[d - 1], "training accuracy never falls with depth");
  });

  it("fits distinct training points exactly when grown deep enough", () => {
    const rng = createRng(5);
    const x = Uint8Array.from({ length: 200 * 3 }, () => randomInt(rng, 256));
    const y = Array.from({ length: 200 }, () => randomInt(rng, 4));
    const tree = growTree(x, y, 200, 3, 4, { maxDepth: 50 });
    assert.equal(accuracyByDepth(tree, x, y, 200, 3, 50).at(-1), 1);
  });
});
