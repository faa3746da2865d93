// The README's findings table must match the stored full-profile runs it was generated from.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { README_FILE, renderReadme } from "../loaders/report/readme.ts";

it("README.md's findings table matches data/runs/full (run `npm run readme` after retraining)", () => {
  const text = readFileSync(README_FILE, "utf8");
  assert.equal(renderReadme(text), text);
  assert.match(text, /\| Baseline MLP[^\n]*\| \d+\.\d\d% ± \d+\.\d\d \|/, "the baseline's mean and interval over its seeds are in the table");
});
