// The samples a run trains, validates and is tested on: the split of the training set its seed draws,
// the subset its declaration asks for, and the test images shared by every run of its task.
import { gatherImages, splitTrainValidation, stratifiedSubset, type Dataset } from "../data/dataset.ts";
import type { ResolvedExperiment } from "../spec/schema.ts";
import { testSetId } from "../spec/testPredictions.ts";

/**
 * Seed of the test subset a profile with fewer test images than the task has draws: the same for
 * every run, so that any two runs of a task are scored on the same images and can be compared image
 * by image. (A run's own seed sets its split, initialisation, batch order and augmentation.)
 */
export const TEST_SUBSET_SEED = 0;

export interface Split {
  /** Pixel bytes, PIXELS per sample, scaled to [0, 1] batch by batch (scaleImageInto): as floats, a
   * full training split would hold 170 MB more for the whole run. */
  images: Uint8Array;
  y: Int32Array;
  /** Index of each sample in its source set (train or test). */
  index: Int32Array;
  count: number;
}

/** Gathers samples; labels go through `relabel` (dataset class → task class). */
function gather(images: Uint8Array, labels: Uint8Array, index: Int32Array, relabel: Int32Array): Split {
  const y = new Int32Array(index.length);
  for (let i = 0; i < index.length; i++) y[i] = relabel[labels[index[i]]];
  return { images: gatherImages(images, index), y, index, count: index.length };
}

/** Indices of the samples whose label is one of the task's classes (all when it uses every class). */
function samplesOfClasses(labels: Uint8Array, count: number, relabel: Int32Array): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (relabel[labels[i]] >= 0) out.push(i);
  return Int32Array.from(out);
}

/**
 * The training, validation and test samples an experiment uses, all chosen by its seed. With a
 * `classes` list only those classes are used, relabelled 0, 1, ... in the listed order.
 */
export function prepareData(dataset: Dataset, experiment: ResolvedExperiment) {
  const relabel = new Int32Array(10).fill(-1);
  (experiment.classes ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).forEach((c, i) => (relabel[c] = i));
  const trainPool = samplesOfClasses(dataset.train.labels, dataset.train.count, relabel);
  const testPool = samplesOfClasses(dataset.test.labels, dataset.test.count, relabel);
  if (experiment.validationSize >= trainPool.length) {
    throw new Error(
      `${experiment.id}: validationSize ${experiment.validationSize} leaves no training data (${trainPool.length} samples of the chosen classes)`
    );
  }
  const split = splitTrainValidation(trainPool.length, experiment.validationSize, experiment.seed);
  const train = Int32Array.from(split.train, (i) => trainPool[i]);
  const validation = Int32Array.from(split.validation, (i) => trainPool[i]);
  let trainIndex = train;
  if (experiment.trainSize != null && experiment.trainSize < train.length) {
    const labels = new Uint8Array(train.length);
    for (let i = 0; i < train.length; i++) labels[i] = dataset.train.labels[train[i]];
    const picked = stratifiedSubset(labels, experiment.trainSize, experiment.seed);
    trainIndex = Int32Array.from(picked, (i) => train[i]);
  }
  let testIndex = testPool;
  if (experiment.testSize < testPool.length) {
    const labels = Uint8Array.from(testPool, (i) => dataset.test.labels[i]);
    testIndex = Int32Array.from(stratifiedSubset(labels, experiment.testSize, TEST_SUBSET_SEED), (i) => testPool[i]);
  }
  return {
    train: gather(dataset.train.images, dataset.train.labels, trainIndex, relabel),
    validation: gather(dataset.train.images, dataset.train.labels, validation, relabel),
    test: gather(dataset.test.images, dataset.test.labels, testIndex, relabel),
    testSetId: testSetId(experiment.dataset, experiment.classes, testIndex.length, testPool.length)
  };
}

