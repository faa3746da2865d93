// Types of recipe.js for the TypeScript tests.
export interface RecipeRun {
  trainCount: number;
  epochsDeclared: number;
  batchSize: number;
  schedule?: { decayPerEpoch: number } | null;
}
export function recipeDifferences(a: RecipeRun, b: RecipeRun): string[];
