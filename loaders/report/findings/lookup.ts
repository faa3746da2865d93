// The run lookup claims are built with (loaders/report/findings/claim.ts: RunLookup), over the stored runs a
// report loader has in hand: their directory names and their per-image test predictions.
import { basename } from "node:path";
import type { ProfileName } from "../../spec/schema.ts";
import { readRunPredictions, readTestSet } from "../../experiments/store.ts";
import { correctness, type TestSet } from "../../spec/testPredictions.ts";
import type { RunLookup } from "./claim.ts";
import type { RunRecord } from "../../spec/record.ts";

export interface StoredResult {
  planned: { experiment: { id: string }; dir: string };
  record: RunRecord;
}

export function lookupOf(profile: ProfileName, results: readonly StoredResult[]): RunLookup {
  const byId = new Map(results.map((r) => [r.planned.experiment.id, r]));
  const testSets = new Map<string, TestSet | null>();
  const get = (id: string) => {
    const result = byId.get(id);
    if (!result) throw new Error(`claims: no stored run "${id}" among the ${byId.size} this report read`);
    return result;
  };
  return {
    dirName: (id) => basename(get(id).planned.dir),
    correct: (id) => {
      const { planned, record } = get(id);
      if (!record.testSet || record.status !== "completed") return null;
      if (!testSets.has(record.testSet)) testSets.set(record.testSet, readTestSet(profile, record.testSet));
      const testSet = testSets.get(record.testSet);
      return testSet ? { testSet: record.testSet, correct: correctness(readRunPredictions(planned.dir), testSet) } : null;
    }
  };
}
