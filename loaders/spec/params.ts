// The parameters of a search space as declared (one dimension is an integer or float range or a choice), and their names in a reader's words.
import { z } from "zod";

/** One dimension of a search space. */
export const ParamSchema = z.union([
  z.strictObject({ int: z.tuple([z.number().int(), z.number().int()]), step: z.number().int().positive().default(1) }),
  z.strictObject({ float: z.tuple([z.number(), z.number()]), log: z.boolean().default(false) }),
  z.strictObject({ choice: z.array(z.union([z.number(), z.string(), z.boolean()])).min(1) })
]);
export type Param = z.infer<typeof ParamSchema>;
export type Space = Record<string, Param>;
export type Params = Record<string, number | string | boolean>;

/** Search settings as a reader reads them (a setting not listed reads as its own name). */
export const SETTING_WORDS: Record<string, string> = {
  learningRate: "learning rate",
  batchNorm: "batch norm",
  filters0: "first filters",
  filters: "later filters",
  subsample: "subsampling",
  rotationDegrees: "rotation (°)",
  widthShift: "width shift",
  heightShift: "height shift",
  shift: "shift (width and height)",
  decayPerEpoch: "decay per epoch",
  batchSize: "batch size",
  units0: "layer 1 units",
  units1: "layer 2 units",
  units2: "layer 3 units",
  units3: "layer 4 units"
};

/** A setting's name in words: "learningRate" → "learning rate". */
export const settingWord = (setting: string): string => SETTING_WORDS[setting] ?? setting;
