// Which stored runs the two-run comparison page offers for a task: every completed run of the task
// scored on the test images most of them share, with the test set and the task's class names.
// Both comparison loaders (numbers, then images) read the same selection from here.
import { encodeCompareImages, type CompareRun } from "./comparePack.ts";
import { PIXELS, loadDataset } from "../data/dataset.ts";
import { allStoredRuns } from "./report.ts";
import type { ProfileName } from "../spec/schema.ts";
import { readRunPredictions, readTestSet } from "../experiments/store.ts";
import type { TestSet } from "../spec/testPredictions.ts";
import { classNamesOf, taskOf } from "./summary.ts";

export interface TaskComparison {
  task: string;
  dataset: string;
  testSet: TestSet;
  classNames: string[];
  runs: CompareRun[];
}

export async function taskComparison(profile: ProfileName, task: string): Promise<TaskComparison> {
  const runs = (await allStoredRuns(profile)).filter(
    ({ planned, record }) => taskOf(planned.experiment).task === task && record.status === "completed" && record.testSet && record.test
  );
  if (runs.length === 0) throw new Error(`comparison: no completed run of task "${task}" is stored for the ${profile} profile`);
  // The test images most of the task's runs were scored on (all of them, unless a run declared its own test size).
  const counts = new Map<string, number>();
  for (const { record } of runs) counts.set(record.testSet!, (counts.get(record.testSet!) ?? 0) + 1);
  const testSetId = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  const testSet = readTestSet(profile, testSetId);
  if (!testSet) throw new Error(`comparison: the test set ${testSetId} of task "${task}" is not stored for the ${profile} profile`);
  const chosen = runs.filter(({ record }) => record.testSet === testSetId);
  const experiment = chosen[0].planned.experiment;
  return {
    task,
    dataset: experiment.dataset,
    testSet,
    classNames: classNamesOf(experiment),
    runs: chosen.map(({ planned }) => ({ id: planned.experiment.id, title: planned.experiment.title, predictions: readRunPredictions(planned.dir) }))
  };
}

/**
 * The comparison page's images of a task (encoded, not compressed). Without the dataset's images on
 * this machine the pack lists no run, and the page says the images are missing.
 */
export async function compareImages(profile: ProfileName, task: string): Promise<Uint8Array> {
  const { testSet, runs, dataset } = await taskComparison(profile, task);
  let images: Uint8Array;
  try {
    images = loadDataset(dataset).test.images;
  } catch (error) {
    process.stderr.write(`compare-images: ${task} without images (${(error as Error).message})\n`);
    return encodeCompareImages(task, testSet, [], () => new Uint8Array(0));
  }
  return encodeCompareImages(task, testSet, runs, (index) => images.subarray(index * PIXELS, (index + 1) * PIXELS));
}
