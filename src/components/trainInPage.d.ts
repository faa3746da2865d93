// Types of trainInPage.js for the TypeScript tests.
import type { DecodedSubset } from "./subset.js";
export interface TrainConfig {
  model: string;
  layers: number;
  units: number;
  activation: string;
  optimizer: string;
  learningRate: number;
  batchSize: number;
  epochs: number;
  trainSize: number;
}
export interface ConfusionRow {
  actual: number;
  predicted: number;
  count: number;
  rate: number;
}
export interface CurveRow {
  epoch: number;
  split: string;
  metric: string;
  value: number;
}
export interface TrainResult {
  status: "completed" | "stopped";
  config: TrainConfig;
  rows: CurveRow[];
  history: { epoch: number; loss: number; accuracy: number; valLoss: number; valAccuracy: number; seconds: number }[];
  seconds: number;
  trainSize: number;
  params: number;
  test: { accuracy: number; loss: number; count: number; confusion: ConfusionRow[] };
}
export const IMAGE_SIZE: number;
export const NUM_CLASSES: number;
export const ACTIVATIONS: string[];
export const OPTIMIZERS: string[];
export const BATCH_SIZES: number[];
export const MODELS: Record<string, string>;
/** Images shipped with the site for the page: training, held-out validation, test. */
export const SHIPPED: Readonly<{ train: number; validation: number; test: number }>;
export const TRAIN_LIMITS: Record<string, { min: number; max: number; default: number; step?: number }>;
export const TRAIN_DEFAULTS: Readonly<TrainConfig>;
export function normalizeConfig(config?: Partial<Record<keyof TrainConfig, unknown>>): TrainConfig;
export function encodeTrainState(config: Partial<TrainConfig>): string;
export function decodeTrainState(search: string): TrainConfig;
export function architecture(config: Partial<TrainConfig>): string;
export function parameterCount(config: Partial<TrainConfig>): number;
export function initializeWeights(tf: any, model: any, random?: () => number): void;
export function buildModel(tf: any, config: Partial<TrainConfig>): any;
export function confusionRows(actual: ArrayLike<number>, predicted: ArrayLike<number>, classes?: number): ConfusionRow[];
export function trainingBackend(config: Partial<TrainConfig>, best: string): string;
export function trainInPage(
  tf: any,
  config: Partial<TrainConfig>,
  options: {
    train: DecodedSubset;
    test: DecodedSubset;
    validation?: number;
    onProgress?: (progress: { rows: CurveRow[]; epoch: number; batch: number; batches: number; epochs: number }) => void;
    shouldStop?: () => boolean;
  }
): Promise<TrainResult>;
