// src/components/recipe.ts: how two runs' training recipes differ, in words.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { recipeDifferences } from "../src/components/recipe.js";

describe("recipeDifferences", () => {
  const base = { trainCount: 50_000, epochsDeclared: 20, batchSize: 128, schedule: null };
  it("names each way the recipe differs, in order, with both values", () => {
    const final = { trainCount: 55_000, epochsDeclared: 15, batchSize: 64, schedule: { decayPerEpoch: 0.7 } };
    assert.deepEqual(recipeDifferences(final, base), [
      "on more images (55,000 against 50,000)",
      "for fewer epochs (up to 15 against 20)",
      "in smaller batches (64 against 128)",
      "with the learning rate multiplied by 0.7 after every epoch"
    ]);
  });
  it("says nothing of what is the same, and says larger batches when they are", () => {
    assert.deepEqual(recipeDifferences({ ...base, batchSize: 256 }, base), ["in larger batches (256 against 128)"]);
    assert.deepEqual(recipeDifferences(base, base), []);
    assert.deepEqual(recipeDifferences(base, { ...base, schedule: { decayPerEpoch: 0.8 } }), ["with a constant learning rate"]);
  });
  it("says which of the two trains on augmented images, after the data and before the epochs", () => {
    const augmented = { ...base, trainCount: 55_000, augmentation: { rotationDegrees: 15 } };
    assert.deepEqual(recipeDifferences(augmented, base), ["on more images (55,000 against 50,000)", "with augmented images"]);
    assert.deepEqual(recipeDifferences(base, { ...base, augmentation: { zoom: 0.1 } }), ["without augmented images"]);
    assert.deepEqual(recipeDifferences({ ...base, augmentation: null }, base), [], "null is no augmentation");
  });
});
