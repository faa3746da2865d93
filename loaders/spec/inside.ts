// What a run records of its network's insides while it trains (`recordInside` in its declaration): per
// epoch, a histogram of each layer's weights and the norm of each layer's gradient on a fixed batch of
// training images, from before the first step to the end. The trainer writes it, the pages read it.
import { z } from "zod";

export const INSIDE_FILE = "inside.json";
/** Bins of each weight histogram, spread evenly between that epoch's smallest and largest weight. */
export const INSIDE_BINS = 24;
/** Training images the gradient is measured on (the first ones of the run's training set, every epoch the same). */
export const INSIDE_PROBE = 256;

const LayerSnapshot = z.object({
  /** The smallest and largest finite weight of the layer's kernel, and their mean and standard deviation. */
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  std: z.number().nonnegative(),
  /** How many weights fall in each of the bins between min and max. */
  counts: z.array(z.number().int().nonnegative()),
  /** Weights that are not finite numbers (a diverging run's). */
  nonFinite: z.number().int().nonnegative(),
  /** The L2 norm of the loss's gradient with respect to the kernel, on the probe batch; null when not finite. */
  gradientNorm: z.number().nonnegative().nullable()
});

export const InsideSchema = z.object({
  probe: z.number().int().positive(),
  bins: z.number().int().positive(),
  /** The layers with a kernel, in order: tfjs' name, words for a reader ("dense 1", "output"), the kernel's weight count. */
  layers: z.array(z.object({ name: z.string(), label: z.string(), weights: z.number().int().positive() })),
  /** Epoch 0 is before training; each later entry follows that epoch's last step. One snapshot per layer. */
  epochs: z.array(z.object({ epoch: z.number().int().nonnegative(), layers: z.array(LayerSnapshot) }))
});

export type Inside = z.infer<typeof InsideSchema>;
export type InsideEpoch = Inside["epochs"][number];
