// The parameters of a search space as declared: one dimension is an integer or float range or a choice.
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
